/**
 * `deno task bench`: builds the transpiled modules for Node and Bun, runs
 * `bench/run.mjs` on Deno, Bun and Node in turn, times start-up, and prints
 * per runtime the ns/op table with the ratios to `raw-fifo` and to the best
 * peer, then the median over the runs of each target's ratio.
 *
 * Environment:
 * - `BENCH_QUICK=1`: less work, fewer trials, one run (for iterating).
 * - `BENCH_RUNS=3`: full runs per runtime (default 3; the targets use the
 *   median).
 * - `BENCH_RUNTIMES=deno,bun,node`: which runtimes.
 * - `BENCH_ONLY=a,f`: which workloads (`startup` names the start-up one).
 * - `BENCH_MARKDOWN=path`: also write the tables there as Markdown.
 *
 * @module
 */

import process from "node:process";
import os from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bin, COMMANDS, ROOT, run } from "./_spawn.mjs";
import { FLOOR, OURS, PEERS, RAW } from "./workloads.mjs";

const BUILD = join(ROOT, ".tmp/bench/npm");
const quick = process.env.BENCH_QUICK === "1";
const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
const runtimes = (process.env.BENCH_RUNTIMES ?? "deno,bun,node").split(",");
const only = process.env.BENCH_ONLY?.split(",");
const log = (line) => console.error(line);

/** Which library module each runtime's bench imports. */
const RUNTIMES = {
  deno: { command: COMMANDS.deno, library: "../mod.ts" },
  bun: { command: COMMANDS.bun, library: "../.tmp/bench/npm/mod.js" },
  node: { command: COMMANDS.node, library: "../.tmp/bench/npm/mod.js" },
};

/** Transpiles the modules for Node and Bun with the project's npm build. */
function build() {
  mkdirSync(dirname(BUILD), { recursive: true });
  run([bin("node"), "tools/build_npm.mjs", BUILD]);
}

/** The line of `bench/run.mjs`'s output that starts with `prefix`, less it. */
function lineOf(stdout, prefix) {
  const line = stdout.split("\n").find((l) => l.startsWith(prefix));
  return line.slice(prefix.length);
}

/**
 * One run: each workload in a process of its own, so that no row's numbers
 * depend on which rows ran before it in the process (what the code shared
 * by every primitive has seen, what the collector has grown to), as JMH
 * forks per benchmark. Within a workload every implementation still runs in
 * the one process, and the ratios compare those.
 */
function benchmark(runtime) {
  const { command, library } = RUNTIMES[runtime];
  const argv = [...command(join(ROOT, "bench/run.mjs")), library];
  const ids = benchOnly ??
    lineOf(
      run(argv, { env: { ...process.env, BENCH_LIST: "1" } }).stdout,
      "BENCH_IDS ",
    ).split(",");
  let merged;
  for (const id of ids) {
    const result = JSON.parse(lineOf(
      run(argv, {
        env: { ...process.env, BENCH_ONLY: id },
        stdio: ["ignore", "pipe", "inherit"],
      }).stdout,
      "BENCH_RESULT ",
    ));
    if (merged === undefined) merged = result;
    else Object.assign(merged.results, result.results);
  }
  return merged;
}

/**
 * Start-up: whole processes that import `mod` and an empty module, in
 * alternation, best of several; also the import alone, inside the process.
 */
function startup(runtime) {
  const { command, library } = RUNTIMES[runtime];
  const argv = command(join(ROOT, "bench/startup.mjs"));
  const trials = quick ? 5 : 15;
  const best = { library: Infinity, empty: Infinity };
  const imports = { library: Infinity, empty: Infinity };
  for (let trial = 0; trial < trials + 1; trial++) {
    const pair = trial % 2 === 0
      ? [["library", library], ["empty", "./empty.mjs"]]
      : [["empty", "./empty.mjs"], ["library", library]];
    for (const [name, module] of pair) {
      const start = performance.now();
      const result = run([...argv, module]);
      const ms = performance.now() - start;
      // The first pair warms the runtime's caches.
      if (trial === 0) continue;
      best[name] = Math.min(best[name], ms);
      imports[name] = Math.min(imports[name], Number(result.stdout.trim()));
    }
  }
  return {
    title: "start-up: a process importing mod.ts vs an empty module",
    processMs: best,
    importMs: imports,
    ratio: best.library / best.empty,
  };
}

// --- Ratios and targets -----------------------------------------------------

function bestPeer(impls) {
  let best;
  for (const name of PEERS) {
    if (impls[name] !== undefined && !(impls[name].ns >= best?.ns)) {
      best = { name, ns: impls[name].ns };
    }
  }
  return best;
}

