import { untilStarted, waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import { BoundedSemaphore, type Releaser, Semaphore } from "./semaphore.ts";
import { TimeoutError } from "./errors.ts";
import { IOLoop, VirtualIOLoop, type WaitOptions } from "./ioloop.ts";
import { fakeTimersLoop, LOOP_KINDS, type TestLoop } from "./_test_loops.ts";
import {
  assertNoTimers,
  assertRendered,
  runtimeTimers,
  stateOf,
  watchedSignal,
} from "./_test_util.ts";

const CLASSES = [Semaphore, BoundedSemaphore] as const;

/** A semaphore of one permit, taken, so that a release is always in bounds. */
function taken(
  Class: typeof Semaphore,
  options?: ConstructorParameters<typeof Semaphore>[1],
): Semaphore {
  const semaphore = new Class(1, options);
  semaphore.tryAcquire();
  return semaphore;
}

// ---------------------------------------------------------------------------
// The shared wait suite: acquire() and use(), on a semaphore whose one
// permit is taken, so that a release is always in bounds.

for (const Class of CLASSES) {
  const subject = {
    className: Class.name,
    make: (loop?: IOLoop) => taken(Class, { loop }),
    makeAvailable: (loop?: IOLoop) => new Class(1, { loop }),
    grant: (semaphore: Semaphore) => semaphore.release(),
    waiters: (semaphore: Semaphore) => semaphore.waiters,
    state: (semaphore: Semaphore) => [semaphore.value, semaphore.waiters],
    close: (semaphore: Semaphore, reason?: unknown) => semaphore.close(reason),
  };
  waitSuite(Deno.test, {
    ...subject,
    name: `${Class.name}.acquire()`,
    wait: (semaphore, options) => semaphore.acquire(options),
  });
  waitSuite(Deno.test, {
    ...subject,
    name: `${Class.name}.use()`,
    what: `${Class.name}.acquire()`,
    wait: (semaphore, options) =>
      untilStarted((fn) => semaphore.use(fn, options)),
  });
}

/** Every way API.md gives to say "already passed", as options for a wait. */
function alreadyPassed(t: TestLoop): [string, WaitOptions][] {
  const now = t.loop.time();
  return [
    ["timeout: 0", { timeout: 0 }],
    ["timeout: -5", { timeout: -5 }],
    ["timeout: -Infinity", { timeout: -Infinity }],
    ["timeout: { milliseconds: 0 }", { timeout: { milliseconds: 0 } }],
    ["timeout: { seconds: -1 }", { timeout: { seconds: -1 } }],
    ["deadline: loop.time()", { deadline: now }],
    ["deadline: loop.time() - 1", { deadline: now - 1 }],
    ["deadline: { milliseconds: 0 }", { deadline: { milliseconds: 0 } }],
    ["deadline: { minutes: -1 }", { deadline: { minutes: -1 } }],
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
  ["number options", 5, TypeError, "options"],
  ["string options", "soon", TypeError, "options"],
  ["a NaN deadline", { deadline: NaN }, RangeError, "options.deadline"],
  ["a NaN timeout", { timeout: NaN }, RangeError, "options.timeout"],
  ["a string timeout", { timeout: "5" }, TypeError, "options.timeout"],
  ["a string deadline", { deadline: "5" }, TypeError, "options.deadline"],
  ["a null deadline", { deadline: null }, TypeError, "options.deadline"],
  [
    "a calendar field in a timeout",
    { timeout: { years: 1 } },
    RangeError,
    "options.timeout.years",
  ],
  [
    "a calendar field in a deadline",
    { deadline: { months: 1 } },
    RangeError,
    "options.deadline.months",
  ],
  [
    "a weeks field",
    { timeout: { weeks: 2 } },
    RangeError,
    "options.timeout.weeks",
  ],
  [
    "an infinite duration field",
    { timeout: { seconds: Infinity } },
    RangeError,
    "options.timeout.seconds",
  ],
  [
    "a NaN duration field",
    { deadline: { milliseconds: NaN } },
    RangeError,
    "options.deadline.milliseconds",
  ],
  [
    "a null duration field",
    { timeout: { seconds: null } },
    TypeError,
    "options.timeout.seconds",
  ],
  [
    "a string duration field, before the calendar rule",
    { timeout: { seconds: "1", years: 1 } },
    TypeError,
    "options.timeout.seconds",
  ],
  [
    "a signal that is not an AbortSignal",
    { signal: { aborted: true } },
    TypeError,
    "options.signal",
  ],
  ["a null signal", { signal: null }, TypeError, "options.signal"],
];

// ---------------------------------------------------------------------------
// Constructors

for (const Class of CLASSES) {
  const name = Class.name;

  Deno.test(`new ${name}() has one permit by default`, () => {
    assert.equal(new Class().value, 1);
    assert.equal(new Class(undefined).value, 1);
    assert.equal(new Class(undefined, {}).value, 1);
  });

  Deno.test(`new ${name}() takes any non-negative safe integer`, () => {
    for (const value of [0, 1, 7, Number.MAX_SAFE_INTEGER]) {
      const semaphore = new Class(value);
      assert.equal(semaphore.value, value);
      assert.equal(semaphore.waiters, 0);
    }
    assert.ok(Object.is(new Class(-0).value, 0));
  });

  Deno.test(`new ${name}() throws TypeError for a value that is not a number`, () => {
    for (const value of ["1", null, 1n, true, {}, [1]]) {
      assert.throws(
        // @ts-expect-error: not a number
        () => new Class(value),
        (error) =>
          error instanceof TypeError &&
          error.message.startsWith(
            `Cannot create ${name} as 'value' must be a number: current value is `,
          ),
      );
    }
  });

  Deno.test(`new ${name}() throws RangeError for a value that is not a non-negative safe integer`, () => {
    assert.throws(() => new Class(-1), {
      name: "RangeError",
      message:
        `Cannot create ${name} as 'value' must be a non-negative integer: current value is -1`,
    });
    for (
      const value of [
        -1,
        1.5,
        NaN,
        Infinity,
        -Infinity,
        Number.MAX_SAFE_INTEGER + 1,
        2 ** 60,
      ]
    ) {
      assert.throws(
        () => new Class(value),
        (error) =>
          error instanceof RangeError &&
          error.message ===
            `Cannot create ${name} as 'value' must be a non-negative integer: current value is ${value}`,
      );
    }
  });

  Deno.test(`new ${name}() throws TypeError for bad options or options.loop`, () => {
    for (
      const options of [null, 5, "loop", { loop: {} }, { loop: 5 }, {
        loop: null,
      }, { loop: Date }]
    ) {
      assert.throws(
        // @ts-expect-error: bad options
        () => new Class(1, options),
        (error) =>
          error instanceof TypeError &&
          error.message.startsWith(`Cannot create ${name} as 'options`),
      );
    }
    assert.equal(new Class(2, { loop: undefined }).value, 2);
    assert.equal(new Class(2, { loop: new VirtualIOLoop() }).value, 2);
  });
}

Deno.test("Semaphore.release() throws RangeError rather than pass Number.MAX_SAFE_INTEGER", () => {
  const semaphore = new Semaphore(Number.MAX_SAFE_INTEGER);
  assert.throws(() => semaphore.release(), RangeError);
  assert.equal(semaphore.value, Number.MAX_SAFE_INTEGER);
});

Deno.test("Semaphore.release() adds a permit when no one waits, above the initial value too", () => {
  const semaphore = new Semaphore(0);
  semaphore.release();
  assert.equal(semaphore.value, 1);
  semaphore.release();
  semaphore.release();
  assert.equal(semaphore.value, 3);
});

// ---------------------------------------------------------------------------
// Behaviour, on both loops

for (const kind of LOOP_KINDS) {
  for (const Class of CLASSES) {
    const name = Class.name;
    const prefix = `${kind.name}: ${name}`;

    Deno.test(`${prefix}.acquire() takes a free permit and resolves with a Releaser`, async () => {
      using _t = kind.create();
      const semaphore = new Class(2);
      const releaser = await semaphore.acquire();
      assert.equal(typeof releaser.release, "function");
      assert.equal(typeof releaser[Symbol.dispose], "function");
      assert.equal(semaphore.value, 1);
      await semaphore.acquire({});
      assert.equal(semaphore.value, 0);
      assert.equal(semaphore.waiters, 0);
    });

    Deno.test(`${prefix}.acquire() waits while no permit is free`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const waiting = semaphore.acquire();
      assert.equal(semaphore.waiters, 1);
      await t.advance(1_000_000);
      assert.equal(await stateOf(waiting), "pending");
      assertNoTimers(t);
      held.release();
      assert.equal(semaphore.waiters, 0);
      (await waiting).release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.tryAcquire() takes a free permit, and returns undefined when there is none`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      const releaser = semaphore.tryAcquire();
      assert.ok(releaser);
      assert.equal(semaphore.value, 0);
      assert.equal(semaphore.tryAcquire(), undefined);
      assert.equal(semaphore.value, 0);
      assert.equal(semaphore.waiters, 0);
      releaser.release();
      assert.equal(semaphore.value, 1);
      assert.ok(semaphore.tryAcquire());
      await Promise.resolve();
    });

    Deno.test(`${prefix}.release() hands the permit straight to the first waiter (no barging)`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const first = semaphore.acquire();
      held.release();
      assert.equal(semaphore.value, 0);
      assert.equal(semaphore.waiters, 0);
      assert.equal(semaphore.tryAcquire(), undefined);
      const newcomer = semaphore.acquire();
      assert.equal(semaphore.waiters, 1);
      await t.settle();
      assert.equal(await stateOf(first), "fulfilled");
      assert.equal(await stateOf(newcomer), "pending");
      (await first).release();
      assert.equal(semaphore.value, 0);
      (await newcomer).release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.release() serves waiters strictly first in, first out`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const order: number[] = [];
      const releasers: Releaser[] = [];
      for (let i = 0; i < 5; i++) {
        semaphore.acquire().then((releaser) => {
          order.push(i);
          releasers.push(releaser);
        });
      }
      assert.equal(semaphore.waiters, 5);
      held.release();
      for (let i = 0; i < 5; i++) {
        await t.settle();
        assert.deepEqual(order, [0, 1, 2, 3, 4].slice(0, i + 1));
        assert.equal(semaphore.waiters, 4 - i);
        releasers[i].release();
      }
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.release() wakes waiters in the order they started waiting, whatever options each passed`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      semaphore.tryAcquire();
      const order: string[] = [];
      const controller = new AbortController();
      const now = t.loop.time();
      const waits: [string, WaitOptions | undefined][] = [
        ["plain", undefined],
        ["timeout", { timeout: 1000 }],
        ["signal", { signal: controller.signal }],
        ["deadline", { deadline: now + 500 }],
        ["empty", {}],
        ["infinite", { timeout: Infinity }],
        ["duration", { deadline: { seconds: 2 } }],
        ["everything", {
          timeout: 800,
          deadline: now + 900,
          signal: controller.signal,
        }],
      ];
      const done = waits.map(async ([label, options]) => {
        await semaphore.acquire(options);
        order.push(label);
      });
      done.push(
        semaphore.use(() => {
          order.push("use");
        }, { timeout: 700 }),
      );
      assert.equal(semaphore.waiters, waits.length + 1);
      for (let i = 0; i <= waits.length; i++) semaphore.release();
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
      await Promise.all(done);
      assert.deepEqual(order, [...waits.map(([label]) => label), "use"]);
    });

    Deno.test(`${prefix}.release() returns before the woken function resumes, waiters already decremented`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      let resumed = 0;
      const waiting = [
        semaphore.acquire().then(() => resumed++),
        semaphore.acquire({ timeout: 100 }).then(() => resumed++),
      ];
      assert.equal(semaphore.waiters, 2);
      held.release();
      assert.equal(resumed, 0);
      assert.equal(semaphore.waiters, 1);
      assert.equal(String(semaphore), `<${name} [locked,waiters:1]>`);
      await t.settle();
      assert.equal(resumed, 1);
      semaphore.release();
      assert.equal(resumed, 1);
      assert.equal(semaphore.waiters, 0);
      await Promise.all(waiting);
      assert.equal(resumed, 2);
    });

    Deno.test(`${prefix}.waiters counts live waiters`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      assert.equal(semaphore.waiters, 0);
      semaphore.tryAcquire();
      const controller = new AbortController();
      const plain = semaphore.acquire();
      const timed = assert.rejects(
        semaphore.acquire({ timeout: 10 }),
        TimeoutError,
      );
      const aborted = assert.rejects(
        semaphore.acquire({ signal: controller.signal }),
      );
      assert.equal(semaphore.waiters, 3);
      controller.abort();
      assert.equal(semaphore.waiters, 2);
      await t.advance(10);
      await timed;
      await aborted;
      assert.equal(semaphore.waiters, 1);
      semaphore.release();
      assert.equal(semaphore.waiters, 0);
      await plain;
    });

    // use() -----------------------------------------------------------------

    Deno.test(`${prefix}.use() resolves with what a synchronous fn returns, and releases`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      let during = -1;
      const result = await semaphore.use(() => {
        during = semaphore.value;
        return 42;
      });
      assert.equal(result, 42);
      assert.equal(during, 0);
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.use() resolves with what an async fn resolves with, and releases after it settles`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      let finish!: (value: string) => void;
      const using = semaphore.use(() =>
        new Promise<string>((resolve) => finish = resolve)
      );
      await t.settle();
      assert.equal(semaphore.value, 0);
      finish("done");
      assert.equal(await using, "done");
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.use() releases when fn throws synchronously`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      const error = new Error("boom");
      await assert.rejects(
        semaphore.use(() => {
          throw error;
        }),
        (e) => e === error,
      );
      assert.equal(semaphore.value, 1);
      assert.equal(semaphore.waiters, 0);
    });

    Deno.test(`${prefix}.use() releases when fn rejects`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      const error = new Error("boom");
      await assert.rejects(
        semaphore.use(() => Promise.reject(error)),
        (e) => e === error,
      );
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.use() passes the permit to the next waiter when fn ends`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const order: string[] = [];
      const first = semaphore.use(async () => {
        order.push("first in");
        await t.advance(5);
        order.push("first out");
      });
      const second = semaphore.use(() => {
        order.push("second");
      });
      await Promise.all([first, second]);
      assert.deepEqual(order, ["first in", "first out", "second"]);
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.use() waits with options as acquire() does, and does not call fn on timeout`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      let called = false;
      const using = assert.rejects(
        semaphore.use(() => called = true, { timeout: 30 }),
        { name: "TimeoutError", message: `${name}.acquire() timed out` },
      );
      assert.equal(semaphore.waiters, 1);
      await t.advance(30);
      await using;
      assert.equal(called, false);
      assert.equal(semaphore.waiters, 0);
      held.release();
      assert.equal(semaphore.value, 1);
      const controller = new AbortController();
      const reason = new Error("stop");
      semaphore.tryAcquire();
      const aborted = assert.rejects(
        semaphore.use(() => called = true, { signal: controller.signal }),
        (e) => e === reason,
      );
      controller.abort(reason);
      await aborted;
      assert.equal(called, false);
      assert.equal(semaphore.value, 0);
    });

    Deno.test(`${prefix}.use() rejects with TypeError for a fn that is not a function, taking nothing`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      for (const fn of [undefined, null, 42, "fn", {}]) {
        let promise!: Promise<unknown>;
        // @ts-expect-error: not a function
        assert.doesNotThrow(() => promise = semaphore.use(fn));
        await assert.rejects(
          promise,
          (error) =>
            error instanceof TypeError &&
            error.message.startsWith(
              `Cannot call ${name}.use() as 'fn' must be a function`,
            ),
        );
        assert.equal(semaphore.value, 1);
        assert.equal(semaphore.waiters, 0);
      }
      semaphore.tryAcquire();
      // @ts-expect-error: not a function
      await assert.rejects(semaphore.use(7, { timeout: 5 }), TypeError);
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
    });

    // Releaser --------------------------------------------------------------

    Deno.test(`${prefix}'s Releaser.release() releases once, and a second call does nothing`, async () => {
      using _t = kind.create();
      const semaphore = new Class(2);
      const a = await semaphore.acquire();
      const b = await semaphore.acquire();
      assert.equal(semaphore.value, 0);
      a.release();
      assert.equal(semaphore.value, 1);
      a.release();
      a[Symbol.dispose]();
      assert.equal(semaphore.value, 1);
      b[Symbol.dispose]();
      assert.equal(semaphore.value, 2);
      b.release();
      assert.equal(semaphore.value, 2);
    });

    Deno.test(`${prefix}'s Releaser[Symbol.dispose]() releases once`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      const releaser = semaphore.tryAcquire()!;
      releaser[Symbol.dispose]();
      assert.equal(semaphore.value, 1);
      const again = semaphore.tryAcquire()!;
      releaser[Symbol.dispose]();
      releaser.release();
      assert.equal(semaphore.value, 0);
      again.release();
      assert.equal(semaphore.value, 1);
      await Promise.resolve();
    });

    Deno.test(`${prefix}: using _ = await acquire() releases at the end of the block`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      {
        using _held = await semaphore.acquire();
        assert.equal(semaphore.value, 0);
      }
      assert.equal(semaphore.value, 1);
      try {
        using _held = await semaphore.acquire();
        throw new Error("leaving");
      } catch {
        // The block ended by throwing.
      }
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}'s Releaser of a granted waiter releases to the next waiter`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const first = semaphore.acquire({ timeout: 100 });
      const second = semaphore.acquire();
      held.release();
      const releaser = await first;
      releaser.release();
      releaser.release();
      assert.equal(semaphore.value, 0);
      assert.equal(semaphore.waiters, 0);
      await t.advance(100);
      (await second).release();
      assert.equal(semaphore.value, 1);
    });

    // Waiting options -------------------------------------------------------

    Deno.test(`${prefix}.acquire() rejects with TimeoutError past the deadline`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const waiting = semaphore.acquire({ deadline: t.loop.time() + 50 });
      const check = assert.rejects(waiting, (error) => {
        assert.ok(error instanceof TimeoutError);
        assert.ok(error instanceof Error);
        assert.equal(error.name, "TimeoutError");
        assert.equal(error.message, `${name}.acquire() timed out`);
        return true;
      });
      await t.advance(49);
      assert.equal(await stateOf(waiting), "pending");
      assert.equal(semaphore.waiters, 1);
      await t.advance(1);
      await check;
      assert.equal(semaphore.waiters, 0);
      assert.equal(semaphore.value, 0);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.acquire() rejects each waiter that times out with its own TimeoutError`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const errors: unknown[] = [];
      const waits = [
        semaphore.acquire({ timeout: 5 }).catch((e) => errors.push(e)),
        semaphore.acquire({ timeout: 5 }).catch((e) => errors.push(e)),
        semaphore.acquire({ timeout: 0 }).catch((e) => errors.push(e)),
      ];
      await t.advance(5);
      await Promise.all(waits);
      assert.equal(errors.length, 3);
      assert.equal(new Set(errors).size, 3);
      for (const error of errors) assert.ok(error instanceof TimeoutError);
    });

    Deno.test(`${prefix}.acquire() takes a DurationLike deadline as relative to now`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const waiting = semaphore.acquire({
        deadline: { seconds: 1, milliseconds: 500 },
      });
      const check = assert.rejects(waiting, TimeoutError);
      await t.advance(1499);
      assert.equal(await stateOf(waiting), "pending");
      await t.advance(1);
      await check;
    });

    Deno.test(`${prefix}.acquire() rejects with TimeoutError after a timeout in milliseconds`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const waiting = semaphore.acquire({ timeout: 20 });
      const check = assert.rejects(waiting, {
        name: "TimeoutError",
        message: `${name}.acquire() timed out`,
      });
      await t.advance(19);
      assert.equal(await stateOf(waiting), "pending");
      await t.advance(1);
      await check;
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.acquire() takes a DurationLike timeout`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const waiting = semaphore.acquire({
        timeout: { minutes: 1, seconds: undefined, microseconds: 1000 },
      });
      const check = assert.rejects(waiting, TimeoutError);
      await t.advance(60_000);
      assert.equal(await stateOf(waiting), "pending");
      await t.advance(1);
      await check;
    });

    Deno.test(`${prefix}.acquire() applies the earlier of deadline and timeout`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const now = t.loop.time();
      const timeoutFirst = semaphore.acquire({
        deadline: now + 100,
        timeout: 40,
      });
      const deadlineFirst = semaphore.acquire({
        deadline: now + 60,
        timeout: 100,
      });
      const checks = [
        assert.rejects(timeoutFirst, TimeoutError),
        assert.rejects(deadlineFirst, TimeoutError),
      ];
      await t.advance(39);
      assert.equal(await stateOf(timeoutFirst), "pending");
      await t.advance(1);
      assert.equal(await stateOf(timeoutFirst), "rejected");
      await t.advance(19);
      assert.equal(await stateOf(deadlineFirst), "pending");
      await t.advance(1);
      await Promise.all(checks);
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.acquire() arms no timer for an Infinity timeout or deadline`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const waits = [
        semaphore.acquire({ timeout: Infinity }),
        semaphore.acquire({ deadline: Infinity }),
        semaphore.acquire({ timeout: Infinity, deadline: Infinity }),
      ];
      assert.equal(semaphore.waiters, 3);
      assertNoTimers(t);
      await t.advance(10_000_000);
      for (const waiting of waits) {
        assert.equal(await stateOf(waiting), "pending");
      }
      semaphore.release();
      semaphore.release();
      semaphore.release();
      await Promise.all(waits);
      assert.equal(semaphore.value, 0);
    });

    Deno.test(`${prefix}.acquire() with a deadline already passed succeeds at once when a permit is free`, async () => {
      using t = kind.create();
      for (const [label, options] of alreadyPassed(t)) {
        const semaphore = new Class(1);
        const waiting = semaphore.acquire(options);
        assert.equal(semaphore.value, 0, label);
        assert.equal(semaphore.waiters, 0, label);
        assertNoTimers(t, label);
        assert.equal(await stateOf(waiting), "fulfilled", label);
        (await waiting).release();
        assert.equal(semaphore.value, 1, label);
      }
    });

    Deno.test(`${prefix}.acquire() with a deadline already passed rejects at once when no permit is free`, async () => {
      using t = kind.create();
      for (const [label, options] of alreadyPassed(t)) {
        const semaphore = taken(Class);
        const waiting = semaphore.acquire(options);
        assert.equal(semaphore.waiters, 0, label);
        assertNoTimers(t, label);
        assert.equal(await stateOf(waiting), "rejected", label);
        await assert.rejects(waiting, {
          name: "TimeoutError",
          message: `${name}.acquire() timed out`,
        });
        semaphore.release();
        assert.equal(semaphore.value, 1, label);
      }
    });

    Deno.test(`${prefix}.acquire() rejects with signal.reason when the signal aborts`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const controller = new AbortController();
      const reason = new Error("no longer needed");
      const waiting = semaphore.acquire({
        signal: controller.signal,
        timeout: 1000,
      });
      const check = assert.rejects(waiting, (e) => e === reason);
      assert.equal(semaphore.waiters, 1);
      assert.equal(t.loop.pendingTimers, 1);
      controller.abort(reason);
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
      await check;
      semaphore.release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() rejects with the default abort reason`, async () => {
      using _t = kind.create();
      const semaphore = taken(Class);
      const controller = new AbortController();
      const waiting = semaphore.acquire({ signal: controller.signal });
      const check = assert.rejects(
        waiting,
        (e) => e === controller.signal.reason,
      );
      controller.abort();
      await check;
      assert.equal(
        (controller.signal.reason as { name: string }).name,
        "AbortError",
      );
    });

    Deno.test(`${prefix}.acquire() with an already-aborted signal rejects at once and takes nothing, even when a permit is free`, async () => {
      using t = kind.create();
      for (const value of [1, 0]) {
        const semaphore = value === 1 ? new Class(1) : taken(Class);
        const reason = new Error("aborted before");
        const waiting = semaphore.acquire({
          signal: AbortSignal.abort(reason),
          timeout: 100,
        });
        assert.equal(semaphore.value, value);
        assert.equal(semaphore.waiters, 0);
        assertNoTimers(t);
        assert.equal(await stateOf(waiting), "rejected");
        await assert.rejects(waiting, (e) => e === reason);
        const alsoPassed = semaphore.acquire({
          signal: AbortSignal.abort(reason),
          timeout: 0,
        });
        await assert.rejects(alsoPassed, (e) => e === reason);
        assert.equal(semaphore.value, value);
      }
    });

    Deno.test(`${prefix}.acquire() ignores an abort after the grant: the waiter owns the permit`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const controller = new AbortController();
      const waiting = semaphore.acquire({
        signal: controller.signal,
        timeout: 50,
      });
      held.release();
      controller.abort(new Error("too late"));
      const releaser = await waiting;
      assert.equal(semaphore.value, 0);
      assertNoTimers(t);
      await t.advance(50);
      assert.equal(semaphore.value, 0);
      releaser.release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() ignores an abort of a signal that granted earlier waits`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      const controller = new AbortController();
      const releaser = await semaphore.acquire({ signal: controller.signal });
      controller.abort();
      assert.equal(semaphore.value, 0);
      releaser.release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() that times out leaves the queue and never takes a permit: the next release goes to the next waiter`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const order: string[] = [];
      const timed = assert.rejects(
        semaphore.acquire({ timeout: 10 }),
        TimeoutError,
      );
      const plain = semaphore.acquire().then((releaser) => {
        order.push("plain");
        return releaser;
      });
      await t.advance(10);
      await timed;
      assert.equal(semaphore.waiters, 1);
      held.release();
      assert.equal(semaphore.waiters, 0);
      assert.equal(semaphore.value, 0);
      (await plain).release();
      assert.deepEqual(order, ["plain"]);
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() that is aborted leaves the queue at once, from the middle, and never takes a permit`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const order: number[] = [];
      const controller = new AbortController();
      const waits = [0, 1, 2].map((i) =>
        semaphore.acquire(
          i === 1 ? { signal: controller.signal, timeout: 100 } : undefined,
        ).then((releaser) => {
          order.push(i);
          return releaser;
        })
      );
      const aborted = assert.rejects(waits[1]);
      controller.abort();
      assert.equal(semaphore.waiters, 2);
      assertNoTimers(t);
      await aborted;
      held.release();
      (await waits[0]).release();
      (await waits[2]).release();
      assert.deepEqual(order, [0, 2]);
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() with no one left after a timeout gives the release to the counter`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const timed = assert.rejects(
        semaphore.acquire({ timeout: 5 }),
        TimeoutError,
      );
      await t.advance(5);
      await timed;
      held.release();
      assert.equal(semaphore.value, 1);
      assert.equal(semaphore.waiters, 0);
    });

    Deno.test(`${prefix}.acquire() settles once when a release comes first in the same turn as the timeout`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const deadline = t.loop.time() + 10;
      // Added first, so it runs first at the shared deadline.
      t.loop.addTimeout(deadline, () => held.release());
      const waiting = semaphore.acquire({ deadline });
      await t.advance(10);
      const releaser = await waiting;
      assert.equal(semaphore.value, 0);
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
      releaser.release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() settles once when the timeout comes first in the same turn as a release`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const held = semaphore.tryAcquire()!;
      const deadline = t.loop.time() + 10;
      const waiting = semaphore.acquire({ deadline });
      const check = assert.rejects(waiting, TimeoutError);
      t.loop.addTimeout(deadline, () => held.release());
      await t.advance(10);
      await check;
      assert.equal(semaphore.value, 1);
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.acquire() settles once when an abort races a release`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      semaphore.tryAcquire();
      // Release first, then abort: the waiter keeps the permit.
      const first = new AbortController();
      const granted = semaphore.acquire({ signal: first.signal });
      semaphore.release();
      first.abort();
      const releaser = await granted;
      assert.equal(semaphore.value, 0);
      // Abort first, then release: the permit goes to the counter.
      const second = new AbortController();
      const reason = new Error("gone");
      const aborted = semaphore.acquire({
        signal: second.signal,
        timeout: 10,
      });
      const check = assert.rejects(aborted, (e) => e === reason);
      second.abort(reason);
      releaser.release();
      await check;
      assert.equal(semaphore.value, 1);
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.acquire() removes its abort listener when granted or timed out`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const { signal, listeners } = watchedSignal();
      const granted = semaphore.acquire({ signal });
      assert.equal(listeners.size, 1);
      semaphore.release();
      assert.equal(listeners.size, 0);
      const releaser = await granted;
      const timed = semaphore.acquire({ signal, timeout: 5 });
      const check = assert.rejects(timed, TimeoutError);
      assert.equal(listeners.size, 1);
      await t.advance(5);
      await check;
      assert.equal(listeners.size, 0);
      releaser.release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() cancels its timer when granted`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const waiting = semaphore.acquire({ timeout: 100 });
      assert.equal(t.loop.pendingTimers, 1);
      assert.equal(runtimeTimers(), kind === fakeTimersLoop ? 1 : 0);
      semaphore.release();
      assertNoTimers(t);
      const releaser = await waiting;
      await t.advance(200);
      assert.equal(semaphore.value, 0);
      releaser.release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.acquire() without a loop option is timed to its end by the loop current when it starts`, async () => {
      const semaphore = taken(Class);
      using t = kind.create();
      const waiting = semaphore.acquire({ timeout: 10 });
      const check = assert.rejects(waiting, TimeoutError);
      const other = new VirtualIOLoop();
      IOLoop.setCurrent(other);
      try {
        assert.equal(t.loop.pendingTimers, 1);
        await other.advance(10);
        assert.equal(await stateOf(waiting), "pending");
        await t.advance(10);
        await check;
        const later = semaphore.acquire({ timeout: 5 });
        assert.equal(other.pendingTimers, 1);
        assertNoTimers(t);
        semaphore.release();
        (await later).release();
        assert.equal(other.pendingTimers, 0);
      } finally {
        IOLoop.setCurrent(t.loop);
      }
    });

    Deno.test(`${prefix}.acquire() rejects with the error an options getter throws, queueing nothing`, async () => {
      using t = kind.create();
      const semaphore = taken(Class);
      const error = new Error("getter");
      let waiting!: Promise<Releaser>;
      assert.doesNotThrow(() => {
        waiting = semaphore.acquire({
          get timeout(): number {
            throw error;
          },
        });
      });
      assert.equal(semaphore.waiters, 0);
      assertNoTimers(t);
      await assert.rejects(waiting, (e) => e === error);
      semaphore.release();
      assert.equal(semaphore.value, 1);
    });

    Deno.test(`${prefix}.use() ignores an abort while fn runs, and releases once`, async () => {
      using t = kind.create();
      const semaphore = new Class(1);
      const controller = new AbortController();
      const result = await semaphore.use(async () => {
        controller.abort();
        await t.advance(5);
        assert.equal(semaphore.value, 0);
        return "finished";
      }, { signal: controller.signal, timeout: 5 });
      assert.equal(result, "finished");
      assert.equal(semaphore.value, 1);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.acquire() times a wait with its own loop when given one`, async () => {
      using t = kind.create();
      const own = new VirtualIOLoop();
      const semaphore = taken(Class, { loop: own });
      const waiting = semaphore.acquire({ timeout: 10 });
      const check = assert.rejects(waiting, TimeoutError);
      assertNoTimers(t);
      assert.equal(own.pendingTimers, 1);
      await t.advance(100);
      assert.equal(await stateOf(waiting), "pending");
      await own.advance(10);
      await check;
      assert.equal(own.pendingTimers, 0);
    });

    for (const [label, options, ErrorClass, argument] of BAD_OPTIONS) {
      Deno.test(`${prefix}.acquire() rejects with ${ErrorClass.name} for ${label}, taking nothing`, async () => {
        using t = kind.create();
        for (const value of [1, 0]) {
          const semaphore = value === 1 ? new Class(1) : taken(Class);
          let waiting!: Promise<Releaser>;
          assert.doesNotThrow(() => {
            waiting = semaphore.acquire(options as WaitOptions);
          });
          assert.equal(semaphore.value, value);
          assert.equal(semaphore.waiters, 0);
          assertNoTimers(t);
          await assert.rejects(
            waiting,
            (error) =>
              error instanceof ErrorClass &&
              error.message.startsWith(
                `Cannot call ${name}.acquire() as '${argument}' must be `,
              ),
          );
          assert.equal(semaphore.value, value);
          assert.equal(semaphore.waiters, 0);
          // It still works.
          if (value === 0) semaphore.release();
          (await semaphore.acquire({ timeout: 10 })).release();
          assert.equal(semaphore.value, 1);
        }
      });
    }

    Deno.test(`${prefix}.use() rejects for bad options, taking nothing and not calling fn`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      let called = false;
      await assert.rejects(
        semaphore.use(() => called = true, { timeout: NaN }),
        RangeError,
      );
      await assert.rejects(
        // @ts-expect-error: not an AbortSignal
        semaphore.use(() => called = true, { signal: "stop" }),
        TypeError,
      );
      assert.equal(called, false);
      assert.equal(semaphore.value, 1);
      assert.equal(semaphore.waiters, 0);
    });

    Deno.test(`${prefix}.use() with an already-aborted signal rejects with its reason and does not call fn`, async () => {
      using _t = kind.create();
      const semaphore = new Class(1);
      const reason = new Error("aborted");
      let called = false;
      await assert.rejects(
        semaphore.use(() => called = true, {
          signal: AbortSignal.abort(reason),
        }),
        (e) => e === reason,
      );
      assert.equal(called, false);
      assert.equal(semaphore.value, 1);
    });
  }

  // BoundedSemaphore ----------------------------------------------------------

  Deno.test(`${kind.name}: BoundedSemaphore.release() throws RangeError above the initial value, changing nothing`, async () => {
    using t = kind.create();
    const semaphore = new BoundedSemaphore(2);
    assert.throws(
      () => semaphore.release(),
      (error) =>
        error instanceof RangeError &&
        error.message.startsWith("Cannot release BoundedSemaphore"),
    );
    assert.equal(semaphore.value, 2);
    assert.equal(semaphore.waiters, 0);
    const releaser = await semaphore.acquire();
    semaphore.release();
    assert.equal(semaphore.value, 2);
    assert.throws(() => semaphore.release(), RangeError);
    assert.equal(semaphore.value, 2);
    assert.throws(() => releaser.release(), RangeError);
    assert.equal(String(semaphore), "<BoundedSemaphore [unlocked,value:2]>");
    await t.settle();
  });

  Deno.test(`${kind.name}: BoundedSemaphore.release() checks the bound before looking at waiters`, async () => {
    using t = kind.create();
    assert.throws(() => new BoundedSemaphore(0).release(), RangeError);
    const semaphore = new BoundedSemaphore(0);
    const waiting = semaphore.acquire({ timeout: 10 });
    const check = assert.rejects(waiting, TimeoutError);
    assert.throws(() => semaphore.release(), RangeError);
    assert.equal(semaphore.waiters, 1);
    assert.equal(semaphore.value, 0);
    await t.advance(10);
    await check;
  });

  Deno.test(`${kind.name}: BoundedSemaphore's Releaser propagates an over-release and stays unused`, async () => {
    using _t = kind.create();
    const semaphore = new BoundedSemaphore(1);
    const releaser = await semaphore.acquire();
    semaphore.release();
    assert.equal(semaphore.value, 1);
    assert.throws(() => releaser.release(), RangeError);
    assert.throws(() => releaser[Symbol.dispose](), RangeError);
    assert.equal(semaphore.value, 1);
    // Unused still: once the permit is out again, a later call releases it.
    const other = semaphore.tryAcquire()!;
    assert.equal(semaphore.value, 0);
    releaser.release();
    assert.equal(semaphore.value, 1);
    releaser.release();
    assert.equal(semaphore.value, 1);
    assert.throws(() => other.release(), RangeError);
  });

  Deno.test(`${kind.name}: BoundedSemaphore's Releaser hands a permit to a waiter like release()`, async () => {
    using _t = kind.create();
    const semaphore = new BoundedSemaphore(1);
    const held = await semaphore.acquire();
    const waiting = semaphore.acquire();
    held.release();
    assert.equal(semaphore.value, 0);
    assert.throws(() => semaphore.tryAcquire()!.release());
    (await waiting).release();
    assert.equal(semaphore.value, 1);
  });
}

