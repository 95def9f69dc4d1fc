/**
 * Runs the workloads in one process: a warm-up of every implementation,
 * then several trials, each in a rotated order, a collection before every
 * measurement, and the best trial kept per implementation.
 *
 * @module
 */

import process from "node:process";
import { getEventListeners } from "node:events";
import { workloads } from "./workloads.mjs";

/** `deno`, `bun` or `node`. */
export const RUNTIME = globalThis.Deno !== undefined
  ? "deno"
  : globalThis.Bun !== undefined
  ? "bun"
  : "node";

/** The runtime's version, as `deno 2.9.6 (V8 …)`. */
export function runtimeVersion() {
  if (RUNTIME === "deno") {
    return `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`;
  }
  if (RUNTIME === "bun") return `bun ${Bun.version} (JavaScriptCore)`;
  return `node ${process.versions.node} (V8 ${process.versions.v8})`;
}

function collector() {
  if (RUNTIME === "bun") return () => Bun.gc(true);
  if (typeof globalThis.gc === "function") return () => globalThis.gc();
  throw new Error(
    "The benchmark needs a collector: run Deno with --v8-flags=--expose-gc and Node with --expose-gc",
  );
}

// CPU time (user and system, all of the process's threads, collector
// included) by default: on a shared, busy machine it leaves out the time
// the process spends descheduled, which wall time charges to whichever
// implementation happened to be running. `BENCH_CLOCK=wall` for wall time.
function cpuNow() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Which clock `env.now` reads: `cpu` or `wall`. */
export const CLOCK = process.env.BENCH_CLOCK === "wall" ? "wall" : "cpu";

const env = {
  gc: collector(),
  heap: () => process.memoryUsage().heapUsed,
  now: CLOCK === "wall" ? () => performance.now() : cpuNow,
};

function listenersLeft(signal) {
  try {
    return getEventListeners(signal, "abort").length;
  } catch {
    return undefined;
  }
}

/**
 * Runs every workload (or those `only` names) and returns the best result
 * per implementation: `{ ns }` per operation and the extra measurements.
 */
export async function runAll(libs, { quick, trials, only, log }) {
  const results = {};
  for (const workload of workloads(libs)) {
    if (only !== undefined && !only.includes(workload.id)) continue;
    const n = quick ? workload.quick : workload.n;
    const names = Object.keys(workload.impls);
    // Warm-up: every implementation once, on a fifth of the work.
    for (const name of names) {
      await workload.impls[name](Math.max(1000, Math.round(n / 5)), env);
    }
    const best = {};
    for (let trial = 0; trial < trials; trial++) {
      const shift = trial % names.length;
      const order = [...names.slice(shift), ...names.slice(0, shift)];
      for (const name of order) {
        const measured = await workload.impls[name](n, env);
        const ns = measured.ms * 1e6 / n;
        const kept = best[name] ??= { ns: Infinity };
        kept.ns = Math.min(kept.ns, ns);
        for (const [key, value] of Object.entries(measured)) {
          if (key === "ms") continue;
          kept[key] = Math.min(kept[key] ?? Infinity, value);
        }
      }
    }
    const entry = { title: workload.title, n, impls: best };
    if (workload.signal !== undefined) {
      entry.listenersLeft = listenersLeft(workload.signal);
    }
    results[workload.id] = entry;
    log(
      `${RUNTIME} ${workload.id}: ` +
        names.map((name) => `${name} ${best[name].ns.toFixed(0)}`).join(", "),
    );
  }
  return results;
}