/** Each target as `{ id, target, value, limit, ok }`, for one run. */
function targets(result, start) {
  const out = [];
  const r = result.results;
  const v8 = result.runtime !== "bun";
  const add = (id, target, value, limit, unit = "×") =>
    out.push({ id, target, value, limit, unit, ok: value <= limit });
  const vsPeer = (id) => {
    if (!r[id]) return;
    const peer = bestPeer(r[id].impls);
    add(
      id,
      `≤ best peer (${peer.name})`,
      r[id].impls[OURS].ns / peer.ns,
      1,
    );
  };
  vsPeer("a");
  vsPeer("b");
  vsPeer("c1");
  if (r.c2) {
    add(
      "c2",
      "≤ p-limit",
      r.c2.impls[OURS].ns / r.c2.impls["p-limit"].ns,
      1,
    );
  }
  vsPeer("w1");
  if (r.d1) {
    add("d1", "≤ 1.2× raw-fifo", r.d1.impls[OURS].ns / r.d1.impls[RAW].ns, 1.2);
  }
  vsPeer("d2");
  if (r.e) {
    const peer = bestPeer(r.e.impls);
    add(
      "e",
      `≤ best peer (${peer.name}) per waiter`,
      r.e.impls[OURS].ns / peer.ns,
      1,
    );
    add(
      "e heap",
      `plain wait() ≤ 120 B/waiter${v8 ? "" : " (a V8 target)"}`,
      r.e.impls[OURS].bytes,
      v8 ? 120 : Infinity,
      " B",
    );
  }
  if (r.f) {
    const peer = bestPeer(r.f.impls);
    add(
      "f",
      `≤ 0.5× best peer (${peer.name})`,
      r.f.impls[OURS].ns / peer.ns,
      0.5,
    );
    add("f heap", "growth < 1 B/wait", r.f.impls[OURS].growth, 0.999, " B");
    add(
      "f timers",
      "no cancelled timer left in the deadline heap",
      r.f.impls[OURS].timersLeft,
      0,
      "",
    );
  }
  if (r.f2) {
    add("f2", "≤ 1.3× raw-fifo", r.f2.impls[OURS].ns / r.f2.impls[RAW].ns, 1.3);
    add("f2 heap", "growth < 1 B/wait", r.f2.impls[OURS].growth, 0.999, " B");
    if (r.f2.listenersLeft !== undefined) {
      add("f2 listeners", "none left on the signal", r.f2.listenersLeft, 0, "");
    }
  }
  vsPeer("r1");
  if (r.b1) {
    add("b1", "≤ 1.5× raw-fifo", r.b1.impls[OURS].ns / r.b1.impls[RAW].ns, 1.5);
  }
  vsPeer("g1");
  vsPeer("k1");
  for (const id of ["q1", "q2", "q3"]) {
    if (!r[id]) continue;
    if (bestPeer(r[id].impls) !== undefined) vsPeer(id);
    add(
      id,
      "≤ 1.5× raw-fifo",
      r[id].impls[OURS].ns / r[id].impls[RAW].ns,
      1.5,
    );
    if (id !== "q2") {
      add(
        `${id} heap`,
        `≤ 64 B per queued item${v8 ? "" : " (a V8 target)"}`,
        r[id].impls[OURS].bytes,
        v8 ? 64 : Infinity,
        " B",
      );
    }
  }
  if (start) add("start-up", "≤ 1.1× empty module", start.ratio, 1.1);
  return out;
}

// --- Output -------------------------------------------------------------------

const fmt = (x, digits = 2) =>
  x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);

function table(rows) {
  const lines = [rows[0], rows[0].map(() => "---"), ...rows.slice(1)];
  return lines.map((row) => `| ${row.join(" | ")} |`).join("\n");
}

