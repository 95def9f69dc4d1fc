import assert from "node:assert/strict";
import {
  type AcquireOptions,
  BoundedSemaphore,
  Semaphore,
} from "./semaphore.ts";
import { ClosedError, TimeoutError } from "./errors.ts";
import { type IOLoop, VirtualIOLoop } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import {
  assertNoTimers,
  assertRendered,
  error,
  microtasks,
  stateOf,
  watchedSignal,
} from "./_test_util.ts";
import { untilStarted, waitSuite } from "./_test_wait_suite.ts";

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
    leakCount: 10_000,
    wait: (semaphore, options) =>
      untilStarted((fn) => semaphore.use(fn, options)),
  });
}

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

// ---------------------------------------------------------------------------
// Weighted permits

/** Starts an acquire of `permits`, logging `name` when it is granted. */
function follow(
  semaphore: Semaphore,
  log: string[],
  name: string,
  options: AcquireOptions,
) {
  const waiting = semaphore.acquire(options);
  waiting.then(() => log.push(name), (e) => log.push(`${name}: ${e}`));
  return waiting;
}

for (const Class of CLASSES) {
  const name = Class.name;

  Deno.test(`${name}.acquire({ permits }) takes them all at once, and its Releaser gives back exactly as many, once`, async () => {
    const semaphore = new Class(5);
    const three = await semaphore.acquire({ permits: 3 });
    assert.equal(semaphore.value, 2);
    const two = semaphore.tryAcquire(2)!;
    assert.equal(semaphore.value, 0);
    three.release();
    assert.equal(semaphore.value, 3);
    three.release();
    three[Symbol.dispose]();
    assert.equal(semaphore.value, 3);
    two[Symbol.dispose]();
    assert.equal(semaphore.value, 5);
    let during = -1;
    const result = await semaphore.use(() => {
      during = semaphore.value;
      return "used";
    }, { permits: 4 });
    assert.equal(result, "used");
    assert.equal(during, 1);
    assert.equal(semaphore.value, 5);
    // `permits: undefined` and 1 are the default.
    (await semaphore.acquire({ permits: undefined })).release();
    (await semaphore.acquire({ permits: 1 })).release();
    assert.equal(semaphore.value, 5);
  });

  Deno.test(`${name}.acquire({ permits }) takes all or nothing`, async () => {
    const semaphore = new Class(2);
    const log: string[] = [];
    const waiting = follow(semaphore, log, "three", { permits: 3 });
    // Two are free, but none is taken while three are asked for.
    assert.equal(semaphore.value, 2);
    assert.equal(semaphore.waiters, 1);
    assert.equal(semaphore.tryAcquire(3), undefined);
    assert.equal(semaphore.value, 2);
    if (semaphore instanceof BoundedSemaphore) semaphore.capacity = 3;
    else semaphore.release();
    assert.equal(semaphore.waiters, 0);
    assert.equal(semaphore.value, 0);
    (await waiting).release();
    assert.deepEqual(log, ["three"]);
    assert.equal(semaphore.value, 3);
  });

  Deno.test(`${name}: a waiter at the head that needs more than are free holds back everyone behind it`, async () => {
    const semaphore = new Class(5);
    const held = semaphore.tryAcquire(2)!;
    const log: string[] = [];
    const five = follow(semaphore, log, "five", { permits: 5 });
    const one = follow(semaphore, log, "one", {});
    await microtasks();
    // Three are free, yet the one behind the head waits, and so does
    // every tryAcquire.
    assert.deepEqual(log, []);
    assert.equal(semaphore.value, 3);
    assert.equal(semaphore.waiters, 2);
    assert.equal(semaphore.tryAcquire(), undefined);
    assert.equal(semaphore.tryAcquire(1), undefined);
    assert.equal(String(semaphore), `<${name} [unlocked,value:3,waiters:2]>`);
    held.release();
    assert.equal(semaphore.waiters, 1);
    assert.equal(semaphore.value, 0);
    await microtasks();
    assert.deepEqual(log, ["five"]);
    (await five).release();
    assert.equal(semaphore.waiters, 0);
    (await one).release();
    assert.deepEqual(log, ["five", "one"]);
    assert.equal(semaphore.value, 5);
  });

  Deno.test(`${name}.release(n) serves the head, then the next, for as long as the permits cover each`, async () => {
    const semaphore = new Class(7);
    semaphore.tryAcquire(7);
    const log: string[] = [];
    const waits = [
      follow(semaphore, log, "two", { permits: 2 }),
      follow(semaphore, log, "one", {}),
      follow(semaphore, log, "three", { permits: 3 }),
      follow(semaphore, log, "one more", { timeout: 100 }),
    ];
    semaphore.release(4);
    // Two, then one; three is not covered by the one left, and holds the
    // rest back.
    assert.equal(semaphore.waiters, 2);
    assert.equal(semaphore.value, 1);
    await microtasks();
    assert.deepEqual(log, ["two", "one"]);
    semaphore.release(3);
    assert.equal(semaphore.waiters, 0);
    assert.equal(semaphore.value, 0);
    await Promise.all(waits);
    assert.deepEqual(log, ["two", "one", "three", "one more"]);
    for (const waiting of waits) (await waiting).release();
    assert.equal(semaphore.value, 7);
  });

  Deno.test(`${name}: a weighted Releaser whose release throws stays unused`, async () => {
    const semaphore = new Class(3);
    const two = semaphore.tryAcquire(2)!;
    if (semaphore instanceof BoundedSemaphore) {
      // Its two permits given back by hand: the releaser's would pass the
      // bound, so it throws and stays unused.
      semaphore.release(2);
      assert.throws(() => two.release(), RangeError);
      assert.equal(semaphore.value, 3);
      semaphore.tryAcquire(3);
      two.release();
      assert.equal(semaphore.value, 2);
      two.release();
      assert.equal(semaphore.value, 2);
    } else {
      two.release();
      assert.equal(semaphore.value, 3);
    }
    await microtasks();
  });

  for (const kind of LOOP_KINDS) {
    Deno.test(`${kind.name}: ${name}: when a head that is held back times out, the next is served at once`, async () => {
      using t = kind.create();
      const semaphore = new Class(5);
      semaphore.tryAcquire(2);
      const log: string[] = [];
      const five = follow(semaphore, log, "five", { permits: 5, timeout: 10 });
      const behind = [
        follow(semaphore, log, "one", {}),
        follow(semaphore, log, "two", { permits: 2, timeout: 100 }),
        follow(semaphore, log, "one more", {}),
      ];
      await t.advance(9);
      assert.deepEqual(log, []);
      await t.advance(1);
      // The one and the two fit in the three free; the last waits.
      assert.deepEqual(log, [
        `five: TimeoutError: ${name}.acquire() timed out`,
        "one",
        "two",
      ]);
      assert.equal(semaphore.waiters, 1);
      assert.equal(semaphore.value, 0);
      assertNoTimers(t);
      (await behind[0]).release();
      assert.equal(semaphore.waiters, 0);
      await Promise.all(behind);
      await assert.rejects(five, TimeoutError);
    });

    Deno.test(`${kind.name}: ${name}: when a head that is held back is aborted, the next is served at once`, async () => {
      using t = kind.create();
      const semaphore = new Class(5);
      semaphore.tryAcquire(2);
      const log: string[] = [];
      const controller = new AbortController();
      follow(semaphore, log, "five", {
        permits: 5,
        signal: controller.signal,
        timeout: 100,
      });
      const one = follow(semaphore, log, "one", { timeout: 100 });
      controller.abort("gone");
      // Served within abort(): the line is empty when it returns.
      assert.equal(semaphore.waiters, 0);
      assert.equal(semaphore.value, 2);
      assertNoTimers(t);
      await microtasks();
      assert.deepEqual(log, ["five: gone", "one"]);
      (await one).release();
      assert.equal(semaphore.value, 3);
    });

    Deno.test(`${kind.name}: ${name}: an abort that lets waiters sharing its signal in rejects every other one`, async () => {
      using t = kind.create();
      const semaphore = new Class(3);
      const log: string[] = [];
      const { controller, signal, live } = watchedSignal();
      follow(semaphore, log, "A", { permits: 5, signal });
      // A's leaving lets X in, which shares the signal, while B holds Y back.
      follow(semaphore, log, "X", { signal });
      follow(semaphore, log, "B", { permits: 3 });
      follow(semaphore, log, "Y", { signal, timeout: 100 });
      controller.abort("stop");
      assert.equal(semaphore.waiters, 1);
      assert.equal(live(), 0);
      assert.equal(t.loop.pendingTimers, 0);
      await microtasks();
      assert.deepEqual(log, ["A: stop", "X", "Y: stop"]);
      assert.equal(semaphore.value, 2);
    });
  }
}

