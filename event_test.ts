import { waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { Event } from "./event.ts";
import { TimeoutError } from "./errors.ts";
import { IOLoop, VirtualIOLoop } from "./ioloop.ts";
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

const timedOut = (what = "Event.wait()") => timeoutOf(what);

// ---------------------------------------------------------------------------
// The shared wait suite

waitSuite(Deno.test, {
  name: "Event.wait()",
  make: (loop) => new Event({ loop }),
  makeAvailable: (loop) => {
    const event = new Event({ loop });
    event.set();
    return event;
  },
  wait: (event, options) => event.wait(options),
  grant: (event) => event.set(),
  grantsAll: true,
  waiters: (event) => event.waiters,
  close: (event, reason) => event.close(reason),
});

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new Event() starts clear with no waiters", () => {
  for (
    const event of [
      new Event(),
      new Event({}),
      new Event(undefined),
      new Event({ loop: undefined }),
      new Event({ loop: new VirtualIOLoop() }),
    ]
  ) {
    assert.equal(event.isSet(), false);
    assert.equal(event.waiters, 0);
  }
});

Deno.test("new Event() throws a TypeError when options is not an object", () => {
  for (
    const [options, shown] of [
      [5, "5"],
      ["loop", '"loop"'],
      [null, "null"],
      [false, "false"],
    ] as const
  ) {
    assert.throws(
      () => new Event(options as never),
      error(
        TypeError,
        `Cannot create Event as 'options' must be an object: current value is ${shown}`,
      ),
    );
  }
});

Deno.test("new Event() throws a TypeError when options.loop is not an IOLoop", () => {
  for (const loop of [{}, null, 0, "loop", IOLoop, { time: () => 0 }]) {
    assert.throws(
      () => new Event({ loop: loop as never }),
      error(
        TypeError,
        /^Cannot create Event as 'options\.loop' must be an IOLoop/,
      ),
    );
  }
});

Deno.test("new Event({ loop }) times every wait on that loop, whichever loop is current", async () => {
  const own = new VirtualIOLoop();
  const other = new VirtualIOLoop();
  const event = new Event({ loop: own });
  IOLoop.setCurrent(other);
  try {
    const waiting = watch(event.wait({ timeout: 10 }));
    assert.equal(own.pendingTimers, 1);
    assert.equal(other.pendingTimers, 0);
    await other.advance(10);
    assert.equal(waiting.state, "pending");
    await own.advance(10);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(own.pendingTimers, 0);
    assert.equal(event.waiters, 0);
  } finally {
    IOLoop.setCurrent(undefined);
  }
});

// ---------------------------------------------------------------------------
// isSet, set, clear

Deno.test("Event.isSet() follows set() and clear()", () => {
  const event = new Event();
  assert.equal(event.isSet(), false);
  assert.equal(event.set(), undefined);
  assert.equal(event.isSet(), true);
  assert.equal(event.clear(), undefined);
  assert.equal(event.isSet(), false);
  event.clear();
  assert.equal(event.isSet(), false);
});

Deno.test("Event.set() wakes every waiter", async () => {
  const event = new Event();
  const controller = new AbortController();
  const waiting = [
    watch(event.wait()),
    watch(event.wait()),
    watch(event.wait({ signal: controller.signal })),
    watch(event.wait({ timeout: Infinity })),
    watch(event.wait({})),
    watch(event.wait()),
  ];
  assert.equal(event.waiters, 6);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "pending"));
  event.set();
  assert.equal(event.waiters, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.ok(waiting.every((w) => w.value === undefined));
});

Deno.test("Event.set() twice is harmless", async () => {
  const event = new Event();
  const waiting = watch(event.wait());
  event.set();
  event.set();
  assert.equal(event.isSet(), true);
  assert.equal(event.waiters, 0);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
  assert.equal(waiting.settlements, 1);
  const later = watch(event.wait());
  event.set();
  await microtasks();
  assert.equal(later.state, "fulfilled");
  assert.equal(String(event), "<Event set>");
});

