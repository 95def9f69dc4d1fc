#!/usr/bin/env node
/**
 * `deno task test:bun`: the library as JSR serves it to Bun users (the
 * transpiled `.js`), tested on the pinned Bun.
 *
 * 1. Builds .tmp/npm (the package) and .tmp/npm-test-bun (modules, examples and
 *    every `*_test.ts`).
 * 2. Runs every test file with `bun test`, `Deno.test` shimmed over
 *    `bun:test` (tools/deno_test_shim.mjs, imported by each test file).
 * 3. Runs a Bun TypeScript user's file (Bun runs the `.ts` as it is, `using`
 *    and all) and a plain-JavaScript user's file against the built package.
 *
 * Ends with `N passed, N failed`; exits non-zero on any failure.
 *
 * @module
 */

import { bin, build, prepareConsumer, run, Tally } from "./_runtime_suite.mjs";

const tally = new Tally();
const tests = build(tally, "bun");
const bun = bin("bun");

if (tests) {
  const { ok, output } = run(bun, [
    "test",
    // Bun, unlike Deno and Node, does not notice a test whose promise can
    // never settle; it waits out the timeout. The slowest test takes about
    // 1 s, so a broken build that hangs many tests still ends in minutes.
    "--timeout=10000",
    ...tests.files.map((file) => `./${file}`),
  ], {
    cwd: tests.outDir,
    env: { DENO_TEST_SHIM_SKIP: JSON.stringify(tests.skips) },
    hide: /^\(pass\) /,
  });
  const counts = bunCounts(output);
  if (counts) {
    const failed = counts.failed || (ok ? 0 : 1);
    tally.add(`bun test (${tests.files.length} files)`, counts.passed, failed);
  } else {
    tally.check("bun test printed its counts", false);
  }

  const consumer = prepareConsumer("bun");
  tally.check(
    "bun consumer.ts (TypeScript, as Bun runs it)",
    run(bun, ["consumer.ts"], { cwd: consumer }).ok,
  );
  tally.check(
    "bun consumer.mjs (plain JavaScript)",
    run(bun, ["consumer.mjs"], { cwd: consumer }).ok,
  );
}

const version = run(bun, ["--version"]);
console.log(`\nBun ${version.output.trim()}`);
tally.end();

/**
 * `bun test` ends with ` 12 pass`, ` 0 fail` and, for errors outside any
 * test (a file that fails to load), ` 1 errors`; each error counts as a
 * failed test.
 */
function bunCounts(output) {
  const count = (word) => {
    const matches = [
      ...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}$`, "gm")),
    ];
    return matches.length ? Number(matches.at(-1)[1]) : undefined;
  };
  const passed = count("pass");
  const failed = count("fail");
  if (passed === undefined || failed === undefined) return undefined;
  return { passed, failed: failed + (count("errors?") ?? 0) };
}
