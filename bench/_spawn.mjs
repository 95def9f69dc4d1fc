/**
 * What `bench/main.mjs` and `bench/versus.mjs` share: the project root, the
 * pinned runtimes, how each runs a bench script, and a child process that
 * must succeed.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's root directory. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The pinned binary `name`, else the one on `PATH`. */
export function bin(name) {
  if (name === "deno" && globalThis.Deno !== undefined) {
    return Deno.execPath();
  }
  for (const dir of ["tools/runtimes/node_modules/.bin", "node_modules/.bin"]) {
    const local = join(ROOT, dir, name);
    if (existsSync(local)) return local;
  }
  return name;
}

/** How each runtime runs a bench script, with a collection on call. */
export const COMMANDS = {
  deno: (
    script,
  ) => [bin("deno"), "run", "-A", "--v8-flags=--expose-gc", script],
  bun: (script) => [bin("bun"), "run", script],
  node: (script) => [bin("node"), "--expose-gc", script],
};

/** Runs `argv` in the root; throws with its stderr unless it exits with 0. */
export function run(argv, options = {}) {
  const [command, ...args] = argv;
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  if (result.status !== 0) {
    throw new Error(
      `${argv.join(" ")} failed (${result.status ?? result.signal}):\n` +
        result.stderr,
    );
  }
  return result;
}