// Leaks -----------------------------------------------------------------------

const LEAK_COUNT = 100_000;
// Each signal is shared by waiters spread through the queue. Not more: every
// runtime's EventTarget adds and removes a listener in time linear in the
// listeners it has, and Node warns past ten listeners on one signal.
const WAITERS_PER_SIGNAL = 10;

for (const Class of CLASSES) {
  Deno.test(`VirtualIOLoop: ${Class.name}.acquire() leaves nothing behind after ${LEAK_COUNT} timeouts`, async () => {
    const loop = new VirtualIOLoop();
    const semaphore = taken(Class, { loop });
    let rejected = 0;
    for (let i = 0; i < LEAK_COUNT; i++) {
      semaphore.acquire({ timeout: 1 + (i % 3) }).catch((error) => {
        if (error instanceof TimeoutError) rejected++;
      });
    }
    assert.equal(semaphore.waiters, LEAK_COUNT);
    assert.equal(loop.pendingTimers, LEAK_COUNT);
    await loop.runUntilIdle();
    assert.equal(rejected, LEAK_COUNT);
    assert.equal(semaphore.waiters, 0);
    assert.equal(semaphore.value, 0);
    assert.equal(loop.pendingTimers, 0);
    semaphore.release();
    assert.equal(semaphore.value, 1);
  });

  Deno.test(`VirtualIOLoop: ${Class.name}.acquire() leaves nothing behind after ${LEAK_COUNT} aborts`, async () => {
    const loop = new VirtualIOLoop();
    const semaphore = taken(Class, { loop });
    const controllers = Array.from(
      { length: LEAK_COUNT / WAITERS_PER_SIGNAL },
      () => new AbortController(),
    );
    let rejected = 0;
    for (let i = 0; i < LEAK_COUNT; i++) {
      const { signal } = controllers[i % controllers.length];
      semaphore.acquire({ signal, timeout: 1000 }).catch((e) => {
        if (e === signal.reason) rejected++;
      });
    }
    assert.equal(semaphore.waiters, LEAK_COUNT);
    assert.equal(loop.pendingTimers, LEAK_COUNT);
    for (const controller of controllers) controller.abort();
    assert.equal(semaphore.waiters, 0);
    assert.equal(loop.pendingTimers, 0);
    await loop.advance(0);
    assert.equal(rejected, LEAK_COUNT);
    assert.equal(semaphore.value, 0);
    semaphore.release();
    assert.equal(semaphore.value, 1);
  });
}

