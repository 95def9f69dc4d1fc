/**
 * `Deno.test(name, fn)` for the browser: the page's version of
 * tools/deno_test_shim.mjs, which the page's import map puts in its place.
 * A test file registers its tests here as it loads; tools/browser/run.mjs
 * then runs them one by one and reports to tools/test_browser.mjs.
 *
 * As on Node and Bun, only the plain form is supported; any other throws.
 *
 * @module
 */

/** The tests registered so far, in order: `{ name, fn }`. */
export const registered = [];

function test(name, fn) {
  if (
    typeof name !== "string" || typeof fn !== "function" ||
    arguments.length !== 2
  ) {
    throw new TypeError(
      "deno_test_shim: only Deno.test(name, fn) is supported in the browser",
    );
  }
  if (fn.length > 0) {
    throw new TypeError(
      `deno_test_shim: "${name}" takes a TestContext, which the browser runner does not have`,
    );
  }
  registered.push({ name, fn });
}

/** What a test file calls `Deno`; tools/build_npm.mjs imports it into each. */
export const Deno = Object.freeze({ test });
