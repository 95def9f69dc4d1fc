/**
 * `node:process` in the browser: only what lets a test file that imports
 * it load. A page has no process: no `execPath`, no environment, no
 * runtime `versions`. Tests that need them are skipped in the browser
 * (SKIPPED in tools/_runtime_suite.mjs).
 *
 * @module
 */

const process = Object.freeze({
  env: Object.freeze({}),
  versions: Object.freeze({}),
  execPath: undefined,
});

export default process;
export const { env, versions, execPath } = process;