Deno.test("Event.set() returns before any woken function resumes", async () => {
  const event = new Event();
  let returned = false;
  const resumedAfterReturn: boolean[] = [];
  const waiter = async (options?: object) => {
    await event.wait(options);
    resumedAfterReturn.push(returned);
  };
  const done = [waiter(), waiter({ timeout: Infinity }), waiter()];
  event.set();
  returned = true;
  await Promise.all(done);
  assert.deepEqual(resumedAfterReturn, [true, true, true]);
});

Deno.test("Event.waiters is 0 when set() returns, before woken functions resume", async () => {
  const event = new Event();
  const seen: number[] = [];
  const waiter = async (options?: object) => {
    await event.wait(options);
    seen.push(event.waiters);
  };
  const done = [waiter(), waiter(), waiter({}), waiter()];
  assert.equal(event.waiters, 4);
  event.set();
  assert.equal(event.waiters, 0);
  assert.deepEqual(seen, []);
  await Promise.all(done);
  assert.deepEqual(seen, [0, 0, 0, 0]);
});

Deno.test("Event.waiters counts every waiter, plain ones included", () => {
  const event = new Event();
  const controller = new AbortController();
  const waiting = [event.wait(), event.wait(), event.wait()];
  assert.equal(event.waiters, 3);
  waiting.push(event.wait({ signal: controller.signal }).catch(() => {}));
  assert.equal(event.waiters, 4);
  waiting.push(event.wait());
  assert.equal(event.waiters, 5);
  controller.abort();
  assert.equal(event.waiters, 4);
  event.set();
  assert.equal(event.waiters, 0);
  return Promise.all(waiting).then(() => {});
});

Deno.test("Event.wait() resolves at once while set, queueing nothing", async () => {
  const event = new Event();
  event.set();
  const controller = new AbortController();
  const waiting = [
    watch(event.wait()),
    watch(event.wait({})),
    watch(event.wait({ timeout: 100 })),
    watch(event.wait({ deadline: { seconds: 1 } })),
    watch(event.wait({ signal: controller.signal })),
  ];
  assert.equal(event.waiters, 0);
  assert.equal(IOLoop.current().pendingTimers, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
});

Deno.test("Event.clear() makes later waits wait again", async () => {
  const event = new Event();
  event.set();
  await event.wait();
  event.clear();
  const waiting = watch(event.wait());
  const withOptions = watch(event.wait({}));
  await microtasks();
  assert.equal(waiting.state, "pending");
  assert.equal(withOptions.state, "pending");
  assert.equal(event.waiters, 2);
  event.set();
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
  assert.equal(withOptions.state, "fulfilled");
});

Deno.test("Event.clear() wakes and rejects nobody", async () => {
  const event = new Event();
  const waiting = [watch(event.wait()), watch(event.wait({}))];
  event.clear();
  assert.equal(event.waiters, 2);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "pending"));
  event.set();
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
});

Deno.test("Event.set() then clear() in one turn still wakes those who waited", async () => {
  const event = new Event();
  const waiting = [
    watch(event.wait()),
    watch(event.wait({ signal: new AbortController().signal })),
  ];
  event.set();
  event.clear();
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.equal(event.isSet(), false);
  const later = watch(event.wait());
  await microtasks();
  assert.equal(later.state, "pending");
  event.set();
  await microtasks();
  assert.equal(later.state, "fulfilled");
});

