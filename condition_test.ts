import { waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { Condition } from "./condition.ts";
import { TimeoutError } from "./errors.ts";
import { type DurationLike, IOLoop, VirtualIOLoop } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import {
  error,
  inspections,
  microtasks,
  timeoutOf,
  watch,
  watchedSignal,
} from "./_test_util.ts";

// ---------------------------------------------------------------------------
// Helpers

const timedOut = (what = "Condition.wait()") => timeoutOf(what);

// ---------------------------------------------------------------------------
// The shared wait suite

waitSuite(Deno.test, {
  name: "Condition.wait()",
  make: (loop) => new Condition({ loop }),
  wait: (condition, options) => condition.wait(options),
  grant: (condition) => condition.notify(),
  waiters: (condition) => condition.waiters,
  close: (condition, reason) => condition.close(reason),
});

// Conditions made by makeAvailable, whose predicates hold at once.
const ready = new WeakSet<Condition>();

waitSuite(Deno.test, {
  name: "Condition.waitFor()",
  className: "Condition",
  make: (loop) => new Condition({ loop }),
  makeAvailable: (loop) => {
    const condition = new Condition({ loop });
    ready.add(condition);
    return condition;
  },
  // The predicate is false until its waiter is woken once.
  wait: (condition, options) => {
    let checked = false;
    return condition.waitFor(() => {
      const holds = checked || ready.has(condition);
      checked = true;
      return holds;
    }, options);
  },
  grant: (condition) => condition.notify(),
  waiters: (condition) => condition.waiters,
  close: (condition, reason) => condition.close(reason),
});

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new Condition() starts with no waiters", () => {
  const condition = new Condition();
  assert.equal(condition.waiters, 0);
  assert.equal(condition.notify(), 0);
  assert.equal(new Condition({}).waiters, 0);
  assert.equal(new Condition(undefined).waiters, 0);
  assert.equal(new Condition({ loop: undefined }).waiters, 0);
});

Deno.test("new Condition() throws a TypeError when options is not an object", () => {
  for (
    const [options, shown] of [
      [5, "5"],
      ["loop", '"loop"'],
      [null, "null"],
      [true, "true"],
    ] as const
  ) {
    assert.throws(
      () => new Condition(options as never),
      error(
        TypeError,
        `Cannot create Condition as 'options' must be an object: current value is ${shown}`,
      ),
    );
  }
});

Deno.test("new Condition() throws a TypeError when options.loop is not an IOLoop", () => {
  for (const loop of [{}, null, 0, "loop", Date, { time: () => 0 }]) {
    assert.throws(
      () => new Condition({ loop: loop as never }),
      error(
        TypeError,
        /^Cannot create Condition as 'options\.loop' must be an IOLoop/,
      ),
    );
  }
});

Deno.test("new Condition({ loop }) times every wait on that loop, whichever loop is current", async () => {
  const own = new VirtualIOLoop();
  const other = new VirtualIOLoop();
  const condition = new Condition({ loop: own });
  IOLoop.setCurrent(other);
  try {
    const waiting = watch(condition.wait({ timeout: 10 }));
    assert.equal(own.pendingTimers, 1);
    assert.equal(other.pendingTimers, 0);
    await other.advance(10);
    assert.equal(waiting.state, "pending");
    await own.advance(10);
    assert.equal(waiting.state, "rejected");
    assert.ok(timedOut()(waiting.reason));
    assert.equal(own.pendingTimers, 0);
  } finally {
    IOLoop.setCurrent(undefined);
  }
});

// ---------------------------------------------------------------------------
// wait, notify, notifyAll, waiters

Deno.test("Condition.wait() waits until Condition.notify()", async () => {
  const condition = new Condition();
  const waiting = watch(condition.wait());
  await microtasks();
  assert.equal(waiting.state, "pending");
  assert.equal(condition.waiters, 1);
  assert.equal(condition.notify(), 1);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
  assert.equal(waiting.value, undefined);
});

Deno.test("Condition.notify() returns 0 and changes nothing with no waiters", async () => {
  const condition = new Condition();
  assert.equal(condition.notify(), 0);
  assert.equal(condition.notify(3), 0);
  assert.equal(condition.notifyAll(), 0);
  // A notification with no one waiting is not remembered.
  const waiting = watch(condition.wait());
  await microtasks();
  assert.equal(waiting.state, "pending");
  assert.equal(condition.notify(), 1);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
});

