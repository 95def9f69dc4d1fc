import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import process from "node:process";
import FakeTimers from "@sinonjs/fake-timers";
import {
  BoundedSemaphore,
  Condition,
  type DurationLike,
  Event,
  IOLoop,
  Lock,
  Semaphore,
  TimeoutError,
  type TimeoutHandle,
  VirtualIOLoop,
  type WaitOptions,
} from "./mod.ts";
import { FAKED, LOOP_KINDS } from "./_test_loops.ts";

// The shared default loop exists before any test installs a fake clock, so
// every fake clock below is installed after the module was imported and after
// the default loop was made: only a lookup at call time can see it.
IOLoop.setCurrent(undefined);
const defaultLoop = IOLoop.current();

type Clock = ReturnType<typeof FakeTimers.install>;
type FakeMethod = NonNullable<
  NonNullable<Parameters<typeof FakeTimers.install>[0]>["toFake"]
>[number];

/** Fakes what `FakeTime` fakes (and `extra`), from 1,000,000 ms, until disposed. */
function installClock(
  extra: string[] = [],
  now = 1_000_000,
): Clock & Disposable {
  const clock = FakeTimers.install({
    now,
    toFake: [...FAKED, ...extra] as FakeMethod[],
  });
  return Object.assign(clock, {
    [Symbol.dispose]() {
      clock.uninstall();
    },
  });
}

/** Makes `loop` current until disposed, then restores the default. */
function makeCurrent(loop: IOLoop): Disposable {
  IOLoop.setCurrent(loop);
  return {
    [Symbol.dispose]() {
      IOLoop.setCurrent(undefined);
    },
  };
}

/** Fails if a wait's outcome was recorded: unlike assert.equal, it narrows nothing. */
function assertUnsettled(outcome: unknown): void {
  assert.equal(outcome, undefined, "settled too early");
}

/** Runs every promise callback already queued, and those they queue. */
async function flushMicrotasks(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/**
 * Settles once `promise` does on the runtime's own timers, or rejects after
 * ten seconds: a guard against hanging, never a measurement.
 */
function withinRealTime<T>(promise: Promise<T>): Promise<T> {
  let guard: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      guard = setTimeout(
        () => reject(new Error("the real timer never fired")),
        10_000,
      );
    }),
  ]).finally(() => clearTimeout(guard));
}

/** A `Temporal.Duration` look-alike: every field a getter on the prototype. */
class DurationShape {
  #fields: Record<string, number>;
  constructor(fields: Record<string, number>) {
    this.#fields = fields;
  }
  get years() {
    return this.#fields.years ?? 0;
  }
  get months() {
    return this.#fields.months ?? 0;
  }
  get weeks() {
    return this.#fields.weeks ?? 0;
  }
  get days() {
    return this.#fields.days ?? 0;
  }
  get hours() {
    return this.#fields.hours ?? 0;
  }
  get minutes() {
    return this.#fields.minutes ?? 0;
  }
  get seconds() {
    return this.#fields.seconds ?? 0;
  }
  get milliseconds() {
    return this.#fields.milliseconds ?? 0;
  }
  get microseconds() {
    return this.#fields.microseconds ?? 0;
  }
  get nanoseconds() {
    return this.#fields.nanoseconds ?? 0;
  }
}

type Temporalish = {
  Duration: { from(fields: Record<string, number>): DurationLike };
};
const Temporal = (globalThis as { Temporal?: Temporalish }).Temporal;

/**
 * Every primitive's wait, on a primitive made without `{ loop }`, that only a
 * timeout or an abort can end.
 */
const UNGRANTED_WAITS: ReadonlyArray<{
  name: string;
  make(): (options: WaitOptions) => Promise<unknown>;
}> = [
  {
    name: "Condition.wait()",
    make() {
      const condition = new Condition();
      return (options) => condition.wait(options);
    },
  },
  {
    name: "Condition.waitFor()",
    make() {
      const condition = new Condition();
      return (options) => condition.waitFor(() => false, options);
    },
  },
  {
    name: "Event.wait()",
    make() {
      const event = new Event();
      return (options) => event.wait(options);
    },
  },
  {
    name: "Semaphore.acquire()",
    make() {
      const semaphore = new Semaphore(0);
      return (options) => semaphore.acquire(options);
    },
  },
  {
    name: "BoundedSemaphore.acquire()",
    make() {
      const semaphore = new BoundedSemaphore(1);
      semaphore.tryAcquire();
      return (options) => semaphore.acquire(options);
    },
  },
  {
    name: "Lock.acquire()",
    make() {
      const lock = new Lock();
      lock.tryAcquire();
      return (options) => lock.acquire(options);
    },
  },
];

/** Every primitive's wait, on a primitive made without `{ loop }`, and a way to grant it. */
const GRANTABLE_WAITS: ReadonlyArray<{
  name: string;
  make(): { wait(options: WaitOptions): Promise<unknown>; grant(): void };
}> = [
  {
    name: "Condition.wait()",
    make() {
      const condition = new Condition();
      return {
        wait: (options) => condition.wait(options),
        grant: () => condition.notify(),
      };
    },
  },
  {
    name: "Condition.waitFor()",
    make() {
      const condition = new Condition();
      let ready = false;
      return {
        wait: (options) => condition.waitFor(() => ready, options),
        grant: () => {
          ready = true;
          condition.notify();
        },
      };
    },
  },
  {
    name: "Event.wait()",
    make() {
      const event = new Event();
      return {
        wait: (options) => event.wait(options),
        grant: () => event.set(),
      };
    },
  },
  {
    name: "Semaphore.acquire()",
    make() {
      const semaphore = new Semaphore(0);
      return {
        wait: (options) => semaphore.acquire(options),
        grant: () => semaphore.release(),
      };
    },
  },
  {
    name: "Lock.acquire()",
    make() {
      const lock = new Lock();
      const held = lock.tryAcquire()!;
      return {
        wait: (options) => lock.acquire(options),
        grant: () => held.release(),
      };
    },
  },
];

// ---------------------------------------------------------------------------
// IOLoop.current() and IOLoop.setCurrent()

Deno.test("IOLoop.current() returns one shared default loop on the runtime's timers", () => {
  assert.ok(defaultLoop instanceof IOLoop);
  assert.ok(!(defaultLoop instanceof VirtualIOLoop));
  assert.equal(IOLoop.current(), defaultLoop);
  assert.equal(IOLoop.current(), IOLoop.current());
  assert.notEqual(new IOLoop(), defaultLoop);
  assert.equal(IOLoop.current(), defaultLoop);
});

Deno.test("IOLoop.setCurrent(loop) makes loop current and setCurrent(undefined) restores the shared default", () => {
  const virtual = new VirtualIOLoop();
  const plain = new IOLoop();
  try {
    IOLoop.setCurrent(virtual);
    assert.equal(IOLoop.current(), virtual);
    IOLoop.setCurrent(plain);
    assert.equal(IOLoop.current(), plain);
  } finally {
    IOLoop.setCurrent(undefined);
  }
  assert.equal(IOLoop.current(), defaultLoop);
});

Deno.test("IOLoop.setCurrent() throws a TypeError for a value that is not an IOLoop and keeps the current loop", () => {
  const loop = new VirtualIOLoop();
  using _current = makeCurrent(loop);
  const lookalike = { time: () => 0, addTimeout: () => ({ deadline: 0 }) };
  for (const value of [null, 0, "loop", {}, lookalike, IOLoop]) {
    assert.throws(
      () => IOLoop.setCurrent(value as unknown as IOLoop),
      TypeError,
    );
    assert.equal(IOLoop.current(), loop);
  }
  assert.throws(() => IOLoop.setCurrent(null as unknown as IOLoop), {
    name: "TypeError",
    message:
      "Cannot call IOLoop.setCurrent() as 'loop' must be an IOLoop or undefined: current value is null",
  });
});