// ---------------------------------------------------------------------------
// FIFO

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Event.set() resumes woken functions in the order they started waiting, whatever options each passed`, async () => {
    using t = kind.create();
    const event = new Event();
    const controller = new AbortController();
    const log: string[] = [];
    const waiter = async (name: string, options?: object) => {
      await event.wait(options);
      log.push(name);
    };
    const done = [
      waiter("plain 1"),
      waiter("timeout", { timeout: 1000 }),
      waiter("plain 2"),
      waiter("signal", { signal: controller.signal }),
      waiter("plain 3"),
      waiter("plain 4"),
      waiter("deadline", { deadline: { seconds: 5 } }),
      waiter("empty options", {}),
      waiter("plain 5"),
    ];
    event.set();
    await Promise.all(done);
    assert.deepEqual(log, [
      "plain 1",
      "timeout",
      "plain 2",
      "signal",
      "plain 3",
      "plain 4",
      "deadline",
      "empty options",
      "plain 5",
    ]);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Event.set() keeps the order when waiters with options left from between plain ones`, async () => {
    using t = kind.create();
    const event = new Event();
    const controller = new AbortController();
    const log: string[] = [];
    const waiter = async (name: string, options?: object) => {
      try {
        await event.wait(options);
        log.push(name);
      } catch (e) {
        log.push(`${name}: ${e instanceof TimeoutError ? "timed out" : e}`);
      }
    };
    const done = [
      waiter("plain 1"),
      waiter("timeout", { timeout: 10 }),
      waiter("plain 2"),
      waiter("signal", { signal: controller.signal }),
    ];
    await t.advance(10);
    controller.abort("aborted");
    await t.settle();
    // Plain waiters that now stand side by side, and more that join them.
    done.push(waiter("plain 3"), waiter("timeout 2", { timeout: 5 }));
    done.push(waiter("plain 4"));
    assert.equal(event.waiters, 5);
    event.set();
    await Promise.all(done);
    assert.deepEqual(log, [
      "timeout: timed out",
      "signal: aborted",
      "plain 1",
      "plain 2",
      "plain 3",
      "timeout 2",
      "plain 4",
    ]);
    assert.equal(t.loop.pendingTimers, 0);
  });
}

Deno.test("Event.wait() plain waiters started in separate turns resume in order", async () => {
  const event = new Event();
  const log: number[] = [];
  const done: Promise<void>[] = [];
  for (let i = 0; i < 5; i++) {
    done.push((async () => {
      await event.wait();
      log.push(i);
    })());
    await microtasks();
  }
  event.set();
  await Promise.all(done);
  assert.deepEqual(log, [0, 1, 2, 3, 4]);
});