Deno.test("Condition.notify(n) wakes up to n waiters and returns how many", async () => {
  const condition = new Condition();
  const waiting = [1, 2, 3, 4, 5].map(() => watch(condition.wait()));
  assert.equal(condition.notify(2), 2);
  assert.equal(condition.waiters, 3);
  await microtasks();
  assert.deepEqual(waiting.map((w) => w.state), [
    "fulfilled",
    "fulfilled",
    "pending",
    "pending",
    "pending",
  ]);
  assert.equal(condition.notify(10), 3);
  assert.equal(condition.waiters, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
});

Deno.test("Condition.notify() with no argument or undefined wakes exactly one", async () => {
  const condition = new Condition();
  const waiting = [1, 2, 3].map(() => watch(condition.wait()));
  assert.equal(condition.notify(), 1);
  assert.equal(condition.notify(undefined), 1);
  assert.equal(condition.waiters, 1);
  await microtasks();
  assert.deepEqual(waiting.map((w) => w.state), [
    "fulfilled",
    "fulfilled",
    "pending",
  ]);
  condition.notifyAll();
});

Deno.test("Condition.notify(0) wakes nobody and returns 0", async () => {
  const condition = new Condition();
  const waiting = watch(condition.wait());
  assert.equal(condition.notify(0), 0);
  assert.equal(condition.waiters, 1);
  await microtasks();
  assert.equal(waiting.state, "pending");
  assert.equal(condition.notify(), 1);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
});

Deno.test("Condition.notify(Infinity) wakes every waiter and returns how many", async () => {
  const condition = new Condition();
  const waiting = [1, 2, 3, 4].map(() => watch(condition.wait()));
  assert.equal(condition.notify(Infinity), 4);
  assert.equal(condition.waiters, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.equal(condition.notify(Infinity), 0);
});

Deno.test("Condition.notifyAll() wakes every waiter and returns how many", async () => {
  const condition = new Condition();
  const controller = new AbortController();
  const waiting = [
    watch(condition.wait()),
    watch(condition.wait({ signal: controller.signal })),
    watch(condition.wait({ timeout: Infinity })),
  ];
  assert.equal(condition.notifyAll(), 3);
  assert.equal(condition.waiters, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.equal(condition.notifyAll(), 0);
});

Deno.test("Condition.waiters counts live waiters", async () => {
  const condition = new Condition();
  const controller = new AbortController();
  assert.equal(condition.waiters, 0);
  const first = condition.wait();
  assert.equal(condition.waiters, 1);
  const aborted = watch(condition.wait({ signal: controller.signal }));
  assert.equal(condition.waiters, 2);
  const third = condition.wait();
  assert.equal(condition.waiters, 3);
  controller.abort();
  assert.equal(condition.waiters, 2);
  condition.notify();
  assert.equal(condition.waiters, 1);
  condition.notify();
  assert.equal(condition.waiters, 0);
  await Promise.all([first, third]);
  await microtasks();
  assert.equal(aborted.state, "rejected");
});

Deno.test("Condition.waiters drops when notify() returns, before woken functions resume", async () => {
  const condition = new Condition();
  const seen: number[] = [];
  const waiter = async () => {
    await condition.wait();
    seen.push(condition.waiters);
  };
  const done = [waiter(), waiter(), waiter()];
  assert.equal(condition.waiters, 3);
  assert.equal(condition.notify(2), 2);
  assert.equal(condition.waiters, 1);
  assert.deepEqual(seen, []);
  await microtasks();
  // Both saw the count as notify() left it.
  assert.deepEqual(seen, [1, 1]);
  condition.notify();
  await Promise.all(done);
  assert.deepEqual(seen, [1, 1, 0]);
});

Deno.test("Condition.notify() returns before any woken function resumes", async () => {
  const condition = new Condition();
  const log: string[] = [];
  let returned = false;
  const waiters = [1, 2].map(async (i) => {
    await condition.wait();
    log.push(`resumed ${i} after return: ${returned}`);
  });
  condition.notify(2);
  returned = true;
  log.push("returned");
  await Promise.all(waiters);
  assert.deepEqual(log, [
    "returned",
    "resumed 1 after return: true",
    "resumed 2 after return: true",
  ]);
});

Deno.test("Condition.notifyAll() returns before any woken function resumes", async () => {
  const condition = new Condition();
  let returned = false;
  const resumedAfterReturn: boolean[] = [];
  const waiters = [1, 2, 3].map(async () => {
    await condition.wait({ timeout: Infinity });
    resumedAfterReturn.push(returned);
  });
  condition.notifyAll();
  returned = true;
  await Promise.all(waiters);
  assert.deepEqual(resumedAfterReturn, [true, true, true]);
});

Deno.test("Condition.wait() resolves a fresh promise per call", () => {
  const condition = new Condition();
  const a = condition.wait();
  const b = condition.wait();
  assert.notEqual(a, b);
  assert.ok(a instanceof Promise);
  condition.notifyAll();
  return Promise.all([a, b]).then(() => {});
});

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Condition.notify() wakes waiters first in, first out, whatever options each passed`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const controller = new AbortController();
    const log: string[] = [];
    const waiter = async (name: string, options?: object) => {
      await condition.wait(options);
      log.push(name);
    };
    const done = [
      waiter("plain"),
      waiter("timeout", { timeout: 1000 }),
      waiter("plain 2"),
      waiter("signal", { signal: controller.signal }),
      waiter("deadline", { deadline: t.loop.time() + 1000 }),
      waiter("empty options", {}),
      waiter("plain 3"),
      waiter("all", {
        timeout: 500,
        deadline: { seconds: 1 },
        signal: controller.signal,
      }),
    ];
    assert.equal(condition.notify(), 1);
    await t.settle();
    assert.deepEqual(log, ["plain"]);
    assert.equal(condition.notify(2), 2);
    await t.settle();
    assert.deepEqual(log, ["plain", "timeout", "plain 2"]);
    assert.equal(condition.notifyAll(), 5);
    await Promise.all(done);
    assert.deepEqual(log, [
      "plain",
      "timeout",
      "plain 2",
      "signal",
      "deadline",
      "empty options",
      "plain 3",
      "all",
    ]);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.notify() serves those who wait again at the back of the line`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const log: string[] = [];
    const waiter = async (name: string) => {
      for (let round = 0; round < 2; round++) {
        await condition.wait({ timeout: 100 });
        log.push(`${name}${round}`);
      }
    };
    const done = [waiter("a"), waiter("b"), waiter("c")];
    for (let i = 0; i < 6; i++) {
      assert.equal(condition.notify(), 1);
      await t.settle();
    }
    await Promise.all(done);
    assert.deepEqual(log, ["a0", "b0", "c0", "a1", "b1", "c1"]);
    assert.equal(t.loop.pendingTimers, 0);
  });
}

