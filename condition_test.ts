import assert from "node:assert/strict";
import { Condition } from "./condition.ts";
import { ClosedError } from "./errors.ts";
import { IOLoop, VirtualIOLoop } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import {
  assertRendered,
  error,
  inspections,
  microtasks,
  timeoutOf,
  watch,
  watchedSignal,
} from "./_test_util.ts";
import { waitSuite } from "./_test_wait_suite.ts";

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

// The suite checks notify(); these wake several at once.
Deno.test("Condition.notify(n) and notifyAll() return before any woken function resumes, waiters counted down, and wake in order", async () => {
  const condition = new Condition();
  const log: string[] = [];
  let returned = false;
  const controller = new AbortController();
  const waiters = [
    undefined,
    { timeout: Infinity },
    { signal: controller.signal },
    {},
    undefined,
  ].map(async (options, i) => {
    await condition.wait(options);
    log.push(`${i} after return: ${returned}, waiters ${condition.waiters}`);
  });
  assert.equal(condition.notify(2), 2);
  returned = true;
  assert.equal(condition.waiters, 3);
  assert.deepEqual(log, []);
  await microtasks();
  assert.deepEqual(log, [
    "0 after return: true, waiters 3",
    "1 after return: true, waiters 3",
  ]);
  returned = false;
  assert.equal(condition.notifyAll(), 3);
  returned = true;
  assert.equal(condition.waiters, 0);
  await Promise.all(waiters);
  assert.deepEqual(log.slice(2), [
    "2 after return: true, waiters 0",
    "3 after return: true, waiters 0",
    "4 after return: true, waiters 0",
  ]);
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
// Closing: what a Condition adds to the shared suite's checks

Deno.test("Condition.notify() and notifyAll() return 0 once closed", async () => {
  const condition = new Condition();
  const waiting = watch(condition.wait());
  condition.close("done");
  assert.equal(condition.notify(), 0);
  assert.equal(condition.notify(5), 0);
  assert.equal(condition.notifyAll(), 0);
  await microtasks();
  assert.equal(waiting.reason, "done");
  assert.equal(waiting.settlements, 1);
  // A bad count still throws.
  assert.throws(() => condition.notify(-1), RangeError);
  assertRendered(condition, "<Condition closed>");
});

Deno.test("Condition.waitFor() on a closed condition rejects before calling the predicate", async () => {
  const condition = new Condition();
  condition.close();
  let calls = 0;
  for (const options of [undefined, {}, { timeout: 0 }, { timeout: 10 }]) {
    const waiting = watch(condition.waitFor(() => (calls++, true), options));
    await microtasks();
    assert.equal(waiting.state, "rejected");
    assert.ok(waiting.reason instanceof ClosedError);
    assert.equal((waiting.reason as Error).message, "Condition is closed");
  }
  assert.equal(calls, 0);
  assert.equal(condition.waiters, 0);
});

Deno.test("Condition.waitFor() woken, then closed before it checks again, rejects with the reason", async () => {
  const condition = new Condition();
  let calls = 0;
  const waiting = watch(condition.waitFor(() => (calls++, false)));
  assert.equal(condition.notify(), 1);
  // Woken but not yet resumed: the close comes before its next check.
  condition.close("closing");
  await microtasks();
  assert.equal(waiting.state, "rejected");
  assert.equal(waiting.reason, "closing");
  // It checked once more, found false, and could not wait again.
  assert.equal(calls, 2);
  assert.equal(condition.waiters, 0);
});

// ---------------------------------------------------------------------------
// Bad input

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
