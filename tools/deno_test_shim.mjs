/**
 * `Deno.test(name, fn)` for Node and Bun: registers the test with the
 * runtime's own runner (`node:test`, `bun:test`), so the `*_test.ts` files
 * Deno runs run unchanged there. Loaded before the tests with
 * `node --import` / `bun test --preload`.
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
  runner.test(name, () => fn());
}

globalThis.Deno = Object.freeze({ test });
