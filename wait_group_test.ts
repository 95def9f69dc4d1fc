import { waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import { WaitGroup } from "./wait_group.ts";
import { IOLoop, VirtualIOLoop } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import { assertRendered, error, microtasks, watch } from "./_test_util.ts";

/** A group with `count` tasks counted in. */
function counting(count: number, options?: { loop?: IOLoop }): WaitGroup {
  const group = new WaitGroup(options);
  if (count > 0) group.add(count);
  return group;
}

// ---------------------------------------------------------------------------
// The shared wait suite, on a group counting one task. A grant counts it
// done, which wakes every waiter, and counts a new one in, so that later
// waits wait again.

waitSuite(Deno.test, {
  name: "WaitGroup.wait()",
  make: (loop?: IOLoop) => counting(1, loop ? { loop } : undefined),
  makeAvailable: (loop?: IOLoop) => counting(0, loop ? { loop } : undefined),
  wait: (group, options) => group.wait(options),
  grant: (group) => {
    group.done();
    group.add();
  },
  grantsAll: true,
  waiters: (group) => group.waiters,
  state: (group) => [group.count, group.waiters, String(group)],
  close: (group, reason) => group.close(reason),
});

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
  group.add(-0);
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

// ---------------------------------------------------------------------------
// close()

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
