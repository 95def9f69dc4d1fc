/**
 * Stress: a million waits on the real default loop, with real timers, short
 * timeouts and aborts mixed with wake-ups on all five primitives. It checks
 * that every waiter settled exactly once, that nothing is left waiting or
 * armed, that every permit came back, and that the heap after a forced GC
 * has not grown past a small bound; then it prints the figures. Last, a
 * million KeyedLock keys used once must leave no entry and the heap where
 * it was.
 *
 * Run it with `deno task stress` (which passes `--v8-flags=--expose-gc`).
 * `STRESS_WAITS` changes the number of waits. Exits 1 on any failure.
 *
 * @module
 */

import {
  BoundedSemaphore,
  Condition,
  Event,
  IOLoop,
  KeyedLock,
  Lock,
  type Releaser,
  Semaphore,
  TimeoutError,
  type WaitOptions,
} from "../mod.ts";

type Env = Record<string, string | undefined>;
const g = globalThis as {
  gc?: () => void;
  process?: {
    env: Env;
    memoryUsage(): { heapUsed: number };
    exit(code: number): never;
  };
  Deno?: {
    env: { toObject(): Env };
    memoryUsage(): { heapUsed: number };
    exit(code: number): never;
  };
};

function readEnv(): Env {
  try {
    return g.process?.env ?? g.Deno?.env.toObject() ?? {};
  } catch {
    return {};
  }
}

const TOTAL = Number(readEnv().STRESS_WAITS ?? 1_000_000);
const BATCH = 10_000;
/** How far the heap may grow over the run, after a forced GC. */
const HEAP_BOUND = 2 * 1024 * 1024;
/** A batch that has not settled in this long has stranded a waiter. */
const WATCHDOG_MS = 30_000;

function exit(code: number): never {
  if (g.Deno) g.Deno.exit(code);
  return g.process!.exit(code);
}

function heapUsed(): number {
  for (let i = 0; i < 4; i++) g.gc!();
  return (g.Deno ?? g.process)!.memoryUsage().heapUsed;
}

if (typeof g.gc !== "function") {
  console.error("tools/stress.ts needs --expose-gc: use `deno task stress`");
  exit(2);
}

// A small deterministic generator, so runs can be compared.
let seed = 0x2545f491;
function random(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

const totals = {
  waits: 0,
  granted: 0,
  timedOut: 0,
  aborted: 0,
  other: 0,
  mostPendingTimers: 0,
};

// The ways a waiter gives up, or not.
const PLAIN = 0;
const TIMEOUT = 1;
const ABORT_AT_ONCE = 2;
const ALREADY_ABORTED = 3;
const TIMEOUT_AND_ABORT = 4;
// And 5: aborted later.
const MODES = 6;

async function batch(size: number): Promise<void> {
  const loop = IOLoop.current();
  const condition = new Condition();
  const event = new Event();
  const semaphore = new Semaphore(3);
  const bounded = new BoundedSemaphore(2);
  const lock = new Lock();
  const semaphores: Semaphore[] = [semaphore, bounded, lock];
  const initial = semaphores.map((s) => s.value);
  const settled = new Uint8Array(size);
  const done: Promise<void>[] = [];
  const reason = new Error("aborted by the stress test");

  for (let i = 0; i < size; i++) {
    const mode = random(MODES);
    let options: WaitOptions | undefined;
    let controller: AbortController | undefined;
    switch (mode) {
      case PLAIN:
        break;
      case TIMEOUT:
        options = { timeout: 1 + random(4) };
        break;
      case ALREADY_ABORTED:
        options = { signal: AbortSignal.abort(reason) };
        break;
      case TIMEOUT_AND_ABORT:
        controller = new AbortController();
        options = { timeout: 1 + random(4), signal: controller.signal };
        break;
      default:
        controller = new AbortController();
        options = { signal: controller.signal };
    }
    const target = random(5);
    const wait: Promise<Releaser | void> = target === 0
      ? condition.wait(options)
      : target === 1
      ? event.wait(options)
      : semaphores[target - 2].acquire(options);
    if (mode === ABORT_AT_ONCE) controller!.abort(reason);
    else if (controller !== undefined) {
      const c = controller;
      loop.callLater(random(4), () => c.abort(reason));
    }
    done.push(wait.then(
      async (releaser) => {
        settled[i]++;
        totals.granted++;
        if (releaser) {
          // Hold the permit for a moment, as real work would.
          await null;
          releaser.release();
        }
      },
      (error) => {
        settled[i]++;
        if (error instanceof TimeoutError) totals.timedOut++;
        else if (error === reason) totals.aborted++;
        else totals.other++;
      },
    ));
  }
  totals.waits += size;
  totals.mostPendingTimers = Math.max(
    totals.mostPendingTimers,
    loop.pendingTimers,
  );

  // Wake-ups while waiters time out and abort, then everyone still waiting.
  for (let t = 0; t < 5; t++) {
    loop.callLater(t, () => {
      condition.notify(1 + random(200));
      event.set();
      event.clear();
    });
  }
  // Every callback above (aborts at 0-3 ms, wake-ups at 0-4 ms) runs before
  // this one, so once it has run and every waiter has settled, no timer of
  // ours may be left.
  const flushed = new Promise<void>((resolve) =>
    loop.callLater(6, () => {
      condition.notifyAll();
      event.set();
      resolve();
    })
  );

  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const stranded = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => {
      const left = settled.reduce((n, s) => n + (s === 0 ? 1 : 0), 0);
      reject(new Error(`${left} waiters never settled`));
    }, WATCHDOG_MS);
  });
  await Promise.race([Promise.all([...done, flushed]), stranded]);
  clearTimeout(watchdog);

  const failures: string[] = [];
  const twice = settled.findIndex((s) => s !== 1);
  if (twice !== -1) {
    failures.push(`waiter ${twice} settled ${settled[twice]} times`);
  }
  const queued = [condition, event, ...semaphores].map((p) => p.waiters);
  if (queued.some((n) => n !== 0)) failures.push(`left waiting: ${queued}`);
  const values = semaphores.map((s) => s.value);
  if (values.some((v, k) => v !== initial[k])) {
    failures.push(`permits ${values} instead of ${initial}`);
  }
  if (loop.pendingTimers !== 0) {
    failures.push(`${loop.pendingTimers} timers left armed`);
  }
  if (failures.length > 0) throw new Error(failures.join("; "));
}