for (const { name, make } of UNGRANTED_WAITS) {
  Deno.test(`${name} on a primitive made without { loop } is timed to its end by the loop current when it starts`, async () => {
    const first = new VirtualIOLoop();
    const second = new VirtualIOLoop();
    const wait = make(); // made while the default loop is current
    try {
      IOLoop.setCurrent(first);
      let firstSettled: unknown;
      const firstWait = wait({ timeout: 100 }).catch((e) => firstSettled = e);
      assert.equal(first.pendingTimers, 1);
      assert.equal(second.pendingTimers, 0);
      assert.equal(defaultLoop.pendingTimers, 0);

      IOLoop.setCurrent(second);
      let secondSettled: unknown;
      const secondWait = wait({ timeout: 100 }).catch((e) => secondSettled = e);
      assert.equal(first.pendingTimers, 1);
      assert.equal(second.pendingTimers, 1);

      // The current loop is now `second`: its time does not end `first`'s wait.
      await second.advance(1000);
      await secondWait;
      assert.ok(secondSettled instanceof TimeoutError);
      assertUnsettled(firstSettled);
      assert.equal(first.pendingTimers, 1);

      IOLoop.setCurrent(undefined);
      await first.advance(99);
      assertUnsettled(firstSettled);
      await first.advance(1);
      await firstWait;
      assert.ok(firstSettled instanceof TimeoutError);
      assert.equal(first.pendingTimers, 0);
      assert.equal(defaultLoop.pendingTimers, 0);
    } finally {
      IOLoop.setCurrent(undefined);
    }
  });
}

Deno.test("A numeric deadline is read on the clock of the loop current when the wait starts", async () => {
  const early = new VirtualIOLoop();
  const late = new VirtualIOLoop();
  await late.advance(500);
  const semaphore = new Semaphore(0);
  try {
    IOLoop.setCurrent(late);
    let settled: unknown;
    const waiting = semaphore.acquire({ deadline: 600 }).catch((e) =>
      settled = e
    );
    IOLoop.setCurrent(early);
    await early.advance(600);
    assertUnsettled(settled);
    await late.advance(99);
    assertUnsettled(settled);
    await late.advance(1);
    await waiting;
    assert.ok(settled instanceof TimeoutError);
  } finally {
    IOLoop.setCurrent(undefined);
  }
});

Deno.test("Condition.waitFor() keeps timing its whole wait on the loop current when it started, across wake-ups", async () => {
  const first = new VirtualIOLoop();
  const second = new VirtualIOLoop();
  const condition = new Condition();
  try {
    IOLoop.setCurrent(first);
    let settled: unknown;
    const waiting = condition.waitFor(() => false, { timeout: 100 })
      .catch((e) => settled = e);
    IOLoop.setCurrent(second);
    await first.advance(40);
    assert.equal(condition.notify(), 1);
    await first.advance(10); // the predicate runs again and the wait resumes
    assert.equal(condition.waiters, 1);
    assert.equal(first.pendingTimers, 1);
    assert.equal(second.pendingTimers, 0);
    await second.advance(1000);
    assertUnsettled(settled);
    await first.advance(49);
    assertUnsettled(settled);
    await first.advance(1);
    await waiting;
    assert.ok(settled instanceof TimeoutError);
    assert.equal(condition.waiters, 0);
  } finally {
    IOLoop.setCurrent(undefined);
  }
});

Deno.test("A primitive made with { loop } times its waits on that loop, whatever is current", async () => {
  const own = new VirtualIOLoop();
  const other = new VirtualIOLoop();
  using _current = makeCurrent(other);
  const semaphore = new Semaphore(0, { loop: own });
  const waiting = assert.rejects(
    semaphore.acquire({ timeout: 10 }),
    TimeoutError,
  );
  assert.equal(own.pendingTimers, 1);
  assert.equal(other.pendingTimers, 0);
  await own.advance(10);
  await waiting;
  assert.equal(own.pendingTimers, 0);
});

// ---------------------------------------------------------------------------
// The default loop looks setTimeout, clearTimeout and Date up at each call.

Deno.test("IOLoop.current().time() follows a fake Date installed after the loop exists, and the real one after", () => {
  {
    using clock = installClock();
    assert.equal(defaultLoop.time(), 1_000_000);
    clock.tick(250);
    assert.equal(defaultLoop.time(), 1_000_250);
    clock.setSystemTime(5_000_000);
    assert.equal(defaultLoop.time(), 5_000_000);
  }
  const before = Date.now();
  const now = defaultLoop.time();
  const after = Date.now();
  assert.ok(before <= now && now <= after, `${before} <= ${now} <= ${after}`);
});

Deno.test("IOLoop.current() arms its timer with the fake setTimeout installed after the loop exists", async () => {
  using clock = installClock();
  const fired: number[] = [];
  defaultLoop.callLater(100, () => fired.push(defaultLoop.time()));
  assert.equal(clock.countTimers(), 1);
  await clock.tickAsync(99);
  assert.deepEqual(fired, []);
  await clock.tickAsync(1);
  assert.deepEqual(fired, [1_000_100]);
  assert.equal(defaultLoop.pendingTimers, 0);
  assert.equal(clock.countTimers(), 0);
});