// ---------------------------------------------------------------------------
// Deadlines and timeouts

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Condition.wait() rejects with TimeoutError at the timeout, not before`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const start = t.loop.time();
    const waiting = watch(condition.wait({ timeout: 100 }));
    assert.equal(t.loop.pendingTimers, 1);
    await t.advance(99);
    assert.equal(waiting.state, "pending");
    assert.equal(condition.waiters, 1);
    await t.advance(1);
    assert.equal(waiting.state, "rejected");
    assert.ok(timedOut()(waiting.reason));
    assert.equal(t.loop.time(), start + 100);
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.wait() rejects with a new TimeoutError each time`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const a = watch(condition.wait({ timeout: 10 }));
    const b = watch(condition.wait({ timeout: 10 }));
    await t.advance(10);
    assert.ok(timedOut()(a.reason));
    assert.ok(timedOut()(b.reason));
    assert.notEqual(a.reason, b.reason);
  });

  Deno.test(`${kind.name}: Condition.wait() takes a DurationLike timeout`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const waiting = watch(
      condition.wait({ timeout: { seconds: 1, milliseconds: 500 } }),
    );
    await t.advance(1499);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(waiting.reason));
    const all = watch(
      condition.wait({
        timeout: {
          days: 0,
          hours: 0,
          minutes: 0,
          seconds: 0,
          milliseconds: 1,
          microseconds: 500,
          nanoseconds: 500_000,
        },
      }),
    );
    await t.advance(1);
    assert.equal(all.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(all.reason));
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.wait() takes an absolute deadline on the loop's clock`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const start = t.loop.time();
    const waiting = watch(condition.wait({ deadline: start + 250 }));
    await t.advance(249);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(t.loop.time(), start + 250);
    assert.equal(condition.waiters, 0);
  });

  Deno.test(`${kind.name}: Condition.wait() takes a DurationLike deadline relative to now`, async () => {
    using t = kind.create();
    await t.advance(1000);
    const condition = new Condition();
    const waiting = watch(condition.wait({ deadline: { minutes: 1 } }));
    await t.advance(59_999);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(waiting.reason));
  });

  Deno.test(`${kind.name}: Condition.wait() applies the earlier of deadline and timeout`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const start = t.loop.time();
    const timeoutFirst = watch(
      condition.wait({ deadline: start + 100, timeout: 50 }),
    );
    const deadlineFirst = watch(
      condition.wait({ deadline: { milliseconds: 30 }, timeout: 80 }),
    );
    assert.equal(t.loop.pendingTimers, 2);
    await t.advance(29);
    assert.equal(deadlineFirst.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(deadlineFirst.reason));
    assert.equal(timeoutFirst.state, "pending");
    await t.advance(19);
    assert.equal(timeoutFirst.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(timeoutFirst.reason));
    assert.equal(t.loop.pendingTimers, 0);
    const infiniteDeadline = watch(
      condition.wait({ deadline: Infinity, timeout: 10 }),
    );
    const infiniteTimeout = watch(
      condition.wait({ deadline: { milliseconds: 10 }, timeout: Infinity }),
    );
    await t.advance(10);
    assert.ok(timedOut()(infiniteDeadline.reason));
    assert.ok(timedOut()(infiniteTimeout.reason));
  });

  Deno.test(`${kind.name}: Condition.wait() with timeout or deadline Infinity arms no timer`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const waiting = [
      watch(condition.wait({ timeout: Infinity })),
      watch(condition.wait({ deadline: Infinity })),
      watch(condition.wait({ deadline: Infinity, timeout: Infinity })),
      watch(condition.wait({ timeout: undefined, deadline: undefined })),
    ];
    assert.equal(t.loop.pendingTimers, 0);
    await t.advance(2 ** 31);
    assert.ok(waiting.every((w) => w.state === "pending"));
    assert.equal(condition.waiters, 4);
    assert.equal(condition.notifyAll(), 4);
    await t.settle();
    assert.ok(waiting.every((w) => w.state === "fulfilled"));
  });

  Deno.test(`${kind.name}: Condition.wait() rejects at once when the deadline has already passed`, async () => {
    using t = kind.create();
    await t.advance(500);
    const condition = new Condition();
    const now = t.loop.time();
    const passed: object[] = [
      { timeout: 0 },
      { timeout: -0 },
      { timeout: -1 },
      { timeout: -Infinity },
      { timeout: {} },
      { timeout: { seconds: 0 } },
      { timeout: { milliseconds: -5 } },
      { timeout: { seconds: undefined } },
      { deadline: now },
      { deadline: now - 1 },
      { deadline: 0 },
      { deadline: -Infinity },
      { deadline: {} },
      { deadline: { seconds: -1 } },
      { deadline: now + 100, timeout: 0 },
      { deadline: now, timeout: 100 },
    ];
    for (const options of passed) {
      const waiting = watch(condition.wait(options));
      // At once: nothing queued, no timer armed, settled with no loop turn.
      assert.equal(condition.waiters, 0, inspect(options));
      assert.equal(t.loop.pendingTimers, 0, inspect(options));
      await microtasks();
      assert.equal(waiting.state, "rejected", inspect(options));
      assert.ok(timedOut()(waiting.reason));
    }
    assert.equal(t.loop.time(), now);
  });

  Deno.test(`${kind.name}: Condition.wait() with a timeout that times out never takes a notification`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const early = watch(condition.wait({ timeout: 10 }));
    const late = watch(condition.wait());
    await t.advance(10);
    assert.equal(early.state, "rejected");
    assert.equal(condition.waiters, 1);
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(condition.notify(), 1);
    assert.equal(condition.waiters, 0);
    await t.settle();
    assert.equal(late.state, "fulfilled");
  });

  Deno.test(`${kind.name}: Condition.wait() that times out leaves the middle of the line at once`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const log: string[] = [];
    const waiter = async (name: string, options?: object) => {
      try {
        await condition.wait(options);
        log.push(name);
      } catch (e) {
        log.push(`${name}: ${(e as Error).name}`);
      }
    };
    const done = [
      waiter("a"),
      waiter("b", { timeout: 5 }),
      waiter("c"),
      waiter("d", { timeout: 5 }),
    ];
    assert.equal(t.loop.pendingTimers, 2);
    await t.advance(5);
    assert.deepEqual(log, ["b: TimeoutError", "d: TimeoutError"]);
    assert.equal(condition.waiters, 2);
    assert.equal(condition.notify(2), 2);
    await Promise.all(done);
    assert.deepEqual(log, ["b: TimeoutError", "d: TimeoutError", "a", "c"]);
  });

  Deno.test(`${kind.name}: Condition.notify() cancels the timer of the waiter it wakes`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const waiting = watch(condition.wait({ timeout: 100 }));
    assert.equal(t.loop.pendingTimers, 1);
    assert.equal(condition.notify(), 1);
    assert.equal(t.loop.pendingTimers, 0);
    await t.advance(200);
    assert.equal(waiting.state, "fulfilled");
    assert.equal(waiting.settlements, 1);
  });

  Deno.test(`${kind.name}: Condition.wait() settles once when the timeout and notify() come in the same turn`, async () => {
    using t = kind.create();
    const condition = new Condition();
    // The timeout was armed first, so it fires first: notify() finds no one.
    const timedOutFirst = watch(condition.wait({ timeout: 10 }));
    const notified: number[] = [];
    t.loop.callLater(10, () => notified.push(condition.notify()));
    await t.advance(10);
    assert.equal(timedOutFirst.state, "rejected");
    assert.ok(timedOut()(timedOutFirst.reason));
    assert.deepEqual(notified, [0]);
    // notify() scheduled first wins: the waiter is woken and its timer goes.
    t.loop.callLater(10, () => notified.push(condition.notify()));
    const notifiedFirst = watch(condition.wait({ timeout: 10 }));
    await t.advance(10);
    assert.equal(notifiedFirst.state, "fulfilled");
    assert.deepEqual(notified, [0, 1]);
    await t.advance(100);
    assert.equal(timedOutFirst.settlements, 1);
    assert.equal(notifiedFirst.settlements, 1);
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });
}

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Condition.wait() is timed to its end by the loop current when it starts`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const start = t.loop.time();
    const waiting = watch(condition.wait({ timeout: 100 }));
    const other = new VirtualIOLoop();
    IOLoop.setCurrent(other);
    assert.equal(t.loop.pendingTimers, 1);
    await other.advance(1000);
    assert.equal(waiting.state, "pending");
    await t.advance(100);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(t.loop.time(), start + 100);
    // Waits that start now are timed by the loop now current.
    const next = watch(condition.wait({ timeout: 10 }));
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(other.pendingTimers, 1);
    await other.advance(10);
    assert.ok(timedOut()(next.reason));
  });

  Deno.test(`${kind.name}: Condition.wait() is woken with no loop turn`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const waiting = [
      watch(condition.wait()),
      watch(condition.wait({ timeout: 100 })),
      watch(condition.wait({ signal: new AbortController().signal })),
    ];
    condition.notifyAll();
    // Promise callbacks only: neither loop has been let run.
    await microtasks();
    assert.ok(waiting.every((w) => w.state === "fulfilled"));
    assert.equal(t.loop.pendingTimers, 0);
  });
}

// ---------------------------------------------------------------------------
// Abort signals

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Condition.wait() rejects with the signal's reason when it aborts`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const { controller, signal, live } = watchedSignal();
    const reason = new Error("stop");
    const waiting = watch(condition.wait({ signal, timeout: 100 }));
    assert.equal(live(), 1);
    assert.equal(t.loop.pendingTimers, 1);
    controller.abort(reason);
    // It leaves at once: its place, its timer and its listener.
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(live(), 0);
    await microtasks();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, reason);
    await t.advance(200);
    assert.equal(waiting.settlements, 1);
  });

  Deno.test(`${kind.name}: Condition.wait() rejects with any abort reason, even odd ones`, async () => {
    using t = kind.create();
    const condition = new Condition();
    for (const reason of ["a string", 0, null, { custom: true }]) {
      const controller = new AbortController();
      const waiting = watch(
        condition.wait({ signal: controller.signal, timeout: 50 }),
      );
      controller.abort(reason);
      await t.settle();
      assert.equal(waiting.state, "rejected");
      assert.equal(waiting.reason, reason);
    }
    const controller = new AbortController();
    const waiting = watch(condition.wait({ signal: controller.signal }));
    controller.abort();
    await t.settle();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, controller.signal.reason);
    assert.equal((waiting.reason as Error).name, "AbortError");
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.wait() with an already-aborted signal rejects at once and queues nothing`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const reasons: unknown[] = [new Error("gone"), "gone", undefined];
    for (const reason of reasons) {
      const { controller, signal, live } = watchedSignal();
      controller.abort(reason);
      for (
        const options of [
          { signal },
          { signal, timeout: 100 },
          { signal, timeout: 0 },
          { signal, deadline: { seconds: 1 } },
        ]
      ) {
        const waiting = watch(condition.wait(options));
        assert.equal(condition.waiters, 0);
        assert.equal(t.loop.pendingTimers, 0);
        assert.equal(live(), 0);
        await microtasks();
        assert.equal(waiting.state, "rejected");
        assert.equal(waiting.reason, signal.reason);
      }
    }
    const waiting = watch(condition.wait({ signal: AbortSignal.abort("why") }));
    await microtasks();
    assert.equal(waiting.reason, "why");
    // The condition still works.
    const next = watch(condition.wait());
    assert.equal(condition.notify(), 1);
    await t.settle();
    assert.equal(next.state, "fulfilled");
  });

  Deno.test(`${kind.name}: Condition.wait() that is aborted never takes a notification`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const controller = new AbortController();
    const aborted = watch(condition.wait({ signal: controller.signal }));
    const next = watch(condition.wait({ timeout: 100 }));
    controller.abort(new Error("no"));
    assert.equal(condition.waiters, 1);
    assert.equal(condition.notify(1), 1);
    await t.settle();
    assert.equal(aborted.state, "rejected");
    assert.equal(next.state, "fulfilled");
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.wait() that is aborted leaves the middle of the line`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const log: string[] = [];
    const controllers = [new AbortController(), new AbortController()];
    const waiter = async (name: string, options?: object) => {
      try {
        await condition.wait(options);
        log.push(name);
      } catch {
        log.push(`${name} aborted`);
      }
    };
    const done = [
      waiter("a", { signal: controllers[0].signal }),
      waiter("b"),
      waiter("c", { signal: controllers[1].signal, timeout: 100 }),
      waiter("d", { timeout: 100 }),
    ];
    controllers[1].abort();
    controllers[0].abort();
    assert.equal(condition.waiters, 2);
    assert.equal(t.loop.pendingTimers, 1);
    await t.settle();
    assert.deepEqual(log, ["c aborted", "a aborted"]);
    assert.equal(condition.notifyAll(), 2);
    await Promise.all(done);
    assert.deepEqual(log, ["c aborted", "a aborted", "b", "d"]);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.wait() ignores an abort after it was notified`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const { controller, signal, live } = watchedSignal();
    const waiting = watch(condition.wait({ signal, timeout: 100 }));
    assert.equal(condition.notify(), 1);
    // Notified first: the listener and the timer are gone already.
    assert.equal(live(), 0);
    assert.equal(t.loop.pendingTimers, 0);
    controller.abort(new Error("too late"));
    await t.advance(100);
    assert.equal(waiting.state, "fulfilled");
    assert.equal(waiting.settlements, 1);
  });

  Deno.test(`${kind.name}: Condition.wait() that is aborted first is not woken by a notify() in the same turn`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const controller = new AbortController();
    const waiting = watch(condition.wait({ signal: controller.signal }));
    controller.abort("first");
    assert.equal(condition.notify(), 0);
    await t.settle();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, "first");
    assert.equal(waiting.settlements, 1);
  });

  Deno.test(`${kind.name}: Condition.wait() that times out removes its abort listener`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const { controller, signal, live } = watchedSignal();
    const waiting = watch(condition.wait({ signal, timeout: 10 }));
    assert.equal(live(), 1);
    await t.advance(10);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(live(), 0);
    controller.abort(new Error("late"));
    await t.settle();
    assert.ok(timedOut()(waiting.reason));
    assert.equal(waiting.settlements, 1);
  });

  Deno.test(`${kind.name}: Condition.wait() can share one signal among many waiters`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const { controller, signal, live } = watchedSignal();
    const waiting = [1, 2, 3].map(() => watch(condition.wait({ signal })));
    // One listener each or one shared: either way, some while any waits.
    assert.ok(live() >= 1 && live() <= 3);
    assert.equal(condition.notify(), 1);
    assert.ok(live() >= 1 && live() <= 2);
    controller.abort("all");
    assert.equal(condition.waiters, 0);
    assert.equal(live(), 0);
    await t.settle();
    assert.deepEqual(waiting.map((w) => w.state), [
      "fulfilled",
      "rejected",
      "rejected",
    ]);
  });

  Deno.test(`${kind.name}: Condition.wait() leaves no abort listener once no waiter depends on the signal`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const other = new Condition();
    const { signal, live } = watchedSignal();
    const waiting = [
      watch(condition.wait({ signal })),
      watch(other.wait({ signal, timeout: 10 })),
      watch(condition.wait({ signal, timeout: 20 })),
      watch(other.wait({ signal })),
    ];
    assert.ok(live() >= 1);
    assert.equal(condition.notify(), 1);
    await t.advance(10);
    assert.ok(live() >= 1);
    assert.equal(other.notify(), 1);
    assert.ok(live() >= 1);
    await t.advance(10);
    assert.equal(live(), 0);
    assert.deepEqual(waiting.map((w) => w.state), [
      "fulfilled",
      "rejected",
      "rejected",
      "fulfilled",
    ]);
    assert.equal(t.loop.pendingTimers, 0);
  });
}

// ---------------------------------------------------------------------------
// waitFor

Deno.test("Condition.waitFor() resolves at once with a truthy value, without waiting", async () => {
  const condition = new Condition();
  for (const value of [true, 1, "yes", [], {}, -1, 1n]) {
    let calls = 0;
    const waiting = watch(condition.waitFor(() => (calls++, value)));
    assert.equal(condition.waiters, 0);
    await microtasks();
    assert.equal(waiting.state, "fulfilled");
    assert.equal(waiting.value, value);
    assert.equal(calls, 1);
  }
});

Deno.test("Condition.waitFor() checks the predicate after each wake-up and resolves with the first truthy value", async () => {
  const condition = new Condition();
  const values: unknown[] = [0, "", null, undefined, false, NaN, 0n, {
    found: true,
  }];
  let calls = 0;
  const waiting = watch(condition.waitFor(() => values[calls++]));
  assert.equal(calls, 1);
  for (let i = 1; i < values.length; i++) {
    await microtasks();
    assert.equal(waiting.state, "pending");
    assert.equal(condition.waiters, 1, "it waits as one waiter");
    assert.equal(condition.notify(), 1);
    assert.equal(calls, i, "the predicate runs after the wake-up");
  }
  await microtasks();
  assert.equal(calls, values.length);
  assert.equal(waiting.state, "fulfilled");
  assert.equal(waiting.value, values.at(-1));
  assert.equal(condition.waiters, 0);
});

Deno.test("Condition.waitFor() counts as one waiter while it waits", async () => {
  const condition = new Condition();
  let ready = false;
  const waiting = watch(condition.waitFor(() => ready));
  const plain = watch(condition.wait());
  assert.equal(condition.waiters, 2);
  assert.equal(condition.notify(), 1);
  assert.equal(condition.waiters, 1);
  await microtasks();
  // Woken with a false predicate, it waits again, behind the plain waiter.
  assert.equal(condition.waiters, 2);
  assert.equal(waiting.state, "pending");
  ready = true;
  assert.equal(condition.notify(), 1);
  await microtasks();
  assert.equal(plain.state, "fulfilled");
  assert.equal(waiting.state, "pending");
  assert.equal(condition.notify(), 1);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
  assert.equal(waiting.value, true);
  assert.equal(condition.waiters, 0);
});

Deno.test("Condition.waitFor() rejects with the predicate's error on the first check and queues nothing", async () => {
  const condition = new Condition();
  const failure = new Error("broken predicate");
  const waiting = watch(
    condition.waitFor(() => {
      throw failure;
    }),
  );
  assert.equal(condition.waiters, 0);
  await microtasks();
  assert.equal(waiting.state, "rejected");
  assert.equal(waiting.reason, failure);
});

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Condition.waitFor() rejects with the predicate's error after a wake-up and leaves the line`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const { signal, live } = watchedSignal();
    const failure = "thrown";
    let calls = 0;
    const waiting = watch(
      condition.waitFor(() => {
        if (calls++ === 1) throw failure;
        return false;
      }, { timeout: 100, signal }),
    );
    const behind = watch(condition.wait());
    assert.equal(condition.waiters, 2);
    assert.equal(condition.notify(), 1);
    await t.settle();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, failure);
    assert.equal(condition.waiters, 1);
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(live(), 0);
    assert.equal(condition.notify(), 1);
    await t.settle();
    assert.equal(behind.state, "fulfilled");
  });

  Deno.test(`${kind.name}: Condition.waitFor() applies its deadline to the whole wait`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const start = t.loop.time();
    let calls = 0;
    const waiting = watch(
      condition.waitFor(() => (calls++, false), { timeout: 100 }),
    );
    await t.advance(60);
    assert.equal(condition.notify(), 1);
    await t.settle();
    assert.equal(calls, 2);
    assert.equal(condition.waiters, 1);
    assert.equal(t.loop.pendingTimers, 1);
    await t.advance(39);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.equal(waiting.state, "rejected");
    assert.ok(timedOut("Condition.waitFor()")(waiting.reason));
    assert.equal(t.loop.time(), start + 100);
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.waitFor() woken at its deadline with a false predicate rejects at once`, async () => {
    using t = kind.create();
    const condition = new Condition();
    // Scheduled before the wait, this notify() runs just before its timeout.
    t.loop.callLater(50, () => condition.notify());
    let calls = 0;
    const waiting = watch(
      condition.waitFor(() => (calls++, false), {
        deadline: t.loop.time() + 50,
      }),
    );
    await t.advance(50);
    assert.equal(calls, 2);
    assert.equal(waiting.state, "rejected");
    assert.ok(timedOut("Condition.waitFor()")(waiting.reason));
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.waitFor() resolves when the predicate is true at its deadline`, async () => {
    using t = kind.create();
    const condition = new Condition();
    let ready = false;
    t.loop.callLater(50, () => {
      ready = true;
      condition.notify();
    });
    const waiting = watch(condition.waitFor(() => ready, { timeout: 50 }));
    await t.advance(50);
    assert.equal(waiting.state, "fulfilled");
    assert.equal(waiting.value, true);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Condition.waitFor() with timeout 0 succeeds if the predicate holds and rejects at once otherwise`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const yes = watch(condition.waitFor(() => "ok", { timeout: 0 }));
    const no = watch(condition.waitFor(() => 0, { timeout: 0 }));
    const past = watch(
      condition.waitFor(() => null, { deadline: t.loop.time() }),
    );
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
    await microtasks();
    assert.equal(yes.value, "ok");
    assert.ok(timedOut("Condition.waitFor()")(no.reason));
    assert.ok(timedOut("Condition.waitFor()")(past.reason));
  });

  Deno.test(`${kind.name}: Condition.waitFor() applies its signal to the whole wait`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const { controller, signal, live } = watchedSignal();
    let calls = 0;
    const waiting = watch(
      condition.waitFor(() => (calls++, false), { signal, timeout: 1000 }),
    );
    condition.notify();
    await t.settle();
    assert.equal(calls, 2);
    assert.equal(live(), 1);
    const reason = new Error("abandoned");
    controller.abort(reason);
    assert.equal(condition.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
    await t.settle();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, reason);
    assert.equal(calls, 2);
    assert.equal(live(), 0);
  });

  Deno.test(`${kind.name}: Condition.waitFor() aborted between a wake-up and its next wait rejects`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const controller = new AbortController();
    let calls = 0;
    const waiting = watch(
      condition.waitFor(() => (calls++, false), { signal: controller.signal }),
    );
    condition.notify();
    // Woken but not yet resumed: the abort comes before it waits again.
    controller.abort("meanwhile");
    await t.settle();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, "meanwhile");
    assert.equal(condition.waiters, 0);
  });

  Deno.test(`${kind.name}: Condition.waitFor() is timed by the loop current when it starts`, async () => {
    using t = kind.create();
    const condition = new Condition();
    const start = t.loop.time();
    let calls = 0;
    const waiting = watch(
      condition.waitFor(() => (calls++, false), { timeout: 100 }),
    );
    const other = new VirtualIOLoop();
    IOLoop.setCurrent(other);
    // Woken while another loop is current, it still waits on the first.
    condition.notify();
    await t.settle();
    assert.equal(calls, 2);
    assert.equal(other.pendingTimers, 0);
    assert.equal(t.loop.pendingTimers, 1);
    await other.advance(1000);
    assert.equal(waiting.state, "pending");
    await t.advance(100);
    assert.ok(timedOut("Condition.waitFor()")(waiting.reason));
    assert.equal(t.loop.time(), start + 100);
  });
}

Deno.test("Condition.waitFor() with an already-aborted signal rejects before calling the predicate", async () => {
  const condition = new Condition();
  let calls = 0;
  const predicate = () => (calls++, true);
  const reason = new Error("aborted before");
  const waiting = watch(
    condition.waitFor(predicate, { signal: AbortSignal.abort(reason) }),
  );
  const odd = watch(
    condition.waitFor(predicate, { signal: AbortSignal.abort() }),
  );
  await microtasks();
  assert.equal(waiting.reason, reason);
  assert.equal(odd.state, "rejected");
  assert.equal((odd.reason as Error).name, "AbortError");
  assert.equal(calls, 0);
  assert.equal(condition.waiters, 0);
});

Deno.test("Condition.waitFor() rejects with a TypeError when predicate is not a function", async () => {
  const condition = new Condition();
  for (const predicate of [undefined, null, true, "ready", {}, 1]) {
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      promise = condition.waitFor(predicate as never);
    });
    await assert.rejects(
      promise!,
      error(
        TypeError,
        /^Cannot call Condition\.waitFor\(\) as 'predicate' must be a function: current value is /,
      ),
    );
    assert.equal(condition.waiters, 0);
  }
});

Deno.test("Condition.waitFor() rejects bad options before calling the predicate", async () => {
  const condition = new Condition();
  let calls = 0;
  const predicate = () => (calls++, false);
  const cases: [unknown, ErrorConstructor, RegExp][] = [
    [5, TypeError, /'options' must be an object/],
    [{ timeout: NaN }, RangeError, /'options\.timeout'/],
    [{ deadline: NaN }, RangeError, /'options\.deadline'/],
    [{ timeout: { weeks: 1 } }, RangeError, /'options\.timeout\.weeks'/],
    [{ signal: { aborted: true } }, TypeError, /'options\.signal'/],
  ];
  for (const [options, Class, message] of cases) {
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      promise = condition.waitFor(predicate, options as never);
    });
    await assert.rejects(
      promise!,
      error(
        Class,
        new RegExp(
          `^Cannot call Condition\\.waitFor\\(\\) as ${message.source}`,
        ),
      ),
    );
  }
  assert.equal(calls, 0);
  assert.equal(condition.waiters, 0);
});

Deno.test("Condition.waitFor() callers are woken in line with plain waiters", async () => {
  const condition = new Condition();
  let ready = false;
  const log: string[] = [];
  const done = [
    (async () => {
      await condition.wait();
      log.push("wait 1");
    })(),
    (async () => {
      log.push(`waitFor got ${await condition.waitFor(() => ready && "go")}`);
    })(),
    (async () => {
      await condition.wait();
      log.push("wait 2");
    })(),
  ];
  assert.equal(condition.waiters, 3);
  ready = true;
  assert.equal(condition.notify(2), 2);
  await microtasks();
  // notify(2) went to the first two in line, not to the third.
  assert.deepEqual(log.toSorted(), ["wait 1", "waitFor got go"]);
  assert.equal(condition.notify(), 1);
  await Promise.all(done);
  assert.equal(log[2], "wait 2");
});

// ---------------------------------------------------------------------------
// Bad input

const BAD_WAIT_OPTIONS: [string, unknown, ErrorConstructor, string][] = [
  ["options not an object", 5, TypeError, "'options' must be an object"],
  ["options null", null, TypeError, "'options' must be an object"],
  ["options a string", "fast", TypeError, "'options' must be an object"],
  ["NaN timeout", { timeout: NaN }, RangeError, "'options.timeout'"],
  ["NaN deadline", { deadline: NaN }, RangeError, "'options.deadline'"],
  ["string timeout", { timeout: "5" }, TypeError, "'options.timeout'"],
  ["null timeout", { timeout: null }, TypeError, "'options.timeout'"],
  ["string deadline", { deadline: "5" }, TypeError, "'options.deadline'"],
  ["boolean deadline", { deadline: true }, TypeError, "'options.deadline'"],
  [
    "years in a timeout",
    { timeout: { years: 1 } },
    RangeError,
    "'options.timeout.years'",
  ],
  [
    "months in a deadline",
    { deadline: { months: 1 } },
    RangeError,
    "'options.deadline.months'",
  ],
  [
    "weeks in a timeout",
    { timeout: { days: 1, weeks: 2 } },
    RangeError,
    "'options.timeout.weeks'",
  ],
  [
    "infinite seconds",
    { timeout: { seconds: Infinity } },
    RangeError,
    "'options.timeout.seconds'",
  ],
  [
    "-Infinity days in a deadline",
    { deadline: { days: -Infinity } },
    RangeError,
    "'options.deadline.days'",
  ],
  [
    "NaN milliseconds",
    { timeout: { milliseconds: NaN } },
    RangeError,
    "'options.timeout.milliseconds'",
  ],
  [
    "string seconds",
    { timeout: { seconds: "1" } },
    TypeError,
    "'options.timeout.seconds'",
  ],
  [
    "null minutes",
    { deadline: { minutes: null } },
    TypeError,
    "'options.deadline.minutes'",
  ],
  [
    "string seconds beside a calendar field",
    { timeout: { years: 1, seconds: "1" } },
    TypeError,
    "'options.timeout.seconds'",
  ],
  [
    "string calendar field beside a non-zero one",
    { timeout: { years: 1, months: "1" } },
    TypeError,
    "'options.timeout.months'",
  ],
  [
    "signal-like object",
    { signal: { aborted: true } },
    TypeError,
    "'options.signal' must be an AbortSignal",
  ],
  [
    "signal null",
    { signal: null },
    TypeError,
    "'options.signal' must be an AbortSignal",
  ],
  [
    "AbortController as signal",
    { signal: new AbortController() },
    TypeError,
    "'options.signal' must be an AbortSignal",
  ],
];

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Condition.wait() rejects bad options without throwing, and queues nothing`, async () => {
    using t = kind.create();
    const condition = new Condition();
    for (const [label, options, Class, argument] of BAD_WAIT_OPTIONS) {
      let promise: Promise<void> | undefined;
      assert.doesNotThrow(() => {
        promise = condition.wait(options as never);
      }, label);
      assert.ok(promise instanceof Promise, label);
      assert.equal(condition.waiters, 0, label);
      assert.equal(t.loop.pendingTimers, 0, label);
      await assert.rejects(
        promise,
        error(
          Class,
          new RegExp(
            `^Cannot call Condition\\.wait\\(\\) as ${
              argument.replace(/[.()]/g, "\\$&")
            }.*: current value is `,
          ),
        ),
        label,
      );
    }
    // It still works.
    const waiting = watch(condition.wait({ timeout: 10 }));
    assert.equal(condition.notify(), 1);
    await t.settle();
    assert.equal(waiting.state, "fulfilled");
  });
}

