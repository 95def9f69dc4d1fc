import assert from "node:assert/strict";
import { BoundedSemaphore, Semaphore } from "./semaphore.ts";
import { TimeoutError } from "./errors.ts";
import { type IOLoop, VirtualIOLoop } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import { assertNoTimers, assertRendered, stateOf } from "./_test_util.ts";
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
