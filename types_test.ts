import assert from "node:assert/strict";
import * as mod from "./mod.ts";
import * as errors from "./errors.ts";
import * as ioloop from "./ioloop.ts";
import * as condition from "./condition.ts";
import * as event from "./event.ts";
import * as semaphore from "./semaphore.ts";
import * as lock from "./lock.ts";
import * as waitGroup from "./wait_group.ts";
import * as readWriteLock from "./read_write_lock.ts";
import * as barrier from "./barrier.ts";
import * as keyedLock from "./keyed_lock.ts";
import * as queue from "./queue.ts";
import * as webLock from "./web_lock.ts";
import {
  Condition,
  type Deadline,
  type DurationLike,
  Event,
  IOLoop,
  Lock,
  type Releaser,
  Semaphore,
  type TimeoutHandle,
  VirtualIOLoop,
  type WaitOptions,
  WebLock,
} from "./mod.ts";

// Type-level checks: `deno test` type-checks this file, so each
// `@ts-expect-error` line fails the run if it ever stops being an error, and
// each plain line fails it if it ever becomes one.

/** Compiles only when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}

// ---------------------------------------------------------------------------
// API.md's module table, at run time: what each module exports as values.
// `Releaser` is a type, or a class if the implementation makes it one.

const VALUE_EXPORTS: Record<string, readonly string[]> = {
  "errors.ts": [
    "BrokenBarrierError",
    "ClosedError",
    "QueueEmpty",
    "QueueFull",
    "QueueShutDown",
    "TimeoutError",
  ],
  "ioloop.ts": ["IOLoop", "VirtualIOLoop"],
  "condition.ts": ["Condition"],
  "event.ts": ["Event"],
  "semaphore.ts": ["BoundedSemaphore", "Semaphore"],
  "lock.ts": ["Lock"],
  "wait_group.ts": ["WaitGroup"],
  "read_write_lock.ts": ["ReadWriteLock"],
  "barrier.ts": ["Barrier"],
  "keyed_lock.ts": ["KeyedLock"],
  "queue.ts": ["LifoQueue", "PriorityQueue", "Queue"],
  "web_lock.ts": ["WebLock"],
};
const MODULES: Record<string, Record<string, unknown>> = {
  "errors.ts": errors,
  "ioloop.ts": ioloop,
  "condition.ts": condition,
  "event.ts": event,
  "semaphore.ts": semaphore,
  "lock.ts": lock,
  "wait_group.ts": waitGroup,
  "read_write_lock.ts": readWriteLock,
  "barrier.ts": barrier,
  "keyed_lock.ts": keyedLock,
  "queue.ts": queue,
  "web_lock.ts": webLock,
};

function valueNames(module: Record<string, unknown>): string[] {
  return Object.keys(module).filter((name) => name !== "Releaser").sort();
}

// Every type export API.md lists, named through the module that owns it and
// through mod.ts: a missing one fails type-checking.
type _ModuleTypes = [
  ioloop.Deadline,
  ioloop.DurationLike,
  ioloop.TimeoutHandle,
  ioloop.WaitOptions,
  semaphore.Releaser,
  semaphore.AcquireOptions,
  mod.Deadline,
  mod.DurationLike,
  mod.TimeoutHandle,
  mod.WaitOptions,
  mod.Releaser,
  mod.AcquireOptions,
  webLock.WebLockInfo,
  mod.WebLockInfo,
];
assertType<Equal<mod.Deadline, ioloop.Deadline>>(true);
assertType<Equal<mod.Releaser, semaphore.Releaser>>(true);

for (const [file, names] of Object.entries(VALUE_EXPORTS)) {
  Deno.test(`${file} exports exactly the values API.md's module table lists`, () => {
    assert.deepEqual(valueNames(MODULES[file]), [...names].sort());
  });
}

Deno.test("mod.ts exports exactly the names API.md's module table lists, the very same objects", () => {
  const expected = Object.values(VALUE_EXPORTS).flat().sort();
  assert.deepEqual(valueNames(mod), expected);
  assert.deepEqual(
    expected,
    [
      "Barrier",
      "BoundedSemaphore",
      "BrokenBarrierError",
      "ClosedError",
      "Condition",
      "Event",
      "IOLoop",
      "KeyedLock",
      "LifoQueue",
      "Lock",
      "PriorityQueue",
      "Queue",
      "QueueEmpty",
      "QueueFull",
      "QueueShutDown",
      "ReadWriteLock",
      "Semaphore",
      "TimeoutError",
      "VirtualIOLoop",
      "WaitGroup",
      "WebLock",
    ],
  );
  const all = mod as Record<string, unknown>;
  for (const [file, names] of Object.entries(VALUE_EXPORTS)) {
    for (const name of names) {
      assert.equal(all[name], MODULES[file][name], `${name} from ${file}`);
    }
  }
  if ("Releaser" in mod) {
    assert.equal(all.Releaser, (semaphore as Record<string, unknown>).Releaser);
  }
});

Deno.test("mod.ts exports only classes", () => {
  for (const [name, value] of Object.entries(mod)) {
    assert.equal(typeof value, "function", name);
    assert.match(
      Function.prototype.toString.call(value),
      /^class\b/,
      `${name} is a class`,
    );
  }
});

// ---------------------------------------------------------------------------
// use<T>

Deno.test("Semaphore.use<T>() and Lock.use<T>() infer T from fn, sync or async", async () => {
  const sem = new Semaphore(1);
  const fromSync = sem.use(() => 42);
  const fromAsync = sem.use(() => Promise.resolve("text"));
  const fromLock = new Lock().use(() => ({ ok: true as const }));
  assertType<Equal<typeof fromSync, Promise<number>>>(true);
  assertType<Equal<typeof fromAsync, Promise<string>>>(true);
  assertType<Equal<typeof fromLock, Promise<{ ok: true }>>>(true);
  // @ts-expect-error use() of a number-returning fn is not a Promise<string>
  const _wrong: Promise<string> = sem.use(() => 1);
  await _wrong;
  // @ts-expect-error use() takes a function
  await sem.use(42).catch(() => {});
  assert.equal(await fromSync, 42);
  assert.equal(await fromAsync, "text");
  assert.deepEqual(await fromLock, { ok: true });
  assert.equal(sem.value, 1);
});

Deno.test("IOLoop.run<T>() and Condition.waitFor<T>() infer T from their function", async () => {
  const loop = new VirtualIOLoop();
  const ran = loop.run(() => Promise.resolve(7), { timeout: 10 });
  assertType<Equal<typeof ran, Promise<number>>>(true);
  const items = ["job"];
  const next = new Condition({ loop }).waitFor(() => items.shift());
  assertType<Equal<typeof next, Promise<string | undefined>>>(true);
  // @ts-expect-error run() has no `deadline` option, only `timeout`
  await loop.run(() => 1, { deadline: 5 });
  assert.equal(await ran, 7);
  assert.equal(await next, "job");
});

// ---------------------------------------------------------------------------
// Deadline, DurationLike, WaitOptions, TimeoutHandle

Deno.test("Deadline is a number or a DurationLike, and nothing else", () => {
  const loop = new VirtualIOLoop();
  const absolute: Deadline = loop.time() + 2000;
  const relative: Deadline = { seconds: 2 };
  const forever: Deadline = Infinity;
  // @ts-expect-error a string is not a Deadline
  const _text: Deadline = "2000";
  // @ts-expect-error a Date is not a Deadline
  const _date: Deadline = new Date();
  // @ts-expect-error null is not a Deadline
  const _null: Deadline = null;
  assertType<Equal<Deadline, number | DurationLike>>(true);
  assert.equal(
    loop.addTimeout(absolute, () => {}).deadline,
    loop.addTimeout(relative, () => {}).deadline,
  );
  assert.equal(loop.addTimeout(forever, () => {}).deadline, Infinity);
});

Deno.test("DurationLike takes the fixed-length fields and rejects calendar ones at compile time", () => {
  const full: DurationLike = {
    days: 1,
    hours: 1,
    minutes: 1,
    seconds: 1,
    milliseconds: 1,
    microseconds: 1000,
    nanoseconds: 1_000_000,
  };
  const empty: DurationLike = {};
  // @ts-expect-error weeks have no fixed length
  const _weeks: DurationLike = { weeks: 1 };
  // @ts-expect-error months have no fixed length
  const _months: DurationLike = { months: 1 };
  // @ts-expect-error years have no fixed length
  const _years: DurationLike = { years: 1 };
  const weeksOnly = { weeks: 1 };
  // @ts-expect-error nothing in common with DurationLike
  const _weeksVariable: DurationLike = weeksOnly;
  // @ts-expect-error a field is a number
  const _text: DurationLike = { seconds: "1" };
  // A Temporal.Duration-like value, with calendar fields, is assignable.
  const temporalLike = { years: 0, months: 0, weeks: 0, seconds: 3 };
  const fromTemporal: DurationLike = temporalLike;
  const loop = new VirtualIOLoop();
  assert.equal(loop.addTimeout(full, () => {}).deadline, 90_061_003);
  assert.equal(loop.addTimeout(empty, () => {}).deadline, 0);
  assert.equal(loop.addTimeout(fromTemporal, () => {}).deadline, 3000);
  assert.throws(
    () => loop.addTimeout(weeksOnly as DurationLike, () => {}),
    RangeError,
  );
});

Deno.test("WaitOptions takes a deadline, a timeout and an AbortSignal, each checked at compile time", async () => {
  const loop = new VirtualIOLoop();
  const controller = new AbortController();
  const options: WaitOptions = {
    deadline: { seconds: 1 },
    timeout: 500,
    signal: controller.signal,
  };
  const numeric: WaitOptions = { deadline: 10, timeout: { milliseconds: 5 } };
  const none: WaitOptions = {};
  // @ts-expect-error signal is an AbortSignal, not its controller
  const _controller: WaitOptions = { signal: controller };
  // @ts-expect-error timeout is a number or a DurationLike
  const _text: WaitOptions = { timeout: "5" };
  // @ts-expect-error there is no `ms` option
  const _unknown: WaitOptions = { ms: 5 };
  // @ts-expect-error a timeout duration has no weeks either
  const _weeks: WaitOptions = { timeout: { weeks: 1 } };
  const event = new Event({ loop });
  const waits = [options, numeric, none].map((o) => event.wait(o));
  assertType<Equal<(typeof waits)[number], Promise<void>>>(true);
  const outcomes = waits.map((wait) =>
    wait.then(
      () => "resolved",
      (error) => error instanceof mod.TimeoutError ? "timed out" : error,
    )
  );
  await loop.advance(500);
  event.set();
  assert.deepEqual(await Promise.all(outcomes), [
    "timed out",
    "timed out",
    "resolved",
  ]);
});

Deno.test("TimeoutHandle is read-only and what every scheduling method returns", () => {
  const loop = new VirtualIOLoop();
  const handles: TimeoutHandle[] = [
    loop.addTimeout(5, () => {}),
    loop.callLater(5, () => {}),
    loop.callAt(5, () => {}),
  ];
  const _mutate = () => {
    // @ts-expect-error deadline is read-only
    handles[0].deadline = 6;
  };
  // @ts-expect-error addCallback returns nothing to cancel
  const _handle: TimeoutHandle = loop.addCallback(() => {});
  assert.deepEqual(handles.map((h) => h.deadline), [5, 5, 5]);
  for (const handle of handles) loop.removeTimeout(handle);
  assert.equal(loop.pendingTimers, 1);
});

// ---------------------------------------------------------------------------
// Releaser

Deno.test("Releaser is Disposable, so `using` type-checks and releases at the end of the block", async () => {
  const sem = new Semaphore(2);
  const releaser = await sem.acquire();
  assertType<Equal<typeof releaser, Releaser>>(true);
  const disposable: Disposable = releaser;
  assert.equal(typeof disposable[Symbol.dispose], "function");
  assert.equal(typeof releaser.release, "function");
  {
    using _held = await sem.acquire();
    assert.equal(sem.value, 0);
  }
  assert.equal(sem.value, 1);
  releaser.release();
  assert.equal(sem.value, 2);
  const lock = new Lock();
  {
    using _held: Releaser = await lock.acquire();
    assert.equal(lock.locked, true);
  }
  assert.equal(lock.locked, false);
  // @ts-expect-error a Releaser is not a number
  const _n: number = releaser;
});

Deno.test("IOLoop.current() is typed as an IOLoop and VirtualIOLoop as one too", () => {
  const current = IOLoop.current();
  assertType<Equal<typeof current, IOLoop>>(true);
  const virtual: IOLoop = new VirtualIOLoop();
  // @ts-expect-error setCurrent takes an IOLoop or undefined
  assert.throws(() => IOLoop.setCurrent({}), TypeError);
  assert.ok(virtual instanceof IOLoop);
  assert.ok(current instanceof IOLoop);
});

// ---------------------------------------------------------------------------
// KeyedLock<K>

Deno.test("KeyedLock<K> takes keys of K, or arrays of them, and use<T>() infers T", async () => {
  const byName = new mod.KeyedLock();
  const byId = new mod.KeyedLock<number>();
  const byEither = new mod.KeyedLock<"a" | "b" | 1>();
  const text = byName.use("a", () => "text");
  const many = byId.use([1, 2], () => Promise.resolve(3));
  assertType<Equal<typeof text, Promise<string>>>(true);
  assertType<Equal<typeof many, Promise<number>>>(true);
  assertType<Equal<ReturnType<typeof byId.tryAcquire>, Releaser | undefined>>(
    true,
  );
  // Type checks only, never run.
  const _typeOnly = () => {
    // @ts-expect-error a KeyedLock<string> takes no number
    byName.tryAcquire(1);
    // @ts-expect-error a KeyedLock<number> takes no string
    byId.held("1");
    // @ts-expect-error "c" is not among the keys
    byEither.waiters("c");
    // @ts-expect-error keys are strings or numbers
    new mod.KeyedLock<boolean>();
  };
  (await byEither.acquire(["a", 1])).release();
  assert.equal(await text, "text");
  assert.equal(await many, 3);
  assert.equal(byName.size + byId.size + byEither.size, 0);
});

// ---------------------------------------------------------------------------
// Queues

Deno.test("Queue<T> types its items through get(), getNowait() and for await", async () => {
  const strings = new queue.Queue<string>();
  // @ts-expect-error a Queue<string> takes strings only
  const _refused = () => strings.putNowait(1);
  strings.putNowait("a");
  const got = await strings.get();
  assertType<Equal<typeof got, string>>(true);
  strings.putNowait("b");
  assertType<Equal<ReturnType<typeof strings.getNowait>, string>>(true);
  strings.shutdown();
  for await (const item of strings) {
    assertType<Equal<typeof item, string>>(true);
    assert.equal(item, "b");
  }
  const entries = new queue.PriorityQueue<[number, string]>(0, {
    compare: (a, b) => a[0] - b[0],
  });
  const _wrongCompare = () =>
    new queue.PriorityQueue<[number, string]>(0, {
      // @ts-expect-error compare takes two entries of the queue's type
      compare: (a: string, b: string) => a.length - b.length,
    });
  entries.putNowait([1, "x"]);
  assertType<Equal<ReturnType<typeof entries.getNowait>, [number, string]>>(
    true,
  );
});

// ---------------------------------------------------------------------------
// WebLock (types only: the runtime may have no navigator.locks)

Deno.test("WebLock's types: use<T> infers T, mode is exclusive or shared, tryAcquire may resolve with undefined", () => {
  const typed = async (lock: WebLock) => {
    const used = lock.use(() => Promise.resolve(1), { mode: "shared" });
    assertType<Equal<typeof used, Promise<number>>>(true);
    const tried = lock.tryAcquire({ mode: "shared" });
    assertType<Equal<typeof tried, Promise<Releaser | undefined>>>(true);
    const acquired = lock.acquire({ mode: "exclusive", timeout: 10 });
    assertType<Equal<typeof acquired, Promise<Releaser>>>(true);
    const snapshot = await WebLock.query();
    assertType<Equal<typeof snapshot.held, webLock.WebLockInfo[]>>(true);
    // @ts-expect-error mode is "exclusive" or "shared"
    await lock.acquire({ mode: "read" });
    // @ts-expect-error tryAcquire takes no wait options
    await lock.tryAcquire({ timeout: 10 });
    // @ts-expect-error the name is a string
    new WebLock(1);
  };
  assert.equal(typeof typed, "function");
});