Deno.test("Condition.wait() names the value in its error messages", async () => {
  const condition = new Condition();
  await assert.rejects(
    condition.wait({ timeout: NaN }),
    error(
      RangeError,
      "Cannot call Condition.wait() as 'options.timeout' must be a number other than NaN: current value is NaN",
    ),
  );
  await assert.rejects(
    condition.wait(7 as never),
    error(
      TypeError,
      "Cannot call Condition.wait() as 'options' must be an object: current value is 7",
    ),
  );
  await assert.rejects(
    condition.wait({ timeout: { years: 2 } } as never),
    error(RangeError, /'options\.timeout\.years' .*: current value is 2$/),
  );
});

Deno.test("Condition.wait() takes zero calendar fields, as a Temporal.Duration has", async () => {
  const condition = new Condition();
  const loop = new VirtualIOLoop();
  const withLoop = new Condition({ loop });
  // A class with getters on its prototype, as Temporal.Duration has.
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
  const waiting = watch(
    withLoop.wait({ timeout: new Duration() as DurationLike }),
  );
  assert.equal(loop.pendingTimers, 1);
  await loop.advance(1999);
  assert.equal(waiting.state, "pending");
  await loop.advance(1);
  assert.ok(timedOut()(waiting.reason));
  const Temporal = (globalThis as {
    Temporal?: { Duration: { from(x: object): DurationLike } };
  }).Temporal;
  if (Temporal !== undefined) {
    const temporal = watch(
      withLoop.wait({ timeout: Temporal.Duration.from({ milliseconds: 5 }) }),
    );
    await loop.advance(5);
    assert.ok(timedOut()(temporal.reason));
  }
  assert.equal(condition.waiters, 0);
});

