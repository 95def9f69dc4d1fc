/**
 * One runtime's benchmark run, started by `bench/main.mjs`:
 *
 *     deno run -A --v8-flags=--expose-gc bench/run.mjs ../mod.ts
 *     node --expose-gc bench/run.mjs ../.tmp/npm/mod.js
 *     bun bench/run.mjs ../.tmp/npm/mod.js
 *
 * The argument is the library module, relative to this file. Prints its
 * results as one JSON line after `BENCH_RESULT `; progress goes to stderr.
 * `BENCH_QUICK=1` runs less work and fewer trials, `BENCH_ONLY=a,f` some
 * workloads only, `BENCH_LIST=1` prints the workloads' ids (after
 * `BENCH_IDS `) and runs nothing, `BENCH_TRIALS` sets the trials, `BENCH_CLOCK=wall` times
 * with the wall clock instead of the process's CPU time.
 *
 * @module
 */

import process from "node:process";
import os from "node:os";
import AsyncLock from "async-lock";
import * as asyncMutex from "async-mutex";
import * as asyncSema from "async-sema";
import AwaitLock from "await-lock";
import pLimit from "p-limit";
import * as esToolkit from "es-toolkit/promise";
import * as asyncRwlock from "async-rwlock";
import rwlock from "rwlock";
import * as rocicorp from "@rocicorp/lock";
import * as jpWaitgroup from "@jpwilliams/waitgroup";
import * as asyncChannel from "async-channel";
import * as repeater from "@repeaterjs/repeater";
import * as esfxAsyncQueue from "@esfx/async-queue";
import { CLOCK, runAll, RUNTIME, runtimeVersion } from "./harness.mjs";
import { workloads } from "./workloads.mjs";

const library = process.argv[2];
if (library === undefined) {
  throw new Error("Usage: bench/run.mjs LIBRARY_MODULE");
}
const coop = await import(new URL(library, import.meta.url).href);
const quick = process.env.BENCH_QUICK === "1";
const trials = Number(process.env.BENCH_TRIALS ?? (quick ? 3 : 5));
const only = process.env.BENCH_ONLY?.split(",");

const libs = {
  coop,
  peers: {
    asyncMutex,
    asyncSema,
    AwaitLock,
    pLimit,
    esToolkit,
    asyncRwlock,
    rwlock,
    rocicorp,
    jpWaitgroup,
    AsyncLock,
    asyncChannel,
    repeater,
    esfxAsyncQueue,
  },
};

if (process.env.BENCH_LIST === "1") {
  console.log("BENCH_IDS " + workloads(libs).map((w) => w.id).join(","));
  process.exit(0);
}

const results = await runAll(
  libs,
  { quick, trials, only, log: (line) => console.error(line) },
);

console.log(
  "BENCH_RESULT " + JSON.stringify({
    runtime: RUNTIME,
    version: runtimeVersion(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    quick,
    trials,
    clock: CLOCK,
    results,
  }),
);
// The default loop's runtime timer may still be armed, unreferenced, for a
// timeout that never fires; nothing else is left.
process.exit(0);
