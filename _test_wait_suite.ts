/**
 * The behaviour every wait must have, written once: deadlines, timeouts and
 * signals, leaving the line at once, timers and listeners cleared, FIFO,
 * asynchronous wake-up, bad options rejecting with nothing changed, no
 * leaks, and closing. A test file registers it for each of its waits, and
 * it runs on every loop kind of `_test_loops.ts`.
 *
 * To wire a new wait, describe it as a {@linkcode WaitSubject} and call
 * {@linkcode waitSuite} at the top level of its test file, passing that
 * file's `Deno.test` (on Node and Bun, `Deno` is a shim only test files
 * see):
 *
 * ```ts ignore
 * import { waitSuite } from "./_test_wait_suite.ts";
 *
 * waitSuite(Deno.test, {
 *   name: "Queue.get()",
 *   make: (loop) => new Queue<number>(0, { loop }), // get() must queue
 *   makeAvailable: (loop) => {
 *     const queue = new Queue<number>(0, { loop });
 *     queue.putNowait(1); // get() succeeds at once
 *     return queue;
 *   },
 *   wait: (queue, options) => queue.get(options),
 *   grant: (queue) => queue.putNowait(0), // serves exactly the first getter
 *   waiters: (queue) => queue.getters,
 *   close: (queue) => queue.shutdown(true),
 *   closeReasons: false,
 *   closedError: (e) => e instanceof QueueShutDown,
 *   closedMarker: " shutdown",
 * });
 * ```
 *
 * The fixture `make` returns is the primitive itself, or any object that
 * holds it with what `grant` needs (the Releaser of a holder, say); then
 * give `primitive` too. Without `loop`, `make` must give the primitive no
 * loop of its own (`{ loop: undefined }` is fine): the suite checks that
 * it times each wait on the loop current when the wait starts.
 *
 * - One `grant` must let exactly the first waiter in, or everyone with
 *   `grantsAll: true` (`Event.set()`, a barrier filling, a wait group
 *   reaching 0); with `fifo: false` the resume-order checks are skipped.
 * - `state` is what a refused wait must leave alone (by default `waiters`
 *   and the inspection string): give it when more is observable (`value`).
 * - A `use(fn, options)`-style wait goes through {@linkcode untilStarted},
 *   with `what` naming the wait its errors name (`Lock.acquire()`) and a
 *   smaller `leakCount`, as lock_test.ts does.
 * - Without `close` the closing checks are skipped; a close that takes no
 *   reason gives `closeReasons: false` and `closedError`.
 * - It makes up to `leakCount` (100,000) waiters on one fixture, and never
 *   grants more times than there are waiters.
 *
 * @module
 */

import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ClosedError, TimeoutError } from "./errors.ts";
import {
  type DurationLike,
  IOLoop,
  VirtualIOLoop,
  type WaitOptions,
} from "./ioloop.ts";
import { LOOP_KINDS, type TestLoop, virtualLoop } from "./_test_loops.ts";
import {
  assertNoTimers,
  error,
  microtasks,
  renderings,
  timeoutOf,
  watch,
  type Watched,
  watchedSignal,
} from "./_test_util.ts";

/** One wait of one primitive, as the suite drives it. */
export interface WaitSubject<P extends object> {
  /** Names the wait in test titles, as `Semaphore.acquire()`. */
  name: string;
  /**
   * Names the wait in its error messages (`${what} timed out`, `Cannot
   * call ${what} as ...`), if not `name`: `Semaphore.use()` says
   * `Semaphore.acquire()`.
   */
  what?: string;
  /**
   * Names the primitive in the `ClosedError` message (`${className} is
   * closed`); by default `name` up to its first `.`.
   */
  className?: string;
  /**
   * Makes a fixture on which the wait queues: no wait can succeed until a
   * `grant`. With `loop`, the primitive is made with `{ loop }`.
   */
  make(loop?: IOLoop): P;
  /**
   * Makes a fixture on which one wait succeeds at once. Leave it out when
   * there is no such state (a `Condition`).
   */
  makeAvailable?(loop?: IOLoop): P;
  /** Starts one wait. */
  wait(fixture: P, options?: WaitOptions): Promise<unknown>;
  /**
   * Lets the first waiter succeed, and only it unless `grantsAll`:
   * `notify()`, `release()`, `putNowait()`... It may be called with no one
   * waiting.
   */
  grant(fixture: P): void;
  /** Whether one `grant` lets every waiter succeed (`Event.set()`). */
  grantsAll?: boolean;
  /** How many wait, as the primitive reports it. */
  waiters(fixture: P): number;
  /** The primitive, for its inspection string; by default the fixture. */
  primitive?(fixture: P): object;
  /**
   * What must not change when a wait is refused (bad options, an aborted
   * signal, a closed primitive); by default `waiters` and `String()`.
   */
  state?(fixture: P): unknown;
  /**
   * Whether woken waiters resume in the order they started waiting (by
   * default they must).
   */
  fifo?: boolean;
  /** Closes the primitive, when it can be: `close(reason)`. */
  close?(fixture: P, reason?: unknown): void;
  /**
   * Whether what `close` is given is what waits reject with (by default
   * it is); false for a close that takes no reason (`Queue.shutdown()`).
   */
  closeReasons?: boolean;
  /**
   * Checks what a wait rejects with once closed without a reason; by
   * default one `ClosedError` per close, saying `${className} is closed`.
   */
  closedError?(e: unknown): boolean;
  /** What closing adds before the inspection string's `>`. */
  closedMarker?: string;
  /**
   * How many waiters the leak checks make: 100,000 by default. A wait
   * that is another one with more steps (`use()` over `acquire()`) may
   * take fewer, to keep the suite quick on Node and Bun.
   */
  leakCount?: number;
}

/** What registers a test: the test file's `Deno.test`. */
export type Register = (name: string, fn: () => Promise<void>) => void;

/**
 * Registers, with `test`, the suite for one wait: each behaviour on each
 * loop kind of `LOOP_KINDS`, and the leak checks on `VirtualIOLoop`.
 */
