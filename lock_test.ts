import { untilStarted, waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import { Lock } from "./lock.ts";
import type { Releaser } from "./semaphore.ts";
import { TimeoutError } from "./errors.ts";
import { type IOLoop, VirtualIOLoop, type WaitOptions } from "./ioloop.ts";
import { fakeTimersLoop, LOOP_KINDS, type TestLoop } from "./_test_loops.ts";
import {
  assertNoTimers,
  assertRendered,
  runtimeTimers,
  stateOf,
  watchedSignal,
} from "./_test_util.ts";

/** A lock, locked. */
function locked(options?: ConstructorParameters<typeof Lock>[0]): Lock {
  const lock = new Lock(options);
  lock.tryAcquire();
  return lock;
}

/** The error `release()` of an unlocked lock throws: an `Error`, no subclass. */
function isNotLockedError(error: unknown): boolean {
  return error instanceof Error &&
    Object.getPrototypeOf(error) === Error.prototype &&
    error.message === "Cannot release Lock as it is not locked";
}

// ---------------------------------------------------------------------------
// The shared wait suite: acquire() and use(), on a locked lock.

const lockSubject = {
  className: "Lock",
  make: (loop?: IOLoop) => locked({ loop }),
  makeAvailable: (loop?: IOLoop) => new Lock({ loop }),
  grant: (lock: Lock) => lock.release(),
  waiters: (lock: Lock) => lock.waiters,
  state: (lock: Lock) => [lock.locked, lock.waiters],
  close: (lock: Lock, reason?: unknown) => lock.close(reason),
};

waitSuite(Deno.test, {
  ...lockSubject,
  name: "Lock.acquire()",
  wait: (lock, options) => lock.acquire(options),
});

waitSuite(Deno.test, {
  ...lockSubject,
  name: "Lock.use()",
  what: "Lock.acquire()",
  wait: (lock, options) => untilStarted((fn) => lock.use(fn, options)),
});

/** Every way API.md gives to say "already passed", as options for a wait. */
function alreadyPassed(t: TestLoop): [string, WaitOptions][] {
  const now = t.loop.time();
  return [
    ["timeout: 0", { timeout: 0 }],
    ["timeout: -1", { timeout: -1 }],
    ["timeout: { seconds: 0 }", { timeout: { seconds: 0 } }],
    ["timeout: { hours: -1 }", { timeout: { hours: -1 } }],
    ["deadline: loop.time()", { deadline: now }],
    ["deadline: 0", { deadline: 0 }],
    ["deadline: -Infinity", { deadline: -Infinity }],
    ["deadline: { nanoseconds: 0 }", { deadline: { nanoseconds: 0 } }],
  ];
}

/** Options that API.md says reject, with the error and the argument named. */
const BAD_OPTIONS: [
  string,
  unknown,
  typeof TypeError | typeof RangeError,
  string,
][] = [
  ["null options", null, TypeError, "options"],
  ["boolean options", true, TypeError, "options"],
  ["a NaN deadline", { deadline: NaN }, RangeError, "options.deadline"],
  ["a NaN timeout", { timeout: NaN }, RangeError, "options.timeout"],
  ["a string timeout", { timeout: "1s" }, TypeError, "options.timeout"],
  [
    "a calendar field in a timeout",
    { timeout: { months: 1 } },
    RangeError,
    "options.timeout.months",
  ],
  [
    "a calendar field in a deadline",
    { deadline: { years: 1 } },
    RangeError,
    "options.deadline.years",
  ],
  [
    "a non-finite duration field",
    { deadline: { hours: -Infinity } },
    RangeError,
    "options.deadline.hours",
  ],
  [
    "a string duration field",
    { timeout: { milliseconds: "5" } },
    TypeError,
    "options.timeout.milliseconds",
  ],
  [
    "a signal that is not an AbortSignal",
    { signal: new AbortController() },
    TypeError,
    "options.signal",
  ],
];

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new Lock() is unlocked, with no waiters", () => {
  for (
    const lock of [new Lock(), new Lock({}), new Lock({ loop: undefined })]
  ) {
    assert.equal(lock.locked, false);
    assert.equal(lock.waiters, 0);
  }
});

