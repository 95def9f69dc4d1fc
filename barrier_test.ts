import { waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import { Barrier } from "./barrier.ts";
import { BrokenBarrierError, ClosedError } from "./errors.ts";
import { IOLoop, VirtualIOLoop } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import {
  assertNoTimers,
  assertRendered,
  error,
  microtasks,
  timeoutOf,
  watch,
  watchedSignal,
} from "./_test_util.ts";

const timedOut = timeoutOf("Barrier.wait()");

/** Checks a `BrokenBarrierError` with its exact message. */
function broken(message: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof BrokenBarrierError, `expected one, got ${e}`);
    assert.equal(e.name, "BrokenBarrierError");
    assert.equal(e.message, message);
    return true;
  };
}

// ---------------------------------------------------------------------------
// The shared wait suite, on a barrier of more parties than the suite ever
// has waiting (its 100,000 leak waiters and one in front). A grant fills the round with parties of its own, which
// releases every party waiting.

const SUITE_PARTIES = 100_002;

waitSuite(Deno.test, {
  name: "Barrier.wait()",
  make: (loop?: IOLoop) =>
    new Barrier(SUITE_PARTIES, loop ? { loop } : undefined),
  makeAvailable: (loop?: IOLoop) => new Barrier(1, loop ? { loop } : undefined),
  wait: (barrier, options) => barrier.wait(options),
  grant: (barrier) => {
    while (barrier.waiting > 0) void barrier.wait();
  },
  grantsAll: true,
  waiters: (barrier) => barrier.waiting,
  close: (barrier, reason) => barrier.close(reason),
});

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new Barrier(parties) starts filling its first round, whole and open", () => {
  for (
    const barrier of [
      new Barrier(3),
      new Barrier(3, {}),
      new Barrier(3, { loop: undefined }),
      new Barrier(3, { loop: new VirtualIOLoop() }),
    ]
  ) {
    assert.equal(barrier.parties, 3);
    assert.equal(barrier.waiting, 0);
    assert.equal(barrier.broken, false);
    assert.equal(barrier.closed, false);
  }
  assert.equal(new Barrier(1).parties, 1);
  assert.equal(
    new Barrier(Number.MAX_SAFE_INTEGER).parties,
    Number.MAX_SAFE_INTEGER,
  );
});

Deno.test("new Barrier() throws for parties that are not a positive safe integer", () => {
  for (
    const [parties, shown] of [
      [undefined, "undefined"],
      ["3", '"3"'],
      [null, "null"],
      [3n, "3n"],
    ] as const
  ) {
    assert.throws(
      () => new Barrier(parties as never),
      error(
        TypeError,
        `Cannot create Barrier as 'parties' must be a number: current value is ${shown}`,
      ),
    );
  }
  for (
    const [parties, shown] of [
      [0, "0"],
      [-0, "-0"],
      [-1, "-1"],
      [1.5, "1.5"],
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      [2 ** 53, "9007199254740992"],
    ] as const
  ) {
    assert.throws(
      () => new Barrier(parties),
      error(
        RangeError,
        `Cannot create Barrier as 'parties' must be a positive integer: current value is ${shown}`,
      ),
    );
  }
});

Deno.test("new Barrier() throws a TypeError for options or options.loop of the wrong type", () => {
  for (const options of [5, "loop", null]) {
    assert.throws(
      () => new Barrier(2, options as never),
      error(TypeError, /^Cannot create Barrier as 'options' must be an object/),
    );
  }
  for (const loop of [{}, null, IOLoop]) {
    assert.throws(
      () => new Barrier(2, { loop: loop as never }),
      error(
        TypeError,
        /^Cannot create Barrier as 'options\.loop' must be an IOLoop/,
      ),
    );
  }
});

// ---------------------------------------------------------------------------
// Rounds and indexes

Deno.test("Barrier.wait() waits until the last party arrives, then every party gets its arrival index", async () => {
  const barrier = new Barrier(3);
  const first = watch(barrier.wait());
  const second = watch(barrier.wait({ timeout: 100 }));
  await microtasks();
  assert.equal(first.state, "pending");
  assert.equal(second.state, "pending");
  assert.equal(barrier.waiting, 2);
  const last = watch(barrier.wait());
  assert.equal(barrier.waiting, 0);
  await microtasks();
  assert.deepEqual([first.value, second.value, last.value], [0, 1, 2]);
});

