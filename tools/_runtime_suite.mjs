/**
 * What tools/test_node.mjs, tools/test_bun.mjs and tools/test_browser.mjs
 * share: building, the table of skipped tests, the consumer project,
 * running a step, and the closing `N passed, N failed` line that
 * tools/test_all.mjs adds up.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPackage, buildTests } from "./build_npm.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * What cannot run on some runtime, each with the reason: a whole test file
 * (no `test`) or one test by its exact name (the string given to
 * `Deno.test`; names are unique across the suite). Keep it short: an entry
 * belongs here only when the runtime lacks what the test is about (a child
 * process, the file system, the environment), never to hide a failure.
 *
 * `runtimes` names a family (`"node"`, `"bun"`, `"browser"`) or one Node
 * (`"node20"`, `"node22"`, `"node24"`). The runners print every skip; a
 * skipped test counts neither as passed nor as failed.
 *
 * @type {{ file: string, test?: string, runtimes: string[], reason: string }[]}
 */
export const SKIPPED = [
  {
    file: "ioloop_test.ts",
    test:
      "IOLoop.current() on real timers lets the process exit once nothing is pending",
    runtimes: ["browser"],
    reason: "spawns a child process (node:child_process); a page has none",
  },
  {
    file: "ioloop_test.ts",
    test:
      "IOLoop.current() on real timers keeps the process alive while a timer is pending",
    runtimes: ["browser"],
    reason: "spawns a child process (node:child_process); a page has none",
  },
  {
    file: "web_lock_test.ts",
    test:
      "navigator.locks: WebLock keeps this thread and a worker contending for one name out of each other (100 sections each)",
    runtimes: ["node24"],
    reason:
      "Node 24.21's navigator.locks lets the main thread and a worker_thread hold one exclusive lock at once (2 overlaps in 200 sections in a CI run), as it does two workers: a platform bug, see README's Across workers and tabs",
  },
  {
    file: "web_lock_test.ts",
    test:
      "navigator.locks: WebLock keeps two workers contending for one name out of each other (100 sections each)",
    runtimes: ["node24"],
    reason:
      "Node 24.21's navigator.locks lets two worker_threads hold one exclusive lock at once even with nothing else queued (2 overlaps in 200 sections in a CI run; 4 of 12 runs of the test overlapped, on two commits): a platform bug, see README's Across workers and tabs",
  },
  {
    file: "web_lock_test.ts",
    test:
      "navigator.locks: WebLock keeps two workers out of each other while this thread has a request queued for another lock (100 sections each)",
    runtimes: ["node24"],
    reason:
      "Node 24.21's navigator.locks lets two worker_threads hold one exclusive lock at once while another thread has a request queued (2 to 4 overlaps in 200 sections, and 5 of 6 runs stalled): a platform bug, see README's Across workers and tabs",
  },
  {
    file: "web_lock_test.ts",
    test:
      "navigator.locks: WebLock.acquire() that times out, is aborted or is closed withdraws its request from the platform's queue at once",
    runtimes: ["node24"],
    reason:
      "Node 24.21 keeps an aborted request in its queue and in query()'s pending list until the lock frees (the request promise does reject at once)",
  },
];

/** Whether a SKIPPED entry's `runtimes` covers `runtime` (`node24` is in `node`). */
function covers(entry, runtime) {
  return entry.runtimes.includes(runtime) ||
    entry.runtimes.includes(runtime.replace(/\d+$/, ""));
}

/**
 * The tests skipped one by one on `runtime`: `{ [name]: reason }`, which
 * tools/deno_test_shim.mjs reads from `DENO_TEST_SHIM_SKIP` (Node, Bun) and
 * tools/browser/deno_test_shim.mjs from the page.
 */
export function skippedTests(runtime) {
  const skips = {};
  for (const entry of SKIPPED) {
    if (entry.test !== undefined && covers(entry, runtime)) {
      skips[entry.test] = `${entry.file}: ${entry.reason}`;
    }
  }
  return skips;
}

/** Counts passed and failed tests and checks; prints the closing line. */
export class Tally {
  passed = 0;
  failed = 0;
  #lines = [];

  /** Adds a suite's own counts. */
  add(name, passed, failed) {
    this.passed += passed;
    this.failed += failed;
    this.#lines.push(
      `${failed ? "FAIL" : "ok  "} ${name}: ${passed} passed, ${failed} failed`,
    );
  }

  /** Adds one check that passed or failed. */
  check(name, ok) {
    this.add(name, ok ? 1 : 0, ok ? 0 : 1);
  }

  /** Prints the summary and the final line; sets the exit code. */
  end() {
    console.log(`\n${this.#lines.join("\n")}`);
    console.log(`${this.passed} passed, ${this.failed} failed`);
    process.exitCode = this.failed === 0 ? 0 : 1;
  }
}

