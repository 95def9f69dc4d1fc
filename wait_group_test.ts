import assert from "node:assert/strict";
import { WaitGroup } from "./wait_group.ts";
import { ClosedError, TimeoutError } from "./errors.ts";
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

const timedOut = timeoutOf("WaitGroup.wait()");

/** A group with `count` tasks counted in. */
function counting(count: number, options?: { loop?: IOLoop }): WaitGroup {
  const group = new WaitGroup(options);
  if (count > 0) group.add(count);
  return group;
}

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new WaitGroup() starts at a count of 0 with no waiters, open", () => {
  for (
    const group of [
      new WaitGroup(),
      new WaitGroup({}),
      new WaitGroup(undefined),
      new WaitGroup({ loop: undefined }),
      new WaitGroup({ loop: new VirtualIOLoop() }),
    ]
  ) {
    assert.equal(group.count, 0);
    assert.equal(group.waiters, 0);
    assert.equal(group.closed, false);
  }
});

Deno.test("new WaitGroup() throws a TypeError for options or options.loop of the wrong type", () => {
  for (const options of [5, "loop", null, false]) {
    assert.throws(
      () => new WaitGroup(options as never),
      error(
        TypeError,
        /^Cannot create WaitGroup as 'options' must be an object/,
      ),
    );
  }
  for (const loop of [{}, null, 0, IOLoop]) {
    assert.throws(
      () => new WaitGroup({ loop: loop as never }),
      error(
        TypeError,
        /^Cannot create WaitGroup as 'options\.loop' must be an IOLoop/,
      ),
    );
  }
});

// ---------------------------------------------------------------------------
// add() and done()

Deno.test("WaitGroup.add() adds 1 by default, any safe integer otherwise, negative too", () => {
  const group = new WaitGroup();
  group.add();
  assert.equal(group.count, 1);
  group.add(5);
  assert.equal(group.count, 6);
  group.add(-4);
  assert.equal(group.count, 2);
  group.add(0);
  group.add(-0);
  assert.equal(group.count, 2);
  assert.ok(Object.is(group.count, 2));
  group.add(-2);
  assert.ok(Object.is(group.count, 0));
  group.add(Number.MAX_SAFE_INTEGER);
  assert.equal(group.count, Number.MAX_SAFE_INTEGER);
  group.add(-Number.MAX_SAFE_INTEGER);
  assert.ok(Object.is(group.count, 0));
});

Deno.test("WaitGroup.done() takes 1 off the count", () => {
  const group = counting(2);
  assert.equal(group.done(), undefined);
  assert.equal(group.count, 1);
  group.done();
  assert.equal(group.count, 0);
});

Deno.test("WaitGroup.add() throws a RangeError when the count would go below 0, changing nothing", async () => {
  const group = counting(2);
  const waiting = watch(group.wait());
  assert.throws(
    () => group.add(-3),
    error(
      RangeError,
      "Cannot call WaitGroup.add() as 'n' must be at least -2 (the count is 2): current value is -3",
    ),
  );
  assert.equal(group.count, 2);
  assert.equal(group.waiters, 1);
  await microtasks();
  assert.equal(waiting.state, "pending");
  const empty = new WaitGroup();
  assert.throws(
    () => empty.add(-1),
    error(
      RangeError,
      "Cannot call WaitGroup.add() as 'n' must be at least 0 (the count is 0): current value is -1",
    ),
  );
  assert.equal(empty.count, 0);
  group.add(-2);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
});

Deno.test("WaitGroup.done() at a count of 0 throws a RangeError that says so, changing nothing", () => {
  const group = new WaitGroup();
  assert.throws(
    () => group.done(),
    error(RangeError, "Cannot call WaitGroup.done() as the count is already 0"),
  );
  assert.equal(group.count, 0);
  group.add();
  group.done();
  assert.throws(() => group.done(), RangeError);
  assert.equal(group.count, 0);
  assertRendered(group, "<WaitGroup count=0>");
});

