import assert from "node:assert/strict";
import { ClosedError } from "./errors.ts";
import { Lock } from "./lock.ts";
import { type IOLoop, VirtualIOLoop } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import {
  assertNoTimers,
  assertRendered,
  error,
  stateOf,
} from "./_test_util.ts";
import { untilStarted, waitSuite } from "./_test_wait_suite.ts";

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

/** Counts of permits that are not a positive safe integer. */
const BAD_PERMITS: [unknown, typeof TypeError | typeof RangeError][] = [
  ["1", TypeError],
  [null, TypeError],
  [1n, TypeError],
  [0, RangeError],
  [-1, RangeError],
  [1.5, RangeError],
  [NaN, RangeError],
  [Infinity, RangeError],
];

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
  leakCount: 10_000,
  wait: (lock, options) => untilStarted((fn) => lock.use(fn, options)),
});

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

// ---------------------------------------------------------------------------
// Permits and capacity: a Lock's is fixed at 1

Deno.test("Lock.acquire() and use() reject permits above 1 at once with a RangeError, taking nothing", async () => {
  using t = LOOP_KINDS[0].create();
  for (const lock of [new Lock(), locked()]) {
    const before = [lock.locked, lock.waiters];
    for (const permits of [2, 3, Number.MAX_SAFE_INTEGER]) {
      const message =
        `Cannot call Lock.acquire() as 'options.permits' must be at most 1: current value is ${permits}`;
      let waiting!: Promise<unknown>;
      assert.doesNotThrow(() =>
        waiting = lock.acquire({ permits, timeout: 10 })
      );
      assert.deepEqual([lock.locked, lock.waiters], before);
      assertNoTimers(t);
      await assert.rejects(waiting, error(RangeError, message));
      let called = false;
      await assert.rejects(
        lock.use(() => called = true, { permits }),
        error(RangeError, message),
      );
      assert.equal(called, false);
    }
    for (const [permits, ErrorClass] of BAD_PERMITS) {
      await assert.rejects(
        lock.acquire({ permits: permits as number }),
        error(
          ErrorClass,
          /^Cannot call Lock\.acquire\(\) as 'options\.permits' must be /,
        ),
      );
    }
    assert.deepEqual([lock.locked, lock.waiters], before);
  }
  // One permit is a plain acquire.
  const lock = new Lock();
  (await lock.acquire({ permits: 1 })).release();
  assert.equal(lock.tryAcquire(1)?.release(), undefined);
  assert.equal(lock.locked, false);
});

Deno.test("Lock.tryAcquire(n) and release(n) throw for n other than 1, locked or not, with nothing changed", () => {
  for (const lock of [new Lock(), locked()]) {
    const before = [lock.locked, lock.waiters, String(lock)];
    for (const method of ["tryAcquire", "release"] as const) {
      for (const permits of [2, 10]) {
        assert.throws(
          () => lock[method](permits),
          error(
            RangeError,
            `Cannot call Lock.${method}() as 'permits' must be at most 1: current value is ${permits}`,
          ),
        );
      }
      for (const [permits, ErrorClass] of BAD_PERMITS) {
        assert.throws(
          () => lock[method](permits as number),
          error(
            ErrorClass,
            new RegExp(
              `^Cannot call Lock\\.${method}\\(\\) as 'permits' must be `,
            ),
          ),
        );
      }
      assert.deepEqual([lock.locked, lock.waiters, String(lock)], before);
    }
  }
});

Deno.test("Lock.capacity is 1, and assigning it throws a TypeError with nothing changed", () => {
  for (const lock of [new Lock(), locked()]) {
    const before = [lock.locked, lock.value, lock.capacity, String(lock)];
    assert.equal(lock.capacity, 1);
    for (const capacity of [2, 1, 0, "1", undefined]) {
      assert.throws(
        () => lock.capacity = capacity as number,
        error(
          TypeError,
          /^Cannot set Lock\.capacity as a lock's capacity is fixed at 1/,
        ),
      );
      assert.deepEqual(
        [lock.locked, lock.value, lock.capacity, String(lock)],
        before,
      );
    }
  }
});

// ---------------------------------------------------------------------------
// Closing: what a Lock adds to the shared suite's checks

Deno.test("Lock.close() keeps the lock held and releasable, and tryAcquire() returns undefined", async () => {
  const lock = new Lock();
  const held = await lock.acquire();
  const waiting = lock.acquire();
  lock.close();
  await assert.rejects(
    waiting,
    (e) => e instanceof ClosedError && e.message === "Lock is closed",
  );
  assert.equal(lock.closed, true);
  assert.equal(lock.locked, true);
  assertRendered(lock, "<Lock [locked] closed>");
  held.release();
  assert.equal(lock.locked, false);
  assertRendered(lock, "<Lock [unlocked] closed>");
  assert.equal(lock.tryAcquire(), undefined);
  assert.equal(lock.locked, false);
  assert.throws(() => lock.release(), isNotLockedError);
  await assert.rejects(lock.acquire({ timeout: 0 }), ClosedError);
  let called = false;
  await assert.rejects(lock.use(() => called = true), ClosedError);
  assert.equal(called, false);
});