Deno.test("IOLoop.current() under fake timers fires a relative timeout, an absolute deadline and a { seconds: 1 } duration exactly at 1000 ms", async () => {
  using clock = installClock();
  const loop = IOLoop.current();
  assert.equal(loop, defaultLoop);
  const start = loop.time();
  const fired: Array<[string, number]> = [];
  const mark = (what: string) => () => fired.push([what, loop.time()]);
  const never = new Promise<never>(() => {});
  const pending: Promise<unknown>[] = [];
  const expectTimeout = (what: string, promise: Promise<unknown>) =>
    pending.push(promise.then(
      () => assert.fail(`${what} resolved`),
      (error) => {
        assert.ok(error instanceof TimeoutError, what);
        mark(what)();
      },
    ));
  const semaphore = new Semaphore(0);
  expectTimeout("acquire timeout 1000", semaphore.acquire({ timeout: 1000 }));
  expectTimeout(
    "acquire deadline time()+1000",
    semaphore.acquire({ deadline: loop.time() + 1000 }),
  );
  expectTimeout(
    "acquire deadline { seconds: 1 }",
    semaphore.acquire({ deadline: { seconds: 1 } }),
  );
  expectTimeout(
    "acquire timeout { seconds: 1 }",
    semaphore.acquire({ timeout: { seconds: 1 } }),
  );
  expectTimeout("run timeout 1000", loop.run(() => never, { timeout: 1000 }));
  expectTimeout(
    "run timeout { seconds: 1 }",
    loop.run(() => never, { timeout: { seconds: 1 } }),
  );
  loop.addTimeout(loop.time() + 1000, mark("addTimeout time()+1000"));
  loop.addTimeout({ seconds: 1 }, mark("addTimeout { seconds: 1 }"));
  loop.callLater(1000, mark("callLater 1000"));
  loop.callAt(loop.time() + 1000, mark("callAt time()+1000"));
  assert.equal(clock.countTimers(), 1);

  await clock.tickAsync(999);
  assert.equal(fired.length, 0);
  assert.equal(semaphore.waiters, 4);
  await clock.tickAsync(1);
  await Promise.all(pending);
  assert.equal(fired.length, 10);
  for (const [what, when] of fired) assert.equal(when, start + 1000, what);
  assert.equal(semaphore.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(clock.countTimers(), 0);
});

Deno.test("IOLoop.current() works on real timers again once fake timers are uninstalled with its timer armed", async () => {
  let handle: TimeoutHandle;
  {
    // Starts at the real time, so the deadline is still ahead once the real
    // clock is back, and the timer armed for it must not hold up others.
    using clock = installClock([], Date.now());
    handle = defaultLoop.callLater(60_000, () => assert.fail("fired"));
    assert.equal(clock.countTimers(), 1);
  }
  try {
    const ranAt = await withinRealTime(
      new Promise<number>((resolve) =>
        defaultLoop.addCallback(() => resolve(defaultLoop.time()))
      ),
    );
    assert.ok(ranAt > 1_000_000_000_000, "read the real clock");
  } finally {
    defaultLoop.removeTimeout(handle);
  }
  assert.equal(defaultLoop.pendingTimers, 0);
});

Deno.test("IOLoop.current() works on real timers again once fake timers are uninstalled with an earlier fake timer armed", async () => {
  const fired: string[] = [];
  {
    // Far behind the real clock: the armed fake timer is due before anything
    // the real clock asks for, yet only the fake clock could ever fire it.
    using clock = installClock();
    defaultLoop.callLater(100, () => fired.push("fake-time timer"));
    assert.equal(clock.countTimers(), 1);
  }
  await withinRealTime(
    new Promise<void>((resolve) =>
      defaultLoop.addCallback(() => {
        fired.push("real-time callback");
        resolve();
      })
    ),
  );
  // The old deadline is long past on the real clock, so it ran first.
  assert.deepEqual(fired, ["fake-time timer", "real-time callback"]);
  assert.equal(defaultLoop.pendingTimers, 0);
});

Deno.test("IOLoop.current() obeys fake timers installed while a real timer is armed", async () => {
  const fired: string[] = [];
  defaultLoop.callLater(60_000, () => fired.push("real-time timer"));
  assert.equal(defaultLoop.pendingTimers, 1);
  // Ahead of the real clock: the new deadline is later than the real timer's.
  using clock = installClock([], Date.now() + 3_600_000);
  defaultLoop.callLater(100, () => fired.push("fake-time timer"));
  assert.equal(clock.countTimers(), 1);
  await clock.tickAsync(99);
  assert.deepEqual(fired, ["real-time timer"]);
  await clock.tickAsync(1);
  assert.deepEqual(fired, ["real-time timer", "fake-time timer"]);
  assert.equal(defaultLoop.pendingTimers, 0);
  assert.equal(clock.countTimers(), 0);
});

Deno.test("IOLoop.current() times a wait on real timers after fake timers are uninstalled", async () => {
  {
    using clock = installClock();
    const semaphore = new Semaphore(0);
    const waiting = assert.rejects(
      semaphore.acquire({ timeout: 5 }),
      TimeoutError,
    );
    await clock.tickAsync(5);
    await waiting;
  }
  const semaphore = new Semaphore(0);
  await withinRealTime(
    assert.rejects(semaphore.acquire({ timeout: 1 }), {
      name: "TimeoutError",
      message: "Semaphore.acquire() timed out",
    }),
  );
  assert.equal(semaphore.waiters, 0);
  assert.equal(defaultLoop.pendingTimers, 0);
});

Deno.test("IOLoop.current().addCallback() is a zero-delay timer that a fake clock controls", async () => {
  using clock = installClock();
  let ran = false;
  defaultLoop.addCallback(() => ran = true);
  assert.equal(clock.countTimers(), 1);
  assert.equal(defaultLoop.pendingTimers, 1);
  await flushMicrotasks();
  assert.equal(ran, false);
  await clock.tickAsync(0);
  assert.equal(ran, true);
  assert.equal(clock.now, 1_000_000);
  assert.equal(defaultLoop.pendingTimers, 0);
  assert.equal(clock.countTimers(), 0);
});

Deno.test("IOLoop.current() holds at most one runtime timer while anything is pending, and none when nothing is", async () => {
  using clock = installClock();
  assert.equal(clock.countTimers(), 0);
  const handles: TimeoutHandle[] = [];
  for (let i = 0; i < 40; i++) {
    handles.push(defaultLoop.callLater(((i * 37) % 100) + 1, () => {}));
    assert.equal(clock.countTimers(), 1);
  }
  defaultLoop.addCallback(() => {});
  const semaphore = new Semaphore(0);
  const waits = [20, 50, 120].map((timeout) =>
    assert.rejects(semaphore.acquire({ timeout }), TimeoutError)
  );
  assert.equal(clock.countTimers(), 1);
  for (let ms = 0; ms < 130; ms++) {
    await clock.tickAsync(1);
    const pending = defaultLoop.pendingTimers;
    assert.equal(clock.countTimers(), pending > 0 ? 1 : 0, `at ${ms + 1} ms`);
  }
  await Promise.all(waits);
  assert.equal(defaultLoop.pendingTimers, 0);
  assert.equal(clock.countTimers(), 0);

  const removed = [5, 10, 15].map((ms) =>
    defaultLoop.callLater(ms, () => assert.fail("fired"))
  );
  assert.equal(clock.countTimers(), 1);
  for (const handle of removed) defaultLoop.removeTimeout(handle);
  assert.equal(defaultLoop.pendingTimers, 0);
  assert.equal(clock.countTimers(), 0);
});

Deno.test("IOLoop.current() arms a timer at Infinity with no runtime timer", () => {
  using clock = installClock();
  const handle = defaultLoop.addTimeout(Infinity, () => assert.fail("fired"));
  assert.equal(clock.countTimers(), 0);
  defaultLoop.removeTimeout(handle);
  assert.equal(defaultLoop.pendingTimers, 0);
});

for (const { name, make } of GRANTABLE_WAITS) {
  Deno.test(`IOLoop.current() under fake timers holds no timer once a timed ${name} is granted`, async () => {
    using clock = installClock();
    const { wait, grant } = make();
    const waiting = wait({ timeout: 10_000 });
    assert.equal(defaultLoop.pendingTimers, 1);
    assert.equal(clock.countTimers(), 1);
    grant();
    await waiting;
    assert.equal(defaultLoop.pendingTimers, 0);
    assert.equal(clock.countTimers(), 0);
  });

  Deno.test(`IOLoop.current() on real timers leaves pendingTimers 0 once a timed ${name} is granted`, async () => {
    const { wait, grant } = make();
    const waiting = wait({ timeout: 60_000 });
    assert.equal(defaultLoop.pendingTimers, 1);
    grant();
    await waiting;
    assert.equal(defaultLoop.pendingTimers, 0);
  });

  Deno.test(`IOLoop.current() on real timers leaves pendingTimers 0 once a timed ${name} is aborted`, async () => {
    const { wait } = make();
    const controller = new AbortController();
    const waiting = wait({ timeout: 60_000, signal: controller.signal });
    assert.equal(defaultLoop.pendingTimers, 1);
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, { message: "stop" });
    assert.equal(defaultLoop.pendingTimers, 0);
  });
}

/**
 * Runs `code`, an ES module, in a new process of this runtime, with `MOD`
 * bound to this library's `mod` module. Resolves with its exit code and
 * output; a child still alive after 30 s is killed (exit code null).
 */