Deno.test("WaitGroup.add() throws for an n that is not a safe integer, changing nothing", () => {
  const group = counting(1);
  for (
    const [n, Class, shown] of [
      ["1", TypeError, '"1"'],
      [null, TypeError, "null"],
      [1n, TypeError, "1n"],
      [new Number(1), TypeError, "an object"],
      [true, TypeError, "true"],
    ] as const
  ) {
    assert.throws(
      () => group.add(n as never),
      error(
        Class,
        `Cannot call WaitGroup.add() as 'n' must be a number: current value is ${shown}`,
      ),
    );
  }
  for (
    const [n, shown] of [
      [1.5, "1.5"],
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      [-Infinity, "-Infinity"],
      [2 ** 53, "9007199254740992"],
    ] as const
  ) {
    assert.throws(
      () => group.add(n),
      error(
        RangeError,
        `Cannot call WaitGroup.add() as 'n' must be a safe integer: current value is ${shown}`,
      ),
    );
  }
  assert.equal(group.count, 1);
});

Deno.test("WaitGroup.add() throws a RangeError rather than pass Number.MAX_SAFE_INTEGER", () => {
  const group = counting(Number.MAX_SAFE_INTEGER);
  assert.throws(
    () => group.add(),
    error(
      RangeError,
      "Cannot call WaitGroup.add() as 'n' must be at most 0 (the count is 9007199254740991): current value is 1",
    ),
  );
  const two = counting(2);
  assert.throws(() => two.add(Number.MAX_SAFE_INTEGER - 1), RangeError);
  assert.equal(group.count, Number.MAX_SAFE_INTEGER);
  assert.equal(two.count, 2);
});

// ---------------------------------------------------------------------------
// wait()

Deno.test("WaitGroup.wait() resolves at once at a count of 0, queueing nothing", async () => {
  const loop = new VirtualIOLoop();
  const group = new WaitGroup({ loop });
  const waiting = [
    watch(group.wait()),
    watch(group.wait({})),
    watch(group.wait({ timeout: 0 })),
    watch(group.wait({ timeout: 100 })),
    watch(group.wait({ signal: new AbortController().signal })),
  ];
  assert.equal(group.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.ok(waiting.every((w) => w.value === undefined));
});

Deno.test("WaitGroup.wait() waits while the count is above 0 and the last done() wakes every waiter", async () => {
  const group = counting(3);
  const waiting = [
    watch(group.wait()),
    watch(group.wait({})),
    watch(group.wait()),
  ];
  group.done();
  group.done();
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "pending"));
  assert.equal(group.waiters, 3);
  group.done();
  assert.equal(group.waiters, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
});

Deno.test("WaitGroup.add() with a negative n that reaches 0 wakes every waiter", async () => {
  const group = counting(4);
  const waiting = watch(group.wait());
  group.add(-4);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
});

Deno.test("WaitGroup.add() right after the count reached 0 leaves the woken waiters woken", async () => {
  const group = counting(1);
  const waiting = [
    watch(group.wait()),
    watch(group.wait({ timeout: 100 })),
  ];
  group.done();
  group.add(5);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.equal(group.count, 5);
  const later = watch(group.wait());
  await microtasks();
  assert.equal(later.state, "pending");
  group.add(-5);
  await microtasks();
  assert.equal(later.state, "fulfilled");
});

