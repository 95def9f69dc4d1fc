#!/usr/bin/env node
// Runs every check and every test suite on Deno, Node 20, 22 and 24, Bun
// and Chromium, and ends with one plain line `N passed, N failed` that adds
// them all up.
//
// A check (fmt, lint, type check, doc lint, publish dry run) counts as one
// test; a suite counts its own tests from the summary line it prints.

import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
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

// Longest first, so that the runs at once end near together.
const suites = [
  ["Node 20", ["deno", "task", "test:node", "20"], plainCounts],
  ["Node 22", ["deno", "task", "test:node", "22"], plainCounts],
  ["Node 24", ["deno", "task", "test:node", "24"], plainCounts],
  ["Chromium", ["deno", "task", "test:browser"], plainCounts],
  ["Deno", ["deno", "task", "test"], denoCounts],
  ["Bun", ["deno", "task", "test:bun"], plainCounts],
];

// Each suite keeps about one core busy (`node --test` runs one file at a
// time on two cores, `deno test` and `bun test` one process, Chromium one
// page), so as many run at once as there are cores; TEST_JOBS=1 runs them
// one after another. Each suite's output is printed whole when it ends.
const jobs = Math.max(
  1,
  Number(process.env.TEST_JOBS) || availableParallelism(),
);

let passed = 0;
let failed = 0;
const summary = [];
const started = performance.now();

for (const [name, [command, ...args]] of checks) {
  const result = await run(command, args);
  const ok = result.status === 0;
  if (ok) passed++;
  else failed++;
  summary.push(`${ok ? "ok  " : "FAIL"} ${name} (${result.seconds} s)`);
}

// The package build every suite starts with, once before they run at once.
const built = await run(process.execPath, ["tools/build_npm.mjs"]);
if (built.status !== 0) {
  failed++;
  summary.push("FAIL build_npm");
}

const results = new Array(suites.length);
let next = 0;
console.log(`\n${suites.length} suites, ${jobs} at a time`);
await Promise.all(
  Array.from({ length: Math.min(jobs, suites.length) }, async () => {
    while (next < suites.length) {
      const index = next++;
      const [, [command, ...args]] = suites[index];
      results[index] = await run(command, args);
    }
  }),
);

for (const [index, [name, , countsOf]] of suites.entries()) {
  const result = results[index];
  const counts = countsOf(result.output);
  if (counts === undefined) {
    failed++;
    summary.push(`FAIL ${name}: printed no test counts (${result.seconds} s)`);
    continue;
  }
  passed += counts.passed;
  // A suite that exits non-zero has failed, whatever it counted.
  const suiteFailed = counts.failed || (result.status === 0 ? 0 : 1);
  failed += suiteFailed;
  summary.push(
    `${
      suiteFailed ? "FAIL" : "ok  "
    } ${name}: ${counts.passed} passed, ${suiteFailed} failed (${result.seconds} s)`,
  );
}

const total = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\n${summary.join("\n")}\n(${total} s in all, ${jobs} at a time)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;

/** Runs a command; prints its output whole when it ends. */
function run(command, args) {
  const line = `$ ${command} ${args.join(" ")}`;
  const begun = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks = [];
    child.stdout.on("data", (chunk) => chunks.push(chunk));
    child.stderr.on("data", (chunk) => chunks.push(chunk));
    let ended = false;
    const end = (status, error) => {
      if (ended) return;
      ended = true;
      const output = Buffer.concat(chunks).toString("utf8");
      const seconds = ((performance.now() - begun) / 1000).toFixed(1);
      process.stdout.write(`\n${line}\n${output}`);
      if (error) console.log(String(error));
      console.log(`(${seconds} s)`);
      resolve({ status, output, seconds });
    };
    child.once("error", (error) => end(1, error));
    child.once("close", (status) => end(status ?? 1));
  });
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