// ---------------------------------------------------------------------------
// Deadlines and timeouts

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Event.wait() rejects with TimeoutError at the timeout, not before`, async () => {
    using t = kind.create();
    const event = new Event();
    const start = t.loop.time();
    const waiting = watch(event.wait({ timeout: 100 }));
    assert.equal(t.loop.pendingTimers, 1);
    await t.advance(99);
    assert.equal(waiting.state, "pending");
    assert.equal(event.waiters, 1);
    await t.advance(1);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(t.loop.time(), start + 100);
    assert.equal(event.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(event.isSet(), false);
  });

  Deno.test(`${kind.name}: Event.wait() rejects with a new TimeoutError each time`, async () => {
    using t = kind.create();
    const event = new Event();
    const a = watch(event.wait({ timeout: 10 }));
    const b = watch(event.wait({ timeout: 10 }));
    await t.advance(10);
    assert.ok(timedOut()(a.reason));
    assert.ok(timedOut()(b.reason));
    assert.notEqual(a.reason, b.reason);
  });

  Deno.test(`${kind.name}: Event.wait() takes a DurationLike timeout`, async () => {
    using t = kind.create();
    const event = new Event();
    const waiting = watch(event.wait({ timeout: { minutes: 1, seconds: 1 } }));
    await t.advance(60_999);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(waiting.reason));
    const small = watch(
      event.wait({ timeout: { microseconds: 1500, nanoseconds: 500_000 } }),
    );
    await t.advance(1);
    assert.equal(small.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(small.reason));
    const Temporal = (globalThis as {
      Temporal?: { Duration: { from(x: object): object } };
    }).Temporal;
    if (Temporal !== undefined) {
      const temporal = watch(
        event.wait({ timeout: Temporal.Duration.from({ seconds: 2 }) }),
      );
      await t.advance(1999);
      assert.equal(temporal.state, "pending");
      await t.advance(1);
      assert.ok(timedOut()(temporal.reason));
    }
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Event.wait() takes an absolute deadline on the loop's clock`, async () => {
    using t = kind.create();
    await t.advance(5);
    const event = new Event();
    const start = t.loop.time();
    const waiting = watch(event.wait({ deadline: start + 300 }));
    await t.advance(299);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(t.loop.time(), start + 300);
  });

  Deno.test(`${kind.name}: Event.wait() takes a DurationLike deadline relative to now`, async () => {
    using t = kind.create();
    await t.advance(1000);
    const event = new Event();
    const waiting = watch(event.wait({ deadline: { seconds: 2 } }));
    await t.advance(1999);
    assert.equal(waiting.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(waiting.reason));
  });

  Deno.test(`${kind.name}: Event.wait() applies the earlier of deadline and timeout`, async () => {
    using t = kind.create();
    const event = new Event();
    const start = t.loop.time();
    const timeoutFirst = watch(
      event.wait({ deadline: start + 100, timeout: 40 }),
    );
    const deadlineFirst = watch(
      event.wait({ deadline: { milliseconds: 20 }, timeout: 60 }),
    );
    await t.advance(19);
    assert.equal(deadlineFirst.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(deadlineFirst.reason));
    await t.advance(19);
    assert.equal(timeoutFirst.state, "pending");
    await t.advance(1);
    assert.ok(timedOut()(timeoutFirst.reason));
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Event.wait() with timeout or deadline Infinity arms no timer`, async () => {
    using t = kind.create();
    const event = new Event();
    const waiting = [
      watch(event.wait({ timeout: Infinity })),
      watch(event.wait({ deadline: Infinity })),
      watch(event.wait({ deadline: Infinity, timeout: Infinity })),
      watch(event.wait({ timeout: undefined })),
    ];
    assert.equal(t.loop.pendingTimers, 0);
    await t.advance(2 ** 31);
    assert.ok(waiting.every((w) => w.state === "pending"));
    assert.equal(event.waiters, 4);
    event.set();
    await t.settle();
    assert.ok(waiting.every((w) => w.state === "fulfilled"));
  });

  Deno.test(`${kind.name}: Event.wait() rejects at once when the deadline has already passed and the event is clear`, async () => {
    using t = kind.create();
    await t.advance(500);
    const event = new Event();
    const now = t.loop.time();
    for (const options of PASSED(now)) {
      const waiting = watch(event.wait(options));
      assert.equal(event.waiters, 0, inspect(options));
      assert.equal(t.loop.pendingTimers, 0, inspect(options));
      await microtasks();
      assert.equal(waiting.state, "rejected", inspect(options));
      assert.ok(timedOut()(waiting.reason));
    }
    assert.equal(t.loop.time(), now);
  });

  Deno.test(`${kind.name}: Event.wait() succeeds at once when the deadline has already passed and the event is set`, async () => {
    using t = kind.create();
    await t.advance(500);
    const event = new Event();
    event.set();
    for (const options of PASSED(t.loop.time())) {
      const waiting = watch(event.wait(options));
      assert.equal(event.waiters, 0);
      assert.equal(t.loop.pendingTimers, 0);
      await microtasks();
      assert.equal(waiting.state, "fulfilled", inspect(options));
    }
  });

  Deno.test(`${kind.name}: Event.wait() that times out leaves the line at once and the rest still wait`, async () => {
    using t = kind.create();
    const event = new Event();
    const plain = watch(event.wait());
    const timed = watch(event.wait({ timeout: 10 }));
    const later = watch(event.wait({ timeout: 20 }));
    await t.advance(10);
    assert.ok(timedOut()(timed.reason));
    assert.equal(event.waiters, 2);
    assert.equal(t.loop.pendingTimers, 1);
    event.set();
    assert.equal(t.loop.pendingTimers, 0);
    await t.settle();
    assert.equal(plain.state, "fulfilled");
    assert.equal(later.state, "fulfilled");
    await t.advance(100);
    assert.equal(later.settlements, 1);
  });

  Deno.test(`${kind.name}: Event.set() cancels the timers of the waiters it wakes`, async () => {
    using t = kind.create();
    const event = new Event();
    const waiting = [1, 2, 3].map((i) =>
      watch(event.wait({ timeout: i * 10 }))
    );
    assert.equal(t.loop.pendingTimers, 3);
    event.set();
    assert.equal(t.loop.pendingTimers, 0);
    await t.advance(100);
    assert.ok(waiting.every((w) => w.state === "fulfilled"));
  });

  Deno.test(`${kind.name}: Event.wait() settles once when the timeout and set() come in the same turn`, async () => {
    using t = kind.create();
    const event = new Event();
    // The timeout was armed first, so it fires before set().
    const timedOutFirst = watch(event.wait({ timeout: 10 }));
    const plain = watch(event.wait());
    t.loop.callLater(10, () => event.set());
    await t.advance(10);
    assert.ok(timedOut()(timedOutFirst.reason));
    assert.equal(plain.state, "fulfilled");
    // set() scheduled first wins.
    event.clear();
    t.loop.callLater(10, () => event.set());
    const setFirst = watch(event.wait({ timeout: 10 }));
    await t.advance(10);
    assert.equal(setFirst.state, "fulfilled");
    await t.advance(100);
    assert.equal(timedOutFirst.settlements, 1);
    assert.equal(setFirst.settlements, 1);
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(event.waiters, 0);
  });
}

function PASSED(now: number): object[] {
  return [
    { timeout: 0 },
    { timeout: -0 },
    { timeout: -1 },
    { timeout: -Infinity },
    { timeout: {} },
    { timeout: { milliseconds: -5 } },
    { timeout: { seconds: undefined } },
    { deadline: now },
    { deadline: now - 1 },
    { deadline: 0 },
    { deadline: -Infinity },
    { deadline: { seconds: 0 } },
    { deadline: now + 100, timeout: 0 },
    { deadline: now, timeout: 100 },
  ];
}

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Event.wait() is timed to its end by the loop current when it starts`, async () => {
    using t = kind.create();
    const event = new Event();
    const start = t.loop.time();
    const waiting = watch(event.wait({ timeout: 100 }));
    const other = new VirtualIOLoop();
    IOLoop.setCurrent(other);
    assert.equal(t.loop.pendingTimers, 1);
    await other.advance(1000);
    assert.equal(waiting.state, "pending");
    await t.advance(100);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(t.loop.time(), start + 100);
    // Waits that start now are timed by the loop now current.
    const next = watch(event.wait({ timeout: 10 }));
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(other.pendingTimers, 1);
    await other.advance(10);
    assert.ok(timedOut()(next.reason));
  });

  Deno.test(`${kind.name}: Event.wait() is woken with no loop turn`, async () => {
    using t = kind.create();
    const event = new Event();
    const waiting = [
      watch(event.wait()),
      watch(event.wait({ timeout: 100 })),
      watch(event.wait({ signal: new AbortController().signal })),
    ];
    event.set();
    // Promise callbacks only: neither loop has been let run.
    await microtasks();
    assert.ok(waiting.every((w) => w.state === "fulfilled"));
    assert.equal(t.loop.pendingTimers, 0);
  });
}