Deno.test("Semaphore.acquire({ permits }) may ask for more than there are, and waits for releases", async () => {
  const semaphore = new Semaphore(1);
  const log: string[] = [];
  const waiting = follow(semaphore, log, "four", { permits: 4 });
  semaphore.release(2);
  assert.equal(semaphore.waiters, 1);
  assert.equal(semaphore.value, 3);
  semaphore.release();
  assert.equal(semaphore.waiters, 0);
  assert.equal(semaphore.value, 0);
  (await waiting).release();
  assert.equal(semaphore.value, 4);
});

const BAD_PERMITS: [unknown, typeof TypeError | typeof RangeError][] = [
  ["2", TypeError],
  [null, TypeError],
  [2n, TypeError],
  [true, TypeError],
  [{}, TypeError],
  [0, RangeError],
  [-0, RangeError],
  [-1, RangeError],
  [1.5, RangeError],
  [NaN, RangeError],
  [Infinity, RangeError],
  [Number.MAX_SAFE_INTEGER + 1, RangeError],
];

for (const Class of CLASSES) {
  const name = Class.name;

  Deno.test(`${name}.acquire() and use() reject a bad options.permits, with nothing changed`, async () => {
    using t = LOOP_KINDS[0].create();
    for (const semaphore of [new Class(2), taken(Class)]) {
      const before = [semaphore.value, semaphore.waiters];
      for (const [permits, ErrorClass] of BAD_PERMITS) {
        const rule = ErrorClass === TypeError
          ? "a number"
          : "a positive integer";
        const message = new RegExp(
          `^Cannot call ${name}\\.acquire\\(\\) as 'options\\.permits' must be ${rule}: current value is `,
        );
        const options = { permits: permits as number, timeout: 10 };
        let waiting!: Promise<unknown>;
        assert.doesNotThrow(() => waiting = semaphore.acquire(options));
        assert.deepEqual([semaphore.value, semaphore.waiters], before);
        assertNoTimers(t);
        await assert.rejects(waiting, error(ErrorClass, message));
        let called = false;
        await assert.rejects(
          semaphore.use(() => called = true, options),
          error(ErrorClass, message),
        );
        assert.equal(called, false);
        assert.deepEqual([semaphore.value, semaphore.waiters], before);
      }
    }
  });

  Deno.test(`${name}.tryAcquire(n) and release(n) throw for a bad count, with nothing changed`, () => {
    for (const semaphore of [new Class(2), taken(Class)]) {
      const before = [semaphore.value, semaphore.waiters];
      for (const [permits, ErrorClass] of BAD_PERMITS) {
        const rule = ErrorClass === TypeError
          ? "a number"
          : "a positive integer";
        for (const method of ["tryAcquire", "release"] as const) {
          assert.throws(
            () => semaphore[method](permits as number),
            error(
              ErrorClass,
              new RegExp(
                `^Cannot call ${name}\\.${method}\\(\\) as 'permits' must be ${rule}: current value is `,
              ),
            ),
          );
          assert.deepEqual([semaphore.value, semaphore.waiters], before);
        }
      }
    }
  });
}

