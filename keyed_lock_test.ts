import { untilStarted, waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import process from "node:process";
import { KeyedLock } from "./keyed_lock.ts";
import type { Releaser } from "./semaphore.ts";
import { ClosedError, TimeoutError } from "./errors.ts";
import { IOLoop, VirtualIOLoop, type WaitOptions } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import {
  assertNoTimers,
  assertRendered,
  error,
  microtasks,
  stateOf,
  timeoutOf,
  watch,
  watchedSignal,
} from "./_test_util.ts";

const ACQUIRE = "KeyedLock.acquire()";

// ---------------------------------------------------------------------------
// The shared wait suite, for acquire() of one key and of several, and for
// use() of one key, which has a path of its own; each waits for a key whose
// permits are all held.
// The lock has `GRANTS` permits per key and the fixture holds them all, so
// that each grant is the release of one of them.

const GRANTS = 64;

interface Fixture {
  locks: KeyedLock;
  /** Permits of "k" the fixture holds, to release one per grant. */
  held: Releaser[];
}

function heldFixture(loop?: IOLoop): Fixture {
  const locks = new KeyedLock({ concurrency: GRANTS, loop });
  const held = Array.from({ length: GRANTS }, () => locks.tryAcquire("k")!);
  return { locks, held };
}

const keyedSubject = {
  className: "KeyedLock",
  what: ACQUIRE,
  make: heldFixture,
  makeAvailable: (loop?: IOLoop): Fixture => ({
    locks: new KeyedLock({ concurrency: GRANTS, loop }),
    held: [],
  }),
  grant: (f: Fixture) => f.held.pop()?.release(),
  waiters: (f: Fixture) => f.locks.waiters(),
  primitive: (f: Fixture) => f.locks,
  state: (f: Fixture) => [
    f.locks.size,
    f.locks.held("k"),
    f.locks.held("a"),
    f.locks.waiters(),
  ],
  close: (f: Fixture, reason?: unknown) => f.locks.close(reason),
};

waitSuite(Deno.test, {
  ...keyedSubject,
  name: "KeyedLock.acquire()",
  wait: (f, options) => f.locks.acquire("k", options),
});

waitSuite(Deno.test, {
  ...keyedSubject,
  name: "KeyedLock.acquire(keys)",
  wait: (f, options) => f.locks.acquire(["k", "a"], options),
  // A multi-key acquire that is handed "a" in the same turn as its abort
  // learns of the abort when it resumes, and gives "a" back then, one
  // promise job later: only "k" and the line are settled at once. The test
  // below checks that "a" is given back too.
  state: (f: Fixture) => [f.locks.held("k"), f.locks.waiters()],
});

Deno.test("KeyedLock.acquire(keys) aborted in bulk gives every key back once the aborted acquires resume", async () => {
  const loop = new VirtualIOLoop();
  const f = heldFixture(loop);
  const controllers = Array.from({ length: 100 }, () => new AbortController());
  const outcomes: unknown[] = [];
  for (let i = 0; i < 10_000; i++) {
    const { signal } = controllers[i % controllers.length];
    f.locks.acquire(["k", "a"], { signal, timeout: 1000 }).then(
      () => outcomes.push("granted"),
      (reason) => outcomes.push(reason),
    );
  }
  for (const controller of controllers) controller.abort("shutdown");
  assert.equal(f.locks.waiters(), 0);
  await microtasks();
  assert.equal(outcomes.length, 10_000);
  assert.ok(outcomes.every((outcome) => outcome === "shutdown"));
  assert.equal(f.locks.held("a"), 0);
  assert.equal(f.locks.size, 1);
  assert.equal(loop.pendingTimers, 0);
});

waitSuite(Deno.test, {
  ...keyedSubject,
  name: "KeyedLock.use()",
  wait: (f, options) => untilStarted((fn) => f.locks.use("k", fn, options)),
});

// `use(keys)` waits through `acquire(keys)`, so the suite is not run for it
// a fourth time: it costs a minute on Node 20, whose test runner hooks
// every promise.

/** Counts holders per key and fails the moment a key has too many. */
class Occupancy {
  #inside = new Map<string | number, number>();
  most = 0;
  constructor(readonly limit = 1) {}
  enter(key: string | number): void {
    const n = (this.#inside.get(key) ?? 0) + 1;
    assert.ok(n <= this.limit, `${n} holders of ${String(key)}`);
    this.#inside.set(key, n);
    this.most = Math.max(this.most, n);
  }
  leave(key: string | number): void {
    this.#inside.set(key, this.#inside.get(key)! - 1);
  }
}

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new KeyedLock() holds no key, with a concurrency of 1 by default", () => {
  for (
    const locks of [
      new KeyedLock(),
      new KeyedLock(undefined),
      new KeyedLock({}),
      new KeyedLock({ concurrency: undefined, loop: undefined }),
      new KeyedLock({ concurrency: 1 }),
    ]
  ) {
    assert.equal(locks.size, 0);
    assert.equal(locks.waiters(), 0);
    assert.equal(locks.closed, false);
    assert.ok(locks.tryAcquire("a"));
    assert.equal(locks.tryAcquire("a"), undefined);
  }
});

Deno.test("new KeyedLock() takes any positive safe integer as concurrency", () => {
  for (const concurrency of [1, 2, 7, Number.MAX_SAFE_INTEGER]) {
    const locks = new KeyedLock({ concurrency });
    for (let i = 0; i < Math.min(concurrency, 7); i++) {
      assert.ok(locks.tryAcquire("a"));
    }
    assert.equal(locks.held("a"), Math.min(concurrency, 7));
  }
});