/** Finds a pinned tool: tools/runtimes first (where CI installs it), then the repo's. */
export function bin(name) {
  for (const dir of ["tools/runtimes/node_modules/.bin", "node_modules/.bin"]) {
    const path = join(ROOT, dir, name);
    if (existsSync(path)) return path;
  }
  return name;
}

/** The pinned TypeScript compiler, run by this Node. */
export const TSC = [
  process.execPath,
  join(ROOT, "node_modules", "typescript", "bin", "tsc"),
];

/**
 * Runs a command, echoing its output but the lines `hide` matches; returns
 * its status and whole output.
 */
export function run(command, args, { cwd = ROOT, env = {}, hide } = {}) {
  const shown = [command, ...args].map((a) =>
    a.startsWith(ROOT) ? relative(ROOT, a) || "." : a
  );
  console.log(`\n$ ${shown.join(" ")}`);
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
    timeout: 10 * 60 * 1000,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  process.stdout.write(
    hide
      ? output.split("\n").filter((line) => !hide.test(line)).join("\n")
      : output,
  );
  if (result.error) console.log(String(result.error));
  return { ok: result.status === 0, status: result.status, output };
}

/**
 * Builds the package (.tmp/npm) and the tests (.tmp/npm-test-<dir>, by
 * default <dir> = `runtime`, down-levelled to `target`: see
 * tools/build_npm.mjs); returns the test files to run, relative to the test
 * build, minus the files skipped on `runtime`, and the tests skipped one by
 * one there.
 */
export function build(
  tally,
  runtime,
  { dir = runtime, target = "es2022" } = {},
) {
  try {
    const pkg = buildPackage();
    console.log(`build_npm: ${pkg.files.length} files in .tmp/npm`);
    // One test build per runtime, so test:node and test:bun can run at once.
    const tests = buildTests(join(ROOT, ".tmp", `npm-test-${dir}`), {
      target,
    });
    console.log(
      `build_npm --tests --target=${target}: ${tests.files.length} files in .tmp/npm-test-${dir}`,
    );
    const files = [];
    for (const file of tests.tests) {
      const source = file.replace(/\.js$/, ".ts");
      const skip = SKIPPED.find((entry) =>
        entry.file === source && entry.test === undefined &&
        covers(entry, runtime)
      );
      if (skip) {
        console.log(`skipped on ${runtime}: ${source}: ${skip.reason}`);
      } else {
        files.push(file);
      }
    }
    const skips = skippedTests(runtime);
    for (const [name, reason] of Object.entries(skips)) {
      console.log(`skipped on ${runtime}: "${name}": ${reason}`);
    }
    console.log(`${files.length} test files: ${files.join(", ")}`);
    return { outDir: tests.outDir, files, skips };
  } catch (error) {
    console.log(error);
    tally.check("build_npm", false);
    return undefined;
  }
}

/**
 * Sets up .tmp/consumer-<runtime>: the files of tools/consumer, with
 * node_modules/@coop/locks linking to .tmp/npm as an installed package.
 */
export function prepareConsumer(runtime) {
  const CONSUMER = join(ROOT, ".tmp", `consumer-${runtime}`);
  rmSync(CONSUMER, { recursive: true, force: true });
  cpSync(join(ROOT, "tools", "consumer"), CONSUMER, { recursive: true });
  // Kept as `.in` files in the repo: `deno check .` would resolve their
  // `@coop/locks` imports through deno.json's import map, not as npm does.
  for (const file of ["consumer.ts", "consumer.mjs"]) {
    renameSync(join(CONSUMER, `${file}.in`), join(CONSUMER, file));
  }
  const scope = join(CONSUMER, "node_modules", "@coop");
  mkdirSync(scope, { recursive: true });
  symlinkSync(
    relative(scope, join(ROOT, ".tmp", "npm")),
    join(scope, "locks"),
    "dir",
  );
  // @types/node, like a Node TypeScript project has it.
  symlinkSync(
    relative(
      join(CONSUMER, "node_modules"),
      join(ROOT, "node_modules", "@types"),
    ),
    join(CONSUMER, "node_modules", "@types"),
    "dir",
  );
  return CONSUMER;
}