Deno.test("WaitGroup.done() returns before any woken function resumes, waiters already 0", async () => {
  const group = counting(1);
  let returned = false;
  const seen: [boolean, number][] = [];
  const waiter = async (options?: object) => {
    await group.wait(options);
    seen.push([returned, group.waiters]);
  };
  const done = [waiter(), waiter({ timeout: 100 }), waiter()];
  group.done();
  returned = true;
  assert.equal(group.waiters, 0);
  await Promise.all(done);
  assert.deepEqual(seen, [[true, 0], [true, 0], [true, 0]]);
});

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: WaitGroup.done() resumes waiters in the order they started waiting, whatever options each passed`, async () => {
    using t = kind.create();
    const group = counting(1);
    const controller = new AbortController();
    const log: string[] = [];
    const waiter = async (name: string, options?: object) => {
      await group.wait(options);
      log.push(name);
    };
    const done = [
      waiter("plain 1"),
      waiter("timeout", { timeout: 1000 }),
      waiter("plain 2"),
      waiter("plain 3"),
      waiter("signal", { signal: controller.signal }),
      waiter("deadline", { deadline: { seconds: 5 } }),
      waiter("plain 4"),
    ];
    group.done();
    assertNoTimers(t);
    await Promise.all(done);
    assert.deepEqual(log, [
      "plain 1",
      "timeout",
      "plain 2",
      "plain 3",
      "signal",
      "deadline",
      "plain 4",
    ]);
  });

  Deno.test(`${kind.name}: WaitGroup.wait() rejects with TimeoutError at the timeout, leaves, and the rest still wait`, async () => {
    using t = kind.create();
    const group = counting(1);
    const plain = watch(group.wait());
    const timed = watch(group.wait({ timeout: 100 }));
    await t.advance(99);
    assert.equal(timed.state, "pending");
    await t.advance(1);
    assert.ok(timedOut(timed.reason));
    assert.equal(group.waiters, 1);
    assertNoTimers(t);
    assert.equal(group.count, 1);
    group.done();
    await t.settle();
    assert.equal(plain.state, "fulfilled");
    assert.equal(timed.settlements, 1);
  });

  Deno.test(`${kind.name}: WaitGroup.wait() with a deadline already passed rejects at once above 0 and resolves at 0`, async () => {
    using t = kind.create();
    const group = counting(1);
    for (
      const options of [
        { timeout: 0 },
        { timeout: -1 },
        { deadline: t.loop.time() },
        { deadline: { seconds: 0 } },
      ]
    ) {
      const waiting = watch(group.wait(options));
      assert.equal(group.waiters, 0);
      assertNoTimers(t);
      await microtasks();
      assert.ok(timedOut(waiting.reason));
    }
    group.done();
    const waiting = watch(group.wait({ timeout: 0 }));
    await microtasks();
    assert.equal(waiting.state, "fulfilled");
  });

  Deno.test(`${kind.name}: WaitGroup.wait() rejects with the signal's reason when it aborts, leaving at once`, async () => {
    using t = kind.create();
    const group = counting(1);
    const { controller, signal, live } = watchedSignal();
    const aborted = watch(group.wait({ signal, timeout: 100 }));
    const plain = watch(group.wait());
    assert.equal(live(), 1);
    controller.abort("stop");
    assert.equal(group.waiters, 1);
    assert.equal(live(), 0);
    assertNoTimers(t);
    await t.settle();
    assert.equal(aborted.reason, "stop");
    group.done();
    await t.settle();
    assert.equal(plain.state, "fulfilled");
  });

  Deno.test(`${kind.name}: WaitGroup.wait() with an already-aborted signal rejects at once, even at a count of 0`, async () => {
    using t = kind.create();
    for (const count of [0, 1]) {
      const group = counting(count);
      const waiting = watch(group.wait({ signal: AbortSignal.abort("why") }));
      assert.equal(group.waiters, 0);
      assertNoTimers(t);
      await microtasks();
      assert.equal(waiting.reason, "why");
    }
  });

  Deno.test(`${kind.name}: WaitGroup.wait() ignores an abort or a timeout after the count reached 0`, async () => {
    using t = kind.create();
    const group = counting(1);
    const { controller, signal, live } = watchedSignal();
    const waiting = watch(group.wait({ signal, timeout: 10 }));
    group.done();
    assert.equal(live(), 0);
    assertNoTimers(t);
    controller.abort("late");
    await t.advance(10);
    assert.equal(waiting.state, "fulfilled");
    assert.equal(waiting.settlements, 1);
  });
}

// ---------------------------------------------------------------------------
// close()

