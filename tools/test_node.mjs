#!/usr/bin/env node
/**
 * `deno task test:node`: the library as JSR serves it to npm users, tested
 * on this Node (20).
 *
 * 1. Builds .tmp/npm (the package) and .tmp/npm-test-node (modules, examples and
 *    every `*_test.ts`, down-levelled so Node 20 parses `using`).
 * 2. Runs every test file with `node --test`, `Deno.test` shimmed over
 *    `node:test` (tools/deno_test_shim.mjs, imported by each test file).
 * 3. Type-checks a Node TypeScript user's file against the built `.d.ts`
 *    (`tsc --noEmit`, `moduleResolution: nodenext`), then runs it, and a
 *    plain-JavaScript user's file, against the built package.
 *
 * Ends with `N passed, N failed`; exits non-zero on any failure.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
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

const tally = new Tally();
const tests = build(tally, "node");

if (tests) {
  const { ok, output } = run(process.execPath, [
    "--test",
    `--test-reporter=${join(ROOT, "tools", "node_reporter.mjs")}`,
    "--test-reporter-destination=stdout",
    "--test-timeout=120000",
    ...tests.files,
  ], { cwd: tests.outDir });
  const counts = output.match(/^node --test: (\d+) passed, (\d+) failed$/m);
  if (counts) {
    const failed = Number(counts[2]) || (ok ? 0 : 1);
    tally.add(
      `node --test (${tests.files.length} files)`,
      Number(counts[1]),
      failed,
    );
  } else {
    tally.check("node --test printed its counts", false);
  }

  const consumer = prepareConsumer("node");
  const [node, tsc] = TSC;
  tally.check(
    "tsc --noEmit: consumer.ts against the built .d.ts (nodenext)",
    run(node, [tsc, "--noEmit", "-p", join(consumer, "tsconfig.json")]).ok,
  );
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
    "node consumer.js (consumer.ts compiled by tsc)",
    run(process.execPath, ["consumer.js"], { cwd: consumer }).ok,
  );
  tally.check(
    "node consumer.mjs (plain JavaScript)",
    run(process.execPath, ["consumer.mjs"], { cwd: consumer }).ok,
  );
}

console.log(`\nNode ${process.version}`);
tally.end();