// ---------------------------------------------------------------------------
// BoundedSemaphore.capacity

Deno.test("BoundedSemaphore.capacity is the initial value at first", () => {
  for (const value of [0, 1, 3]) {
    const semaphore = new BoundedSemaphore(value);
    assert.equal(semaphore.capacity, value);
    semaphore.tryAcquire();
    assert.equal(semaphore.capacity, value);
  }
  assert.equal(new BoundedSemaphore().capacity, 1);
  assert.ok(Object.is(new BoundedSemaphore(-0).capacity, 0));
  // More than the capacity is never free at once.
  const semaphore = new BoundedSemaphore(2);
  assert.equal(semaphore.tryAcquire(3), undefined);
  assert.equal(semaphore.value, 2);
});

Deno.test("BoundedSemaphore.capacity raised frees the difference at once, to waiters first, in order", async () => {
  const semaphore = new BoundedSemaphore(1);
  semaphore.tryAcquire();
  const log: string[] = [];
  const waits = [
    follow(semaphore, log, "one", {}),
    follow(semaphore, log, "two", { permits: 2 }),
    follow(semaphore, log, "one more", {}),
  ];
  semaphore.capacity = 3;
  // Two more: the first waiter takes one; the second needs two.
  assert.equal(semaphore.capacity, 3);
  assert.equal(semaphore.waiters, 2);
  assert.equal(semaphore.value, 1);
  semaphore.capacity = 5;
  assert.equal(semaphore.waiters, 0);
  assert.equal(semaphore.value, 0);
  await Promise.all(waits);
  assert.deepEqual(log, ["one", "two", "one more"]);
  semaphore.capacity = 6;
  assert.equal(semaphore.value, 1);
  assertRendered(semaphore, "<BoundedSemaphore [unlocked,value:1]>");
});

