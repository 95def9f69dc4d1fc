#!/usr/bin/env node
// Runs every check and every test suite on Deno, Node 20, 22 and 24, Bun
// and Chromium, and ends with one plain line `N passed, N failed` that adds
// them all up.
//
// A check (fmt, lint, type check, doc lint, publish dry run) counts as one
// test; a suite counts its own tests from the summary line it prints.

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runtimes = join(root, "tools", "runtimes", "node_modules", ".bin");
const env = {
  ...process.env,
  PATH: `${runtimes}:${process.env.PATH}`,
  NO_COLOR: "1",
};

const checks = [
  ["deno fmt --check", ["deno", "fmt", "--check"]],
  ["deno lint", ["deno", "lint"]],
  ["deno check", ["deno", "check", "."]],
  ["deno doc --lint", ["deno", "doc", "--lint", "mod.ts"]],
  ["deno publish --dry-run", ["deno", "publish", "--dry-run", "--allow-dirty"]],
];

const suites = [
  ["Deno", ["deno", "task", "test"], denoCounts],
  ["Node 20", ["deno", "task", "test:node", "20"], plainCounts],
  ["Node 22", ["deno", "task", "test:node", "22"], plainCounts],
  ["Node 24", ["deno", "task", "test:node", "24"], plainCounts],
  ["Bun", ["deno", "task", "test:bun"], plainCounts],
];

let passed = 0;
let failed = 0;
const summary = [];

for (const [name, [command, ...args]] of checks) {
  const ok = run(command, args).status === 0;
  if (ok) passed++;
  else failed++;
  summary.push(`${ok ? "ok  " : "FAIL"} ${name}`);
}

for (const [name, [command, ...args], countsOf] of suites) {
  const result = run(command, args);
  const counts = countsOf(result.output);
  if (counts === undefined) {
    failed++;
    summary.push(`FAIL ${name}: printed no test counts`);
    continue;
  }
  passed += counts.passed;
  // A suite that exits non-zero has failed, whatever it counted.
  const suiteFailed = counts.failed || (result.status === 0 ? 0 : 1);
  failed += suiteFailed;
  summary.push(
    `${
      suiteFailed ? "FAIL" : "ok  "
    } ${name}: ${counts.passed} passed, ${suiteFailed} failed`,
  );
}

console.log(`\n${summary.join("\n")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;

function run(command, args) {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: root,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  process.stdout.write(output);
  if (result.error) console.log(String(result.error));
  return { status: result.status ?? 1, output };
}

// `deno test` ends with `ok | 12 passed | 0 failed (3s)`.
function denoCounts(output) {
  const matches = [
    ...output.matchAll(/(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g),
  ];
  const last = matches.at(-1);
  return last && { passed: Number(last[1]), failed: Number(last[2]) };
}

// The Node, Bun and browser suites end with a plain `12 passed, 0 failed` line.
function plainCounts(output) {
  const matches = [...output.matchAll(/^(\d+) passed, (\d+) failed$/gm)];
  const last = matches.at(-1);
  return last && { passed: Number(last[1]), failed: Number(last[2]) };
}