Deno.test("Barrier.wait() starts the next round at once, round after round", async () => {
  const barrier = new Barrier(2);
  for (let round = 0; round < 5; round++) {
    const a = barrier.wait();
    const b = barrier.wait({});
    // Joins the next round, in the same turn as the fill.
    const next = watch(barrier.wait());
    assert.equal(barrier.waiting, 1);
    assert.deepEqual(await Promise.all([a, b]), [0, 1]);
    assert.equal(next.state, "pending");
    assert.equal(await barrier.wait(), 1);
    assert.equal(next.value, 0);
  }
  assertRendered(barrier, "<Barrier [filling,waiters:0/2]>");
});

Deno.test("Barrier(1).wait() resolves at once with 0 every time, queueing nothing", async () => {
  const barrier = new Barrier(1);
  const all = [
    watch(barrier.wait()),
    watch(barrier.wait({ timeout: 0 })),
    watch(barrier.wait({ timeout: 100 })),
  ];
  assert.equal(barrier.waiting, 0);
  assert.equal(IOLoop.current().pendingTimers, 0);
  await microtasks();
  assert.deepEqual(all.map((w) => w.value), [0, 0, 0]);
});

Deno.test("Barrier.wait() that fills a round returns before any woken party resumes, and they resume in arrival order", async () => {
  const barrier = new Barrier(4);
  let returned = false;
  const log: [number, boolean, number][] = [];
  const party = async (options?: object) => {
    const index = await barrier.wait(options);
    log.push([index, returned, barrier.waiting]);
  };
  const parties = [party(), party({ timeout: 100 }), party()];
  const filling = barrier.wait();
  returned = true;
  assert.equal(barrier.waiting, 0);
  await Promise.all(parties);
  assert.deepEqual(log, [[0, true, 0], [1, true, 0], [2, true, 0]]);
  assert.equal(await filling, 3);
});

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Barrier.wait() with timeout: 0 by the last party fills the round; by any other it rejects at once`, async () => {
    using t = kind.create();
    const barrier = new Barrier(3);
    const first = watch(barrier.wait());
    const early = watch(barrier.wait({ timeout: 0 }));
    assert.equal(barrier.waiting, 1);
    assertNoTimers(t);
    await microtasks();
    assert.ok(timedOut(early.reason));
    const second = watch(barrier.wait({ deadline: t.loop.time() + 50 }));
    const last = watch(barrier.wait({ timeout: 0 }));
    assert.equal(barrier.waiting, 0);
    assertNoTimers(t);
    await microtasks();
    assert.deepEqual([first.value, second.value, last.value], [0, 1, 2]);
  });

  Deno.test(`${kind.name}: Barrier.wait() that times out withdraws: waiting drops, the barrier stays whole, and those behind move up`, async () => {
    using t = kind.create();
    const barrier = new Barrier(3);
    const a = watch(barrier.wait());
    const b = watch(barrier.wait({ timeout: 10 }));
    await t.advance(10);
    assert.ok(timedOut(b.reason));
    assert.equal(barrier.waiting, 1);
    assert.equal(barrier.broken, false);
    assertNoTimers(t);
    const c = watch(barrier.wait({ timeout: 100 }));
    await microtasks();
    assert.equal(c.state, "pending");
    const d = watch(barrier.wait());
    await t.settle();
    assert.deepEqual([a.value, c.value, d.value], [0, 1, 2]);
    assertNoTimers(t);
  });

  Deno.test(`${kind.name}: Barrier.wait() that is aborted withdraws at once, from anywhere in the round, the barrier whole`, async () => {
    using t = kind.create();
    const barrier = new Barrier(4);
    const { controller, signal, live } = watchedSignal();
    const a = watch(barrier.wait({ timeout: 100 }));
    const b = watch(barrier.wait({ signal, timeout: 100 }));
    const c = watch(barrier.wait());
    controller.abort("leaving");
    assert.equal(barrier.waiting, 2);
    assert.equal(live(), 0);
    assert.equal(t.loop.pendingTimers, 1);
    const d = watch(barrier.wait());
    const e = watch(barrier.wait());
    await t.settle();
    assert.equal(b.reason, "leaving");
    assert.deepEqual([a.value, c.value, d.value, e.value], [0, 1, 2, 3]);
    assert.equal(barrier.broken, false);
    assertNoTimers(t);
  });

  Deno.test(`${kind.name}: Barrier.wait() with an already-aborted signal rejects at once, even as the last party, and fills nothing`, async () => {
    using t = kind.create();
    const barrier = new Barrier(2);
    const first = watch(barrier.wait());
    const aborted = watch(barrier.wait({ signal: AbortSignal.abort("no") }));
    assert.equal(barrier.waiting, 1);
    await microtasks();
    assert.equal(aborted.reason, "no");
    assert.equal(first.state, "pending");
    assert.equal(await barrier.wait(), 1);
    assert.equal(first.value, 0);
    assertNoTimers(t);
  });

  Deno.test(`${kind.name}: Barrier.wait(): the round fills if the last party arrives in the same turn before a waiting party's timeout fires`, async () => {
    using t = kind.create();
    const barrier = new Barrier(2);
    // The arrival is scheduled first, so it comes first.
    t.loop.callLater(10, () => void barrier.wait());
    const waiting = watch(barrier.wait({ timeout: 10 }));
    await t.advance(10);
    assert.equal(waiting.value, 0);
    assert.equal(waiting.settlements, 1);
    // The timeout armed first fires first: the party withdraws, and the
    // late arrival starts a round of its own.
    const early = watch(barrier.wait({ timeout: 10 }));
    let late: ReturnType<typeof watch> | undefined;
    t.loop.callLater(10, () => late = watch(barrier.wait()));
    await t.advance(10);
    assert.ok(timedOut(early.reason));
    assert.equal(late!.state, "pending");
    assert.equal(barrier.waiting, 1);
    barrier.reset();
    await t.settle();
    assert.ok(broken("Barrier was reset")(late!.reason));
  });
}