export function waitSuite<P extends object>(
  test: Register,
  subject: WaitSubject<P>,
): void {
  for (const kind of LOOP_KINDS) {
    const s = new Driver(subject);
    const each = (title: string, fn: (t: TestLoop) => void | Promise<void>) => {
      test(`${kind.name}: ${subject.name} ${title}`, async () => {
        using t = kind.create();
        await fn(t);
      });
    };
    timeoutTests(each, s);
    abortTests(each, s);
    lineTests(each, s);
    badOptionTests(each, s);
    messageTests(each, s);
    loopTests(each, s);
    if (subject.close !== undefined) closeTests(each, s);
  }
  leakTests((title, fn) => {
    test(`${virtualLoop.name}: ${subject.name} ${title}`, async () => {
      using t = virtualLoop.create();
      await fn(t);
    });
  }, new Driver(subject));
}

type Each = (title: string, fn: (t: TestLoop) => void | Promise<void>) => void;

/** The subject with its defaults filled in, and the checks built on it. */
class Driver<P extends object> {
  readonly name: string;
  readonly what: string;
  readonly className: string;
  readonly grantsAll: boolean;
  readonly fifo: boolean;
  readonly closeReasons: boolean;
  readonly closedMarker: string;
  readonly timedOut: (e: unknown) => boolean;

  constructor(readonly subject: WaitSubject<P>) {
    this.name = subject.name;
    this.what = subject.what ?? subject.name;
    this.className = subject.className ??
      subject.name.slice(0, subject.name.indexOf("."));
    this.grantsAll = subject.grantsAll ?? false;
    this.fifo = subject.fifo ?? true;
    this.closeReasons = subject.closeReasons ?? true;
    this.closedMarker = subject.closedMarker ?? " closed";
    this.timedOut = timeoutOf(this.what);
  }

  make(loop?: IOLoop): P {
    return this.subject.make(loop);
  }

  /** A queueing fixture, and an available one if the subject has it. */
  fixtures(loop?: IOLoop): [string, P][] {
    const all: [string, P][] = [["waiting", this.make(loop)]];
    if (this.subject.makeAvailable !== undefined) {
      all.push(["available", this.subject.makeAvailable(loop)]);
    }
    return all;
  }

  wait(p: P, options?: WaitOptions): Promise<unknown> {
    return this.subject.wait(p, options);
  }

  watch(p: P, options?: WaitOptions): Watched {
    return watch(this.wait(p, options));
  }

  grant(p: P): void {
    this.subject.grant(p);
  }

  /** Grants every one of `n` waiters: one grant, or `n`. */
  grantEach(p: P, n: number): void {
    for (let i = this.grantsAll ? n - 1 : 0; i < n; i++) this.grant(p);
  }

  waiters(p: P): number {
    return this.subject.waiters(p);
  }

  primitive(p: P): object {
    return this.subject.primitive?.(p) ?? p;
  }

  state(p: P): unknown {
    return this.subject.state?.(p) ??
      { waiters: this.waiters(p), shown: String(this.primitive(p)) };
  }

  close(p: P, reason?: unknown): void {
    this.subject.close!(p, reason);
  }

  /** Checks a rejection by a close given `reason`. */
  closedBy(reason: unknown): (e: unknown) => boolean {
    if (reason !== undefined && this.closeReasons) {
      return (e) => Object.is(e, reason);
    }
    if (this.subject.closedError !== undefined) {
      return (e) => this.subject.closedError!(e);
    }
    return (e) => {
      assert.ok(e instanceof ClosedError, `expected a ClosedError, got ${e}`);
      assert.ok(e instanceof Error);
      assert.equal(e.name, "ClosedError");
      assert.equal(e.message, `${this.className} is closed`);
      return true;
    };
  }
}

/** Every way API.md gives to say "already passed", at `now`. */
function alreadyPassed(now: number): WaitOptions[] {
  return [
    { timeout: 0 },
    { timeout: -0 },
    { timeout: -1 },
    { timeout: -Infinity },
    { timeout: {} },
    { timeout: { seconds: 0 } },
    { timeout: { milliseconds: -5 } },
    { timeout: { seconds: undefined } },
    { timeout: { minutes: -1 } },
    { deadline: now },
    { deadline: now - 1 },
    { deadline: 0 },
    { deadline: -Infinity },
    { deadline: {} },
    { deadline: { milliseconds: 0 } },
    { deadline: { seconds: -1 } },
    { deadline: now + 100, timeout: 0 },
    { deadline: now, timeout: 100 },
  ];
}

/** Options API.md says reject, with the error and the argument named. */
const BAD_OPTIONS: [unknown, typeof TypeError | typeof RangeError, string][] = [
  [5, TypeError, "options"],
  [null, TypeError, "options"],
  ["fast", TypeError, "options"],
  [true, TypeError, "options"],
  [() => {}, TypeError, "options"],
  [{ timeout: NaN }, RangeError, "options.timeout"],
  [{ deadline: NaN }, RangeError, "options.deadline"],
  [{ timeout: "5" }, TypeError, "options.timeout"],
  [{ timeout: null }, TypeError, "options.timeout"],
  [{ timeout: 5n }, TypeError, "options.timeout"],
  [{ deadline: "5" }, TypeError, "options.deadline"],
  [{ deadline: true }, TypeError, "options.deadline"],
  [{ deadline: null }, TypeError, "options.deadline"],
  [{ timeout: { years: 1 } }, RangeError, "options.timeout.years"],
  [{ deadline: { months: 1 } }, RangeError, "options.deadline.months"],
  [{ timeout: { weeks: 2 } }, RangeError, "options.timeout.weeks"],
  [
    { deadline: { milliseconds: NaN } },
    RangeError,
    "options.deadline.milliseconds",
  ],
  [{ timeout: { days: 1, weeks: 2 } }, RangeError, "options.timeout.weeks"],
  [{ timeout: { seconds: Infinity } }, RangeError, "options.timeout.seconds"],
  [{ deadline: { days: -Infinity } }, RangeError, "options.deadline.days"],
  [
    { timeout: { milliseconds: NaN } },
    RangeError,
    "options.timeout.milliseconds",
  ],
  [{ timeout: { seconds: "1" } }, TypeError, "options.timeout.seconds"],
  [{ deadline: { minutes: null } }, TypeError, "options.deadline.minutes"],
  // A field of the wrong type is checked before the calendar-field rule.
  [
    { timeout: { years: 1, seconds: "1" } },
    TypeError,
    "options.timeout.seconds",
  ],
  [{ timeout: { years: 1, months: "1" } }, TypeError, "options.timeout.months"],
  [{ signal: { aborted: true } }, TypeError, "options.signal"],
  [{ signal: null }, TypeError, "options.signal"],
  [{ signal: new AbortController() }, TypeError, "options.signal"],
  [
    { signal: Object.create(AbortSignal.prototype) },
    TypeError,
    "options.signal",
  ],
];