// ---------------------------------------------------------------------------
// Abort signals

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Event.wait() rejects with the signal's reason when it aborts`, async () => {
    using t = kind.create();
    const event = new Event();
    const { controller, signal, live } = watchedSignal();
    const reason = new Error("stop");
    const waiting = watch(event.wait({ signal, timeout: 100 }));
    const plain = watch(event.wait());
    assert.equal(live(), 1);
    controller.abort(reason);
    assert.equal(event.waiters, 1);
    assert.equal(t.loop.pendingTimers, 0);
    assert.equal(live(), 0);
    await t.settle();
    assert.equal(waiting.reason, reason);
    assert.equal(plain.state, "pending");
    event.set();
    await t.advance(200);
    assert.equal(waiting.settlements, 1);
    assert.equal(plain.state, "fulfilled");
  });

  Deno.test(`${kind.name}: Event.wait() rejects with any abort reason, even odd ones`, async () => {
    using t = kind.create();
    const event = new Event();
    for (const reason of ["a string", 42, null, { custom: true }]) {
      const controller = new AbortController();
      const waiting = watch(event.wait({ signal: controller.signal }));
      controller.abort(reason);
      await t.settle();
      assert.equal(waiting.reason, reason);
    }
    const controller = new AbortController();
    const waiting = watch(
      event.wait({ signal: controller.signal, timeout: 10 }),
    );
    controller.abort(undefined);
    await t.settle();
    assert.equal(waiting.state, "rejected");
    assert.equal(waiting.reason, controller.signal.reason);
    assert.equal((waiting.reason as Error).name, "AbortError");
    assert.equal(event.waiters, 0);
    assert.equal(t.loop.pendingTimers, 0);
  });

  Deno.test(`${kind.name}: Event.wait() with an already-aborted signal rejects at once, even while set`, async () => {
    using t = kind.create();
    for (const set of [false, true]) {
      const event = new Event();
      if (set) event.set();
      for (const reason of [new Error("gone"), "gone", undefined]) {
        const { controller, signal, live } = watchedSignal();
        controller.abort(reason);
        for (
          const options of [
            { signal },
            { signal, timeout: 100 },
            { signal, timeout: 0 },
            { signal, deadline: t.loop.time() + 100 },
          ]
        ) {
          const waiting = watch(event.wait(options));
          assert.equal(event.waiters, 0);
          assert.equal(t.loop.pendingTimers, 0);
          assert.equal(live(), 0);
          await microtasks();
          assert.equal(waiting.state, "rejected");
          assert.equal(waiting.reason, signal.reason);
        }
      }
      const waiting = watch(event.wait({ signal: AbortSignal.abort("why") }));
      await microtasks();
      assert.equal(waiting.reason, "why");
      assert.equal(event.isSet(), set);
    }
  });

  Deno.test(`${kind.name}: Event.wait() ignores an abort after set() woke it`, async () => {
    using t = kind.create();
    const event = new Event();
    const { controller, signal, live } = watchedSignal();
    const waiting = watch(event.wait({ signal, timeout: 100 }));
    event.set();
    assert.equal(live(), 0);
    assert.equal(t.loop.pendingTimers, 0);
    controller.abort(new Error("too late"));
    await t.advance(100);
    assert.equal(waiting.state, "fulfilled");
    assert.equal(waiting.settlements, 1);
  });

  Deno.test(`${kind.name}: Event.wait() that is aborted before set() in the same turn rejects`, async () => {
    using t = kind.create();
    const event = new Event();
    const controller = new AbortController();
    const waiting = watch(event.wait({ signal: controller.signal }));
    const plain = watch(event.wait());
    controller.abort("first");
    event.set();
    await t.settle();
    assert.equal(waiting.reason, "first");
    assert.equal(waiting.settlements, 1);
    assert.equal(plain.state, "fulfilled");
  });

  Deno.test(`${kind.name}: Event.wait() that times out removes its abort listener`, async () => {
    using t = kind.create();
    const event = new Event();
    const { controller, signal, live } = watchedSignal();
    const waiting = watch(event.wait({ signal, timeout: 10 }));
    assert.equal(live(), 1);
    await t.advance(10);
    assert.ok(timedOut()(waiting.reason));
    assert.equal(live(), 0);
    controller.abort(new Error("late"));
    await t.settle();
    assert.ok(timedOut()(waiting.reason));
    assert.equal(waiting.settlements, 1);
  });
}