function runChild(
  code: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Built for Node, this file is `ioloop_test.js` beside `mod.js`.
  const mod = new URL(
    import.meta.url.endsWith(".js") ? "./mod.js" : "./mod.ts",
    import.meta.url,
  ).href;
  const source = `const MOD = ${JSON.stringify(mod)};\n${code}`;
  const bun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  const deno = (process.versions as Record<string, string | undefined>).deno;
  const args = bun
    ? ["-e", source]
    : deno
    ? ["eval", "--ext=ts", source]
    : ["--input-type=module", "-e", source];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { timeout: 30_000, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const code = error === null
          ? 0
          : typeof error.code === "number"
          ? error.code
          : null;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

Deno.test("IOLoop.current() on real timers lets the process exit once nothing is pending", async () => {
  // Each step leaves the loop's runtime timer armed for ten minutes ahead;
  // only an unreferenced (or cleared) timer lets the process end now.
  const { code, stdout, stderr } = await runChild(`
    const { IOLoop, Semaphore } = await import(MOD);
    const loop = IOLoop.current();
    loop.removeTimeout(loop.callLater(600_000, () => {}));
    const semaphore = new Semaphore(0);
    const granted = semaphore.acquire({ timeout: 600_000 });
    semaphore.release();
    (await granted).release();
    const value = await loop.run(
      () => new Promise((resolve) => loop.callLater(1, () => resolve("ran"))),
      { timeout: 600_000 },
    );
    console.log(value, loop.pendingTimers);
  `);
  assert.equal(stdout.trim(), "ran 0", stderr);
  assert.equal(code, 0, "the process was still alive after 30 s");
});

Deno.test("IOLoop.current() on real timers keeps the process alive while a timer is pending", async () => {
  const { code, stdout, stderr } = await runChild(`
    const { IOLoop } = await import(MOD);
    const loop = IOLoop.current();
    loop.callLater(50, () => console.log("fired", loop.pendingTimers));
    console.log("scheduled", loop.pendingTimers);
  `);
  assert.equal(stdout.trim(), "scheduled 1\nfired 0", stderr);
  assert.equal(code, 0);
});

Deno.test("IOLoop under fake timers runs a callback that re-adds itself once a turn, letting time go on", async () => {
  using clock = installClock();
  const loop = new IOLoop();
  let turns = 0;
  const again = () => {
    turns++;
    if (turns < 1000) loop.addCallback(again);
  };
  loop.addCallback(again);
  let other = false;
  loop.callLater(1, () => other = true);
  await clock.tickAsync(1);
  assert.equal(other, true);
  assert.ok(turns >= 1 && turns < 1000, `${turns} turns`);
  await clock.tickAsync(1000);
  assert.equal(turns, 1000);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(clock.countTimers(), 0);
});

Deno.test("IOLoop under fake timers runs the other due callbacks when one throws, and rethrows its error once", async () => {
  // The error is rethrown as an uncaught error, as from setTimeout: from a
  // (fake) timer it surfaces from tickAsync(), from a microtask it reaches the
  // wrapper below. Either way it is seen exactly once, and nothing else is.
  using clock = installClock();
  const uncaught: unknown[] = [];
  const realQueueMicrotask = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (callback) =>
    realQueueMicrotask(() => {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    });
  try {
    const loop = new IOLoop();
    const error = new Error("callback failed");
    const ran: string[] = [];
    loop.callLater(10, () => ran.push("before"));
    loop.callLater(10, () => {
      ran.push("throws");
      throw error;
    });
    loop.callLater(10, () => ran.push("after"));
    loop.callLater(20, () => ran.push("later"));
    await clock.tickAsync(10).catch((e) => uncaught.push(e));
    await flushMicrotasks();
    assert.deepEqual(ran, ["before", "throws", "after"]);
    assert.equal(uncaught.length, 1);
    assert.equal(uncaught[0], error);
    assert.equal(loop.pendingTimers, 1);
    assert.equal(clock.countTimers(), 1);
    await clock.tickAsync(10);
    await flushMicrotasks();
    assert.deepEqual(ran, ["before", "throws", "after", "later"]);
    assert.equal(uncaught.length, 1);
    assert.equal(loop.pendingTimers, 0);
    assert.equal(clock.countTimers(), 0);
  } finally {
    globalThis.queueMicrotask = realQueueMicrotask;
  }
});

// ---------------------------------------------------------------------------
// Both loops: time, deadlines and durations.

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: a granted wait resumes by promise resolution alone, with no loop turn`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    const semaphore = new Semaphore(0);
    const event = new Event();
    const condition = new Condition();
    const resumed: string[] = [];
    const waits = [
      semaphore.acquire({ timeout: 1000 }).then(() =>
        resumed.push("semaphore")
      ),
      event.wait({ timeout: 1000 }).then(() => resumed.push("event")),
      condition.wait({ timeout: 1000 }).then(() => resumed.push("condition")),
    ];
    assert.equal(t.loop.pendingTimers, 3);
    semaphore.release();
    event.set();
    condition.notify();
    assert.deepEqual(resumed, []);
    await Promise.all(waits); // no advance(), no settle()
    assert.deepEqual(resumed, ["semaphore", "event", "condition"]);
    assert.equal(t.loop.time(), start);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.time() moves with the clock and only with it`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    await flushMicrotasks();
    assert.equal(t.loop.time(), start);
    await t.advance(250);
    assert.equal(t.loop.time(), start + 250);
    await t.settle();
    assert.equal(t.loop.time(), start + 250);
  });

  Deno.test(`${kind.name}: IOLoop.addTimeout() takes a number as an absolute time on loop.time()'s clock`, async () => {
    using t = kind.create();
    await t.advance(37);
    const at = t.loop.time() + 100;
    const fired: number[] = [];
    const handle = t.loop.addTimeout(at, () => fired.push(t.loop.time()));
    assert.equal(handle.deadline, at);
    await t.advance(99);
    assert.deepEqual(fired, []);
    await t.advance(1);
    assert.deepEqual(fired, [at]);
  });

  Deno.test(`${kind.name}: IOLoop.addTimeout() takes a DurationLike as relative to now`, async () => {
    using t = kind.create();
    await t.advance(37);
    const start = t.loop.time();
    const fired: number[] = [];
    const handle = t.loop.addTimeout(
      { milliseconds: 100 },
      () => fired.push(t.loop.time()),
    );
    assert.equal(handle.deadline, start + 100);
    await t.advance(99);
    assert.deepEqual(fired, []);
    await t.advance(1);
    assert.deepEqual(fired, [start + 100]);
  });

  Deno.test(`${kind.name}: IOLoop.addTimeout() adds up every field of a DurationLike`, () => {
    using t = kind.create();
    const handle = t.loop.addTimeout({
      days: 1,
      hours: 1,
      minutes: 1,
      seconds: 1,
      milliseconds: 1,
      microseconds: 1000,
      nanoseconds: 1_000_000,
    }, () => {});
    assert.equal(handle.deadline, t.loop.time() + 90_061_003);
    t.loop.removeTimeout(handle);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.addTimeout() fires a fractional deadline no earlier than it falls due`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    let ran = false;
    const handle = t.loop.addTimeout({ microseconds: 1500 }, () => ran = true);
    assert.equal(handle.deadline, start + 1.5);
    await t.advance(1);
    assert.equal(ran, false);
    await t.advance(1);
    assert.equal(ran, true);
  });

  Deno.test(`${kind.name}: a Temporal.Duration-shaped object with getters works as a DurationLike`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    const duration = new DurationShape({ seconds: 2, milliseconds: 5 });
    assert.equal(Object.keys(duration).length, 0, "fields are getters only");
    const handle = t.loop.addTimeout(duration, () => {});
    assert.equal(handle.deadline, start + 2005);
    t.loop.removeTimeout(handle);

    const semaphore = new Semaphore(0);
    let settled: unknown;
    const waiting = semaphore.acquire({ timeout: duration }).catch((e) =>
      settled = e
    );
    await t.advance(2004);
    assertUnsettled(settled);
    await t.advance(1);
    await waiting;
    assert.ok(settled instanceof TimeoutError);
    assert.throws(
      () => t.loop.addTimeout(new DurationShape({ weeks: 1 }), () => {}),
      RangeError,
    );
  });

  Deno.test(`${kind.name}: a real Temporal.Duration works as a DurationLike when globalThis.Temporal exists`, async () => {
    if (Temporal === undefined) {
      assert.equal((globalThis as { Temporal?: unknown }).Temporal, undefined);
      return;
    }
    using t = kind.create();
    const start = t.loop.time();
    const duration = Temporal.Duration.from({ seconds: 1, milliseconds: 500 });
    assert.equal(t.loop.addTimeout(duration, () => {}).deadline, start + 1500);
    const hours = Temporal.Duration.from({ hours: 2, microseconds: 1000 });
    assert.equal(
      t.loop.addTimeout(hours, () => {}).deadline,
      start + 7_200_001,
    );
    assert.throws(
      () => t.loop.addTimeout(Temporal.Duration.from({ weeks: 1 }), () => {}),
      RangeError,
    );
    const event = new Event();
    let settled: unknown;
    const waiting = event.wait({ deadline: duration }).catch((e) =>
      settled = e
    );
    await t.advance(1499);
    assertUnsettled(settled);
    await t.advance(1);
    await waiting;
    assert.ok(settled instanceof TimeoutError);
    await t.advance(7_200_001);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: a DurationLike with a non-zero calendar field is a RangeError`, async () => {
    using t = kind.create();
    const semaphore = new Semaphore(0);
    for (const unit of ["years", "months", "weeks"]) {
      for (const value of [1, -1, 0.5]) {
        const duration = { seconds: 1, [unit]: value } as DurationLike;
        assert.throws(() => t.loop.addTimeout(duration, () => {}), RangeError);
        await assert.rejects(
          semaphore.acquire({ timeout: duration }),
          RangeError,
        );
        await assert.rejects(
          semaphore.acquire({ deadline: duration }),
          RangeError,
        );
        await assert.rejects(
          t.loop.run(() => 1, { timeout: duration }),
          RangeError,
        );
      }
    }
    assert.throws(
      () => t.loop.addTimeout({ weeks: 1 } as DurationLike, () => {}),
      {
        name: "RangeError",
        message:
          "Cannot call IOLoop.addTimeout() as 'deadline.weeks' must be zero, as calendar units have no fixed length: current value is 1",
      },
    );
    assert.equal(semaphore.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: a DurationLike with calendar fields that are zero is accepted`, () => {
    using t = kind.create();
    const duration = {
      years: 0,
      months: 0,
      weeks: 0,
      seconds: 1,
    } as DurationLike;
    assert.equal(
      t.loop.addTimeout(duration, () => {}).deadline,
      t.loop.time() + 1000,
    );
  });

  Deno.test(`${kind.name}: a DurationLike field that is present and not a number is a TypeError, checked before the calendar rule`, async () => {
    using t = kind.create();
    const semaphore = new Semaphore(0);
    const durations = [
      { seconds: null },
      { seconds: "1" },
      { milliseconds: true },
      { nanoseconds: 1n },
      { days: {} },
      { weeks: null },
      { months: "1" },
      { years: 1, seconds: null },
      { weeks: 1, days: "1" },
      { years: 1, months: "1" },
      { months: 2, weeks: null },
      { years: 1, months: 1, weeks: "1" },
    ] as unknown as DurationLike[];
    for (const duration of durations) {
      const shown = JSON.stringify(
        duration,
        (_, v) => typeof v === "bigint" ? `${v}n` : v,
      );
      assert.throws(
        () => t.loop.addTimeout(duration, () => {}),
        TypeError,
        shown,
      );
      await assert.rejects(
        semaphore.acquire({ timeout: duration }),
        TypeError,
        shown,
      );
      await assert.rejects(
        semaphore.acquire({ deadline: duration }),
        TypeError,
        shown,
      );
      await assert.rejects(
        t.loop.run(() => 1, { timeout: duration }),
        TypeError,
        shown,
      );
    }
    assert.throws(
      () =>
        t.loop.addTimeout(
          { seconds: "1" } as unknown as DurationLike,
          () => {},
        ),
      {
        name: "TypeError",
        message:
          `Cannot call IOLoop.addTimeout() as 'deadline.seconds' must be a number: current value is "1"`,
      },
    );
    assert.equal(semaphore.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: a DurationLike field that is explicitly undefined counts as absent`, async () => {
    using t = kind.create();
    const duration = {
      years: undefined,
      months: undefined,
      weeks: undefined,
      days: undefined,
      seconds: 1,
      nanoseconds: undefined,
    };
    assert.equal(
      t.loop.addTimeout(duration, () => {}).deadline,
      t.loop.time() + 1000,
    );
    assert.equal(t.loop.addTimeout({}, () => {}).deadline, t.loop.time());
    const semaphore = new Semaphore(0);
    const waiting = assert.rejects(
      semaphore.acquire({ timeout: duration }),
      TimeoutError,
    );
    assert.equal(semaphore.waiters, 1);
    await t.advance(1000);
    await waiting;
  });

  Deno.test(`${kind.name}: a DurationLike field that is not finite is a RangeError`, async () => {
    using t = kind.create();
    const semaphore = new Semaphore(0);
    for (const unit of ["days", "seconds", "nanoseconds", "weeks"]) {
      for (const value of [NaN, Infinity, -Infinity]) {
        const duration = { [unit]: value } as DurationLike;
        const what = `${unit}: ${value}`;
        assert.throws(
          () => t.loop.addTimeout(duration, () => {}),
          RangeError,
          what,
        );
        await assert.rejects(
          semaphore.acquire({ timeout: duration }),
          RangeError,
          what,
        );
        await assert.rejects(
          t.loop.run(() => 1, { timeout: duration }),
          RangeError,
          what,
        );
      }
    }
    assert.equal(semaphore.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.addTimeout() throws a TypeError for a deadline neither a number nor a DurationLike, a RangeError for NaN`, () => {
    using t = kind.create();
    for (
      const deadline of ["5", null, undefined, true, Symbol("x"), 5n, () => 5]
    ) {
      assert.throws(
        () => t.loop.addTimeout(deadline as unknown as number, () => {}),
        TypeError,
      );
    }
    assert.throws(() => t.loop.addTimeout(NaN, () => {}), {
      name: "RangeError",
      message:
        "Cannot call IOLoop.addTimeout() as 'deadline' must be a number other than NaN: current value is NaN",
    });
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: a deadline not after loop.time() runs its callback on the next turn, not at once`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    const ran: string[] = [];
    t.loop.addTimeout(start - 5, () => ran.push("past number"));
    t.loop.addTimeout(start, () => ran.push("now"));
    t.loop.addTimeout({ seconds: -1 }, () => ran.push("negative duration"));
    t.loop.callLater(-10, () => ran.push("negative callLater"));
    t.loop.callAt(0, () => ran.push("callAt 0"));
    assert.deepEqual(ran, []);
    assert.equal(t.loop.pendingTimers, 5);
    await t.settle();
    assert.equal(ran.length, 5);
    assert.equal(t.loop.time(), start);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.callLater() beyond setTimeout's 2 ** 31 - 1 ms limit fires exactly at its deadline`, async () => {
    using t = kind.create();
    const days30 = 30 * 86_400_000;
    const start = t.loop.time();
    const fired: number[] = [];
    t.loop.callLater(days30, () => fired.push(t.loop.time()));
    t.loop.addTimeout({ days: 40 }, () => fired.push(t.loop.time()));
    await t.advance(2 ** 31);
    assert.deepEqual(fired, []);
    await t.advance(days30 - 2 ** 31 - 1);
    assert.deepEqual(fired, []);
    await t.advance(1);
    assert.deepEqual(fired, [start + days30]);
    await t.advance(10 * 86_400_000);
    assert.deepEqual(fired, [start + days30, start + 40 * 86_400_000]);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.addTimeout(Infinity) never fires and can be removed`, async () => {
    using t = kind.create();
    const handle = t.loop.addTimeout(Infinity, () => assert.fail("fired"));
    assert.equal(handle.deadline, Infinity);
    await t.advance(10_000_000);
    t.loop.removeTimeout(handle);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: a wait with deadline or timeout Infinity arms no timer`, async () => {
    using t = kind.create();
    const semaphore = new Semaphore(0);
    const waits = [
      semaphore.acquire({ deadline: Infinity }),
      semaphore.acquire({ timeout: Infinity }),
      semaphore.acquire({ deadline: Infinity, timeout: Infinity }),
    ];
    assert.equal(t.loop.pendingTimers, 0);
    await t.advance(10_000_000);
    assert.equal(semaphore.waiters, 3);
    for (let i = 0; i < 3; i++) semaphore.release();
    await Promise.all(waits);
  });

  Deno.test(`${kind.name}: a wait given both a deadline and a timeout ends at the earlier`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    const semaphore = new Semaphore(0);
    const ended: Array<[string, number]> = [];
    const end = (what: string) => (e: unknown) => {
      assert.ok(e instanceof TimeoutError);
      ended.push([what, t.loop.time() - start]);
    };
    const waits = [
      semaphore.acquire({ deadline: start + 30, timeout: 50 }).catch(
        end("deadline first"),
      ),
      semaphore.acquire({ deadline: { milliseconds: 60 }, timeout: 40 }).catch(
        end("timeout first"),
      ),
    ];
    await t.advance(100);
    await Promise.all(waits);
    assert.deepEqual(ended, [["deadline first", 30], ["timeout first", 40]]);
  });

  // -------------------------------------------------------------------------
  // Both loops: scheduling and cancelling.

  Deno.test(`${kind.name}: IOLoop.removeTimeout() cancels a callback that has not run`, async () => {
    using t = kind.create();
    const ran: string[] = [];
    const cancelled = t.loop.callLater(10, () => ran.push("cancelled"));
    t.loop.callLater(10, () => ran.push("kept"));
    assert.equal(t.loop.pendingTimers, 2);
    t.loop.removeTimeout(cancelled);
    assert.equal(t.loop.pendingTimers, 1);
    await t.advance(10);
    assert.deepEqual(ran, ["kept"]);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.removeTimeout() of a handle that already ran or was removed does nothing`, async () => {
    using t = kind.create();
    const ran: string[] = [];
    const fired = t.loop.callLater(1, () => ran.push("fired"));
    await t.advance(1);
    const removed = t.loop.callLater(5, () => ran.push("removed"));
    t.loop.removeTimeout(removed);
    const handles = [0, 1, 2, 3].map((i) =>
      t.loop.callLater(5 + i, () => ran.push(`kept ${i}`))
    );
    assert.equal(t.loop.pendingTimers, 4);
    t.loop.removeTimeout(fired);
    t.loop.removeTimeout(removed);
    t.loop.removeTimeout(removed);
    assert.equal(t.loop.pendingTimers, 4);
    await t.advance(10);
    assert.deepEqual(ran, ["fired", "kept 0", "kept 1", "kept 2", "kept 3"]);
    for (const handle of handles) t.loop.removeTimeout(handle);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.removeTimeout() of another loop's handle does nothing to either loop`, async () => {
    using t = kind.create();
    const other = new VirtualIOLoop();
    const ran: string[] = [];
    const foreign = other.callLater(10, () => ran.push("other"));
    const own = t.loop.callLater(10, () => ran.push("own"));
    t.loop.removeTimeout(foreign);
    other.removeTimeout(own);
    assert.equal(t.loop.pendingTimers, 1);
    assert.equal(other.pendingTimers, 1);
    await t.advance(10);
    await other.advance(10);
    assert.deepEqual(ran, ["own", "other"]);
  });

  Deno.test(`${kind.name}: IOLoop.removeTimeout(undefined) does nothing`, () => {
    using t = kind.create();
    t.loop.callLater(10, () => {});
    t.loop.removeTimeout(undefined);
    assert.equal(t.loop.pendingTimers, 1);
  });

  Deno.test(`${kind.name}: IOLoop.removeTimeout() throws a TypeError for a value that is not a TimeoutHandle`, () => {
    using t = kind.create();
    const handle = t.loop.callLater(10, () => {});
    for (
      const value of [null, 5, "handle", {}, { deadline: handle.deadline }, [
        handle,
      ]]
    ) {
      assert.throws(
        () => t.loop.removeTimeout(value as unknown as TimeoutHandle),
        TypeError,
      );
    }
    assert.throws(
      () => t.loop.removeTimeout({ deadline: 1 }),
      {
        name: "TypeError",
        message:
          "Cannot call IOLoop.removeTimeout() as 'handle' must be a TimeoutHandle or undefined: current value is an object",
      },
    );
    assert.equal(t.loop.pendingTimers, 1);
  });

  Deno.test(`${kind.name}: IOLoop.callLater(ms) runs the callback ms from now and returns a handle removeTimeout accepts`, async () => {
    using t = kind.create();
    await t.advance(3);
    const start = t.loop.time();
    const fired: number[] = [];
    const handle = t.loop.callLater(250, () => fired.push(t.loop.time()));
    assert.equal(handle.deadline, start + 250);
    const cancelled = t.loop.callLater(100, () => assert.fail("fired"));
    t.loop.removeTimeout(cancelled);
    await t.advance(249);
    assert.deepEqual(fired, []);
    await t.advance(1);
    assert.deepEqual(fired, [start + 250]);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.callAt(when) runs the callback when the clock reaches when and returns a handle removeTimeout accepts`, async () => {
    using t = kind.create();
    const when = t.loop.time() + 300;
    const fired: number[] = [];
    const handle = t.loop.callAt(when, () => fired.push(t.loop.time()));
    assert.equal(handle.deadline, when);
    const cancelled = t.loop.callAt(when - 100, () => assert.fail("fired"));
    t.loop.removeTimeout(cancelled);
    await t.advance(299);
    assert.deepEqual(fired, []);
    await t.advance(1);
    assert.deepEqual(fired, [when]);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.callLater() and callAt() throw a TypeError for a time that is not a number, a RangeError for NaN`, () => {
    using t = kind.create();
    for (const value of ["5", null, undefined, { seconds: 1 }, 5n]) {
      assert.throws(
        () => t.loop.callLater(value as unknown as number, () => {}),
        TypeError,
      );
      assert.throws(
        () => t.loop.callAt(value as unknown as number, () => {}),
        TypeError,
      );
    }
    assert.throws(() => t.loop.callLater(NaN, () => {}), RangeError);
    assert.throws(() => t.loop.callAt(NaN, () => {}), RangeError);
    assert.throws(() => t.loop.callLater("5" as unknown as number, () => {}), {
      name: "TypeError",
      message:
        `Cannot call IOLoop.callLater() as 'ms' must be a number: current value is "5"`,
    });
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop scheduling methods throw a TypeError for a callback that is not a function`, () => {
    using t = kind.create();
    for (const callback of [undefined, null, "f", {}, 1]) {
      const bad = callback as unknown as () => void;
      assert.throws(() => t.loop.addTimeout(10, bad), TypeError);
      assert.throws(() => t.loop.callLater(10, bad), TypeError);
      assert.throws(() => t.loop.callAt(10, bad), TypeError);
      assert.throws(() => t.loop.addCallback(bad), TypeError);
    }
    assert.throws(() => t.loop.addCallback(null as unknown as () => void), {
      name: "TypeError",
      message:
        "Cannot call IOLoop.addCallback() as 'callback' must be a function: current value is null",
    });
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.addCallback() runs the callback on the next turn, after the promise callbacks already queued`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    const ran: string[] = [];
    (async () => {
      for (let i = 0; i < 5; i++) await null;
      ran.push("promise chain");
    })();
    t.loop.addCallback(() => ran.push("callback"));
    assert.deepEqual(ran, []);
    assert.equal(t.loop.pendingTimers, 1);
    await t.settle();
    assert.deepEqual(ran, ["promise chain", "callback"]);
    assert.equal(t.loop.time(), start);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.addCallback() from a callback runs on a later turn, after that callback's promise callbacks`, async () => {
    using t = kind.create();
    const ran: Array<number | string> = [];
    t.loop.addCallback(() => {
      ran.push(1);
      t.loop.addCallback(() => ran.push(3));
      Promise.resolve().then(() => ran.push("promise callback of 1"));
    });
    t.loop.addCallback(() => ran.push(2));
    // A zero-delay timer set while fake timers fire waits for the next
    // millisecond under @sinonjs/fake-timers, as a real one may.
    await t.advance(1);
    assert.deepEqual(ran.filter((x) => typeof x === "number"), [1, 2, 3]);
    assert.ok(
      ran.indexOf("promise callback of 1") < ran.indexOf(3),
      String(ran),
    );
  });

  Deno.test(`${kind.name}: IOLoop fires timers in deadline order, ties in the order they were added, each at its deadline`, async () => {
    using t = kind.create();
    const start = t.loop.time();
    const fired: Array<[string, number]> = [];
    const mark = (what: string) => () =>
      fired.push([what, t.loop.time() - start]);
    t.loop.callLater(30, mark("a"));
    t.loop.callAt(start + 10, mark("b"));
    t.loop.addTimeout({ milliseconds: 20 }, mark("c"));
    t.loop.callLater(10, mark("d"));
    t.loop.addCallback(mark("e"));
    t.loop.addTimeout(start + 10, mark("f"));
    t.loop.callLater(0, mark("g"));
    await t.advance(30);
    assert.deepEqual(fired, [
      ["e", 0],
      ["g", 0],
      ["b", 10],
      ["d", 10],
      ["f", 10],
      ["c", 20],
      ["a", 30],
    ]);
  });

  // -------------------------------------------------------------------------
  // Both loops: run().

  Deno.test(`${kind.name}: IOLoop.run() resolves with a synchronous fn's value`, async () => {
    using t = kind.create();
    assert.equal(await t.loop.run(() => 42), 42);
    assert.equal(await t.loop.run(() => "x", { timeout: 10 }), "x");
    assert.equal(await t.loop.run(() => undefined, { timeout: 0 }), undefined);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.run() resolves with an async fn's value before the timeout and removes its timer`, async () => {
    using t = kind.create();
    let result: unknown;
    const running = t.loop.run(
      () =>
        new Promise<string>((resolve) =>
          t.loop.callLater(50, () => resolve("done"))
        ),
      { timeout: 100 },
    ).then((value) => result = value);
    assert.equal(t.loop.pendingTimers, 2);
    await t.advance(50);
    await running;
    assert.equal(result, "done");
    assert.equal(t.loop.pendingTimers, 0);
    await t.advance(100);
  });

  Deno.test(`${kind.name}: IOLoop.run() accepts a PromiseLike that is not a Promise`, async () => {
    using t = kind.create();
    const thenable: PromiseLike<number> = {
      then(onfulfilled) {
        return Promise.resolve(7).then(onfulfilled);
      },
    };
    assert.equal(await t.loop.run(() => thenable, { timeout: 10 }), 7);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.run() rejects with TimeoutError "IOLoop.run() timed out" at a timeout in milliseconds`, async () => {
    using t = kind.create();
    let settled: unknown;
    const running = t.loop.run(() => new Promise(() => {}), { timeout: 1000 })
      .catch((e) => settled = e);
    await t.advance(999);
    assertUnsettled(settled);
    await t.advance(1);
    await running;
    assert.ok(settled instanceof TimeoutError);
    assert.equal((settled as TimeoutError).message, "IOLoop.run() timed out");
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.run() rejects with TimeoutError at a DurationLike timeout`, async () => {
    using t = kind.create();
    let settled: unknown;
    const running = t.loop.run(async () => {
      await new Promise(() => {});
    }, { timeout: { seconds: 1, milliseconds: 500 } }).catch((e) =>
      settled = e
    );
    await t.advance(1499);
    assertUnsettled(settled);
    await t.advance(1);
    await running;
    assert.ok(settled instanceof TimeoutError);
    assert.equal((settled as TimeoutError).message, "IOLoop.run() timed out");
  });

  Deno.test(`${kind.name}: IOLoop.run() with timeout 0 or less rejects a pending fn with TimeoutError at once`, async () => {
    using t = kind.create();
    for (const timeout of [0, -5, { seconds: -1 }]) {
      await assert.rejects(
        t.loop.run(() => new Promise(() => {}), { timeout }),
        TimeoutError,
      );
    }
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.run() without a timeout, or with Infinity, never times out`, async () => {
    using t = kind.create();
    let settled = false;
    const done = () => settled = true;
    t.loop.run(() => new Promise(() => {})).then(done, done);
    t.loop.run(() => new Promise(() => {}), { timeout: Infinity }).then(
      done,
      done,
    );
    t.loop.run(() => new Promise(() => {}), {}).then(done, done);
    assert.equal(t.loop.pendingTimers, 0);
    await t.advance(10_000_000);
    assert.equal(settled, false);
  });

  Deno.test(`${kind.name}: IOLoop.run() rejects with the error of a rejecting fn`, async () => {
    using t = kind.create();
    const error = new Error("job failed");
    const running = t.loop.run(async () => {
      await new Promise((resolve) =>
        t.loop.callLater(10, () => resolve(undefined))
      );
      throw error;
    }, { timeout: 100 });
    const rejected = assert.rejects(running, (e) => e === error);
    await t.advance(10);
    await rejected;
    assert.equal(t.loop.pendingTimers, 0);
    await assert.rejects(
      t.loop.run(() => Promise.reject(error)),
      (e) => e === error,
    );
  });

  Deno.test(`${kind.name}: IOLoop.run() rejects rather than throws when fn throws synchronously`, async () => {
    using t = kind.create();
    const error = new Error("sync failure");
    for (const options of [undefined, { timeout: 100 }]) {
      let running: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        running = t.loop.run(() => {
          throw error;
        }, options);
      });
      await assert.rejects(running!, (e) => e === error);
    }
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.run() rejects bad arguments without calling fn`, async () => {
    using t = kind.create();
    let calls = 0;
    const fn = () => calls++;
    const cases: Array<[unknown, unknown, ErrorConstructor]> = [
      [fn, { timeout: "5" }, TypeError],
      [fn, { timeout: null }, TypeError],
      [fn, { timeout: NaN }, RangeError],
      [fn, { timeout: { weeks: 1 } }, RangeError],
      [fn, { timeout: { seconds: null } }, TypeError],
      [fn, null, TypeError],
      [fn, 5, TypeError],
      ["fn", undefined, TypeError],
      [undefined, undefined, TypeError],
    ];
    for (const [f, options, type] of cases) {
      let running: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        running = t.loop.run(f as () => unknown, options as WaitOptions);
      });
      await assert.rejects(running!, type);
    }
    assert.equal(calls, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  // -------------------------------------------------------------------------
  // Both loops: pendingTimers.

  Deno.test(`${kind.name}: IOLoop.pendingTimers counts armed timeouts plus callbacks not yet run`, async () => {
    using t = kind.create();
    assert.equal(t.loop.pendingTimers, 0);
    const later = t.loop.callLater(100, () => {});
    assert.equal(t.loop.pendingTimers, 1);
    t.loop.addCallback(() => {});
    assert.equal(t.loop.pendingTimers, 2);
    const semaphore = new Semaphore(0);
    const timed = semaphore.acquire({ timeout: 50 });
    assert.equal(t.loop.pendingTimers, 3);
    const untimed = semaphore.acquire();
    assert.equal(t.loop.pendingTimers, 3);
    await t.settle();
    assert.equal(t.loop.pendingTimers, 2);
    t.loop.removeTimeout(later);
    assert.equal(t.loop.pendingTimers, 1);
    semaphore.release();
    await timed;
    assert.equal(t.loop.pendingTimers, 0);
    semaphore.release();
    await untimed;
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: IOLoop.pendingTimers drops as timers fire and ends at 0`, async () => {
    using t = kind.create();
    for (const ms of [10, 20, 30]) t.loop.callLater(ms, () => {});
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await t.advance(10);
      counts.push(t.loop.pendingTimers);
    }
    assert.deepEqual(counts, [2, 1, 0]);
  });
}

// ---------------------------------------------------------------------------
// VirtualIOLoop

Deno.test("VirtualIOLoop starts at 0, whatever other loops and the real or fake clock say", async () => {
  const used = new VirtualIOLoop();
  await used.advance(500);
  assert.equal(new VirtualIOLoop().time(), 0);
  using _clock = installClock();
  assert.equal(new VirtualIOLoop().time(), 0);
});

Deno.test("VirtualIOLoop fires nothing until advance() or runUntilIdle() is awaited", async () => {
  const loop = new VirtualIOLoop();
  const ran: string[] = [];
  loop.addCallback(() => ran.push("addCallback"));
  loop.callLater(0, () => ran.push("callLater 0"));
  loop.addTimeout(-5, () => ran.push("past deadline"));
  const semaphore = new Semaphore(0, { loop });
  semaphore.acquire({ timeout: 0 }).catch(() => ran.push("timeout 0"));
  semaphore.acquire({ timeout: 1 }).catch(() => ran.push("timeout 1"));
  await flushMicrotasks();
  assert.deepEqual(ran, ["timeout 0"]);
  assert.equal(loop.time(), 0);
  assert.equal(loop.pendingTimers, 4);
  await loop.advance(0);
  // In deadline order: the past deadline, -5, comes first.
  assert.deepEqual(ran, [
    "timeout 0",
    "past deadline",
    "addCallback",
    "callLater 0",
  ]);
  await loop.runUntilIdle();
  assert.deepEqual(ran, [
    "timeout 0",
    "past deadline",
    "addCallback",
    "callLater 0",
    "timeout 1",
  ]);
  assert.equal(loop.time(), 1);
});

Deno.test("VirtualIOLoop runs the promise callbacks each timer causes before the next timer fires", async () => {
  const loop = new VirtualIOLoop();
  const log: string[] = [];
  const chain = async (name: string, wake: Promise<unknown>) => {
    await wake;
    for (let i = 0; i < 10; i++) await Promise.resolve();
    log.push(`${name} chain done`);
  };
  const deferred = (name: string, ms: number) =>
    new Promise((resolve) =>
      loop.callLater(ms, () => {
        log.push(`${name} fired`);
        resolve(undefined);
      })
    );
  const chains = [
    chain("a", deferred("a", 10)),
    chain("b", deferred("b", 10)), // a tie: still after a's chain
    chain("c", deferred("c", 11)),
  ];
  await loop.advance(20);
  await Promise.all(chains);
  assert.deepEqual(log, [
    "a fired",
    "a chain done",
    "b fired",
    "b chain done",
    "c fired",
    "c chain done",
  ]);
});

Deno.test("VirtualIOLoop lets a woken waiter act before the next timer fires", async () => {
  const loop = new VirtualIOLoop();
  const lock = new Lock({ loop });
  const held = lock.tryAcquire()!;
  const log: string[] = [];
  const worker = (async () => {
    const releaser = await lock.acquire();
    log.push("worker has the lock");
    await Promise.resolve();
    await Promise.resolve();
    releaser.release();
    log.push("worker released");
  })();
  loop.callLater(10, () => {
    log.push("release");
    held.release();
  });
  loop.callLater(10, () => log.push(`next timer sees locked=${lock.locked}`));
  await loop.advance(10);
  await worker;
  assert.deepEqual(log, [
    "release",
    "worker has the lock",
    "worker released",
    "next timer sees locked=false",
  ]);
});

Deno.test("VirtualIOLoop.runUntilIdle() moves the clock to the last pending timer, including timers the callbacks add", async () => {
  const loop = new VirtualIOLoop();
  const fired: number[] = [];
  loop.callLater(100, () => fired.push(loop.time()));
  loop.callLater(300, () => {
    fired.push(loop.time());
    loop.callLater(200, () => fired.push(loop.time()));
  });
  await loop.runUntilIdle();
  assert.deepEqual(fired, [100, 300, 500]);
  assert.equal(loop.time(), 500);
  assert.equal(loop.pendingTimers, 0);
});

Deno.test("VirtualIOLoop.runUntilIdle() does not move the clock when no timer is pending", async () => {
  const loop = new VirtualIOLoop();
  await loop.runUntilIdle();
  assert.equal(loop.time(), 0);
  await loop.advance(70);
  await loop.runUntilIdle();
  assert.equal(loop.time(), 70);
  const handle = loop.callLater(30, () => assert.fail("fired"));
  loop.removeTimeout(handle);
  await loop.runUntilIdle();
  assert.equal(loop.time(), 70);
});

Deno.test("VirtualIOLoop.runUntilIdle() leaves a timer at Infinity pending and the clock where the last finite timer was", async () => {
  const loop = new VirtualIOLoop();
  loop.callLater(40, () => {});
  const forever = loop.addTimeout(Infinity, () => assert.fail("fired"));
  await loop.runUntilIdle();
  assert.equal(loop.time(), 40);
  assert.equal(loop.pendingTimers, 1);
  loop.removeTimeout(forever);
  assert.equal(loop.pendingTimers, 0);
});

Deno.test("VirtualIOLoop.advance(ms) fires the timers up to and including time() + ms, each at its deadline, and stops the clock there", async () => {
  const loop = new VirtualIOLoop();
  const fired: number[] = [];
  for (const ms of [5, 10, 10.5, 11]) {
    loop.callLater(ms, () => fired.push(loop.time()));
  }
  await loop.advance(10.5);
  assert.deepEqual(fired, [5, 10, 10.5]);
  assert.equal(loop.time(), 10.5);
  await loop.advance(0.25);
  assert.equal(loop.time(), 10.75);
  assert.deepEqual(fired, [5, 10, 10.5]);
});

Deno.test("VirtualIOLoop.advance() rejects with a TypeError for a non-number, and the clock does not move", async () => {
  const loop = new VirtualIOLoop();
  await loop.advance(5);
  let ran = false;
  loop.addCallback(() => ran = true);
  for (const ms of ["5", null, undefined, 5n, {}, [5]]) {
    let advancing: Promise<void> | undefined;
    assert.doesNotThrow(() => {
      advancing = loop.advance(ms as unknown as number);
    });
    await assert.rejects(advancing!, TypeError);
    assert.equal(loop.time(), 5);
  }
  await assert.rejects(loop.advance("5" as unknown as number), {
    name: "TypeError",
    message:
      `Cannot call VirtualIOLoop.advance() as 'ms' must be a number: current value is "5"`,
  });
  assert.equal(ran, false);
  assert.equal(loop.pendingTimers, 1);
});

Deno.test("VirtualIOLoop.advance() rejects with a RangeError for a negative, NaN or infinite ms, and the clock does not move", async () => {
  const loop = new VirtualIOLoop();
  await loop.advance(5);
  let ran = false;
  loop.addCallback(() => ran = true);
  for (const ms of [-1, -0.5, NaN, Infinity, -Infinity]) {
    let advancing: Promise<void> | undefined;
    assert.doesNotThrow(() => {
      advancing = loop.advance(ms);
    });
    await assert.rejects(advancing!, RangeError, String(ms));
    assert.equal(loop.time(), 5);
  }
  await assert.rejects(loop.advance(-1), {
    name: "RangeError",
    message:
      "Cannot call VirtualIOLoop.advance() as 'ms' must be a finite number, 0 or more: current value is -1",
  });
  assert.equal(ran, false);
  assert.equal(loop.pendingTimers, 1);
});

Deno.test("VirtualIOLoop uses no runtime timer: it works while fake timers are installed and never advanced", async () => {
  const extra = ["setImmediate", "clearImmediate"].filter((name) =>
    typeof (globalThis as Record<string, unknown>)[name] === "function"
  );
  using clock = installClock(extra);
  const loop = new VirtualIOLoop();
  const fired: number[] = [];
  loop.callLater(10, () => fired.push(loop.time()));
  loop.addCallback(() => fired.push(loop.time()));
  const semaphore = new Semaphore(0, { loop });
  const timedOut = assert.rejects(
    semaphore.acquire({ timeout: 30 }),
    TimeoutError,
  );
  const result = loop.run(() => 1, { timeout: 5 });
  await loop.advance(10);
  assert.deepEqual(fired, [0, 10]);
  await loop.runUntilIdle();
  await timedOut;
  assert.equal(await result, 1);
  assert.equal(loop.time(), 30);
  assert.equal(clock.countTimers(), 0);
  assert.equal(clock.now, 1_000_000);
});

Deno.test("VirtualIOLoop.advance() rejects with a callback's error and stops the clock at that timer's deadline", async () => {
  const loop = new VirtualIOLoop();
  const error = new Error("callback failed");
  const ran: string[] = [];
  loop.callLater(5, () => ran.push("before"));
  loop.callLater(10, () => {
    ran.push("throws");
    throw error;
  });
  loop.callLater(20, () => ran.push("after"));
  await assert.rejects(loop.advance(30), (e) => e === error);
  assert.deepEqual(ran, ["before", "throws"]);
  assert.equal(loop.time(), 10);
  assert.equal(loop.pendingTimers, 1);
  await loop.advance(20);
  assert.deepEqual(ran, ["before", "throws", "after"]);
  assert.equal(loop.time(), 30);
});

Deno.test("VirtualIOLoop.runUntilIdle() rejects with a callback's error", async () => {
  const loop = new VirtualIOLoop();
  const error = new Error("callback failed");
  loop.callLater(10, () => {
    throw error;
  });
  loop.callLater(20, () => {});
  await assert.rejects(loop.runUntilIdle(), (e) => e === error);
  assert.equal(loop.time(), 10);
  assert.equal(loop.pendingTimers, 1);
  await loop.runUntilIdle();
  assert.equal(loop.time(), 20);
});

Deno.test("VirtualIOLoop is an IOLoop that IOLoop.setCurrent() accepts", async () => {
  const loop = new VirtualIOLoop();
  assert.ok(loop instanceof IOLoop);
  using _current = makeCurrent(loop);
  const event = new Event();
  const waiting = assert.rejects(event.wait({ timeout: 5 }), TimeoutError);
  assert.equal(loop.pendingTimers, 1);
  await loop.advance(5);
  await waiting;
});