// Inspection ------------------------------------------------------------------

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Semaphore renders as <Semaphore [unlocked,value:N]>, [locked] and [locked,waiters:N] everywhere`, async () => {
    using _t = kind.create();
    assertRendered(new Semaphore(), "<Semaphore [unlocked,value:1]>");
    const semaphore = new Semaphore(2);
    assertRendered(semaphore, "<Semaphore [unlocked,value:2]>");
    semaphore.tryAcquire();
    assertRendered(semaphore, "<Semaphore [unlocked,value:1]>");
    semaphore.tryAcquire();
    assertRendered(semaphore, "<Semaphore [locked]>");
    const waits = [
      semaphore.acquire(),
      semaphore.acquire({ timeout: 5 }),
      semaphore.acquire({ signal: new AbortController().signal }),
    ];
    assertRendered(semaphore, "<Semaphore [locked,waiters:3]>");
    semaphore.release();
    assertRendered(semaphore, "<Semaphore [locked,waiters:2]>");
    semaphore.release();
    semaphore.release();
    assertRendered(semaphore, "<Semaphore [locked]>");
    await Promise.all(waits);
    semaphore.release();
    assertRendered(semaphore, "<Semaphore [unlocked,value:1]>");
  });

  Deno.test(`${kind.name}: BoundedSemaphore renders as <BoundedSemaphore [...]> everywhere`, async () => {
    using _t = kind.create();
    const semaphore = new BoundedSemaphore(2);
    assertRendered(semaphore, "<BoundedSemaphore [unlocked,value:2]>");
    semaphore.tryAcquire();
    semaphore.tryAcquire();
    assertRendered(semaphore, "<BoundedSemaphore [locked]>");
    const waiting = semaphore.acquire();
    assertRendered(semaphore, "<BoundedSemaphore [locked,waiters:1]>");
    semaphore.release();
    (await waiting).release();
    assertRendered(semaphore, "<BoundedSemaphore [unlocked,value:1]>");
  });
}