/** Labels a value for an assertion message; Node's inspect throws on some. */
function show(value: unknown): string {
  try {
    return inspect(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// ---------------------------------------------------------------------------
// Deadlines and timeouts

function timeoutTests<P extends object>(each: Each, s: Driver<P>): void {
  each(
    "rejects with TimeoutError at a timeout in milliseconds, not 1 ms before",
    async (t) => {
      const p = s.make();
      const start = t.loop.time();
      const a = s.watch(p, { timeout: 100 });
      const b = s.watch(p, { timeout: 100 });
      assert.equal(t.loop.pendingTimers, 2);
      await t.advance(99);
      assert.deepEqual([a.state, b.state], ["pending", "pending"]);
      assert.equal(s.waiters(p), 2);
      await t.advance(1);
      assert.ok(s.timedOut(a.reason));
      assert.ok(s.timedOut(b.reason));
      assert.notEqual(a.reason, b.reason, "a new TimeoutError each time");
      assert.equal(t.loop.time(), start + 100);
      assert.equal(s.waiters(p), 0);
      assertNoTimers(t);
    },
  );

  each("takes a DurationLike timeout", async (t) => {
    const p = s.make();
    const waiting = s.watch(p, { timeout: { seconds: 1, milliseconds: 500 } });
    await t.advance(1499);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(s.timedOut(waiting.reason));
    const every = s.watch(p, {
      timeout: {
        days: 0,
        hours: 0,
        minutes: 0,
        seconds: 0,
        milliseconds: 1,
        microseconds: 500,
        nanoseconds: 500_000,
      },
    });
    await t.advance(1);
    assert.equal(every.state, "pending");
    await t.advance(1);
    assert.ok(s.timedOut(every.reason));
    // Zero calendar fields, as a Temporal.Duration has, behind getters.
    class Duration {
      get years() {
        return 0;
      }
      get months() {
        return 0;
      }
      get weeks() {
        return 0;
      }
      get seconds() {
        return 2;
      }
    }
    const durationLike = s.watch(p, {
      timeout: new Duration() as DurationLike,
    });
    await t.advance(1999);
    assert.equal(durationLike.state, "pending");
    await t.advance(1);
    assert.ok(s.timedOut(durationLike.reason));
    const Temporal = (globalThis as {
      Temporal?: { Duration: { from(x: object): DurationLike } };
    }).Temporal;
    if (Temporal !== undefined) {
      const temporal = s.watch(p, {
        timeout: Temporal.Duration.from({ milliseconds: 5 }),
      });
      await t.advance(5);
      assert.ok(s.timedOut(temporal.reason));
    }
    assert.equal(s.waiters(p), 0);
    assertNoTimers(t);
  });

  each("takes an absolute deadline on the loop's clock", async (t) => {
    const p = s.make();
    const start = t.loop.time();
    const waiting = s.watch(p, { deadline: start + 250 });
    await t.advance(249);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(s.timedOut(waiting.reason));
    assert.equal(t.loop.time(), start + 250);
    assert.equal(s.waiters(p), 0);
    assertNoTimers(t);
  });

  each("takes a DurationLike deadline relative to now", async (t) => {
    await t.advance(1000);
    const p = s.make();
    const waiting = s.watch(p, { deadline: { minutes: 1 } });
    await t.advance(59_999);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(s.timedOut(waiting.reason));
    assertNoTimers(t);
  });

  each("applies the earlier of deadline and timeout", async (t) => {
    const p = s.make();
    const start = t.loop.time();
    const timeoutFirst = s.watch(p, { deadline: start + 100, timeout: 50 });
    const deadlineFirst = s.watch(p, {
      deadline: { milliseconds: 30 },
      timeout: 80,
    });
    assert.equal(t.loop.pendingTimers, 2);
    await t.advance(29);
    assert.equal(deadlineFirst.state, "pending");
    await t.advance(1);
    assert.ok(s.timedOut(deadlineFirst.reason));
    assert.equal(timeoutFirst.state, "pending");
    await t.advance(19);
    assert.equal(timeoutFirst.state, "pending");
    await t.advance(1);
    assert.ok(s.timedOut(timeoutFirst.reason));
    assertNoTimers(t);
    const infiniteDeadline = s.watch(p, { deadline: Infinity, timeout: 10 });
    const infiniteTimeout = s.watch(p, {
      deadline: { milliseconds: 10 },
      timeout: Infinity,
    });
    await t.advance(10);
    assert.ok(s.timedOut(infiniteDeadline.reason));
    assert.ok(s.timedOut(infiniteTimeout.reason));
    assert.equal(s.waiters(p), 0);
    assertNoTimers(t);
  });

  each(
    "arms no timer for an Infinity or absent timeout and deadline",
    async (t) => {
      const p = s.make();
      const options: (WaitOptions | undefined)[] = [
        undefined,
        {},
        { timeout: Infinity },
        { deadline: Infinity },
        { deadline: Infinity, timeout: Infinity },
        { timeout: undefined, deadline: undefined, signal: undefined },
      ];
      const waiting = options.map((o) => s.watch(p, o));
      assertNoTimers(t);
      await t.advance(2 ** 31);
      assert.ok(waiting.every((w) => w.state === "pending"));
      assert.equal(s.waiters(p), options.length);
      s.grantEach(p, options.length);
      await microtasks();
      assert.ok(waiting.every((w) => w.state === "fulfilled"));
    },
  );

  each(
    "with a deadline already passed rejects at once when it would wait",
    async (t) => {
      await t.advance(500);
      const p = s.make();
      const now = t.loop.time();
      const before = s.state(p);
      for (const options of alreadyPassed(now)) {
        const label = show(options);
        const waiting = s.watch(p, options);
        // At once: nothing queued, no timer armed, settled with no loop turn.
        assert.equal(s.waiters(p), 0, label);
        assertNoTimers(t, label);
        await microtasks();
        assert.equal(waiting.state, "rejected", label);
        assert.ok(s.timedOut(waiting.reason), label);
        assert.deepEqual(s.state(p), before, label);
      }
      assert.equal(t.loop.time(), now);
    },
  );

  if (s.subject.makeAvailable !== undefined) {
    each(
      "with a deadline already passed succeeds at once when available",
      async (t) => {
        await t.advance(500);
        for (const options of alreadyPassed(t.loop.time())) {
          const label = show(options);
          const p = s.subject.makeAvailable!();
          const waiting = s.watch(p, options);
          assert.equal(s.waiters(p), 0, label);
          assertNoTimers(t, label);
          await microtasks();
          assert.equal(waiting.state, "fulfilled", label);
        }
      },
    );

    each(
      "succeeds at once when available, whatever the options, queueing nothing",
      async (t) => {
        const { controller, signal, live } = watchedSignal();
        const options: (WaitOptions | undefined)[] = [
          undefined,
          {},
          { timeout: 100 },
          { timeout: Infinity },
          { deadline: t.loop.time() + 100 },
          { deadline: { seconds: 1 } },
          { signal },
          { signal, timeout: 100 },
        ];
        const granted: [P, unknown][] = [];
        for (const o of options) {
          const label = show(o);
          const p = s.subject.makeAvailable!();
          const waiting = s.watch(p, o);
          assert.equal(s.waiters(p), 0, label);
          assertNoTimers(t, label);
          assert.equal(live(), 0, label);
          await microtasks();
          assert.equal(waiting.state, "fulfilled", label);
          granted.push([p, s.state(p)]);
        }
        // An abort afterwards takes nothing back.
        controller.abort();
        await t.advance(200);
        for (const [p, state] of granted) assert.deepEqual(s.state(p), state);
      },
    );
  }

  each(
    "that times out leaves the line at once and never takes a grant meant for another",
    async (t) => {
      const p = s.make();
      const a = s.watch(p);
      const b = s.watch(p, { timeout: 5 });
      const c = s.watch(p, {});
      const d = s.watch(p, { timeout: 5 });
      assert.equal(t.loop.pendingTimers, 2);
      await t.advance(5);
      assert.ok(s.timedOut(b.reason));
      assert.ok(s.timedOut(d.reason));
      assert.deepEqual([a.state, c.state], ["pending", "pending"]);
      assert.equal(s.waiters(p), 2);
      assertNoTimers(t);
      s.grant(p);
      await microtasks();
      assert.equal(a.state, "fulfilled");
      assert.equal(c.state, s.grantsAll ? "fulfilled" : "pending");
      s.grantEach(p, 1);
      await microtasks();
      assert.equal(c.state, "fulfilled");
      assert.equal(s.waiters(p), 0);
      assert.deepEqual([b.settlements, d.settlements], [1, 1]);
    },
  );

  each("has its timer cancelled when granted", async (t) => {
    const p = s.make();
    const waiting = [1, 2, 3].map((i) => s.watch(p, { timeout: i * 100 }));
    assert.equal(t.loop.pendingTimers, 3);
    s.grant(p);
    assert.equal(t.loop.pendingTimers, s.grantsAll ? 0 : 2);
    s.grantEach(p, 2);
    assertNoTimers(t);
    await t.advance(500);
    assert.ok(waiting.every((w) => w.state === "fulfilled"));
    assert.ok(waiting.every((w) => w.settlements === 1));
  });

  each(
    "settles once, fulfilled, when a grant comes first in the turn of its deadline",
    async (t) => {
      const p = s.make();
      const deadline = t.loop.time() + 10;
      // Added first, so it runs first at the shared deadline.
      t.loop.addTimeout(deadline, () => s.grant(p));
      const waiting = s.watch(p, { deadline });
      await t.advance(10);
      assert.equal(waiting.state, "fulfilled");
      await t.advance(100);
      assert.equal(waiting.settlements, 1);
      assert.equal(s.waiters(p), 0);
      assertNoTimers(t);
    },
  );

  each(
    "that times out first in the turn of a grant leaves the grant to the next",
    async (t) => {
      const p = s.make();
      const deadline = t.loop.time() + 10;
      const first = s.watch(p, { deadline });
      const next = s.watch(p);
      t.loop.addTimeout(deadline, () => s.grant(p));
      await t.advance(10);
      assert.ok(s.timedOut(first.reason));
      assert.equal(next.state, "fulfilled");
      assert.equal(first.settlements, 1);
      assert.equal(s.waiters(p), 0);
      assertNoTimers(t);
    },
  );
}

// ---------------------------------------------------------------------------
// Abort signals

function abortTests<P extends object>(each: Each, s: Driver<P>): void {
  each(
    "rejects with signal.reason when the signal aborts, and leaves at once",
    async (t) => {
      const p = s.make();
      const { controller, signal, live } = watchedSignal();
      const reason = new Error("stop");
      const waiting = s.watch(p, { signal, timeout: 100 });
      assert.equal(live(), 1);
      assert.equal(t.loop.pendingTimers, 1);
      assert.equal(s.waiters(p), 1);
      controller.abort(reason);
      // Its place, its timer and its listener are gone when abort() returns.
      assert.equal(s.waiters(p), 0);
      assertNoTimers(t);
      assert.equal(live(), 0);
      await microtasks();
      assert.equal(waiting.state, "rejected");
      assert.equal(waiting.reason, reason);
      await t.advance(200);
      assert.equal(waiting.settlements, 1);
    },
  );

  each(
    "rejects with any abort reason, falsy or odd, and the default AbortError",
    async (t) => {
      const p = s.make();
      for (const reason of ["a string", "", 0, null, false, { custom: true }]) {
        const controller = new AbortController();
        const waiting = s.watch(p, { signal: controller.signal, timeout: 50 });
        controller.abort(reason);
        await microtasks();
        assert.equal(waiting.state, "rejected");
        assert.equal(waiting.reason, reason);
      }
      const controller = new AbortController();
      const waiting = s.watch(p, { signal: controller.signal });
      controller.abort();
      await microtasks();
      assert.equal(waiting.reason, controller.signal.reason);
      assert.equal((waiting.reason as Error).name, "AbortError");
      assert.equal(s.waiters(p), 0);
      assertNoTimers(t);
    },
  );

  each(
    "with an already-aborted signal rejects at once with its reason, even when available, and takes nothing",
    async (t) => {
      for (const [label, p] of s.fixtures()) {
        const before = s.state(p);
        for (const reason of [new Error("gone"), "gone", 0, "", undefined]) {
          const { controller, signal, live } = watchedSignal();
          controller.abort(reason);
          for (
            const options of [
              { signal },
              { signal, timeout: 100 },
              { signal, timeout: 0 },
              { signal, timeout: Infinity },
              { signal, deadline: { seconds: 1 } },
            ]
          ) {
            const what = `${label}: ${show(options)}`;
            const waiting = s.watch(p, options);
            assert.equal(s.waiters(p), 0, what);
            assertNoTimers(t, what);
            assert.equal(live(), 0, what);
            await microtasks();
            assert.equal(waiting.state, "rejected", what);
            assert.equal(waiting.reason, signal.reason, what);
            assert.deepEqual(s.state(p), before, what);
          }
        }
        const waiting = s.watch(p, { signal: AbortSignal.abort("why") });
        await microtasks();
        assert.equal(waiting.reason, "why");
        assert.deepEqual(s.state(p), before, label);
      }
    },
  );

  each(
    "that is aborted leaves the middle of the line and never takes a grant meant for another",
    async (t) => {
      const p = s.make();
      const controllers = [new AbortController(), new AbortController()];
      const log: string[] = [];
      const follow = (name: string, options?: WaitOptions) =>
        s.wait(p, options).then(
          () => log.push(name),
          (e) => log.push(`${name}: ${e}`),
        );
      const done = [
        follow("a", { signal: controllers[0].signal }),
        follow("b"),
        follow("c", { signal: controllers[1].signal, timeout: 100 }),
        follow("d", { timeout: 100 }),
      ];
      controllers[1].abort("aborted");
      controllers[0].abort("aborted");
      assert.equal(s.waiters(p), 2);
      assert.equal(t.loop.pendingTimers, 1);
      await microtasks();
      assert.deepEqual(log, ["c: aborted", "a: aborted"]);
      s.grant(p);
      await microtasks();
      assert.deepEqual(
        log,
        ["c: aborted", "a: aborted", "b", ...s.grantsAll ? ["d"] : []],
      );
      s.grantEach(p, 1);
      await Promise.all(done);
      assert.deepEqual(log, ["c: aborted", "a: aborted", "b", "d"]);
      assertNoTimers(t);
    },
  );

  each(
    "ignores an abort after the grant: it settles once, fulfilled",
    async (t) => {
      const p = s.make();
      const { controller, signal, live } = watchedSignal();
      const waiting = s.watch(p, { signal, timeout: 100 });
      s.grant(p);
      // Granted first: the listener and the timer are gone already.
      assert.equal(live(), 0);
      assertNoTimers(t);
      const granted = s.state(p);
      controller.abort(new Error("too late"));
      await t.advance(100);
      assert.equal(waiting.state, "fulfilled");
      assert.equal(waiting.settlements, 1);
      // The waiter owns what it was granted.
      assert.deepEqual(s.state(p), granted);
    },
  );

  each(
    "that is aborted first in the turn of a grant leaves the grant to the next",
    async (t) => {
      const p = s.make();
      const controller = new AbortController();
      const first = s.watch(p, { signal: controller.signal, timeout: 10 });
      const next = s.watch(p);
      controller.abort("first");
      s.grant(p);
      assertNoTimers(t);
      await t.advance(10);
      assert.equal(first.reason, "first");
      assert.equal(first.settlements, 1);
      assert.equal(next.state, "fulfilled");
      assert.equal(s.waiters(p), 0);
    },
  );

  each("that times out removes its abort listener", async (t) => {
    const p = s.make();
    const { controller, signal, live } = watchedSignal();
    const waiting = s.watch(p, { signal, timeout: 10 });
    assert.equal(live(), 1);
    await t.advance(10);
    assert.ok(s.timedOut(waiting.reason));
    assert.equal(live(), 0);
    controller.abort(new Error("late"));
    await microtasks();
    assert.ok(s.timedOut(waiting.reason));
    assert.equal(waiting.settlements, 1);
  });

  each(
    "shares one signal among many waiters, and leaves no listener once none depends on it",
    async (t) => {
      const p = s.make();
      const q = s.make();
      const { controller, signal, live } = watchedSignal();
      const shared = [1, 2, 3].map(() => s.watch(p, { signal }));
      const plain = s.watch(p);
      const other = s.watch(q, { signal, timeout: 10 });
      assert.ok(live() >= 1);
      await t.advance(10);
      assert.ok(s.timedOut(other.reason));
      assert.ok(live() >= 1);
      controller.abort("all");
      assert.equal(live(), 0);
      assert.equal(s.waiters(p), 1);
      s.grant(p);
      await microtasks();
      assert.deepEqual(shared.map((w) => w.reason), ["all", "all", "all"]);
      assert.equal(plain.state, "fulfilled");
      // Signals that outlive their waits: each granted, timed out or aborted.
      const kept = watchedSignal();
      const waits = [
        s.watch(p, { signal: kept.signal }),
        s.watch(q, { signal: kept.signal, timeout: 10 }),
        s.watch(p, { signal: kept.signal, timeout: 20 }),
      ];
      s.grantEach(p, 1);
      await t.advance(20);
      assert.equal(kept.live(), 0);
      assert.equal(waits[0].state, "fulfilled");
      assert.ok(s.timedOut(waits[1].reason));
      assert.equal(
        waits[2].state,
        s.grantsAll ? "fulfilled" : "rejected",
      );
      assertNoTimers(t);
    },
  );
}

// ---------------------------------------------------------------------------
// The line: FIFO, asynchronous wake-up

function lineTests<P extends object>(each: Each, s: Driver<P>): void {
  if (s.fifo) {
    each(
      "lets waiters resume first in, first out, whatever options each passed",
      async (t) => {
        const p = s.make();
        const controller = new AbortController();
        const log: string[] = [];
        const all: [string, WaitOptions | undefined][] = [
          ["plain", undefined],
          ["timeout", { timeout: 1000 }],
          ["plain 2", undefined],
          ["signal", { signal: controller.signal }],
          ["deadline", { deadline: t.loop.time() + 1000 }],
          ["empty options", {}],
          ["plain 3", undefined],
          ["plain 4", undefined],
          ["all", {
            timeout: 500,
            deadline: { seconds: 1 },
            signal: controller.signal,
          }],
        ];
        const done = all.map(([name, options]) =>
          s.wait(p, options).then(() => log.push(name))
        );
        const names = all.map(([name]) => name);
        if (s.grantsAll) {
          s.grant(p);
          assert.equal(s.waiters(p), 0);
        } else {
          s.grant(p);
          assert.equal(s.waiters(p), all.length - 1);
          await microtasks();
          assert.deepEqual(log, names.slice(0, 1));
          s.grant(p);
          s.grant(p);
          await microtasks();
          assert.deepEqual(log, names.slice(0, 3));
          s.grantEach(p, all.length - 3);
        }
        await Promise.all(done);
        assert.deepEqual(log, names);
        assertNoTimers(t);
      },
    );

    each(
      "keeps the order when waiters with options left from between plain ones",
      async (t) => {
        const p = s.make();
        const controller = new AbortController();
        const log: string[] = [];
        const follow = (name: string, options?: WaitOptions) =>
          s.wait(p, options).then(
            () => log.push(name),
            (e) =>
              log.push(
                `${name}: ${e instanceof TimeoutError ? "timed out" : e}`,
              ),
          );
        const done = [
          follow("plain 1"),
          follow("timeout", { timeout: 10 }),
          follow("plain 2"),
          follow("signal", { signal: controller.signal }),
        ];
        await t.advance(10);
        controller.abort("aborted");
        await microtasks();
        // Plain waiters that now stand side by side, and more that join them.
        done.push(follow("plain 3"), follow("timeout 2", { timeout: 5 }));
        done.push(follow("plain 4"));
        assert.equal(s.waiters(p), 5);
        s.grantEach(p, 5);
        await Promise.all(done);
        assert.deepEqual(log, [
          "timeout: timed out",
          "signal: aborted",
          "plain 1",
          "plain 2",
          "plain 3",
          "timeout 2",
          "plain 4",
        ]);
        assertNoTimers(t);
      },
    );

    each(
      "lets plain waiters started in separate turns resume in order",
      async () => {
        const p = s.make();
        const log: number[] = [];
        const done: Promise<unknown>[] = [];
        for (let i = 0; i < 5; i++) {
          done.push(s.wait(p).then(() => log.push(i)));
          await microtasks();
        }
        s.grantEach(p, 5);
        await Promise.all(done);
        assert.deepEqual(log, [0, 1, 2, 3, 4]);
      },
    );
  }

  if (s.fifo && !s.grantsAll) {
    each("serves those who wait again at the back of the line", async (t) => {
      const p = s.make();
      const log: string[] = [];
      const waiter = async (name: string) => {
        for (let round = 0; round < 2; round++) {
          await s.wait(p, { timeout: 100 });
          log.push(`${name}${round}`);
        }
      };
      const done = [waiter("a"), waiter("b"), waiter("c")];
      for (let i = 0; i < 6; i++) {
        s.grant(p);
        await microtasks();
      }
      await Promise.all(done);
      assert.deepEqual(log, ["a0", "b0", "c0", "a1", "b1", "c1"]);
      assertNoTimers(t);
    });
  }

  each(
    "is woken asynchronously: the grant returns, waiters already counted down, before it resumes",
    async (t) => {
      const p = s.make();
      const controller = new AbortController();
      let returned = false;
      const seen: [boolean, number][] = [];
      const done = [undefined, { timeout: 100 }, { signal: controller.signal }]
        .map(async (options) => {
          await s.wait(p, options);
          seen.push([returned, s.waiters(p)]);
        });
      s.grant(p);
      returned = true;
      const left = s.grantsAll ? 0 : 2;
      assert.equal(s.waiters(p), left);
      assert.deepEqual(seen.slice(), []);
      // Promise callbacks only: no loop has been let run.
      await microtasks();
      assert.deepEqual(
        seen.slice(),
        s.grantsAll ? [[true, 0], [true, 0], [true, 0]] : [[true, 2]],
      );
      if (!s.grantsAll) {
        s.grant(p);
        s.grant(p);
        await microtasks();
        assert.deepEqual(seen.slice(), [[true, 2], [true, 0], [true, 0]]);
      }
      await Promise.all(done);
      assertNoTimers(t);
    },
  );

  each("counts its live waiters", async (t) => {
    const p = s.make();
    const controller = new AbortController();
    assert.equal(s.waiters(p), 0);
    const waits = [
      s.watch(p),
      s.watch(p, { signal: controller.signal }),
      s.watch(p, { timeout: 10 }),
      s.watch(p, {}),
    ];
    assert.equal(s.waiters(p), 4);
    controller.abort();
    assert.equal(s.waiters(p), 3);
    await t.advance(10);
    assert.equal(s.waiters(p), 2);
    s.grant(p);
    assert.equal(s.waiters(p), s.grantsAll ? 0 : 1);
    s.grantEach(p, 1);
    assert.equal(s.waiters(p), 0);
    await microtasks();
    assert.deepEqual(waits.map((w) => w.state), [
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
    ]);
  });
}

// ---------------------------------------------------------------------------
// Bad options

function badOptionTests<P extends object>(each: Each, s: Driver<P>): void {
  each(
    "rejects bad options without throwing, with nothing changed",
    async (t) => {
      for (const [label, p] of s.fixtures()) {
        const before = s.state(p);
        for (const [options, Class, argument] of BAD_OPTIONS) {
          const what = `${label}: ${show(options)}`;
          let promise: Promise<unknown> | undefined;
          assert.doesNotThrow(() => {
            promise = s.wait(p, options as WaitOptions);
          }, what);
          assert.ok(promise instanceof Promise, what);
          assert.equal(s.waiters(p), 0, what);
          assertNoTimers(t, what);
          await assert.rejects(
            promise,
            error(
              Class,
              new RegExp(
                `^Cannot call ${escape(s.what)} as '${
                  escape(argument)
                }' must be .*: current value is `,
              ),
            ),
            what,
          );
          assert.deepEqual(s.state(p), before, what);
        }
      }
      // It still works.
      const p = s.make();
      const waiting = s.watch(p, { timeout: 10 });
      s.grant(p);
      await microtasks();
      assert.equal(waiting.state, "fulfilled");
    },
  );

  each(
    "rejects with the error an options getter throws, with nothing changed",
    async (t) => {
      for (const [label, p] of s.fixtures()) {
        const before = s.state(p);
        const thrown = new Error("getter");
        for (const field of ["timeout", "deadline", "signal"]) {
          let promise: Promise<unknown> | undefined;
          assert.doesNotThrow(() => {
            promise = s.wait(p, {
              get [field]() {
                throw thrown;
              },
            } as WaitOptions);
          }, label);
          assert.equal(s.waiters(p), 0, label);
          assertNoTimers(t, label);
          await assert.rejects(promise!, (e) => e === thrown);
          assert.deepEqual(s.state(p), before, label);
        }
      }
    },
  );
}

/** Checks the whole message of a few bad options, value and all. */
function messageTests<P extends object>(each: Each, s: Driver<P>): void {
  each(
    "names the action, the argument, the rule and the value in its errors",
    async () => {
      const p = s.make();
      const cases: [
        unknown,
        typeof TypeError | typeof RangeError,
        string | RegExp,
      ][] = [
        [
          { timeout: NaN },
          RangeError,
          `Cannot call ${s.what} as 'options.timeout' must be a number other than NaN: current value is NaN`,
        ],
        [
          { deadline: NaN },
          RangeError,
          `Cannot call ${s.what} as 'options.deadline' must be a number other than NaN: current value is NaN`,
        ],
        [
          7,
          TypeError,
          `Cannot call ${s.what} as 'options' must be an object: current value is 7`,
        ],
        [
          { signal: { aborted: true } },
          TypeError,
          `Cannot call ${s.what} as 'options.signal' must be an AbortSignal: current value is an object`,
        ],
        [
          { timeout: { years: 2 } },
          RangeError,
          /'options\.timeout\.years' .*: current value is 2$/,
        ],
      ];
      for (const [options, Class, message] of cases) {
        await assert.rejects(
          s.wait(p, options as WaitOptions),
          error(Class, message),
        );
      }
    },
  );
}

// ---------------------------------------------------------------------------
// Loops

function loopTests<P extends object>(each: Each, s: Driver<P>): void {
  each("is timed to its end by the loop current when it starts", async (t) => {
    const p = s.make();
    const start = t.loop.time();
    const waiting = s.watch(p, { timeout: 100 });
    const other = new VirtualIOLoop();
    IOLoop.setCurrent(other);
    assert.equal(t.loop.pendingTimers, 1);
    await other.advance(1000);
    assert.equal(waiting.state, "pending");
    await t.advance(100);
    assert.ok(s.timedOut(waiting.reason));
    assert.equal(t.loop.time(), start + 100);
    // Waits that start now are timed by the loop now current.
    const next = s.watch(p, { timeout: 10 });
    assertNoTimers(t);
    assert.equal(other.pendingTimers, 1);
    await other.advance(10);
    assert.ok(s.timedOut(next.reason));
    IOLoop.setCurrent(t.loop);
  });

  each(
    "is timed by the primitive's own loop when it was given one",
    async (t) => {
      const own = new VirtualIOLoop();
      const p = s.make(own);
      const waiting = s.watch(p, { timeout: 10 });
      assertNoTimers(t);
      assert.equal(own.pendingTimers, 1);
      await t.advance(100);
      assert.equal(waiting.state, "pending");
      await own.advance(10);
      assert.ok(s.timedOut(waiting.reason));
      assert.equal(own.pendingTimers, 0);
      // A deadline is read on the own loop's clock too.
      await own.advance(5000);
      const late = s.watch(p, { deadline: own.time() + 10 });
      await own.advance(9);
      assert.equal(late.state, "pending");
      await own.advance(1);
      assert.ok(s.timedOut(late.reason));
    },
  );
}

// ---------------------------------------------------------------------------
// Leaks

function leakTests<P extends object>(each: Each, s: Driver<P>): void {
  const count = s.subject.leakCount ?? 100_000;
  each(`leaves nothing behind after ${count} timeouts`, async (t) => {
    const p = s.make();
    let rejected = 0;
    const onTimeout = (e: unknown) => {
      if (e instanceof TimeoutError) rejected++;
    };
    // A plain waiter in front stays, and is still served after them all.
    const plain = s.watch(p);
    for (let i = 0; i < count; i++) {
      s.wait(p, { timeout: 1 + (i % 3) }).catch(onTimeout);
    }
    assert.equal(s.waiters(p), count + 1);
    assert.equal(t.loop.pendingTimers, count);
    await t.advance(3);
    assert.equal(rejected, count);
    assert.equal(s.waiters(p), 1);
    assertNoTimers(t);
    s.grant(p);
    assert.equal(s.waiters(p), 0);
    await microtasks();
    assert.equal(plain.state, "fulfilled");
  });

  each(`leaves nothing behind after ${count} aborts`, async (t) => {
    const p = s.make();
    const before = s.state(p);
    // Each signal is shared by waiters spread through the line. Not more
    // than ten: EventTarget adds and removes a listener in time linear in
    // the listeners it has, and Node warns past ten on one signal.
    const controllers = Array.from(
      { length: Math.ceil(count / 10) },
      () => new AbortController(),
    );
    let rejected = 0;
    const onAbort = (e: unknown) => {
      if (e === "shutdown") rejected++;
    };
    for (let i = 0; i < count; i++) {
      const { signal } = controllers[i % controllers.length];
      s.wait(p, { signal, timeout: 1000 }).catch(onAbort);
    }
    assert.equal(s.waiters(p), count);
    assert.equal(t.loop.pendingTimers, count);
    // From both ends towards the middle, so most leave from inside the line.
    for (let i = 0, j = controllers.length - 1; i <= j; i++, j--) {
      controllers[i].abort("shutdown");
      controllers[j].abort("shutdown");
    }
    assert.equal(s.waiters(p), 0);
    assertNoTimers(t);
    assert.deepEqual(s.state(p), before);
    await t.advance(1000);
    assert.equal(rejected, count);
  });

  each(
    "leaves nothing behind when 10000 waiters sharing a signal are aborted",
    async (t) => {
      const p = s.make();
      const { controller, signal, live } = watchedSignal();
      const reason = new Error("shutdown");
      let rejected = 0;
      for (let i = 0; i < 10_000; i++) {
        s.wait(p, { signal, timeout: 1000 }).catch((e) => {
          if (e === reason) rejected++;
        });
      }
      assert.equal(live(), 1);
      controller.abort(reason);
      assert.equal(s.waiters(p), 0);
      assert.equal(live(), 0);
      assertNoTimers(t);
      await t.advance(1000);
      assert.equal(rejected, 10_000);
    },
  );
}

// ---------------------------------------------------------------------------
// Closing

function closeTests<P extends object>(each: Each, s: Driver<P>): void {
  const reasons: unknown[] = s.closeReasons
    ? [new Error("shut down"), "bye", 0, "", null, false, NaN, undefined]
    : [undefined];

  each(
    "rejects every waiter at once, in order, when closed, timers and listeners gone",
    async (t) => {
      for (const reason of reasons) {
        const label = show(reason);
        const p = s.make();
        const { controller, signal, live } = watchedSignal();
        const log: [number, unknown][] = [];
        const options: (WaitOptions | undefined)[] = [
          undefined,
          { timeout: 100 },
          { signal },
          { deadline: t.loop.time() + 50 },
          {},
          { signal, timeout: 10 },
          undefined,
        ];
        const waits = options.map((o, i) => {
          const promise = s.wait(p, o);
          promise.then(() => log.push([i, "granted"]), (e) => log.push([i, e]));
          return watch(promise);
        });
        s.close(p, reason);
        // When close() returns: no one waits, no timer, no listener.
        assert.equal(s.waiters(p), 0, label);
        assertNoTimers(t, label);
        assert.equal(live(), 0, label);
        await microtasks();
        assert.deepEqual(log.map(([i]) => i), [0, 1, 2, 3, 4, 5, 6], label);
        const closedBy = s.closedBy(reason);
        for (const [, e] of log) assert.ok(closedBy(e), label);
        // Nothing later settles them again.
        controller.abort("late");
        await t.advance(200);
        assert.ok(waits.every((w) => w.settlements === 1), label);
      }
    },
  );

  if (s.closeReasons && s.subject.closedError === undefined) {
    each(
      "without a reason rejects everyone with one ClosedError per close",
      async () => {
        const p = s.make();
        const q = s.make();
        const waits = [s.watch(p), s.watch(p, { timeout: 10 }), s.watch(q)];
        s.close(p);
        s.close(q, undefined);
        await microtasks();
        const [a, b, c] = waits.map((w) => w.reason);
        assert.ok(s.closedBy(undefined)(a));
        assert.ok(s.closedBy(undefined)(c));
        assert.equal(a, b, "one error for one close()");
        assert.notEqual(a, c, "a new error for each close()");
        const later = s.watch(p, { timeout: 0 });
        await microtasks();
        assert.equal(later.reason, a);
      },
    );
  }

  each(
    "when closed rejects every later wait at once, even when available, with nothing changed",
    async (t) => {
      for (const reason of reasons) {
        for (const [label, p] of s.fixtures()) {
          s.close(p, reason);
          const before = s.state(p);
          const closedBy = s.closedBy(reason);
          const { signal, live } = watchedSignal();
          const options: (WaitOptions | undefined)[] = [
            undefined,
            {},
            { timeout: 0 },
            { timeout: 100 },
            { deadline: t.loop.time() - 1 },
            { timeout: Infinity },
            { signal },
            { signal, timeout: 100 },
          ];
          for (const o of options) {
            const what = `${label}, ${show(reason)}: ${show(o)}`;
            const waiting = s.watch(p, o);
            assert.equal(s.waiters(p), 0, what);
            assertNoTimers(t, what);
            assert.equal(live(), 0, what);
            await microtasks();
            assert.equal(waiting.state, "rejected", what);
            assert.ok(closedBy(waiting.reason), what);
            assert.deepEqual(s.state(p), before, what);
          }
        }
      }
    },
  );

  each(
    "closes once: a second close changes nothing and its reason is ignored",
    async () => {
      for (const [label, p] of s.fixtures()) {
        const waiting = s.watch(p);
        const first = s.closeReasons ? new Error("first") : undefined;
        s.close(p, first);
        const after = s.state(p);
        s.close(p, new Error("second"));
        s.close(p);
        assert.deepEqual(s.state(p), after, label);
        const later = s.watch(p, { timeout: 100 });
        await microtasks();
        if (label === "waiting") {
          assert.ok(s.closedBy(first)(waiting.reason), label);
          assert.equal(waiting.settlements, 1, label);
          if (first !== undefined) assert.equal(waiting.reason, first, label);
        }
        assert.ok(s.closedBy(first)(later.reason), label);
        if (first !== undefined) assert.equal(later.reason, first, label);
        if (!s.closeReasons) continue;
        const primitive = s.primitive(p) as { closed?: unknown };
        assert.equal(primitive.closed, true, label);
      }
    },
  );

  each(
    `shows "${s.closedMarker.trim()}" in its inspection string once closed`,
    () => {
      for (const [label, p] of s.fixtures()) {
        const primitive = s.primitive(p);
        const open = String(primitive);
        assert.ok(open.endsWith(">"), open);
        if (s.closeReasons) {
          assert.equal(
            (primitive as { closed?: unknown }).closed,
            false,
            label,
          );
        }
        s.close(p);
        const closed = `${open.slice(0, -1)}${s.closedMarker}>`;
        for (const [how, rendered] of renderings(primitive)) {
          assert.equal(rendered, closed, `${label}: ${how}`);
        }
      }
    },
  );

  each("keeps a grant made before the close in the same turn", async (t) => {
    const p = s.make();
    const granted = s.watch(p, { timeout: 10 });
    const closed = s.watch(p, { timeout: 10 });
    s.grant(p);
    s.close(p, s.closeReasons ? "closed" : undefined);
    await t.advance(10);
    assert.equal(granted.state, "fulfilled");
    assert.equal(closed.state, s.grantsAll ? "fulfilled" : "rejected");
    assert.equal(granted.settlements + closed.settlements, 2);
    assert.equal(s.waiters(p), 0);
    assertNoTimers(t);
  });
}

/**
 * A `use(fn, options)`-style method as a wait: fulfils when `fn` starts,
 * and `fn` then holds what it took for good, as a granted acquire does.
 *
 * @example
 * ```ts ignore
 * wait: (semaphore, options) =>
 *   untilStarted((fn) => semaphore.use(fn, options)),
 * ```
 */
export function untilStarted(
  use: (fn: () => Promise<never>) => Promise<unknown>,
): Promise<unknown> {
  let started!: () => void;
  const running = new Promise<void>((resolve) => started = resolve);
  const used = use(() => {
    started();
    return new Promise<never>(() => {});
  });
  return Promise.race([running, used]);
}
