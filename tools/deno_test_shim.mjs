/**
 * `Deno.test(name, fn)` for Node and Bun: registers the test with the
 * runtime's own runner (`node:test`, `bun:test`), so the `*_test.ts` files
 * Deno runs run unchanged there. tools/build_npm.mjs --tests prepends
 * `import { Deno } from ".../deno_test_shim.mjs"` to each transpiled test
 * file; no global `Deno` is defined, so the library sees the runtime's own
 * globals, as a user's program does.
 *
 * A test named in `DENO_TEST_SHIM_SKIP` (JSON `{ [name]: reason }`, set by
 * the runner from SKIPPED in tools/_runtime_suite.mjs) is registered as
 * skipped, with its reason.
 *
 * Only the plain form is supported; any other (an options object, a
 * `TestContext` with `t.step`) throws, so a test that is not
 * runtime-neutral fails loudly instead of being skipped.
 *
 * @module
 */

const runner = globalThis.Bun
  ? await import("bun:test")
  : await import("node:test");

const skipped = JSON.parse(globalThis.process?.env.DENO_TEST_SHIM_SKIP || "{}");

function test(name, fn) {
  if (
    typeof name !== "string" || typeof fn !== "function" ||
    arguments.length !== 2
  ) {
    throw new TypeError(
      "deno_test_shim: only Deno.test(name, fn) is supported on Node and Bun",
    );
  }
  if (fn.length > 0) {
    throw new TypeError(
      `deno_test_shim: "${name}" takes a TestContext, which Node and Bun do not have`,
    );
  }
  if (Object.hasOwn(skipped, name)) {
    if (globalThis.Bun) runner.test.skip(name, () => fn());
    else runner.test(name, { skip: skipped[name] }, () => fn());
    return;
  }
  runner.test(name, () => fn());
}

/** What a test file calls `Deno`; tools/build_npm.mjs imports it into each. */
export const Deno = Object.freeze({ test });