Deno.test("BoundedSemaphore.capacity raised serves a request above the old capacity", async () => {
  for (const initial of [0, 2]) {
    const semaphore = new BoundedSemaphore(initial);
    const log: string[] = [];
    const waiting = follow(semaphore, log, "big", { permits: initial + 1 });
    assert.equal(semaphore.waiters, 1);
    assert.equal(semaphore.value, initial);
    assert.equal(semaphore.tryAcquire(initial + 1), undefined);
    semaphore.capacity = initial + 1;
    assert.equal(semaphore.waiters, 0);
    assert.equal(semaphore.value, 0);
    (await waiting).release();
    assert.equal(semaphore.value, initial + 1);
  }
});

Deno.test("BoundedSemaphore.capacity lowered revokes nothing, and grants no one until fewer than it are held", async () => {
  const semaphore = new BoundedSemaphore(3);
  const two = semaphore.tryAcquire(2)!;
  const one = semaphore.tryAcquire()!;
  semaphore.capacity = 1;
  // value is max(0, capacity - held) throughout.
  assert.equal(semaphore.capacity, 1);
  assert.equal(semaphore.value, 0);
  const log: string[] = [];
  const waiting = follow(semaphore, log, "waiter", { timeout: 100 });
  assertRendered(semaphore, "<BoundedSemaphore [locked,waiters:1]>");
  two.release();
  // One held, capacity 1: still none free.
  assert.equal(semaphore.value, 0);
  assert.equal(semaphore.waiters, 1);
  one.release();
  assert.equal(semaphore.waiters, 0);
  assert.equal(semaphore.value, 0);
  (await waiting).release();
  assert.deepEqual(log, ["waiter"]);
  assert.equal(semaphore.value, 1);
  assert.throws(() => semaphore.release(), RangeError);
  semaphore.capacity = 0;
  assert.equal(semaphore.value, 0);
  assert.equal(semaphore.tryAcquire(), undefined);
});

Deno.test("BoundedSemaphore.release(n) throws a RangeError, with nothing changed, when fewer than n are held", async () => {
  const semaphore = new BoundedSemaphore(5);
  const two = semaphore.tryAcquire(2)!;
  const waiting = follow(semaphore, [], "waiter", { permits: 4 });
  for (const permits of [3, 4, 6]) {
    assert.throws(
      () => semaphore.release(permits),
      error(
        RangeError,
        `Cannot release BoundedSemaphore as 'permits' must be at most the 2 held (capacity 5): current value is ${permits}`,
      ),
    );
    assert.equal(semaphore.value, 3);
    assert.equal(semaphore.waiters, 1);
  }
  semaphore.capacity = 1;
  // One held above the capacity is still held: two can be given back.
  assert.equal(semaphore.value, 0);
  semaphore.release(2);
  assert.equal(semaphore.value, 1);
  assert.throws(() => two.release(), RangeError);
  semaphore.capacity = 4;
  await waiting;
  assert.equal(semaphore.value, 0);
});