Deno.test("Condition.notify() throws on a bad count and wakes nobody", async () => {
  const condition = new Condition();
  const waiting = watch(condition.wait());
  const cases: [unknown, ErrorConstructor, string][] = [
    ["2", TypeError, '"2"'],
    [null, TypeError, "null"],
    [2n, TypeError, "2n"],
    [-1, RangeError, "-1"],
    [1.5, RangeError, "1.5"],
    [NaN, RangeError, "NaN"],
    [-Infinity, RangeError, "-Infinity"],
  ];
  for (const [n, Class, shown] of cases) {
    assert.throws(
      () => condition.notify(n as never),
      error(
        Class,
        new RegExp(
          `^Cannot call Condition\\.notify\\(\\) as 'n' must be .*: current value is ${
            shown.replace(/[.+]/g, "\\$&")
          }$`,
        ),
      ),
    );
    assert.equal(condition.waiters, 1);
  }
  await microtasks();
  assert.equal(waiting.state, "pending");
  assert.equal(condition.notify(), 1);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
});

// ---------------------------------------------------------------------------
// Inspection

Deno.test("Condition.toString() and inspection show <Condition> with no waiters", () => {
  const condition = new Condition();
  for (const shown of inspections(condition)) {
    assert.equal(shown, "<Condition>");
  }
});