async function checked(size: number): Promise<void> {
  try {
    await batch(size);
  } catch (error) {
    console.error(`FAIL after ${totals.waits} waits: ${String(error)}`);
    exit(1);
  }
}

const started = performance.now();
await checked(BATCH); // Warm-up: compiled code and steady-state structures.
const heapBefore = heapUsed();
for (let remaining = TOTAL - BATCH; remaining > 0; remaining -= BATCH) {
  await checked(Math.min(BATCH, remaining));
}
const heapAfter = heapUsed();
const seconds = (performance.now() - started) / 1000;
const growth = heapAfter - heapBefore;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

console.log(`waits:              ${totals.waits}`);
console.log(`  granted:          ${totals.granted}`);
console.log(`  timed out:        ${totals.timedOut}`);
console.log(`  aborted:          ${totals.aborted}`);
console.log(`  other rejections: ${totals.other}`);
console.log(`settled once each:  yes (${totals.waits} of ${totals.waits})`);
console.log(`most timers armed:  ${totals.mostPendingTimers}`);
console.log(`time:               ${seconds.toFixed(1)} s`);
console.log(
  `rate:               ${Math.round(totals.waits / seconds)} waits/s`,
);
console.log(`heap after warm-up: ${mib(heapBefore)}`);
console.log(`heap at the end:    ${mib(heapAfter)}`);
console.log(
  `heap growth:        ${mib(growth)} (bound ${mib(HEAP_BOUND)})`,
);

const settledAll = totals.granted + totals.timedOut + totals.aborted +
  totals.other;
if (settledAll !== totals.waits || totals.other !== 0) {
  console.error(`FAIL: ${settledAll} settlements, ${totals.other} unexpected`);
  exit(1);
}
if (growth > HEAP_BOUND) {
  console.error(`FAIL: the heap grew by ${mib(growth)}`);
  exit(1);
}

// KeyedLock: a million keys used once, a tenth of them by two callers in
// turn and some with a timeout, must leave no entry and the heap where it
// was.
{
  const locks = new KeyedLock<string | number>();
  const useKeys = async (from: number, count: number) => {
    for (let start = from; start < from + count; start += BATCH) {
      const work: Promise<unknown>[] = [];
      for (let i = start; i < start + BATCH; i++) {
        const key = i % 2 ? i : `key:${i}`;
        if (i % 10 === 0) {
          work.push(locks.use(key, () => Promise.resolve()));
          work.push(
            locks.acquire(key, { timeout: 1000 }).then((r) => r.release()),
          );
        } else work.push(locks.acquire(key).then((r) => r.release()));
      }
      await Promise.all(work);
    }
  };
  const keysStarted = performance.now();
  await useKeys(-BATCH, BATCH); // Warm-up.
  const keyedBefore = heapUsed();
  await useKeys(0, TOTAL);
  const keyedGrowth = heapUsed() - keyedBefore;
  const keyedSeconds = (performance.now() - keysStarted) / 1000;
  console.log(`KeyedLock keys:     ${TOTAL} used once`);
  console.log(`  entries left:     ${locks.size}`);
  console.log(`  time:             ${keyedSeconds.toFixed(1)} s`);
  console.log(
    `  heap growth:      ${mib(keyedGrowth)} (bound ${mib(HEAP_BOUND)})`,
  );
  if (locks.size !== 0 || locks.waiters() !== 0) {
    console.error(`FAIL: KeyedLock kept ${locks.size} entries`);
    exit(1);
  }
  if (keyedGrowth > HEAP_BOUND) {
    console.error(
      `FAIL: KeyedLock's keys grew the heap by ${mib(keyedGrowth)}`,
    );
    exit(1);
  }
}
console.log("ok");
