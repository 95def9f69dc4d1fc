/**
 * `deno task bench:versus REV`: this tree against an earlier commit, run
 * side by side, to see what a change cost each row:
 *
 *     deno task bench:versus fd5a15a            # against 0.1
 *     BENCH_RUNS=6 BENCH_RUNTIMES=deno BENCH_ONLY=a,c1 deno task bench:versus HEAD~3
 *
 * The commit is unpacked into `.tmp/versus/REV` (and built for Node and Bun
 * there), then `bench/run.mjs` runs once per library per round, each row in
 * a process of its own, the two alternating and the first of each pair
 * swapped every round, so that a machine that slows down for a minute charges both.
 * Only what one process measures is compared: each row's ratio to its
 * yardstick (the best peer, or `raw-fifo`, or p-limit for c2, as
 * `deno task bench` reports them), never nanoseconds across processes.
 * A commit that lacks classes the workload table builds gets them from this
 * tree; the rows that use them are not worth comparing.
 *
 * Environment: `BENCH_RUNS` (rounds, default 4), `BENCH_RUNTIMES`
 * (default deno,bun,node), `BENCH_ONLY` (default a,b,c1,c2,d1,d2,e,f,f2),
 * `BENCH_TRIALS` (passed on, default 7), `BENCH_YARDSTICK` (one
 * implementation, as `raw-fifo`, to measure every row against instead).
 *
 * @module
 */

import {
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { bin, COMMANDS, ROOT, run } from "./_spawn.mjs";

const rev = process.argv[2];
if (rev === undefined) throw new Error("Usage: bench/versus.mjs REV");
const rounds = Number(process.env.BENCH_RUNS ?? 4);
const runtimes = (process.env.BENCH_RUNTIMES ?? "deno,bun,node").split(",");
const only = process.env.BENCH_ONLY ?? "a,b,c1,c2,d1,d2,e,f,f2";
const trials = process.env.BENCH_TRIALS ?? "7";
const yardstickFor = process.env.BENCH_YARDSTICK;

// Each row's yardstick, as bench/main.mjs's targets read them: the best
// peer, or raw-fifo for a row that has none.
const YARDSTICK = { c2: "p-limit", d1: "raw-fifo", f2: "raw-fifo" };
const NOT_PEERS = new Set(["@coop/locks", "raw-fifo", "floor"]);

// The commit's tree, with this tree's dev dependencies, built for npm.
const sha = run(["git", "rev-parse", "--short", rev]).stdout.trim();
const OLD = join(ROOT, ".tmp/versus", sha);
if (!existsSync(OLD)) {
  mkdirSync(OLD, { recursive: true });
  run(["sh", "-c", `git archive ${sha} | tar -x -C '${OLD}'`]);
  symlinkSync(join(ROOT, "node_modules"), join(OLD, "node_modules"), "dir");
}
const NOW_NPM = join(ROOT, ".tmp/versus/now-npm");
const OLD_NPM = join(ROOT, ".tmp/versus", `${sha}-npm`);
if (runtimes.some((runtime) => runtime !== "deno")) {
  run([bin("node"), "tools/build_npm.mjs", NOW_NPM]);
  run([bin("node"), "tools/build_npm.mjs", OLD_NPM], { cwd: OLD });
}

// What this tree exports that the commit does not, and from which module.
const missing = [];
const then = await import(join(OLD, "mod.ts"));
const { exports } = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
for (const [subpath, file] of Object.entries(exports)) {
  if (subpath === ".") continue;
  for (const name of Object.keys(await import(join(ROOT, file)))) {
    if (!(name in then)) missing.push([name, file.replace(/^\.\//, "")]);
  }
}
function shim(path, library, from, extension) {
  const lines = [`export * from "${library}";`];
  for (const [name, file] of missing) {
    lines.push(
      `export { ${name} } from "${
        join(from, file.replace(/\.ts$/, extension))
      }";`,
    );
  }
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}
const LIBRARIES = {
  deno: {
    [sha]: shim(`${OLD}.ts`, join(OLD, "mod.ts"), ROOT, ".ts"),
    now: join(ROOT, "mod.ts"),
  },
  npm: {
    [sha]: shim(`${OLD_NPM}.mjs`, join(OLD_NPM, "mod.js"), NOW_NPM, ".js"),
    now: join(NOW_NPM, "mod.js"),
  },
};

// Each row in a process of its own, as `deno task bench` runs them.
function ratios(library, runtime) {
  const result = {};
  for (const id of only.split(",")) {
    const { stdout } = run(
      [...COMMANDS[runtime](join(ROOT, "bench/run.mjs")), library],
      {
        env: { ...process.env, BENCH_ONLY: id, BENCH_TRIALS: trials },
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
    Object.assign(
      result,
      rowRatios(JSON.parse(line.slice("BENCH_RESULT ".length)).results),
    );
  }
  return result;
}

function rowRatios(results) {
  const result = {};
  for (const [row, { impls }] of Object.entries(results)) {
    const peers = Object.keys(impls).filter((name) => !NOT_PEERS.has(name));
    const yardstick = yardstickFor ?? YARDSTICK[row] ??
      (peers.length === 0
        ? "raw-fifo"
        : peers.reduce((a, b) => impls[a].ns <= impls[b].ns ? a : b));
    result[row] = impls["@coop/locks"].ns / impls[yardstick].ns;
  }
  return result;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
};
// Three significant digits: two decimals would round a ratio of 0.12 and
// one of 0.13 apart by 8%.
const fixed = (value) => value.toPrecision(3);

for (const runtime of runtimes) {
  const libraries = LIBRARIES[runtime === "deno" ? "deno" : "npm"];
  const runs = { [sha]: {}, now: {} };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [sha, "now"] : ["now", sha];
    for (const label of order) {
      console.error(`${runtime}: round ${round + 1} of ${rounds}, ${label}`);
      for (
        const [row, ratio] of Object.entries(ratios(libraries[label], runtime))
      ) {
        (runs[label][row] ??= []).push(ratio);
      }
    }
  }
  console.log(
    `\n${runtime}: ratio to ${
      yardstickFor ?? "each row's yardstick"
    }, ${sha} → now`,
  );
  console.log(
    "| row | " + sha + " | now | change |\n| --- | --- | --- | --- |",
  );
  for (const row of Object.keys(runs.now)) {
    const before = median(runs[sha][row]);
    const after = median(runs.now[row]);
    const change = ((after / before - 1) * 100).toFixed(1);
    console.log(
      `| ${row} | ${fixed(before)} (${
        runs[sha][row].map(fixed).join(", ")
      }) | ` +
        `${fixed(after)} (${
          runs.now[row].map(fixed).join(", ")
        }) | ${change}% |`,
    );
  }
}