/** One run's ns/op table for one runtime. */
function runTable(result, start) {
  const names = [OURS, ...PEERS, RAW, FLOOR];
  const rows = [[
    "workload",
    ...names,
    "÷ raw-fifo",
    "÷ best peer",
    "extra",
  ]];
  for (const [id, entry] of Object.entries(result.results)) {
    const impls = entry.impls;
    const peer = bestPeer(impls);
    const extra = [];
    for (const name of [OURS, "async-mutex", RAW]) {
      const m = impls[name];
      if (m?.bytes !== undefined) {
        const per = id.startsWith("q") ? "item" : "waiter";
        extra.push(`${name} ${fmt(m.bytes, 0)} B/${per}`);
      }
      if (m?.growth !== undefined) {
        extra.push(`${name} +${fmt(m.growth, 2)} B/wait`);
      }
      if (m?.timersLeft !== undefined) {
        extra.push(`${name} timers left ${m.timersLeft}`);
      }
    }
    if (entry.listenersLeft !== undefined) {
      extra.push(`listeners left: ${entry.listenersLeft}`);
    }
    rows.push([
      `${id}: ${entry.title}`,
      ...names.map((name) => fmt(impls[name]?.ns, 0)),
      fmt(impls[OURS].ns / impls[RAW]?.ns),
      peer ? fmt(impls[OURS].ns / peer.ns) : "–",
      extra.join("; "),
    ]);
  }
  if (start) {
    rows.push([
      `start-up (ms per process; import alone: ${
        fmt(start.importMs.library)
      } vs ${fmt(start.importMs.empty)} ms)`,
      fmt(start.processMs.library, 1),
      ...PEERS.map(() => "–"),
      "–",
      `empty: ${fmt(start.processMs.empty, 1)}`,
      "–",
      `÷ empty: ${fmt(start.ratio)}`,
    ]);
  }
  return table(rows);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function mediansTable(perRuntime) {
  const rows = [[
    "target",
    ...Object.keys(perRuntime).map((rt) => `${rt} (median of ${runs})`),
  ]];
  const first = Object.values(perRuntime)[0][0];
  for (let i = 0; i < first.length; i++) {
    const row = [`${first[i].id}: ${first[i].target.replace(/ \(.*\)/, "")}`];
    for (const all of Object.values(perRuntime)) {
      const values = all.map((t) => t[i]);
      const m = median(values.map((t) => t.value));
      const ok = m <= values[0].limit;
      const runsText = values.map((t) => fmt(t.value)).join(", ");
      row.push(
        `${ok ? "✅" : "❌"} ${fmt(m)}${values[0].unit.trim()} (${runsText})`,
      );
    }
    rows.push(row);
  }
  return table(rows);
}

// --- Main ---------------------------------------------------------------------

const started = performance.now();
if (runtimes.some((rt) => rt !== "deno")) {
  log("bench: building the modules for Node and Bun");
  build();
}
const results = Object.fromEntries(runtimes.map((rt) => [rt, []]));
const starts = Object.fromEntries(runtimes.map((rt) => [rt, []]));
const benchOnly = only?.filter((id) => id !== "startup");
for (let i = 0; i < runs; i++) {
  for (const runtime of runtimes) {
    log(`bench: run ${i + 1} of ${runs} on ${runtime}`);
    if (only === undefined || benchOnly.length > 0) {
      results[runtime].push(benchmark(runtime));
    } else {
      results[runtime].push({ runtime, version: runtime, results: {} });
    }
    starts[runtime].push(
      only === undefined || only.includes("startup")
        ? startup(runtime)
        : undefined,
    );
  }
}

const perRuntime = {};
let markdown = "";
const out = (text) => {
  console.log(text);
  markdown += text + "\n";
};
out(
  `# @coop/locks benchmarks, ${new Date().toISOString().slice(0, 16)} UTC`,
);
out("");
out(
  `Machine: ${
    os.cpus()[0]?.model ?? "unknown"
  }, ${os.cpus().length} cores, ${os.platform()} ${os.release()}; ` +
    `${
      quick ? "quick mode" : "full mode"
    }, ${runs} run(s) per runtime; ns/op of ${
      results[runtimes[0]][0]?.clock === "wall" ? "wall" : "CPU"
    } time, best of trials.`,
);
for (const runtime of runtimes) {
  const all = results[runtime].map((result, i) =>
    targets(result, starts[runtime][i])
  );
  perRuntime[runtime] = all;
  // The run shown is the one whose ratios are, overall, in the middle.
  const score = (ts) =>
    ts.reduce((sum, t) => sum + (t.unit === "×" ? Math.log(t.value) : 0), 0);
  const order = all.map((ts, i) => [score(ts), i]).sort((a, b) => a[0] - b[0]);
  const shown = order[(order.length - 1) >> 1][1];
  out("");
  out(`## ${results[runtime][shown].version}`);
  out("");
  out(`Run ${shown + 1} of ${runs}:`);
  out("");
  out(runTable(results[runtime][shown], starts[runtime][shown]));
}
out("");
out("## Targets: ratios, median of the runs (each run's value in brackets)");
out("");
out(mediansTable(perRuntime));
if (process.env.BENCH_MARKDOWN) {
  writeFileSync(process.env.BENCH_MARKDOWN, markdown);
}
log(`bench: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