Deno.test("WaitGroup.close() rejects every waiter at once, in order, with one ClosedError naming the group", async () => {
  const loop = new VirtualIOLoop();
  const group = counting(1, { loop });
  const { signal, live } = watchedSignal();
  const order: number[] = [];
  const waiting = [
    group.wait(),
    group.wait({ timeout: 10 }),
    group.wait({ signal }),
  ]
    .map((promise, i) =>
      promise.catch((e) => {
        order.push(i);
        return e;
      })
    );
  group.close();
  assert.equal(group.closed, true);
  assert.equal(group.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(live(), 0);
  const reasons = await Promise.all(waiting);
  assert.deepEqual(order, [0, 1, 2]);
  assert.ok(reasons[0] instanceof ClosedError);
  assert.equal(reasons[0].message, "WaitGroup is closed");
  assert.ok(reasons.every((r) => r === reasons[0]));
});

Deno.test("WaitGroup.close(reason) rejects with the reason, falsy ones too; undefined counts as none", async () => {
  for (const reason of [new Error("down"), "down", 0, null, false, ""]) {
    const group = counting(1);
    const waiting = watch(group.wait());
    group.close(reason);
    await microtasks();
    assert.equal(waiting.reason, reason);
    await assert.rejects(group.wait(), (e) => e === reason);
  }
  const group = new WaitGroup();
  group.close(undefined);
  await assert.rejects(group.wait(), (e) => {
    assert.ok(e instanceof ClosedError);
    assert.equal(e.message, "WaitGroup is closed");
    return true;
  });
});

Deno.test("WaitGroup.wait() after close() rejects at once, even at a count of 0 and with timeout: 0", async () => {
  const loop = new VirtualIOLoop();
  const group = new WaitGroup({ loop });
  group.close("closed");
  for (
    const options of [undefined, {}, { timeout: 0 }, { timeout: 100 }, {
      signal: new AbortController().signal,
    }]
  ) {
    const waiting = watch(group.wait(options));
    assert.equal(group.waiters, 0);
    assert.equal(loop.pendingTimers, 0);
    await microtasks();
    assert.equal(waiting.reason, "closed");
  }
});

Deno.test("WaitGroup.add() and done() still move the count after close(), waking no one", () => {
  const group = counting(2);
  group.close();
  group.done();
  group.add(3);
  assert.equal(group.count, 4);
  group.add(-4);
  assert.equal(group.count, 0);
  assert.throws(() => group.done(), RangeError);
  assertRendered(group, "<WaitGroup count=0 closed>");
});

Deno.test("WaitGroup.close() a second time changes nothing, its reason ignored", async () => {
  const group = counting(1);
  group.close("first");
  group.close("second");
  group.close();
  assert.equal(group.closed, true);
  await assert.rejects(group.wait(), (e) => e === "first");
});

// ---------------------------------------------------------------------------
// Inspection

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: WaitGroup renders as <WaitGroup count=N waiters[N]> everywhere`, async () => {
    using _t = kind.create();
    const group = new WaitGroup();
    assertRendered(group, "<WaitGroup count=0>");
    group.add(2);
    assertRendered(group, "<WaitGroup count=2>");
    const waiting = [group.wait(), group.wait({ timeout: 5 })];
    assertRendered(group, "<WaitGroup count=2 waiters[2]>");
    group.done();
    assertRendered(group, "<WaitGroup count=1 waiters[2]>");
    group.done();
    assertRendered(group, "<WaitGroup count=0>");
    await Promise.all(waiting);
    group.add();
    const closing = group.wait().catch(() => {});
    group.close();
    assertRendered(group, "<WaitGroup count=1 closed>");
    await closing;
  });
}

// ---------------------------------------------------------------------------
// Leaks

Deno.test("VirtualIOLoop: WaitGroup.wait() leaves nothing behind after 100,000 timeouts", async () => {
  const loop = new VirtualIOLoop();
  const group = counting(1, { loop });
  const count = 100_000;
  let rejected = 0;
  for (let i = 0; i < count; i++) {
    group.wait({ timeout: 1 + (i % 3) }).catch((e) => {
      if (e instanceof TimeoutError) rejected++;
    });
  }
  assert.equal(group.waiters, count);
  assert.equal(loop.pendingTimers, count);
  await loop.runUntilIdle();
  assert.equal(rejected, count);
  assert.equal(group.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(group.count, 1);
});

// ---------------------------------------------------------------------------
// Types

Deno.test("WaitGroup.wait() resolves with nothing and add() takes a number", async () => {
  const group = new WaitGroup();
  const nothing: void = await group.wait({ deadline: { seconds: 1 } });
  assert.equal(nothing, undefined);
  // @ts-expect-error add() takes a number
  assert.throws(() => group.add("1"), TypeError);
  group.add(1);
  // @ts-expect-error done() takes no argument
  group.done(1);
  assert.equal(group.count, 0);
});