Deno.test("Condition.toString() and inspection show how many wait", async () => {
  const condition = new Condition();
  const controller = new AbortController();
  const waiting = [
    condition.wait(),
    condition.wait({ signal: controller.signal }).catch(() => {}),
  ];
  for (const shown of inspections(condition)) {
    assert.equal(shown, "<Condition waiters[2]>");
  }
  controller.abort();
  for (const shown of inspections(condition)) {
    assert.equal(shown, "<Condition waiters[1]>");
  }
  condition.notify();
  for (const shown of inspections(condition)) {
    assert.equal(shown, "<Condition>");
  }
  await Promise.all(waiting);
});

// ---------------------------------------------------------------------------
// Leaks

Deno.test("Condition.wait() leaves nothing behind after 100,000 timeouts", async () => {
  const loop = new VirtualIOLoop();
  const condition = new Condition({ loop });
  const count = 100_000;
  let rejected = 0;
  const onTimeout = (e: unknown) => {
    if (e instanceof TimeoutError) rejected++;
  };
  for (let i = 0; i < count; i++) {
    condition.wait({ timeout: 1 + (i % 3) }).catch(onTimeout);
  }
  assert.equal(condition.waiters, count);
  assert.equal(loop.pendingTimers, count);
  await loop.advance(3);
  assert.equal(rejected, count);
  assert.equal(condition.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(condition.notify(), 0);
});

Deno.test("Condition.wait() leaves nothing behind after 100,000 aborts", async () => {
  const loop = new VirtualIOLoop();
  const condition = new Condition({ loop });
  const count = 100_000;
  const controllers: AbortController[] = [];
  let rejected = 0;
  const onAbort = (e: unknown) => {
    if (e === "shutdown") rejected++;
  };
  for (let i = 0; i < count; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    condition.wait({ signal: controller.signal, timeout: 1000 }).catch(onAbort);
  }
  assert.equal(condition.waiters, count);
  assert.equal(loop.pendingTimers, count);
  // From both ends towards the middle, so most leave from inside the line.
  for (let i = 0; i < count / 2; i++) {
    controllers[i].abort("shutdown");
    controllers[count - 1 - i].abort("shutdown");
  }
  assert.equal(condition.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  await loop.advance(1000);
  assert.equal(rejected, count);
  assert.equal(condition.notify(), 0);
});

Deno.test("Condition.wait() leaves nothing behind when 10,000 waiters sharing a signal are aborted", async () => {
  const loop = new VirtualIOLoop();
  const condition = new Condition({ loop });
  const count = 10_000;
  const controller = new AbortController();
  const reason = new Error("shutdown");
  let rejected = 0;
  const onAbort = (e: unknown) => {
    if (e === reason) rejected++;
  };
  for (let i = 0; i < count; i++) {
    condition.wait({ signal: controller.signal, timeout: 1000 }).catch(onAbort);
  }
  controller.abort(reason);
  assert.equal(condition.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  await loop.advance(1000);
  assert.equal(rejected, count);
});

// ---------------------------------------------------------------------------
// Types

Deno.test("Condition.waitFor() is typed by its predicate, and notify() by its count", async () => {
  const condition = new Condition();
  const value: number = await condition.waitFor(() => 42);
  assert.equal(value, 42);
  // @ts-expect-error: the promise resolves with the predicate's type.
  const text: string = await condition.waitFor(() => 42);
  assert.equal(text, 42);
  // @ts-expect-error: n is a number.
  assert.throws(() => condition.notify("2"), TypeError);
  // @ts-expect-error: timeout is a number or a DurationLike.
  await assert.rejects(condition.wait({ timeout: "5" }), TypeError);
  const fake = { aborted: true };
  // @ts-expect-error: signal is an AbortSignal.
  await assert.rejects(condition.wait({ signal: fake }), TypeError);
});