// ---------------------------------------------------------------------------
// Bad input

const BAD_WAIT_OPTIONS: [string, unknown, ErrorConstructor, string][] = [
  ["options not an object", 5, TypeError, "'options' must be an object"],
  ["options null", null, TypeError, "'options' must be an object"],
  ["options a function", () => {}, TypeError, "'options' must be an object"],
  ["NaN timeout", { timeout: NaN }, RangeError, "'options.timeout'"],
  ["NaN deadline", { deadline: NaN }, RangeError, "'options.deadline'"],
  ["string timeout", { timeout: "5" }, TypeError, "'options.timeout'"],
  ["string deadline", { deadline: "5" }, TypeError, "'options.deadline'"],
  ["null deadline", { deadline: null }, TypeError, "'options.deadline'"],
  [
    "years in a deadline",
    { deadline: { years: 1 } },
    RangeError,
    "'options.deadline.years'",
  ],
  [
    "months in a timeout",
    { timeout: { months: -1 } },
    RangeError,
    "'options.timeout.months'",
  ],
  [
    "weeks in a timeout",
    { timeout: { weeks: 1 } },
    RangeError,
    "'options.timeout.weeks'",
  ],
  [
    "infinite hours",
    { timeout: { hours: Infinity } },
    RangeError,
    "'options.timeout.hours'",
  ],
  [
    "NaN nanoseconds in a deadline",
    { deadline: { nanoseconds: NaN } },
    RangeError,
    "'options.deadline.nanoseconds'",
  ],
  [
    "string milliseconds",
    { timeout: { milliseconds: "1" } },
    TypeError,
    "'options.timeout.milliseconds'",
  ],
  [
    "null days",
    { timeout: { days: null } },
    TypeError,
    "'options.timeout.days'",
  ],
  [
    "string weeks beside non-zero years",
    { timeout: { years: 1, weeks: "1" } },
    TypeError,
    "'options.timeout.weeks'",
  ],
  [
    "signal-like object",
    { signal: { aborted: true } },
    TypeError,
    "'options.signal' must be an AbortSignal",
  ],
  [
    "signal-like object that is not aborted",
    { signal: { aborted: false, addEventListener() {} } },
    TypeError,
    "'options.signal' must be an AbortSignal",
  ],
  [
    "string signal",
    { signal: "abort" },
    TypeError,
    "'options.signal' must be an AbortSignal",
  ],
];

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: Event.wait() rejects bad options without throwing, set or clear, and queues nothing`, async () => {
    using t = kind.create();
    for (const set of [false, true]) {
      const event = new Event();
      if (set) event.set();
      for (const [label, options, Class, argument] of BAD_WAIT_OPTIONS) {
        let promise: Promise<void> | undefined;
        assert.doesNotThrow(() => {
          promise = event.wait(options as never);
        }, label);
        assert.ok(promise instanceof Promise, label);
        assert.equal(event.waiters, 0, label);
        assert.equal(t.loop.pendingTimers, 0, label);
        await assert.rejects(
          promise,
          error(
            Class,
            new RegExp(
              `^Cannot call Event\\.wait\\(\\) as ${
                argument.replace(/[.()]/g, "\\$&")
              }.*: current value is `,
            ),
          ),
          label,
        );
        assert.equal(event.isSet(), set, label);
      }
      // It still works.
      event.clear();
      const waiting = watch(event.wait({ timeout: 10 }));
      event.set();
      await t.settle();
      assert.equal(waiting.state, "fulfilled");
    }
  });
}

Deno.test("Event.wait() names the value in its error messages", async () => {
  const event = new Event();
  await assert.rejects(
    event.wait({ deadline: NaN }),
    error(
      RangeError,
      "Cannot call Event.wait() as 'options.deadline' must be a number other than NaN: current value is NaN",
    ),
  );
  await assert.rejects(
    event.wait({ signal: { aborted: true } } as never),
    error(
      TypeError,
      "Cannot call Event.wait() as 'options.signal' must be an AbortSignal: current value is an object",
    ),
  );
});

// ---------------------------------------------------------------------------
// Inspection

Deno.test("Event.toString() and inspection show <Event clear> and <Event set>", async () => {
  const event = new Event();
  for (const shown of inspections(event)) assert.equal(shown, "<Event clear>");
  const waiting = event.wait();
  for (const shown of inspections(event)) assert.equal(shown, "<Event clear>");
  event.set();
  for (const shown of inspections(event)) assert.equal(shown, "<Event set>");
  event.clear();
  for (const shown of inspections(event)) assert.equal(shown, "<Event clear>");
  await waiting;
});

// ---------------------------------------------------------------------------
// Leaks

Deno.test("Event.wait() leaves nothing behind after 100,000 timeouts", async () => {
  const loop = new VirtualIOLoop();
  const event = new Event({ loop });
  const count = 100_000;
  let rejected = 0;
  const onTimeout = (e: unknown) => {
    if (e instanceof TimeoutError) rejected++;
  };
  const plain = watch(event.wait());
  for (let i = 0; i < count; i++) {
    event.wait({ timeout: 1 + (i % 3) }).catch(onTimeout);
  }
  assert.equal(event.waiters, count + 1);
  assert.equal(loop.pendingTimers, count);
  await loop.advance(3);
  assert.equal(rejected, count);
  assert.equal(event.waiters, 1);
  assert.equal(loop.pendingTimers, 0);
  event.set();
  assert.equal(event.waiters, 0);
  await loop.advance(0);
  assert.equal(plain.state, "fulfilled");
});

Deno.test("Event.wait() leaves nothing behind after 100,000 aborts", async () => {
  const loop = new VirtualIOLoop();
  const event = new Event({ loop });
  const count = 100_000;
  const controllers: AbortController[] = [];
  let rejected = 0;
  const onAbort = (e: unknown) => {
    if (e === "shutdown") rejected++;
  };
  for (let i = 0; i < count; i++) {
    const controller = new AbortController();
    controllers.push(controller);
    event.wait({ signal: controller.signal, timeout: 1000 }).catch(onAbort);
  }
  assert.equal(event.waiters, count);
  assert.equal(loop.pendingTimers, count);
  // From both ends towards the middle, so most leave from inside the line.
  for (let i = 0; i < count / 2; i++) {
    controllers[i].abort("shutdown");
    controllers[count - 1 - i].abort("shutdown");
  }
  assert.equal(event.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  await loop.advance(1000);
  assert.equal(rejected, count);
  assert.equal(event.isSet(), false);
});

Deno.test("Event.wait() leaves nothing behind when 10,000 waiters sharing a signal are aborted", async () => {
  const loop = new VirtualIOLoop();
  const event = new Event({ loop });
  const count = 10_000;
  const controller = new AbortController();
  let rejected = 0;
  const onAbort = (e: unknown) => {
    if (e === "shutdown") rejected++;
  };
  for (let i = 0; i < count; i++) {
    event.wait({ signal: controller.signal, timeout: 1000 }).catch(onAbort);
  }
  controller.abort("shutdown");
  assert.equal(event.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  await loop.advance(1000);
  assert.equal(rejected, count);
});

// ---------------------------------------------------------------------------
// Types

Deno.test("Event.wait() resolves with nothing and takes WaitOptions", async () => {
  const event = new Event();
  event.set();
  const nothing: void = await event.wait({ deadline: { seconds: 1 } });
  assert.equal(nothing, undefined);
  // @ts-expect-error: deadline is a number or a DurationLike.
  await assert.rejects(event.wait({ deadline: "soon" }), TypeError);
  // @ts-expect-error: isSet() takes no argument and returns a boolean.
  const set: string = event.isSet();
  assert.equal(set, true);
});
