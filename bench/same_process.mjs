/**
 * Row f's loop for several builds of the library in one process, to tell
 * apart two versions whose ratios to a peer differ by less than the spread
 * between processes:
 *
 *     node --expose-gc bench/same_process.mjs timeout \
 *       .tmp/versus/fd5a15a-npm/mod.js .tmp/versus/now-npm/mod.js \
 *       .tmp/versus/fd5a15a-npm/mod.js?again .tmp/versus/now-npm/mod.js?again
 *
 * The first argument is the wait's options: `timeout` (row f), `signal`
 * (row f2) or `none` (a queued plain acquire). Then the library modules,
 * as paths; a query string loads a second instance of the same build, which
 * shows how far two copies of one build stand apart. Each gets its own
 * compiled copy of the loop, so no call site sees two libraries. Trials
 * rotate the order; each prints the median and the best ns per wait, and
 * both as ratios to the first module's. `BENCH_TRIALS` sets the trials
 * (default 30). Deno and Bun run it too (`deno run -A
 * --v8-flags=--expose-gc`, `bun`).
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";

const [mode, ...paths] = process.argv.slice(2);
const OPTIONS = {
  timeout: { timeout: 1000 },
  signal: { signal: new AbortController().signal },
  none: undefined,
};
if (!Object.hasOwn(OPTIONS, mode ?? "") || paths.length === 0) {
  throw new Error(
    "Usage: bench/same_process.mjs timeout|signal|none LIBRARY_MODULE...",
  );
}
const N = 250_000;
const trials = Number(process.env.BENCH_TRIALS ?? 30);
const gc = globalThis.Bun ? () => Bun.gc(true) : globalThis.gc;
if (gc === undefined) throw new Error("Run with --expose-gc");

// Row f's loop (`timedWaits` in workloads.mjs), written out as source so
// that each library gets a copy compiled afresh.
const loopFor = (lock) =>
  new Function(
    "lock",
    "options",
    `return async (n) => {
      let held = await lock.acquire();
      for (let i = 0; i < n; i++) {
        const next = lock.acquire(options);
        held.release();
        held = await next;
      }
      held.release();
    };`,
  )(lock, OPTIONS[mode]);

const loops = [];
for (const path of paths) {
  const [file, query = ""] = path.split("?");
  const url = pathToFileURL(file).href + (query && `?${query}`);
  loops.push(loopFor(new (await import(url)).Lock()));
}
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
for (const loop of loops) await loop(N / 5);
const times = loops.map(() => []);
for (let trial = 0; trial < trials; trial++) {
  for (let j = 0; j < loops.length; j++) {
    const i = (j + trial) % loops.length;
    gc();
    const start = cpu();
    await loops[i](N);
    times[i].push((cpu() - start) * 1e6 / N);
  }
}
const median = (values) =>
  [...values].sort((a, b) => a - b)[values.length >> 1];
const best = (values) => Math.min(...values);
for (const [i, path] of paths.entries()) {
  const m = median(times[i]);
  const b = best(times[i]);
  console.log(
    `${path}: median ${m.toFixed(0)} ns (${
      (m / median(times[0])).toFixed(3)
    }), best ${b.toFixed(0)} ns (${(b / best(times[0])).toFixed(3)})`,
  );
}