Deno.test("new KeyedLock() throws TypeError for a concurrency that is not a number", () => {
  for (const concurrency of ["2", null, 2n, true, {}, [2]]) {
    assert.throws(
      () => new KeyedLock({ concurrency: concurrency as number }),
      error(
        TypeError,
        /^Cannot create KeyedLock as 'options\.concurrency' must be a number: current value is /,
      ),
    );
  }
});

Deno.test("new KeyedLock() throws RangeError for a concurrency that is not a positive safe integer", () => {
  assert.throws(
    () => new KeyedLock({ concurrency: 0 }),
    error(
      RangeError,
      "Cannot create KeyedLock as 'options.concurrency' must be a positive integer: current value is 0",
    ),
  );
  for (
    const concurrency of [
      -1,
      -0,
      1.5,
      NaN,
      Infinity,
      -Infinity,
      Number.MAX_SAFE_INTEGER + 1,
    ]
  ) {
    assert.throws(
      () => new KeyedLock({ concurrency }),
      error(
        RangeError,
        /^Cannot create KeyedLock as 'options\.concurrency' must be a positive integer/,
      ),
    );
  }
});

Deno.test("new KeyedLock() throws TypeError for bad options or options.loop", () => {
  for (
    const options of [null, 5, "loop", { loop: {} }, { loop: 5 }, {
      loop: null,
    }, { loop: Date }]
  ) {
    assert.throws(
      // @ts-expect-error: bad options
      () => new KeyedLock(options),
      error(TypeError, /^Cannot create KeyedLock as 'options/),
    );
  }
  assert.equal(new KeyedLock({ loop: new VirtualIOLoop() }).size, 0);
});

// ---------------------------------------------------------------------------
// Keys

Deno.test("KeyedLock compares keys as a Map does: 1 and '1' differ, -0 is 0", async () => {
  const locks = new KeyedLock<string | number>();
  const one = await locks.acquire(1);
  assert.ok(locks.tryAcquire("1"));
  assert.equal(locks.tryAcquire(1), undefined);
  assert.equal(locks.size, 2);
  const zero = await locks.acquire(0);
  assert.equal(locks.held(-0), 1);
  assert.equal(locks.tryAcquire(-0), undefined);
  zero.release();
  assert.equal(locks.held(0), 0);
  const minusZero = await locks.acquire(-0);
  assert.equal(locks.held(0), 1);
  minusZero.release();
  one.release();
  assert.equal(locks.size, 1);
});

Deno.test("KeyedLock treats '__proto__', 'constructor' and other Object.prototype names as ordinary keys", async () => {
  const names = [
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "prototype",
    "__defineGetter__",
    "",
  ];
  const locks = new KeyedLock();
  const held = await Promise.all(names.map((name) => locks.acquire(name)));
  assert.equal(locks.size, names.length);
  for (const name of names) {
    assert.equal(locks.held(name), 1, name);
    assert.equal(locks.tryAcquire(name), undefined, name);
  }
  const waiting = locks.acquire("__proto__");
  assert.equal(locks.waiters("__proto__"), 1);
  assert.equal(locks.waiters("constructor"), 0);
  for (const releaser of held) releaser.release();
  (await waiting).release();
  assert.equal(locks.size, 0);
  assert.equal(locks.held("__proto__"), 0);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("KeyedLock takes any number but NaN as a key, infinities too", async () => {
  const locks = new KeyedLock<number>();
  const keys = [
    Infinity,
    -Infinity,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    0.5,
    -3,
  ];
  const held = await locks.acquire(keys);
  assert.equal(locks.size, keys.length);
  for (const key of keys) assert.equal(locks.held(key), 1);
  held.release();
  assert.equal(locks.size, 0);
});

const BAD_KEYS: [string, unknown, typeof TypeError | typeof RangeError][] = [
  ["undefined", undefined, TypeError],
  ["null", null, TypeError],
  ["a boolean", true, TypeError],
  ["a bigint", 1n, TypeError],
  ["a symbol", Symbol("key"), TypeError],
  ["an object", {}, TypeError],
  ["a boxed string", new String("a"), TypeError],
  ["a function", () => {}, TypeError],
  ["a Set of keys", new Set(["a"]), TypeError],
  ["NaN", NaN, RangeError],
];

for (const [label, key, ErrorClass] of BAD_KEYS) {
  Deno.test(`KeyedLock rejects ${label} as a key with a ${ErrorClass.name} naming it, taking nothing`, async () => {
    const locks = new KeyedLock();
    const held = await locks.acquire("held");
    const bad = key as string;
    const message = new RegExp(
      `^Cannot call KeyedLock\\.(acquire|use|tryAcquire|held|waiters)\\(\\) as 'key' must be `,
    );
    await assert.rejects(locks.acquire(bad), error(ErrorClass, message));
    await assert.rejects(
      locks.acquire(bad, { timeout: 10 }),
      error(ErrorClass, message),
    );
    let called = false;
    await assert.rejects(
      locks.use(bad, () => called = true),
      error(ErrorClass, message),
    );
    assert.equal(called, false);
    assert.throws(() => locks.tryAcquire(bad), error(ErrorClass, message));
    if (key !== undefined) {
      assert.throws(() => locks.held(bad), error(ErrorClass, message));
      assert.throws(() => locks.waiters(bad), error(ErrorClass, message));
    }
    // The same key inside an array is named by its index.
    const inArray = ["ok", bad];
    const indexed = /^Cannot call KeyedLock\.\w+\(\) as 'key\[1\]' must be /;
    await assert.rejects(locks.acquire(inArray), error(ErrorClass, indexed));
    assert.throws(() => locks.tryAcquire(inArray), error(ErrorClass, indexed));
    assert.equal(locks.size, 1);
    assert.equal(locks.held("ok"), 0);
    assert.equal(locks.waiters(), 0);
    held.release();
    assert.equal(locks.size, 0);
  });
}

Deno.test("KeyedLock.held() and waiters() take single keys only", () => {
  const locks = new KeyedLock();
  for (const method of ["held", "waiters"] as const) {
    assert.throws(
      () => locks[method](["a"] as unknown as string),
      error(
        TypeError,
        `Cannot call KeyedLock.${method}() as 'key' must be a string or a number: current value is an array`,
      ),
    );
  }
});

Deno.test("KeyedLock error messages name the method, the argument and the value", async () => {
  const locks = new KeyedLock();
  await assert.rejects(
    locks.acquire(null as unknown as string),
    error(
      TypeError,
      "Cannot call KeyedLock.acquire() as 'key' must be a string, a number or an array of them: current value is null",
    ),
  );
  await assert.rejects(
    locks.acquire(NaN as unknown as string),
    error(
      RangeError,
      "Cannot call KeyedLock.acquire() as 'key' must be a string or a number other than NaN: current value is NaN",
    ),
  );
  assert.throws(
    () => locks.tryAcquire(["a", true] as unknown as string[]),
    error(
      TypeError,
      "Cannot call KeyedLock.tryAcquire() as 'key[1]' must be a string or a number: current value is true",
    ),
  );
  await assert.rejects(
    locks.use("a", 5 as unknown as () => void),
    error(
      TypeError,
      "Cannot call KeyedLock.use() as 'fn' must be a function: current value is 5",
    ),
  );
  assert.equal(locks.size, 0);
});

Deno.test("KeyedLock reads each element of a keys array once", async () => {
  const locks = new KeyedLock();
  let reads = 0;
  const keys = ["a"];
  Object.defineProperty(keys, 1, {
    get: () => (reads++ === 0 ? "b" : {}),
    enumerable: true,
  });
  const held = await locks.acquire(keys);
  assert.equal(reads, 1);
  assert.equal(locks.held("b"), 1);
  held.release();
  assert.equal(locks.size, 0);
});

// ---------------------------------------------------------------------------
// One key, on both loops

for (const kind of LOOP_KINDS) {
  const prefix = `${kind.name}: KeyedLock`;

  Deno.test(`${prefix}.acquire() takes a free key at once and makes its entry`, async () => {
    using _t = kind.create();
    const locks = new KeyedLock();
    const promise = locks.acquire("a");
    assert.equal(locks.size, 1);
    assert.equal(locks.held("a"), 1);
    const releaser = await promise;
    assert.equal(typeof releaser.release, "function");
    assert.equal(typeof releaser[Symbol.dispose], "function");
    assert.equal(await stateOf(locks.acquire("b", {})), "fulfilled");
    assert.equal(locks.size, 2);
    releaser.release();
    assert.equal(locks.size, 1);
    assert.equal(locks.held("a"), 0);
  });

  Deno.test(`${prefix}.acquire() waits while the key is held, and other keys are free meanwhile`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const waiting = locks.acquire("a");
    assert.equal(locks.waiters("a"), 1);
    assert.equal(locks.waiters(), 1);
    assert.equal(locks.size, 1);
    assert.equal(await stateOf(locks.acquire("b")), "fulfilled");
    await t.advance(1_000_000);
    assert.equal(await stateOf(waiting), "pending");
    assertNoTimers(t);
    held.release();
    assert.equal(locks.waiters(), 0);
    assert.equal(locks.held("a"), 1);
    (await waiting).release();
    assert.equal(locks.held("a"), 0);
  });

  Deno.test(`${prefix}: a release hands the key straight to the first waiter, so no third caller gets in (no barging)`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const first = locks.acquire("a");
    held.release();
    // Handed over but not yet resumed: the entry stays and is held.
    assert.equal(locks.size, 1);
    assert.equal(locks.held("a"), 1);
    assert.equal(locks.waiters("a"), 0);
    assert.equal(locks.tryAcquire("a"), undefined);
    const newcomer = locks.acquire("a");
    const timed = watch(locks.acquire("a", { timeout: 0 }));
    assert.equal(locks.waiters("a"), 1);
    await t.settle();
    assert.equal(await stateOf(first), "fulfilled");
    assert.equal(await stateOf(newcomer), "pending");
    assert.equal(timed.state, "rejected");
    (await first).release();
    assert.equal(locks.held("a"), 1);
    (await newcomer).release();
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.release() serves each key's waiters strictly first in, first out`, async () => {
    using t = kind.create();
    const locks = new KeyedLock<number>();
    const held = [await locks.acquire(1), await locks.acquire(2)];
    const order: string[] = [];
    const releasers: Releaser[] = [];
    for (let i = 0; i < 4; i++) {
      for (const key of [1, 2]) {
        const options: WaitOptions | undefined = i % 2
          ? { timeout: 1000, signal: new AbortController().signal }
          : undefined;
        locks.acquire(key, options).then((releaser) => {
          order.push(`${key}:${i}`);
          releasers.push(releaser);
        });
      }
    }
    assert.equal(locks.waiters(), 8);
    held[1].release();
    held[0].release();
    for (let i = 0; i < 4; i++) {
      await t.settle();
      assert.deepEqual(order.slice(2 * i), [`2:${i}`, `1:${i}`]);
      const [two, one] = releasers.slice(2 * i);
      two.release();
      one.release();
    }
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}: a release returns before the woken function resumes, waiters already dropped`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    let resumed = 0;
    const waiting = locks.acquire("a", { timeout: 100 }).then((releaser) => {
      resumed++;
      return releaser;
    });
    held.release();
    assert.equal(resumed, 0);
    assert.equal(locks.waiters(), 0);
    assertRendered(locks, "<KeyedLock keys=1 waiters=0>");
    assertNoTimers(t);
    await t.settle();
    assert.equal(resumed, 1);
    (await waiting).release();
  });

  Deno.test(`${prefix} with concurrency 2 lets two hold a key and hands the third its permit`, async () => {
    using t = kind.create();
    const locks = new KeyedLock({ concurrency: 2 });
    const a = await locks.acquire("k");
    const b = await locks.acquire("k");
    assert.equal(locks.held("k"), 2);
    const c = locks.acquire("k");
    const d = locks.acquire("k");
    assert.equal(locks.waiters("k"), 2);
    assert.equal(locks.tryAcquire("k"), undefined);
    a.release();
    assert.equal(locks.held("k"), 2);
    assert.equal(locks.waiters("k"), 1);
    assert.equal(locks.tryAcquire("k"), undefined);
    await t.settle();
    assert.equal(await stateOf(c), "fulfilled");
    assert.equal(await stateOf(d), "pending");
    b.release();
    (await c).release();
    assert.equal(locks.held("k"), 1);
    (await d).release();
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}'s Releaser releases once, by release() or [Symbol.dispose]()`, async () => {
    using t = kind.create();
    const locks = new KeyedLock({ concurrency: 2 });
    const first = await locks.acquire("a");
    const second = await locks.acquire("a");
    first.release();
    first.release();
    first[Symbol.dispose]();
    assert.equal(locks.held("a"), 1);
    second[Symbol.dispose]();
    second.release();
    assert.equal(locks.size, 0);
    // A spent releaser of a key that was later taken again takes nothing back.
    const third = await locks.acquire("a");
    first.release();
    assert.equal(locks.held("a"), 1);
    third.release();
    {
      using _held = await locks.acquire("a");
      assert.equal(locks.held("a"), 1);
    }
    assert.equal(locks.size, 0);
    await t.settle();
  });

  Deno.test(`${prefix}.use() runs fn holding the key, resolves with its result and releases`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    assert.equal(
      await locks.use("a", () => {
        assert.equal(locks.held("a"), 1);
        return 1;
      }),
      1,
    );
    assert.equal(
      await locks.use("a", async () => {
        await t.advance(5);
        assert.equal(locks.held("a"), 1);
        return 2;
      }),
      2,
    );
    await assert.rejects(
      locks.use("a", () => {
        throw new Error("boom");
      }),
      { message: "boom" },
    );
    await assert.rejects(
      locks.use("a", () => Promise.reject(new Error("later"))),
      { message: "later" },
    );
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.use() waits as acquire() does and does not call fn when it gives up`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    let called = 0;
    const timedOut = assert.rejects(
      locks.use("a", () => called++, { timeout: 10 }),
      timeoutOf(ACQUIRE),
    );
    const aborted = locks.use("a", () => called++, {
      signal: AbortSignal.abort(new Error("no")),
    });
    await assert.rejects(aborted, { message: "no" });
    await t.advance(10);
    await timedOut;
    assert.equal(called, 0);
    const later = locks.use("a", () => ++called);
    held.release();
    assert.equal(await later, 1);
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.acquire() rejects with TimeoutError past the deadline, leaving the line and its timer at once`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const waiting = locks.acquire("a", { deadline: t.loop.time() + 50 });
    const check = assert.rejects(waiting, timeoutOf(ACQUIRE));
    await t.advance(49);
    assert.equal(await stateOf(waiting), "pending");
    assert.equal(locks.waiters("a"), 1);
    await t.advance(1);
    await check;
    assert.equal(locks.waiters("a"), 0);
    assert.equal(locks.waiters(), 0);
    assertNoTimers(t);
    held.release();
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.acquire() with a deadline already passed takes a free key, and rejects at once for a held one`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    for (
      const options of [{ timeout: 0 }, { timeout: -1 }, {
        deadline: t.loop.time(),
      }]
    ) {
      const releaser = await locks.acquire("a", options);
      const rejected = watch(locks.acquire("a", options));
      await microtasks();
      assert.equal(rejected.state, "rejected");
      assert.ok(timeoutOf(ACQUIRE)(rejected.reason));
      assert.equal(locks.waiters(), 0);
      assertNoTimers(t);
      releaser.release();
      assert.equal(locks.size, 0);
    }
  });

  Deno.test(`${prefix}.acquire() rejects with signal.reason when aborted, leaving at once and removing its listener`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const spy = watchedSignal();
    const waiting = watch(
      locks.acquire("a", { signal: spy.signal, timeout: 1000 }),
    );
    const behind = locks.acquire("a");
    assert.equal(spy.live(), 1);
    const reason = new Error("stop");
    spy.controller.abort(reason);
    assert.equal(locks.waiters("a"), 1);
    assert.equal(spy.live(), 0);
    await microtasks();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, reason);
    held.release();
    assertNoTimers(t);
    (await behind).release();
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.acquire() with an already-aborted signal rejects at once and takes nothing, even for a free key`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const reason = new Error("already");
    await assert.rejects(
      locks.acquire("a", { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    await assert.rejects(
      locks.acquire(["a", "b"], { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire() ignores an abort after the grant`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const controller = new AbortController();
    const waiting = locks.acquire("a", { signal: controller.signal });
    held.release();
    controller.abort();
    const releaser = await waiting;
    assert.equal(locks.held("a"), 1);
    releaser.release();
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire() settles once when a release and its timeout come in the same turn`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const waiting = watch(locks.acquire("a", { timeout: 10 }));
    t.loop.callLater(10, () => held.release());
    await t.advance(10);
    await microtasks();
    assert.equal(waiting.settlements, 1);
    if (waiting.state === "fulfilled") (waiting.value as Releaser).release();
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire() without a loop option is timed by the loop current when it starts`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const waiting = watch(locks.acquire("a", { timeout: 10 }));
    const other = new VirtualIOLoop();
    IOLoop.setCurrent(other);
    await other.advance(100);
    assert.equal(waiting.state, "pending");
    IOLoop.setCurrent(t.loop);
    await t.advance(10);
    assert.equal(waiting.state, "rejected");
    held.release();
  });

  Deno.test(`${prefix}.acquire() rejects bad options, taking nothing`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    for (
      const [options, ErrorClass, argument] of [
        [null, TypeError, "options"],
        [{ timeout: NaN }, RangeError, "options.timeout"],
        [{ deadline: "soon" }, TypeError, "options.deadline"],
        [{ timeout: { years: 1 } }, RangeError, "options.timeout.years"],
        [{ signal: {} }, TypeError, "options.signal"],
      ] as const
    ) {
      for (const key of ["a", "b", ["a", "b"]]) {
        await assert.rejects(
          locks.acquire(key, options as WaitOptions),
          error(
            ErrorClass,
            new RegExp(
              `^Cannot call KeyedLock\\.acquire\\(\\) as '${
                argument.replace(".", "\\.")
              }' must be `,
            ),
          ),
        );
      }
    }
    assert.equal(locks.size, 1);
    assert.equal(locks.waiters(), 0);
    assertNoTimers(t);
    held.release();
  });

  Deno.test(`${prefix}.size and waiters() drop in the same turn as a waiter times out or is aborted`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = await locks.acquire("a");
    const controller = new AbortController();
    const timed = locks.acquire("a", { timeout: 5 }).catch(() => "timeout");
    const aborted = locks.acquire("a", { signal: controller.signal }).catch(
      () => "abort",
    );
    assert.equal(locks.waiters(), 2);
    controller.abort();
    assert.equal(locks.waiters(), 1);
    assert.equal(locks.waiters("a"), 1);
    t.loop.callLater(5, () => {
      // Runs after the waiter's own timer, in the same turn.
      assert.equal(locks.waiters(), 0);
      held.release();
      assert.equal(locks.size, 0);
    });
    await t.advance(5);
    assert.deepEqual(await Promise.all([timed, aborted]), ["timeout", "abort"]);
    assert.equal(locks.size, 0);
  });

  // Several keys --------------------------------------------------------------

  Deno.test(`${prefix}.acquire(keys) takes every key, deduplicated, and its Releaser releases them all`, async () => {
    using t = kind.create();
    const locks = new KeyedLock<string | number>();
    const releaser = await locks.acquire(["b", 2, "a", 2, "b", 1]);
    assert.equal(locks.size, 4);
    for (const key of ["a", "b", 1, 2]) assert.equal(locks.held(key), 1);
    releaser.release();
    assert.equal(locks.size, 0);
    releaser.release();
    assert.equal(locks.size, 0);
    const one = await locks.acquire(["x"]);
    assert.equal(locks.held("x"), 1);
    one[Symbol.dispose]();
    assert.equal(locks.size, 0);
    await t.settle();
  });

  Deno.test(`${prefix}.acquire([]) takes nothing and resolves at once`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const releaser = await locks.acquire([], { timeout: 0 });
    assert.equal(locks.size, 0);
    releaser.release();
    assert.ok(locks.tryAcquire([]));
    assert.equal(await locks.use([], () => 5), 5);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire(keys) takes keys in one order: numbers ascending, then strings by code unit`, async () => {
    using t = kind.create();
    const locks = new KeyedLock<string | number>();
    // Each key is held in turn; the acquire waits on the first key of the
    // canonical order it cannot have, holding only the keys before it.
    const order = ["b", "B", 10, -1, "a", "é", 2, "aa", "\u{1F600}", "\uFFFF"];
    const canonical = [
      -1,
      2,
      10,
      "B",
      "a",
      "aa",
      "b",
      "é",
      "\u{1F600}",
      "\uFFFF",
    ];
    const blockers = canonical.map((key) => locks.tryAcquire(key)!);
    const all = locks.acquire(order);
    for (let i = 0; i < canonical.length; i++) {
      assert.equal(locks.waiters(canonical[i]), 1, `waits on ${canonical[i]}`);
      for (let j = 0; j < canonical.length; j++) {
        if (j !== i) assert.equal(locks.waiters(canonical[j]), 0);
      }
      blockers[i].release();
      await t.settle();
      assert.equal(locks.held(canonical[i]), 1);
    }
    const releaser = await all;
    assert.equal(locks.size, canonical.length);
    releaser.release();
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.acquire(keys) from callers in opposite orders never deadlocks`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const occupancy = new Occupancy();
    const work = async (keys: string[]) => {
      for (let round = 0; round < 20; round++) {
        await locks.use(keys, async () => {
          for (const key of keys) occupancy.enter(key);
          await Promise.resolve();
          await Promise.resolve();
          for (const key of keys) occupancy.leave(key);
        });
      }
    };
    await Promise.all([
      work(["x", "y"]),
      work(["y", "x"]),
      work(["y", "z", "x"]),
      work(["z"]),
    ]);
    assert.equal(locks.size, 0);
    assert.equal(occupancy.most, 1);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire(keys) that times out on a later key gives back those taken, in reverse, then rejects`, async () => {
    using t = kind.create();
    const locks = new KeyedLock<number>();
    const blocker = await locks.acquire(3);
    const all = watch(locks.acquire([1, 2, 3], { timeout: 100 }));
    assert.equal(locks.held(1), 1);
    assert.equal(locks.held(2), 1);
    assert.equal(locks.waiters(3), 1);
    const order: number[] = [];
    const behind = [1, 2].map((key) =>
      locks.acquire(key).then((releaser) => {
        order.push(key);
        releaser.release();
      })
    );
    await t.advance(99);
    assert.equal(all.state, "pending");
    await t.advance(1);
    assert.equal(all.state, "rejected");
    assert.ok(timeoutOf(ACQUIRE)(all.reason));
    await Promise.all(behind);
    assert.deepEqual(order, [2, 1]);
    assert.equal(locks.size, 1);
    assert.equal(locks.waiters(), 0);
    assertNoTimers(t);
    blocker.release();
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.acquire(keys): one deadline covers the whole acquire`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const first = await locks.acquire("a");
    const second = await locks.acquire("b");
    const all = watch(locks.acquire(["a", "b"], { timeout: 100 }));
    await t.advance(60);
    first.release();
    await t.settle();
    assert.equal(locks.held("a"), 1);
    assert.equal(locks.waiters("b"), 1);
    await t.advance(39);
    assert.equal(all.state, "pending");
    await t.advance(1);
    assert.equal(all.state, "rejected");
    assert.equal(locks.held("a"), 0);
    second.release();
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire(keys) that is aborted on a later key gives back those taken and rejects with the reason`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const blocker = await locks.acquire("b");
    const spy = watchedSignal();
    const all = watch(locks.acquire(["a", "b", "c"], { signal: spy.signal }));
    assert.equal(locks.held("a"), 1);
    assert.equal(spy.live(), 1);
    const reason = new Error("stop");
    spy.controller.abort(reason);
    assert.equal(spy.live(), 0);
    assert.equal(locks.waiters(), 0);
    await microtasks();
    assert.equal(all.state, "rejected");
    assert.equal(all.reason, reason);
    assert.equal(locks.size, 1);
    assert.equal(locks.held("c"), 0);
    blocker.release();
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire(keys) aborted between a grant and its next key gives back what it took`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const a = await locks.acquire("a");
    const controller = new AbortController();
    const all = watch(locks.acquire(["a", "b"], { signal: controller.signal }));
    a.release(); // Grants "a" to the acquire, which resumes later.
    controller.abort(); // The signal has no waiter left to reject.
    await microtasks();
    assert.equal(all.state, "rejected");
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.acquire(keys) with a deadline already passed takes free keys, and otherwise takes nothing`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const both = await locks.acquire(["a", "b"], { timeout: 0 });
    assert.equal(locks.size, 2);
    both.release();
    const b = await locks.acquire("b");
    const failed = watch(locks.acquire(["a", "b", "c"], { timeout: 0 }));
    await microtasks();
    assert.equal(failed.state, "rejected");
    assert.ok(timeoutOf(ACQUIRE)(failed.reason));
    assert.equal(locks.size, 1);
    assertNoTimers(t);
    b.release();
  });

  Deno.test(`${prefix}: a multi-key Releaser releases in reverse order`, async () => {
    using t = kind.create();
    const locks = new KeyedLock<number>();
    const all = await locks.acquire([1, 2, 3]);
    const order: number[] = [];
    const behind = [1, 2, 3].map((key) =>
      locks.acquire(key).then((releaser) => {
        order.push(key);
        releaser.release();
      })
    );
    all.release();
    await Promise.all(behind);
    assert.deepEqual(order, [3, 2, 1]);
    assert.equal(locks.size, 0);
    await t.settle();
  });

  Deno.test(`${prefix}.tryAcquire(keys) takes all the keys or none`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const b = locks.tryAcquire("b")!;
    assert.equal(locks.tryAcquire(["a", "b", "c"]), undefined);
    assert.equal(locks.size, 1);
    b.release();
    const all = locks.tryAcquire(["c", "a", "b", "a"]);
    assert.ok(all);
    assert.equal(locks.size, 3);
    // A key that is free but waited for is not free to take.
    const waiting = locks.acquire("b");
    all.release();
    assert.equal(locks.held("b"), 1);
    assert.equal(locks.tryAcquire(["a", "b"]), undefined);
    assert.equal(locks.size, 1);
    (await waiting).release();
    assert.equal(locks.size, 0);
    await t.settle();
  });

  // Closing -------------------------------------------------------------------

  Deno.test(`${prefix}.close() rejects every waiter of every key at once with one ClosedError`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const held = [await locks.acquire("a"), await locks.acquire("b")];
    const spy = watchedSignal();
    const waits = [
      watch(locks.acquire("a")),
      watch(locks.acquire("b", { timeout: 100, signal: spy.signal })),
      watch(locks.acquire(["a", "c"])),
      watch(locks.use("b", () => assert.fail("fn ran"))),
    ];
    assert.equal(locks.waiters(), 4);
    locks.close();
    assert.equal(locks.closed, true);
    assert.equal(locks.waiters(), 0);
    assert.equal(spy.live(), 0);
    assertNoTimers(t);
    await microtasks();
    const reason = waits[0].reason;
    assert.ok(reason instanceof ClosedError);
    assert.equal((reason as Error).message, "KeyedLock is closed");
    for (const w of waits) {
      assert.equal(w.state, "rejected");
      assert.equal(w.reason, reason);
    }
    // Later waits reject with the same reason, free key and timeout 0 too.
    for (
      const later of [
        () => locks.acquire("z"),
        () => locks.acquire("z", { timeout: 0 }),
        () => locks.acquire(["y", "z"]),
        () => locks.acquire([]),
        () => locks.use("z", () => {}),
      ]
    ) {
      await assert.rejects(later(), (e) => e === reason);
    }
    assert.equal(locks.tryAcquire("z"), undefined);
    assert.equal(locks.tryAcquire(["y"]), undefined);
    // What is held stays held, and releasing it still works.
    assert.equal(locks.size, 2);
    assertRendered(locks, "<KeyedLock keys=2 waiters=0 closed>");
    for (const releaser of held) releaser.release();
    assert.equal(locks.size, 0);
  });

  Deno.test(`${prefix}.close(reason) rejects with that reason, falsy too, and a second close changes nothing`, async () => {
    using t = kind.create();
    for (const reason of [new Error("down"), 0, "", null, false]) {
      const locks = new KeyedLock();
      const held = await locks.acquire("a");
      const waiting = watch(locks.acquire("a"));
      locks.close(reason);
      locks.close(new Error("ignored"));
      locks.close();
      await microtasks();
      assert.ok(Object.is(waiting.reason, reason));
      await assert.rejects(locks.acquire("b"), (e) => Object.is(e, reason));
      held.release();
      assert.equal(locks.size, 0);
    }
    assertNoTimers(t);
  });

  Deno.test(`${prefix}.close() while a multi-key acquire is between grants gives back its keys`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    const a = await locks.acquire("a");
    const all = watch(locks.acquire(["a", "b"]));
    a.release(); // Grants "a"; the acquire takes "b" when it resumes.
    locks.close("closed");
    await microtasks();
    assert.equal(all.state, "rejected");
    assert.equal(all.reason, "closed");
    assert.equal(locks.size, 0);
    assertNoTimers(t);
  });

  // Inspection ----------------------------------------------------------------

  Deno.test(`${prefix} renders as <KeyedLock keys=N waiters=N> everywhere`, async () => {
    using t = kind.create();
    const locks = new KeyedLock();
    assertRendered(locks, "<KeyedLock keys=0 waiters=0>");
    const a = await locks.acquire("a");
    await locks.acquire("b");
    await locks.acquire("c");
    const waits = [
      locks.acquire("a"),
      assert.rejects(locks.acquire("b", { timeout: 5 }), TimeoutError),
    ];
    assertRendered(locks, "<KeyedLock keys=3 waiters=2>");
    a.release();
    assertRendered(locks, "<KeyedLock keys=3 waiters=1>");
    await t.advance(5);
    await waits[1];
    assertRendered(locks, "<KeyedLock keys=3 waiters=0>");
    (await waits[0] as Releaser).release();
    assertRendered(locks, "<KeyedLock keys=2 waiters=0>");
    const two = new KeyedLock({ concurrency: 2 });
    assertRendered(two, "<KeyedLock concurrency=2 keys=0 waiters=0>");
    two.close();
    assertRendered(two, "<KeyedLock concurrency=2 keys=0 waiters=0 closed>");
  });
}

// ---------------------------------------------------------------------------
// async-lock-style bugs

/**
 * The map of locks users write by hand, as in MCSManager #2242: the entry
 * is deleted when its holder finishes, even while the next waiter is being
 * handed the lock.
 */
class HandWrittenKeyedLock {
  #tails = new Map<string, Promise<void>>();
  async use<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => done = resolve);
    this.#tails.set(key, mine);
    await before;
    try {
      return await fn();
    } finally {
      this.#tails.delete(key);
      done();
    }
  }
}

/**
 * The hand-off interleaving: A holds the key, B waits, A finishes, and C
 * arrives while B is being handed the key, before B resumes. Returns the
 * most holders the key ever had.
 */
async function handOff(
  use: (key: string, fn: () => Promise<void>) => Promise<void>,
): Promise<number> {
  let inside = 0;
  let most = 0;
  const critical = async () => {
    inside++;
    most = Math.max(most, inside);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    inside--;
  };
  const a = use("user:1", critical);
  const b = use("user:1", critical);
  // Arrive in each turn of promise callbacks while A finishes and B takes
  // over, one caller per turn.
  const late: Promise<void>[] = [];
  for (let i = 0; i < 12; i++) {
    late.push(use("user:1", critical));
    await Promise.resolve();
  }
  await Promise.all([a, b, ...late]);
  return most;
}

Deno.test("The hand-off interleaving lets a third caller into a hand-written map of locks (the bug the next test rules out)", async () => {
  const naive = new HandWrittenKeyedLock();
  assert.ok(await handOff((key, fn) => naive.use(key, fn)) > 1);
});

Deno.test("KeyedLock: the hand-off interleaving never lets a third caller in, and leaves no entry", async () => {
  const locks = new KeyedLock();
  assert.equal(await handOff((key, fn) => locks.use(key, fn)), 1);
  assert.equal(locks.size, 0);
});

Deno.test("KeyedLock: callers arriving at every step of a release never make two holders", async () => {
  // Every combination of where the release and a newcomer fall, over a few
  // turns of promise callbacks.
  for (let releaseAt = 0; releaseAt < 4; releaseAt++) {
    for (let arriveAt = 0; arriveAt < 6; arriveAt++) {
      const locks = new KeyedLock({ concurrency: 2 });
      const occupancy = new Occupancy(2);
      const run = async (delay: number) => {
        for (let i = 0; i < delay; i++) await Promise.resolve();
        await locks.use("k", async () => {
          occupancy.enter("k");
          for (let i = 0; i < releaseAt; i++) await Promise.resolve();
          occupancy.leave("k");
        });
      };
      await Promise.all([run(0), run(0), run(0), run(arriveAt), run(1)]);
      assert.equal(locks.size, 0);
    }
  }
});

/**
 * A full collection, where the runtime offers one: `globalThis.gc` under
 * `--expose-gc` (`deno task stress`, `node --expose-gc`), `Bun.gc` on Bun.
 */
function collector(): (() => void) | undefined {
  const g = globalThis as {
    gc?: () => void;
    Bun?: { gc(force: boolean): void };
  };
  if (typeof g.gc === "function") return () => g.gc!();
  if (g.Bun !== undefined) return () => g.Bun!.gc(true);
  return undefined;
}

function heapUsed(gc: () => void): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Uses `count` keys once each: a tenth by two callers in turn (the second
 * waits in the key's line), a fifth through `acquire()` or `use()`, the rest
 * through `tryAcquire()`, which makes and removes an entry as they do with
 * no promise (Node's test runner tracks every promise with a hook).
 */
async function useKeysOnce(
  locks: KeyedLock<string | number>,
  from: number,
  count: number,
): Promise<void> {
  const BATCH = 1000;
  for (let start = from; start < from + count; start += BATCH) {
    const work: Promise<unknown>[] = [];
    for (let i = start; i < start + BATCH; i++) {
      const key = i % 2 ? i : `key:${i}`;
      switch (Math.abs(i % 10)) {
        case 0:
          work.push(locks.use(key, () => Promise.resolve()));
          work.push(locks.acquire(key).then((r) => r.release()));
          break;
        case 1:
          work.push(locks.use(key, () => i));
          break;
        case 2:
          work.push(locks.acquire(key).then((r) => r.release()));
          break;
        default:
          locks.tryAcquire(key)!.release();
      }
    }
    await Promise.all(work);
    assert.equal(locks.size, 0);
  }
}

Deno.test("KeyedLock: a million keys used once leave size 0, and the heap where it was", async () => {
  const locks = new KeyedLock<string | number>();
  const gc = collector();
  await useKeysOnce(locks, -10_000, 10_000); // Warm-up.
  const before = gc ? heapUsed(gc) : 0;
  await useKeysOnce(locks, 0, 1_000_000);
  assert.equal(locks.size, 0);
  assert.equal(locks.waiters(), 0);
  assertRendered(locks, "<KeyedLock keys=0 waiters=0>");
  assert.equal(IOLoop.current().pendingTimers, 0);
  // Where the runtime lets a test collect garbage, 1,000,000 keys leaking
  // even a byte each would show.
  if (gc) {
    const growth = heapUsed(gc) - before;
    assert.ok(growth < 1024 * 1024, `the heap grew by ${growth} bytes`);
  }
});

// ---------------------------------------------------------------------------
// Leaks

// The wait suite leaves 100,000 waiters of each wait behind; these spread
// fewer over many keys, and over several keys at once.
const LEAK_COUNT = 20_000;

Deno.test(`VirtualIOLoop: KeyedLock.acquire() leaves nothing behind after ${LEAK_COUNT} timeouts over many keys`, async () => {
  const loop = new VirtualIOLoop();
  const locks = new KeyedLock<number>({ loop });
  const KEYS = 1000;
  const held = await locks.acquire(Array.from({ length: KEYS }, (_, i) => i));
  let rejected = 0;
  for (let i = 0; i < LEAK_COUNT; i++) {
    locks.acquire(i % KEYS, { timeout: 1 + (i % 3) }).catch((e) => {
      if (e instanceof TimeoutError) rejected++;
    });
  }
  assert.equal(locks.waiters(), LEAK_COUNT);
  assert.equal(loop.pendingTimers, LEAK_COUNT);
  await loop.runUntilIdle();
  assert.equal(rejected, LEAK_COUNT);
  assert.equal(locks.waiters(), 0);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(locks.size, KEYS);
  held.release();
  assert.equal(locks.size, 0);
});

Deno.test(`VirtualIOLoop: KeyedLock.acquire(keys) leaves nothing behind after ${LEAK_COUNT} aborts`, async () => {
  const loop = new VirtualIOLoop();
  const locks = new KeyedLock<number>({ loop });
  const blocker = await locks.acquire(1);
  const controllers = Array.from(
    { length: LEAK_COUNT / 10 },
    () => new AbortController(),
  );
  let rejected = 0;
  for (let i = 0; i < LEAK_COUNT; i++) {
    const { signal } = controllers[i % controllers.length];
    locks.acquire(i % 2 ? [0, 1] : 1, { signal, timeout: 1000 }).catch((e) => {
      if (e === signal.reason) rejected++;
    });
  }
  // The first multi-key acquire holds 0 and waits for 1; the rest wait for
  // 0 or 1.
  assert.equal(locks.waiters(), LEAK_COUNT);
  assert.equal(locks.size, 2);
  for (const controller of controllers) controller.abort();
  assert.equal(locks.waiters(), 0);
  assert.equal(loop.pendingTimers, 0);
  await loop.advance(0);
  assert.equal(rejected, LEAK_COUNT);
  assert.equal(locks.size, 1);
  blocker.release();
  assert.equal(locks.size, 0);
});