Deno.test("BoundedSemaphore.capacity refuses a bad value, with nothing changed", () => {
  const semaphore = new BoundedSemaphore(2);
  semaphore.tryAcquire();
  const waiting = semaphore.acquire({ permits: 2 });
  waiting.catch(() => {});
  const state = () => [
    semaphore.capacity,
    semaphore.value,
    semaphore.waiters,
    String(semaphore),
  ];
  const before = state();
  const cases: [unknown, typeof TypeError | typeof RangeError, string][] = [
    ["3", TypeError, "a number"],
    [null, TypeError, "a number"],
    [undefined, TypeError, "a number"],
    [3n, TypeError, "a number"],
    [-1, RangeError, "a non-negative integer"],
    [1.5, RangeError, "a non-negative integer"],
    [NaN, RangeError, "a non-negative integer"],
    [Infinity, RangeError, "a non-negative integer"],
    [Number.MAX_SAFE_INTEGER + 1, RangeError, "a non-negative integer"],
  ];
  for (const [capacity, ErrorClass, rule] of cases) {
    assert.throws(
      () => semaphore.capacity = capacity as number,
      error(
        ErrorClass,
        new RegExp(
          `^Cannot set BoundedSemaphore\\.capacity as 'capacity' must be ${rule}: current value is `,
        ),
      ),
    );
    assert.deepEqual(state(), before);
  }
  semaphore.close();
});

// ---------------------------------------------------------------------------
// Closing: what each class adds to the shared suite's checks

for (const Class of CLASSES) {
  const name = Class.name;

  Deno.test(`${name}.close() keeps what is held releasable, and tryAcquire() returns undefined`, async () => {
    const semaphore = new Class(4);
    const two = await semaphore.acquire({ permits: 2 });
    const one = semaphore.tryAcquire()!;
    const waiting = semaphore.acquire({ permits: 3 });
    semaphore.close("shutdown");
    await assert.rejects(waiting, (e) => e === "shutdown");
    assert.equal(semaphore.closed, true);
    assert.equal(semaphore.value, 1);
    assert.equal(semaphore.tryAcquire(), undefined);
    assert.equal(semaphore.tryAcquire(1), undefined);
    assert.equal(semaphore.value, 1);
    let called = false;
    await assert.rejects(
      semaphore.use(() => called = true),
      (e) => e === "shutdown",
    );
    assert.equal(called, false);
    two.release();
    assert.equal(semaphore.value, 3);
    one[Symbol.dispose]();
    assert.equal(semaphore.value, 4);
    assertRendered(semaphore, `<${name} [unlocked,value:4] closed>`);
    if (semaphore instanceof BoundedSemaphore) {
      // The bound still applies, and the capacity still changes the value.
      assert.throws(() => semaphore.release(), RangeError);
      semaphore.capacity = 6;
      assert.equal(semaphore.value, 6);
    } else {
      semaphore.release(2);
      assert.equal(semaphore.value, 6);
    }
    await assert.rejects(
      semaphore.acquire({ timeout: 0 }),
      (e) => e === "shutdown",
    );
    assert.equal(semaphore.value, 6);
  });

  Deno.test(`${name}.close() while a use() runs lets it finish and release`, async () => {
    const semaphore = new Class(1);
    const waiting = semaphore.use(async () => {
      semaphore.close();
      await microtasks();
      assert.equal(semaphore.value, 0);
      return "finished";
    });
    const behind = semaphore.acquire();
    assert.equal(await waiting, "finished");
    await assert.rejects(behind, ClosedError);
    assert.equal(semaphore.value, 1);
  });
}