// ---------------------------------------------------------------------------
// abort() and reset()

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Barrier.abort() rejects every party waiting with BrokenBarrierError, and later waits until reset()`, async () => {
    using t = kind.create();
    const barrier = new Barrier(3);
    const { signal, live } = watchedSignal();
    const waiting = [
      watch(barrier.wait()),
      watch(barrier.wait({ timeout: 100, signal })),
    ];
    barrier.abort();
    assert.equal(barrier.broken, true);
    assert.equal(barrier.waiting, 0);
    assert.equal(live(), 0);
    assertNoTimers(t);
    await t.settle();
    for (const w of waiting) assert.ok(broken("Barrier was aborted")(w.reason));
    assert.notEqual(waiting[0].reason, waiting[1].reason);
    for (const options of [undefined, {}, { timeout: 0 }, { timeout: 100 }]) {
      const later = watch(barrier.wait(options));
      assert.equal(barrier.waiting, 0);
      assertNoTimers(t);
      await microtasks();
      assert.ok(broken("Barrier is broken")(later.reason));
    }
    barrier.abort();
    assert.equal(barrier.broken, true);
    barrier.reset();
    assert.equal(barrier.broken, false);
    const again = [barrier.wait(), barrier.wait(), barrier.wait()];
    assert.deepEqual(await Promise.all(again), [0, 1, 2]);
  });

  Deno.test(`${kind.name}: Barrier.reset() rejects every party waiting with BrokenBarrierError and leaves the barrier empty and whole`, async () => {
    using t = kind.create();
    const barrier = new Barrier(3);
    const waiting = [
      watch(barrier.wait()),
      watch(barrier.wait({ timeout: 5 })),
    ];
    barrier.reset();
    assert.equal(barrier.broken, false);
    assert.equal(barrier.waiting, 0);
    assertNoTimers(t);
    await t.settle();
    for (const w of waiting) assert.ok(broken("Barrier was reset")(w.reason));
    const next = [barrier.wait(), barrier.wait(), barrier.wait()];
    assert.deepEqual(await Promise.all(next), [0, 1, 2]);
  });
}

Deno.test("Barrier: a round that has filled is granted: abort() or reset() right after breaks none of its parties", async () => {
  for (const breakIt of ["abort", "reset"] as const) {
    const barrier = new Barrier(3);
    const parties = [watch(barrier.wait()), watch(barrier.wait())];
    const last = watch(barrier.wait());
    barrier[breakIt]();
    await microtasks();
    assert.deepEqual(
      [...parties, last].map((w) => [w.state, w.value]),
      [["fulfilled", 0], ["fulfilled", 1], ["fulfilled", 2]],
    );
  }
});

Deno.test("Barrier.abort() and reset() with no one waiting only set and clear broken", () => {
  const barrier = new Barrier(2);
  barrier.reset();
  assertRendered(barrier, "<Barrier [filling,waiters:0/2]>");
  barrier.abort();
  assertRendered(barrier, "<Barrier [broken]>");
  barrier.reset();
  assertRendered(barrier, "<Barrier [filling,waiters:0/2]>");
});

// ---------------------------------------------------------------------------
// close()

Deno.test("Barrier after close(): every wait rejects at once with the close reason, even one that would fill a round, broken or not", async () => {
  for (const reason of ["closed", 0, null, false, ""]) {
    const barrier = new Barrier(1);
    barrier.close(reason);
    barrier.close("ignored");
    for (const options of [undefined, {}, { timeout: 0 }]) {
      const waiting = watch(barrier.wait(options));
      assert.equal(barrier.waiting, 0);
      await microtasks();
      assert.equal(waiting.reason, reason);
    }
    barrier.abort();
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait(), (e) => e === reason);
    assertRendered(barrier, "<Barrier [broken] closed>");
    barrier.reset();
    assert.equal(barrier.broken, false);
    assertRendered(barrier, "<Barrier [filling,waiters:0/1] closed>");
  }
});

Deno.test("Barrier.close() on a broken barrier: its later waits reject with the close reason, not BrokenBarrierError", async () => {
  const barrier = new Barrier(2);
  barrier.abort();
  barrier.close();
  await assert.rejects(barrier.wait(), (e) => {
    assert.ok(e instanceof ClosedError);
    return true;
  });
});

// ---------------------------------------------------------------------------
// Inspection

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Barrier renders as <Barrier [filling,waiters:N/P]> and <Barrier [broken]> everywhere`, async () => {
    using _t = kind.create();
    const barrier = new Barrier(3);
    assertRendered(barrier, "<Barrier [filling,waiters:0/3]>");
    const waits = [barrier.wait(), barrier.wait({ timeout: 5 })];
    assertRendered(barrier, "<Barrier [filling,waiters:2/3]>");
    const last = barrier.wait();
    assertRendered(barrier, "<Barrier [filling,waiters:0/3]>");
    await Promise.all([...waits, last]);
    const lost = barrier.wait().catch(() => {});
    barrier.abort();
    assertRendered(barrier, "<Barrier [broken]>");
    barrier.close();
    assertRendered(barrier, "<Barrier [broken] closed>");
    await lost;
  });
}

// ---------------------------------------------------------------------------
// Types

Deno.test("Barrier.wait() resolves with a number and takes WaitOptions", async () => {
  const barrier = new Barrier(1);
  const index: number = await barrier.wait({ deadline: { seconds: 1 } });
  assert.equal(index, 0);
  // @ts-expect-error parties is required
  assert.throws(() => new Barrier(), TypeError);
  // @ts-expect-error wait() resolves with a number
  const _text: string = await barrier.wait();
});

Deno.test("Barrier.wait() checks its options before the barrier's state: bad options reject with their own error, broken or not", async () => {
  const barrier = new Barrier(1);
  await assert.rejects(
    barrier.wait({ timeout: NaN }),
    error(RangeError, /^Cannot call Barrier\.wait\(\) as 'options\.timeout'/),
  );
  barrier.abort();
  await assert.rejects(
    barrier.wait({ signal: "stop" } as never),
    error(TypeError, /^Cannot call Barrier\.wait\(\) as 'options\.signal'/),
  );
  // An already-aborted signal wins over a broken barrier, as it wins over
  // an available one.
  await assert.rejects(
    barrier.wait({ signal: AbortSignal.abort("why") }),
    (e) => e === "why",
  );
});