Deno.test("new Lock() throws TypeError for bad options or options.loop", () => {
  for (
    const options of [null, 5, "loop", { loop: {} }, { loop: 1 }, {
      loop: null,
    }]
  ) {
    assert.throws(
      // @ts-expect-error: bad options
      () => new Lock(options),
      (error) =>
        error instanceof TypeError &&
        error.message.startsWith("Cannot create Lock as 'options"),
    );
  }
  assert.equal(new Lock({ loop: new VirtualIOLoop() }).locked, false);
});

// ---------------------------------------------------------------------------
// Behaviour, on both loops

for (const kind of LOOP_KINDS) {
  const prefix = `${kind.name}: Lock`;

  Deno.test(`${prefix}.acquire() locks an unlocked lock and resolves with a Releaser`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    const releaser = await lock.acquire();
    assert.equal(lock.locked, true);
    assert.equal(typeof releaser.release, "function");
    assert.equal(typeof releaser[Symbol.dispose], "function");
    releaser.release();
    assert.equal(lock.locked, false);
    (await lock.acquire({ timeout: 10 })).release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.acquire() waits while the lock is held`, async () => {
    using t = kind.create();
    const lock = locked();
    const waiting = lock.acquire();
    assert.equal(lock.waiters, 1);
    await t.advance(1_000_000);
    assert.equal(await stateOf(waiting), "pending");
    assertNoTimers(t);
    lock.release();
    assert.equal(lock.waiters, 0);
    assert.equal(lock.locked, true);
    (await waiting).release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.tryAcquire() locks an unlocked lock, and returns undefined while locked`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    const releaser = lock.tryAcquire();
    assert.ok(releaser);
    assert.equal(lock.locked, true);
    assert.equal(lock.tryAcquire(), undefined);
    assert.equal(lock.locked, true);
    assert.equal(lock.waiters, 0);
    releaser.release();
    assert.equal(lock.locked, false);
    await Promise.resolve();
  });

  Deno.test(`${prefix}.locked tells whether the lock is held`, async () => {
    using t = kind.create();
    const lock = new Lock();
    assert.equal(lock.locked, false);
    const releaser = await lock.acquire();
    assert.equal(lock.locked, true);
    const waiting = lock.acquire();
    releaser.release();
    assert.equal(lock.locked, true);
    await t.settle();
    (await waiting).release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.release() passes the lock straight to the first waiter (no barging)`, async () => {
    using t = kind.create();
    const lock = locked();
    const first = lock.acquire();
    lock.release();
    assert.equal(lock.locked, true);
    assert.equal(lock.waiters, 0);
    assert.equal(lock.tryAcquire(), undefined);
    const newcomer = lock.acquire({ timeout: 100 });
    assert.equal(lock.waiters, 1);
    await t.settle();
    assert.equal(await stateOf(first), "fulfilled");
    assert.equal(await stateOf(newcomer), "pending");
    (await first).release();
    assert.equal(lock.locked, true);
    (await newcomer).release();
    assert.equal(lock.locked, false);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.release() throws an Error that says the lock is not locked, changing nothing`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    assert.throws(() => lock.release(), isNotLockedError);
    assert.throws(
      () => lock.release(),
      (e) => !(e instanceof RangeError) && !(e instanceof TypeError),
    );
    assert.equal(lock.locked, false);
    assert.equal(lock.waiters, 0);
    const releaser = lock.tryAcquire()!;
    assert.equal(lock.locked, true);
    lock.release();
    assert.equal(lock.locked, false);
    assert.throws(() => lock.release(), isNotLockedError);
    assert.throws(() => releaser.release(), isNotLockedError);
    assert.equal(String(lock), "<Lock [unlocked]>");
    await Promise.resolve();
  });

  Deno.test(`${prefix}.release() returns before the woken function resumes, waiters already decremented`, async () => {
    using t = kind.create();
    const lock = locked();
    let resumed = 0;
    const waits = [
      lock.acquire().then((releaser) => {
        resumed++;
        return releaser;
      }),
      lock.acquire({ signal: new AbortController().signal }).then(
        (releaser) => {
          resumed++;
          return releaser;
        },
      ),
    ];
    lock.release();
    assert.equal(resumed, 0);
    assert.equal(lock.waiters, 1);
    assert.equal(String(lock), "<Lock [locked,waiters:1]>");
    await t.settle();
    assert.equal(resumed, 1);
    (await waits[0]).release();
    assert.equal(resumed, 1);
    assert.equal(lock.waiters, 0);
    (await waits[1]).release();
    assert.equal(resumed, 2);
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.acquire() serves waiters first in, first out, whatever options each passed`, async () => {
    using t = kind.create();
    const lock = locked();
    const order: string[] = [];
    const controller = new AbortController();
    const now = t.loop.time();
    const waits: [string, WaitOptions | undefined][] = [
      ["timeout", { timeout: 5000 }],
      ["plain", undefined],
      ["deadline", { deadline: now + 3000 }],
      ["signal", { signal: controller.signal }],
      ["duration", { timeout: { seconds: 4 } }],
      ["infinite", { deadline: Infinity }],
    ];
    const done = waits.map(async ([label, options]) => {
      const releaser = await lock.acquire(options);
      order.push(label);
      await t.advance(1);
      releaser.release();
    });
    done.push(lock.use(() => {
      order.push("use");
    }, { timeout: 6000 }));
    assert.equal(lock.waiters, waits.length + 1);
    lock.release();
    await Promise.all(done);
    assert.deepEqual(order, [...waits.map(([label]) => label), "use"]);
    assert.equal(lock.locked, false);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.waiters counts live waiters`, async () => {
    using t = kind.create();
    const lock = new Lock();
    assert.equal(lock.waiters, 0);
    const held = await lock.acquire();
    const plain = lock.acquire();
    const timed = assert.rejects(lock.acquire({ timeout: 5 }), TimeoutError);
    assert.equal(lock.waiters, 2);
    await t.advance(5);
    await timed;
    assert.equal(lock.waiters, 1);
    held.release();
    assert.equal(lock.waiters, 0);
    (await plain).release();
  });

  // use() -------------------------------------------------------------------

  Deno.test(`${prefix}.use() resolves with what fn returns, holding the lock meanwhile`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    let held = false;
    assert.equal(
      await lock.use(() => {
        held = lock.locked;
        return "sync";
      }),
      "sync",
    );
    assert.equal(held, true);
    assert.equal(lock.locked, false);
    assert.equal(
      await lock.use(async () => {
        await Promise.resolve();
        return 7;
      }),
      7,
    );
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.use() releases when fn throws synchronously or rejects`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    const error = new Error("boom");
    await assert.rejects(
      lock.use(() => {
        throw error;
      }),
      (e) => e === error,
    );
    assert.equal(lock.locked, false);
    await assert.rejects(
      lock.use(async () => {
        await Promise.resolve();
        throw error;
      }),
      (e) => e === error,
    );
    assert.equal(lock.locked, false);
    assert.equal(lock.waiters, 0);
  });

  Deno.test(`${prefix}.use() runs critical sections one at a time`, async () => {
    using t = kind.create();
    const lock = new Lock();
    const log: string[] = [];
    await Promise.all([1, 2, 3].map((n) =>
      lock.use(async () => {
        log.push(`in ${n}`);
        await t.advance(10);
        log.push(`out ${n}`);
      })
    ));
    assert.deepEqual(log, [
      "in 1",
      "out 1",
      "in 2",
      "out 2",
      "in 3",
      "out 3",
    ]);
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.use() waits with options as acquire() does, and does not call fn when it gives up`, async () => {
    using t = kind.create();
    const lock = locked();
    let called = false;
    const timed = assert.rejects(
      lock.use(() => called = true, { deadline: t.loop.time() + 20 }),
      { name: "TimeoutError", message: "Lock.acquire() timed out" },
    );
    await t.advance(20);
    await timed;
    const reason = new Error("cancelled");
    await assert.rejects(
      lock.use(() => called = true, { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.equal(called, false);
    assert.equal(lock.waiters, 0);
    lock.release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.use() rejects with TypeError for a fn that is not a function, taking nothing`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    for (const fn of [undefined, null, "fn", 1, {}]) {
      let promise!: Promise<unknown>;
      // @ts-expect-error: not a function
      assert.doesNotThrow(() => promise = lock.use(fn));
      await assert.rejects(
        promise,
        (error) =>
          error instanceof TypeError &&
          error.message.startsWith(
            "Cannot call Lock.use() as 'fn' must be a function",
          ),
      );
      assert.equal(lock.locked, false);
      assert.equal(lock.waiters, 0);
    }
  });

  Deno.test(`${prefix}.use() rejects for bad options, taking nothing and not calling fn`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    let called = false;
    await assert.rejects(
      lock.use(() => called = true, { deadline: NaN }),
      RangeError,
    );
    await assert.rejects(
      // @ts-expect-error: calendar fields are not part of DurationLike
      lock.use(() => called = true, { timeout: { weeks: 1 } }),
      RangeError,
    );
    assert.equal(called, false);
    assert.equal(lock.locked, false);
  });

  // Releaser ----------------------------------------------------------------

  Deno.test(`${prefix}'s Releaser unlocks once: release() and [Symbol.dispose]()`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    const releaser = await lock.acquire();
    releaser.release();
    assert.equal(lock.locked, false);
    const other = lock.tryAcquire()!;
    releaser.release();
    releaser[Symbol.dispose]();
    assert.equal(lock.locked, true);
    other[Symbol.dispose]();
    assert.equal(lock.locked, false);
    other.release();
    other[Symbol.dispose]();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}: using _ = await acquire() unlocks at the end of the block`, async () => {
    using t = kind.create();
    const lock = new Lock();
    const waiting = lock.acquire({ timeout: 100 });
    {
      using _held = await waiting;
      assert.equal(lock.locked, true);
    }
    assert.equal(lock.locked, false);
    assertNoTimers(t);
    try {
      using _held = await lock.acquire();
      throw new Error("leaving");
    } catch {
      // The block ended by throwing.
    }
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}'s Releaser throws the not-locked Error for a lock released by hand, and stays unused`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    const releaser = await lock.acquire();
    lock.release();
    assert.throws(() => releaser.release(), isNotLockedError);
    assert.throws(() => releaser[Symbol.dispose](), isNotLockedError);
    assert.equal(lock.locked, false);
    // Still unused: once the lock is held again, a later call unlocks it.
    lock.tryAcquire();
    releaser.release();
    assert.equal(lock.locked, false);
    releaser.release();
    assert.equal(lock.locked, false);
  });

  // Waiting options ---------------------------------------------------------

  Deno.test(`${prefix}.acquire() rejects with TimeoutError past the deadline`, async () => {
    using t = kind.create();
    const lock = locked();
    const waiting = lock.acquire({ deadline: t.loop.time() + 100 });
    const check = assert.rejects(waiting, (error) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.name, "TimeoutError");
      assert.equal(error.message, "Lock.acquire() timed out");
      return true;
    });
    await t.advance(99);
    assert.equal(await stateOf(waiting), "pending");
    await t.advance(1);
    await check;
    assert.equal(lock.waiters, 0);
    assert.equal(lock.locked, true);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire() takes a DurationLike deadline as relative to now`, async () => {
    using t = kind.create();
    const lock = locked();
    const waiting = lock.acquire({ deadline: { seconds: 2 } });
    const check = assert.rejects(waiting, TimeoutError);
    await t.advance(1999);
    assert.equal(await stateOf(waiting), "pending");
    await t.advance(1);
    await check;
  });

  Deno.test(`${prefix}.acquire() rejects with TimeoutError after a timeout, in milliseconds or as a DurationLike`, async () => {
    using t = kind.create();
    const lock = locked();
    const number = lock.acquire({ timeout: 250 });
    const duration = lock.acquire({ timeout: { milliseconds: 300 } });
    const checks = [
      assert.rejects(number, {
        name: "TimeoutError",
        message: "Lock.acquire() timed out",
      }),
      assert.rejects(duration, TimeoutError),
    ];
    await t.advance(249);
    assert.equal(await stateOf(number), "pending");
    await t.advance(1);
    assert.equal(await stateOf(number), "rejected");
    assert.equal(await stateOf(duration), "pending");
    await t.advance(50);
    await Promise.all(checks);
    assert.equal(lock.waiters, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire() applies the earlier of deadline and timeout`, async () => {
    using t = kind.create();
    const lock = locked();
    const now = t.loop.time();
    const timeoutFirst = lock.acquire({ timeout: 10, deadline: now + 30 });
    const deadlineFirst = lock.acquire({
      timeout: { seconds: 1 },
      deadline: now + 20,
    });
    const checks = [
      assert.rejects(timeoutFirst, TimeoutError),
      assert.rejects(deadlineFirst, TimeoutError),
    ];
    await t.advance(10);
    assert.equal(await stateOf(timeoutFirst), "rejected");
    assert.equal(await stateOf(deadlineFirst), "pending");
    await t.advance(10);
    await Promise.all(checks);
  });

  Deno.test(`${prefix}.acquire() arms no timer for an Infinity timeout or deadline`, async () => {
    using t = kind.create();
    const lock = locked();
    const a = lock.acquire({ timeout: Infinity });
    const b = lock.acquire({ deadline: Infinity, timeout: Infinity });
    assertNoTimers(t);
    assert.equal(lock.waiters, 2);
    await t.advance(1e9);
    assert.equal(await stateOf(a), "pending");
    lock.release();
    (await a).release();
    (await b).release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.acquire() with a deadline already passed succeeds at once when unlocked`, async () => {
    using t = kind.create();
    for (const [label, options] of alreadyPassed(t)) {
      const lock = new Lock();
      const waiting = lock.acquire(options);
      assert.equal(lock.locked, true, label);
      assert.equal(lock.waiters, 0, label);
      assertNoTimers(t, label);
      assert.equal(await stateOf(waiting), "fulfilled", label);
      (await waiting).release();
      assert.equal(lock.locked, false, label);
    }
  });

  Deno.test(`${prefix}.acquire() with a deadline already passed rejects at once while locked`, async () => {
    using t = kind.create();
    for (const [label, options] of alreadyPassed(t)) {
      const lock = locked();
      const waiting = lock.acquire(options);
      assert.equal(lock.waiters, 0, label);
      assertNoTimers(t, label);
      assert.equal(await stateOf(waiting), "rejected", label);
      await assert.rejects(waiting, {
        name: "TimeoutError",
        message: "Lock.acquire() timed out",
      });
      lock.release();
      assert.equal(lock.locked, false, label);
    }
  });

  Deno.test(`${prefix}.acquire() rejects with signal.reason when the signal aborts, leaving the queue at once`, async () => {
    using t = kind.create();
    const lock = locked();
    const controller = new AbortController();
    const reason = { why: "not an Error, still the reason" };
    const waiting = lock.acquire({ signal: controller.signal, timeout: 500 });
    const behind = lock.acquire();
    const check = assert.rejects(waiting, (e) => e === reason);
    assert.equal(lock.waiters, 2);
    controller.abort(reason);
    assert.equal(lock.waiters, 1);
    assertNoTimers(t);
    await check;
    lock.release();
    assert.equal(lock.locked, true);
    (await behind).release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.acquire() with an already-aborted signal rejects at once and takes nothing, even when unlocked`, async () => {
    using t = kind.create();
    for (const start of [false, true]) {
      const lock = start ? locked() : new Lock();
      const reason = new Error("already");
      const waiting = lock.acquire({ signal: AbortSignal.abort(reason) });
      assert.equal(lock.locked, start);
      assert.equal(lock.waiters, 0);
      assertNoTimers(t);
      assert.equal(await stateOf(waiting), "rejected");
      await assert.rejects(waiting, (e) => e === reason);
      assert.equal(lock.locked, start);
    }
  });

  Deno.test(`${prefix}.acquire() ignores an abort after the grant: the waiter owns the lock`, async () => {
    using t = kind.create();
    const lock = locked();
    const controller = new AbortController();
    const waiting = lock.acquire({ signal: controller.signal, timeout: 10 });
    lock.release();
    controller.abort();
    const releaser = await waiting;
    assert.equal(lock.locked, true);
    await t.advance(10);
    assert.equal(lock.locked, true);
    releaser.release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.acquire() that times out never takes the lock: the next release goes to the next waiter`, async () => {
    using t = kind.create();
    const lock = locked();
    const timed = assert.rejects(lock.acquire({ timeout: 10 }), TimeoutError);
    const next = lock.acquire({ timeout: 20 });
    await t.advance(10);
    await timed;
    lock.release();
    assert.equal(lock.locked, true);
    assertNoTimers(t);
    (await next).release();
    assert.equal(lock.locked, false);
    // With no one left, a release after a timeout unlocks.
    lock.tryAcquire();
    const alone = assert.rejects(lock.acquire({ timeout: 1 }), TimeoutError);
    await t.advance(1);
    await alone;
    lock.release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.acquire() settles once when a release and the timeout fall in the same turn`, async () => {
    using t = kind.create();
    // The release first: the waiter gets the lock and its timer is gone.
    const lock = locked();
    const at = t.loop.time() + 10;
    t.loop.addTimeout(at, () => lock.release());
    const granted = lock.acquire({ deadline: at });
    // The timeout first: the release then unlocks.
    const other = locked();
    const timed = other.acquire({ deadline: at });
    t.loop.addTimeout(at, () => other.release());
    const check = assert.rejects(timed, TimeoutError);
    await t.advance(10);
    (await granted).release();
    assert.equal(lock.locked, false);
    await check;
    assert.equal(other.locked, false);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire() settles once when an abort races a release`, async () => {
    using _t = kind.create();
    const lock = locked();
    const first = new AbortController();
    const granted = lock.acquire({ signal: first.signal });
    lock.release();
    first.abort();
    const releaser = await granted;
    assert.equal(lock.locked, true);
    const second = new AbortController();
    const aborted = lock.acquire({ signal: second.signal });
    const check = assert.rejects(aborted, (e) => e === second.signal.reason);
    second.abort();
    releaser.release();
    await check;
    assert.equal(lock.locked, false);
    assert.equal(lock.waiters, 0);
  });

  Deno.test(`${prefix}.acquire() removes its abort listener when granted or timed out`, async () => {
    using t = kind.create();
    const lock = locked();
    const { signal, listeners } = watchedSignal();
    const granted = lock.acquire({ signal, timeout: 100 });
    const timed = lock.acquire({ signal, timeout: 10 });
    const check = assert.rejects(timed, TimeoutError);
    // The waiters on one signal share one listener, removed with the last.
    assert.equal(listeners.size, 1);
    assert.equal(runtimeTimers(), kind === fakeTimersLoop ? 1 : 0);
    await t.advance(10);
    await check;
    assert.equal(listeners.size, 1);
    lock.release();
    assert.equal(listeners.size, 0);
    assertNoTimers(t);
    (await granted).release();
    assert.equal(lock.locked, false);
  });

  Deno.test(`${prefix}.acquire() times a wait with its own loop when given one`, async () => {
    using t = kind.create();
    const own = new VirtualIOLoop();
    const lock = locked({ loop: own });
    const waiting = lock.acquire({ timeout: 10 });
    const check = assert.rejects(waiting, TimeoutError);
    assert.equal(own.pendingTimers, 1);
    assertNoTimers(t);
    await t.advance(10);
    assert.equal(await stateOf(waiting), "pending");
    await own.advance(10);
    await check;
  });

  for (const [label, options, ErrorClass, argument] of BAD_OPTIONS) {
    Deno.test(`${prefix}.acquire() rejects with ${ErrorClass.name} for ${label}, taking nothing`, async () => {
      using t = kind.create();
      for (const start of [false, true]) {
        const lock = start ? locked() : new Lock();
        let waiting!: Promise<Releaser>;
        assert.doesNotThrow(() => {
          waiting = lock.acquire(options as WaitOptions);
        });
        assert.equal(lock.locked, start);
        assert.equal(lock.waiters, 0);
        assertNoTimers(t);
        await assert.rejects(
          waiting,
          (error) =>
            error instanceof ErrorClass &&
            error.message.startsWith(
              `Cannot call Lock.acquire() as '${argument}' must be `,
            ),
        );
        assert.equal(lock.locked, start);
        assert.equal(lock.waiters, 0);
        if (start) lock.release();
        (await lock.acquire({ timeout: 1 })).release();
        assert.equal(lock.locked, false);
      }
    });
  }

  // Inspection --------------------------------------------------------------

  Deno.test(`${prefix} renders as <Lock [unlocked]>, <Lock [locked]> and <Lock [locked,waiters:N]> everywhere`, async () => {
    using _t = kind.create();
    const lock = new Lock();
    assertRendered(lock, "<Lock [unlocked]>");
    const held = lock.tryAcquire()!;
    assertRendered(lock, "<Lock [locked]>");
    const waiting = lock.acquire({ timeout: 5 });
    assertRendered(lock, "<Lock [locked,waiters:1]>");
    const second = lock.acquire();
    assertRendered(lock, "<Lock [locked,waiters:2]>");
    held.release();
    assertRendered(lock, "<Lock [locked,waiters:1]>");
    (await waiting).release();
    assertRendered(lock, "<Lock [locked]>");
    (await second).release();
    assertRendered(lock, "<Lock [unlocked]>");
  });
}

// Leaks -----------------------------------------------------------------------

const LEAK_COUNT = 100_000;
// Each signal is shared by waiters spread through the queue. Not more: every
// runtime's EventTarget adds and removes a listener in time linear in the
// listeners it has, and Node warns past ten listeners on one signal.
const WAITERS_PER_SIGNAL = 10;

Deno.test(`VirtualIOLoop: Lock.acquire() leaves nothing behind after ${LEAK_COUNT} timeouts`, async () => {
  const loop = new VirtualIOLoop();
  const lock = locked({ loop });
  let rejected = 0;
  for (let i = 0; i < LEAK_COUNT; i++) {
    lock.acquire({ deadline: 1 + (i % 5) }).catch((error) => {
      if (error instanceof TimeoutError) rejected++;
    });
  }
  assert.equal(lock.waiters, LEAK_COUNT);
  assert.equal(loop.pendingTimers, LEAK_COUNT);
  await loop.runUntilIdle();
  assert.equal(rejected, LEAK_COUNT);
  assert.equal(lock.waiters, 0);
  assert.equal(lock.locked, true);
  assert.equal(loop.pendingTimers, 0);
  lock.release();
  assert.equal(lock.locked, false);
});

Deno.test(`VirtualIOLoop: Lock.acquire() leaves nothing behind after ${LEAK_COUNT} aborts`, async () => {
  const loop = new VirtualIOLoop();
  const lock = locked({ loop });
  const controllers = Array.from(
    { length: LEAK_COUNT / WAITERS_PER_SIGNAL },
    () => new AbortController(),
  );
  let rejected = 0;
  for (let i = 0; i < LEAK_COUNT; i++) {
    const { signal } = controllers[i % controllers.length];
    lock.acquire({ signal, timeout: { seconds: 1 } }).catch((e) => {
      if (e === signal.reason) rejected++;
    });
  }
  assert.equal(lock.waiters, LEAK_COUNT);
  assert.equal(loop.pendingTimers, LEAK_COUNT);
  // From the back first, then the rest.
  for (let i = controllers.length - 1; i >= 0; i -= 2) controllers[i].abort();
  for (const controller of controllers) controller.abort();
  assert.equal(lock.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  await loop.advance(0);
  assert.equal(rejected, LEAK_COUNT);
  assert.equal(lock.locked, true);
  lock.release();
  assert.equal(lock.locked, false);
});
