/**
 * `node:child_process` in the browser: a page has no processes. It exists
 * so that a test file importing it loads; each test that spawns a process
 * is skipped in the browser (SKIPPED in tools/_runtime_suite.mjs), and one
 * that is not fails here, saying why.
 *
 * @module
 */

function unavailable(name) {
  return () => {
    throw new Error(
      `node:child_process.${name}: a browser page has no child processes; skip this test in the browser (SKIPPED in tools/_runtime_suite.mjs)`,
    );
  };
}

export const execFile = unavailable("execFile");
export const spawn = unavailable("spawn");
export const exec = unavailable("exec");
export default { execFile, spawn, exec };
