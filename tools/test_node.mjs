#!/usr/bin/env node
/**
 * `deno task test:node [20] [22] [24]`: the library as JSR serves it to npm
 * users, tested on each Node named (all three by default): 20 is the Node
 * running this script (the machine's), 22 and 24 the `node` npm packages
 * pinned in tools/runtimes/package.json, each run by its package's own
 * `bin/node`.
 *
 * 1. Builds .tmp/npm (the package) and the tests: .tmp/npm-test-node and
 *    .tmp/npm-test-node22 (modules, examples and every `*_test.ts`,
 *    down-levelled to ES2022 so Node 20 and 22 parse `using`; one build
 *    each, so tools/test_all.mjs can run them at once) and
 *    .tmp/npm-test-node24 (`esnext`:
 *    `using` kept as written, which Node 24 runs natively; a check proves
 *    the build still has it).
 * 2. Runs every test file with `node --test`, `Deno.test` shimmed over
 *    `node:test` (tools/deno_test_shim.mjs, imported by each test file).
 * 3. Type-checks a Node TypeScript user's file against the built `.d.ts`
 *    (`tsc --noEmit`, `moduleResolution: nodenext`), then runs it, and a
 *    plain-JavaScript user's file, against the built package, on each Node.
 *
 * Ends with `N passed, N failed`; exits non-zero on any failure.
 *
 * @module
 */

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import {
  build,
  prepareConsumer,
  ROOT,
  run,
  Tally,
  TSC,
} from "./_runtime_suite.mjs";

/** The pinned Node `major` from tools/runtimes, by its package's own bin. */
function pinnedNode(major) {
  return join(
    ROOT,
    "tools",
    "runtimes",
    "node_modules",
    `node${major}`,
    "bin",
    "node",
  );
}

/** Each Node: where it is and which test build it runs. */
const NODES = {
  20: { path: process.execPath, target: "es2022", dir: "node" },
  22: { path: pinnedNode(22), target: "es2022", dir: "node22" },
  24: { path: pinnedNode(24), target: "esnext", dir: "node24" },
};

/** A `using` or `await using` declaration at the start of a line. */
const USING = /^\s*(?:await\s+)?using\s+[\p{L}_$]/mu;

/** The test build's `.js` files, recursively, that declare with `using`. */
function filesWithUsing(dir, base = dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesWithUsing(path, base));
    else if (
      entry.name.endsWith(".js") && USING.test(readFileSync(path, "utf8"))
    ) {
      found.push(path.slice(base.length + 1));
    }
  }
  return found;
}

const asked = process.argv.slice(2);
for (const major of asked) {
  if (!(major in NODES)) {
    console.log(`test_node: unknown Node ${major}; use 20, 22 or 24`);
    process.exit(2);
  }
}
const majors = asked.length > 0 ? asked : Object.keys(NODES);

const tally = new Tally();
const versions = [];
let consumerChecked = false;

for (const major of majors) {
  const { path, target, dir } = NODES[major];
  const runtime = `node${major}`;
  const version = run(path, ["--version"]).output.trim();
  versions.push(version);
  if (!version.startsWith(`v${major}.`)) {
    // Node 20 is the running Node: on a machine whose Node is another
    // major, say so rather than pretend.
    console.log(`test_node: expected Node ${major}, found ${version}`);
    if (major !== "20") {
      tally.check(`Node ${major} is ${version}`, false);
      continue;
    }
  }
  const label = `Node ${version}`;
  const tests = build(tally, runtime, { dir, target });
  if (!tests) continue;

  const withUsing = filesWithUsing(tests.outDir);
  if (target === "esnext") {
    // What makes this run native `using` on this Node, not down-levelled.
    tally.check(
      `${label}: the esnext test build keeps \`using\` (${withUsing.length} files: ${
        withUsing.join(", ")
      })`,
      withUsing.some((file) => file.endsWith("_test.js")),
    );
  } else if (withUsing.length > 0) {
    tally.check(
      `${label}: the es2022 test build has no \`using\` left (found in ${withUsing})`,
      false,
    );
  }

  const { ok, output } = run(path, [
    "--test",
    `--test-reporter=${join(ROOT, "tools", "node_reporter.mjs")}`,
    "--test-reporter-destination=stdout",
    // Each file runs as one test of its own, timed as a whole: model_test
    // takes half a minute alone, and several times that on a busy machine
    // (tools/test_all.mjs runs two suites at once). A test that can never
    // settle is caught anyway: Node ends it when nothing is left to run.
    "--test-timeout=600000",
    ...tests.files,
  ], {
    cwd: tests.outDir,
    env: { DENO_TEST_SHIM_SKIP: JSON.stringify(tests.skips) },
  });
  const counts = output.match(/^node --test: (\d+) passed, (\d+) failed$/m);
  if (counts) {
    const failed = Number(counts[2]) || (ok ? 0 : 1);
    tally.add(
      `${label}: node --test (${tests.files.length} files, target ${target})`,
      Number(counts[1]),
      failed,
    );
  } else {
    tally.check(`${label}: node --test printed its counts`, false);
  }

  const consumer = prepareConsumer(runtime);
  if (!consumerChecked) {
    // The type check is the compiler's, whatever Node runs it: once.
    consumerChecked = true;
    const [node, tsc] = TSC;
    tally.check(
      "tsc --noEmit: consumer.ts against the built .d.ts (nodenext)",
      run(node, [tsc, "--noEmit", "-p", join(consumer, "tsconfig.json")]).ok,
    );
  }
  // A Node TypeScript user compiles, then runs the JavaScript.
  const source = readFileSync(join(consumer, "consumer.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
    },
    fileName: "consumer.ts",
  });
  writeFileSync(join(consumer, "consumer.js"), outputText);
  tally.check(
    `${label}: node consumer.js (consumer.ts compiled by tsc)`,
    run(path, ["consumer.js"], { cwd: consumer }).ok,
  );
  tally.check(
    `${label}: node consumer.mjs (plain JavaScript)`,
    run(path, ["consumer.mjs"], { cwd: consumer }).ok,
  );
}

console.log(`\n${versions.map((v) => `Node ${v}`).join(", ")}`);
tally.end();
