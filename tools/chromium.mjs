#!/usr/bin/env node
/**
 * Finds the system's Chromium, installing Debian's `chromium` package when
 * none is on PATH, so a clean machine (CI runs as root) needs no step of
 * its own. Playwright never downloads a browser here: tools/test_browser.mjs
 * launches this one by its path.
 *
 *     node tools/chromium.mjs   # prints the path, installing it if absent
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const NAMES = ["chromium", "chromium-browser"];

/** The first `chromium` on PATH, or `undefined`. */
export function findChromium() {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const name of NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // Not here.
      }
    }
  }
  return undefined;
}

/**
 * The path of Chromium; when it is absent and this is root on a system
 * with apt-get, runs `apt-get update && apt-get install -y chromium` first,
 * printing what it does. Throws when it cannot be had.
 */
export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const root = process.getuid?.() === 0;
  if (!root) {
    throw new Error(
      "chromium is not on PATH: install Debian's `chromium` package (as root: apt-get update && apt-get install -y chromium)",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (
    const args of [
      ["update"],
      ["install", "-y", "--no-install-recommends", "chromium"],
    ]
  ) {
    console.log(`chromium is not on PATH; running: apt-get ${args.join(" ")}`);
    const result = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (result.status !== 0) {
      throw new Error(
        `apt-get ${args.join(" ")} failed (${
          result.error ?? `exit ${result.status}`
        })`,
      );
    }
  }
  const installed = findChromium();
  if (!installed) {
    throw new Error("apt-get installed chromium, yet it is not on PATH");
  }
  console.log(`installed ${installed}`);
  return installed;
}

if (
  process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  console.log(ensureChromium());
}
