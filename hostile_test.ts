// Hostile input, table-driven: every public constructor and method called
// with wrong types and edge values, and user code that throws. Each call
// must throw or reject the documented error, with a message naming the
// argument, and leave the primitive exactly as it was and still working.

import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { FAKED } from "./_test_loops.ts";
import {
  BoundedSemaphore,
  Condition,
  Event,
  IOLoop,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  Semaphore,
  TimeoutError,
  VirtualIOLoop,
} from "./mod.ts";

type ErrorClass = new (...args: never[]) => Error;

const boom = new Error("boom from a getter");

/** A value that must not be touched: every way of reading it throws. */
function explosive(): object {
  return new Proxy({}, {
    get() {
      throw boom;
    },
    has() {
      throw boom;
    },
    ownKeys() {
      throw boom;
    },
    getPrototypeOf() {
      throw boom;
    },
  });
}

/** Has `valueOf`, `toString` and `Symbol.toPrimitive` all throw. */
const unprintable = {
  valueOf() {
    throw boom;
  },
  toString() {
    throw boom;
  },
  [Symbol.toPrimitive]() {
    throw boom;
  },
};

const signalLookalike = {
  aborted: false,
  reason: undefined,
  addEventListener() {},
  removeEventListener() {},
  throwIfAborted() {},
  onabort: null,
};

/** What a bad call must do. */
type Expectation =
  | { error: ErrorClass; argument: string }
  | { error: ErrorClass; message: RegExp }
  | { thrown: unknown };

/** Checks an error against an expectation. */
function check(error: unknown, expected: Expectation): void {
  if ("thrown" in expected) {
    assert.ok(Object.is(error, expected.thrown), "the very value thrown");
    return;
  }
  assert.ok(error instanceof expected.error, `a ${expected.error.name}`);
  assert.equal(error.constructor, expected.error, "exactly that class");
  if ("argument" in expected) {
    assert.match(
      error.message,
      new RegExp(
        `^Cannot .+ as '${
          expected.argument.replace(/[.[\]]/g, "\\$&")
        }' must be .+: current value is .+$`,
      ),
    );
  } else {
    assert.match(error.message, expected.message);
  }
}

/** Expects `fn` to throw, synchronously, as `expected` says. */
function expectThrow(fn: () => unknown, expected: Expectation): void {
  let threw = false;
  try {
    fn();
  } catch (error) {
    threw = true;
    check(error, expected);
  }
  assert.ok(threw, "it threw");
}

/** Expects `fn` to return a promise that rejects, and never to throw. */
async function expectReject(
  fn: () => unknown,
  expected: Expectation,
): Promise<void> {
  let promise: unknown;
  try {
    promise = fn();
  } catch (error) {
    assert.fail(`threw instead of rejecting: ${String(error)}`);
  }
  assert.ok(promise instanceof Promise, "returned a promise");
  // Boxed: a thenable or a hostile Proxy must not be adopted as a result.
  const { error } = await promise.then(
    () => assert.fail("resolved instead of rejecting"),
    (error: unknown) => ({ error }),
  );
  check(error, expected);
}

// ---------------------------------------------------------------------------
// Each primitive, made busy: something held and one waiter in line with a
// timer, so that a bad call that changes anything shows.

interface Subject {
  /** The primitive, for the rows to call. */
  // deno-lint-ignore no-explicit-any
  x: any;
  loop: VirtualIOLoop;
  /** Everything observable about it. */
  state(): Record<string, unknown>;
  /** Proves that it still works, and leaves it idle. */
  works(): Promise<void>;
}

function pending(promise: Promise<unknown>): { settled: string[] } {
  const record = { settled: [] as string[] };
  promise.then(
    () => record.settled.push("ok"),
    (error) => record.settled.push(String(error)),
  );
  return record;
}

type Kind = "Condition" | "Event" | "Semaphore" | "BoundedSemaphore" | "Lock";

function busy(kind: Kind): Subject {
  const loop = new VirtualIOLoop();
  const base = () => ({ string: String(x), timers: loop.pendingTimers });
  // deno-lint-ignore no-explicit-any
  let x: any;
  switch (kind) {
    case "Condition": {
      x = new Condition({ loop });
      const waiter = pending(x.wait({ timeout: 50 }));
      return {
        x,
        loop,
        state: () => ({
          ...base(),
          waiters: x.waiters,
          waiter: waiter.settled,
        }),
        async works() {
          assert.equal(x.notify(), 1);
          await loop.advance(0);
          assert.deepEqual(waiter.settled, ["ok"]);
          const late = pending(x.wait({ timeout: 5 }));
          await loop.advance(5);
          assert.equal(late.settled.length, 1);
          assert.match(late.settled[0], /TimeoutError/);
          assert.equal(loop.pendingTimers, 0);
        },
      };
    }
    case "Event": {
      x = new Event({ loop });
      const waiter = pending(x.wait({ timeout: 50 }));
      return {
        x,
        loop,
        state: () => ({
          ...base(),
          isSet: x.isSet(),
          waiters: x.waiters,
          waiter: waiter.settled,
        }),
        async works() {
          x.set();
          await loop.advance(0);
          assert.deepEqual(waiter.settled, ["ok"]);
          await x.wait({ timeout: 0 });
          x.clear();
          assert.equal(x.isSet(), false);
          assert.equal(loop.pendingTimers, 0);
        },
      };
    }
    default: {
      x = kind === "Semaphore"
        ? new Semaphore(2, { loop })
        : kind === "BoundedSemaphore"
        ? new BoundedSemaphore(2, { loop })
        : new Lock({ loop });
      const held = [x.tryAcquire()];
      if (kind !== "Lock") held.push(x.tryAcquire());
      let releaser: { release(): void } | undefined;
      const waiting = x.acquire({ timeout: 50 });
      const waiter = pending(waiting);
      waiting.then((r: { release(): void }) => releaser = r, () => {});
      return {
        x,
        loop,
        state: () => ({
          ...base(),
          value: x.value,
          waiters: x.waiters,
          locked: x.locked,
          waiter: waiter.settled,
        }),
        async works() {
          held[0].release();
          await loop.advance(0);
          assert.deepEqual(waiter.settled, ["ok"], "the waiter got the permit");
          releaser!.release();
          for (const r of held.slice(1)) r.release();
          const initial = kind === "Lock" ? 1 : 2;
          assert.equal(x.value, initial, "every permit back");
          assert.equal(await x.use(() => "used"), "used");
          if (kind !== "Semaphore") assert.throws(() => x.release());
          assert.equal(x.value, initial);
          assert.equal(loop.pendingTimers, 0);
        },
      };
    }
  }
}

const KINDS: readonly Kind[] = [
  "Condition",
  "Event",
  "Semaphore",
  "BoundedSemaphore",
  "Lock",
];

/** The waiting methods of each kind, called with `options`. */
function waits(
  kind: Kind,
): { name: string; call(x: Subject["x"], options: unknown): unknown }[] {
  switch (kind) {
    case "Condition":
      return [
        { name: "Condition.wait()", call: (x, o) => x.wait(o) },
        {
          name: "Condition.waitFor()",
          call: (x, o) => x.waitFor(() => false, o),
        },
      ];
    case "Event":
      return [{ name: "Event.wait()", call: (x, o) => x.wait(o) }];
    default:
      return [
        { name: `${kind}.acquire()`, call: (x, o) => x.acquire(o) },
        {
          name: `${kind}.use()`,
          call: (x, o) =>
            x.use(() => assert.fail("fn ran without the permit"), o),
        },
      ];
  }
}

/** Bad `options` for every wait, and what each must reject with. */
const BAD_OPTIONS: readonly [string, unknown, Expectation][] = [
  ["a string", "soon", { error: TypeError, argument: "options" }],
  ["a number", 5, { error: TypeError, argument: "options" }],
  ["null", null, { error: TypeError, argument: "options" }],
  ["true", true, { error: TypeError, argument: "options" }],
  ["a function", () => {}, { error: TypeError, argument: "options" }],
  ["deadline NaN", { deadline: NaN }, {
    error: RangeError,
    argument: "options.deadline",
  }],
  ["deadline a string", { deadline: "10" }, {
    error: TypeError,
    argument: "options.deadline",
  }],
  ["deadline null", { deadline: null }, {
    error: TypeError,
    argument: "options.deadline",
  }],
  ["deadline a bigint", { deadline: 10n }, {
    error: TypeError,
    argument: "options.deadline",
  }],
  ["deadline a symbol", { deadline: Symbol("when") }, {
    error: TypeError,
    argument: "options.deadline",
  }],
  ["deadline { milliseconds: NaN }", { deadline: { milliseconds: NaN } }, {
    error: RangeError,
    argument: "options.deadline.milliseconds",
  }],
  ["deadline { seconds: Infinity }", { deadline: { seconds: Infinity } }, {
    error: RangeError,
    argument: "options.deadline.seconds",
  }],
  ["deadline { minutes: '1' }", { deadline: { minutes: "1" } }, {
    error: TypeError,
    argument: "options.deadline.minutes",
  }],
  ["deadline { months: 1 }", { deadline: { months: 1 } }, {
    error: RangeError,
    argument: "options.deadline.months",
  }],
  ["deadline { weeks: null }", { deadline: { weeks: null } }, {
    error: TypeError,
    argument: "options.deadline.weeks",
  }],
  ["timeout NaN", { timeout: NaN }, {
    error: RangeError,
    argument: "options.timeout",
  }],
  ["timeout a string", { timeout: "5" }, {
    error: TypeError,
    argument: "options.timeout",
  }],
  ["timeout null", { timeout: null }, {
    error: TypeError,
    argument: "options.timeout",
  }],
  ["timeout true", { timeout: true }, {
    error: TypeError,
    argument: "options.timeout",
  }],
  ["timeout a bigint", { timeout: 5n }, {
    error: TypeError,
    argument: "options.timeout",
  }],
  ["timeout an unprintable object's field", {
    timeout: { milliseconds: unprintable },
  }, { error: TypeError, argument: "options.timeout.milliseconds" }],
  ["timeout { hours: -Infinity }", { timeout: { hours: -Infinity } }, {
    error: RangeError,
    argument: "options.timeout.hours",
  }],
  ["timeout { years: 2 }", { timeout: { years: 2 } }, {
    error: RangeError,
    argument: "options.timeout.years",
  }],
  ["signal an empty object", { signal: {} }, {
    error: TypeError,
    argument: "options.signal",
  }],
  ["signal an AbortSignal lookalike", { signal: signalLookalike }, {
    error: TypeError,
    argument: "options.signal",
  }],
  ["signal made by Object.create(AbortSignal.prototype)", {
    signal: Object.create(AbortSignal.prototype),
  }, { error: TypeError, argument: "options.signal" }],
  ["signal a string", { signal: "abort" }, {
    error: TypeError,
    argument: "options.signal",
  }],
  ["signal null", { signal: null }, {
    error: TypeError,
    argument: "options.signal",
  }],
  ["signal an AbortController", { signal: new AbortController() }, {
    error: TypeError,
    argument: "options.signal",
  }],
  ["a throwing timeout getter", {
    get timeout() {
      throw boom;
    },
  }, { thrown: boom }],
  ["a throwing signal getter", {
    get signal() {
      throw boom;
    },
  }, { thrown: boom }],
  ["a Proxy that throws on every read", explosive(), { thrown: boom }],
];

for (const kind of KINDS) {
  for (const wait of waits(kind)) {
    for (const [label, options, expected] of BAD_OPTIONS) {
      Deno.test(`${wait.name} rejects options ${label} and changes nothing`, async () => {
        const subject = busy(kind);
        const before = subject.state();
        await expectReject(() => wait.call(subject.x, options), expected);
        await subject.loop.advance(0);
        assert.deepEqual(subject.state(), before);
        await subject.works();
      });
    }
  }
}

// ---------------------------------------------------------------------------
// Already-aborted signals with odd reasons: the wait rejects with exactly
// the reason, at once, even when the primitive is free, and takes nothing.

const ODD_REASONS: readonly [string, () => AbortSignal][] = [
  ["no reason (an AbortError)", () => AbortSignal.abort()],
  ["undefined given as the reason", () => {
    const controller = new AbortController();
    controller.abort(undefined);
    return controller.signal;
  }],
  ["null", () => AbortSignal.abort(null)],
  ["0", () => AbortSignal.abort(0)],
  ["an empty string", () => AbortSignal.abort("")],
  ["a symbol", () => AbortSignal.abort(Symbol("why"))],
  ["a thenable", () => AbortSignal.abort({ then: () => assert.fail() })],
  ["a Proxy that throws on every read", () => AbortSignal.abort(explosive())],
  ["a TimeoutError", () => AbortSignal.abort(new TimeoutError("not ours"))],
];

function free(kind: Kind): Subject {
  const loop = new VirtualIOLoop();
  // deno-lint-ignore no-explicit-any
  let x: any;
  switch (kind) {
    case "Condition":
      x = new Condition({ loop });
      break;
    case "Event":
      x = new Event({ loop });
      x.set();
      break;
    case "Semaphore":
      x = new Semaphore(1, { loop });
      break;
    case "BoundedSemaphore":
      x = new BoundedSemaphore(1, { loop });
      break;
    case "Lock":
      x = new Lock({ loop });
  }
  return {
    x,
    loop,
    state: () => ({
      string: String(x),
      waiters: x.waiters,
      value: x.value,
      isSet: x.isSet?.(),
      timers: loop.pendingTimers,
    }),
    async works() {
      if (x instanceof Condition) {
        const waiting = x.wait();
        assert.equal(x.notify(), 1);
        await waiting;
      } else if (x instanceof Event) {
        await x.wait({ timeout: 0 });
      } else {
        (await x.acquire({ timeout: 0 })).release();
      }
    },
  };
}

for (const kind of KINDS) {
  for (const wait of waits(kind)) {
    for (const [label, makeSignal] of ODD_REASONS) {
      Deno.test(`${wait.name} rejects at once with an already-aborted signal's reason, ${label}, and takes nothing`, async () => {
        for (const subject of [free(kind), busy(kind)]) {
          const signal = makeSignal();
          const before = subject.state();
          await expectReject(
            () => wait.call(subject.x, { signal, timeout: 10 }),
            { thrown: signal.reason },
          );
          assert.deepEqual(subject.state(), before);
          await subject.works();
        }
      });
    }
  }
}

// ---------------------------------------------------------------------------
// Constructors.

const BAD_CONSTRUCTOR_OPTIONS: readonly [string, unknown, Expectation][] = [
  ["a string", "loop", { error: TypeError, argument: "options" }],
  ["null", null, { error: TypeError, argument: "options" }],
  ["0", 0, { error: TypeError, argument: "options" }],
  ["loop an object", { loop: {} }, {
    error: TypeError,
    argument: "options.loop",
  }],
  ["loop null", { loop: null }, {
    error: TypeError,
    argument: "options.loop",
  }],
  ["loop the IOLoop class", { loop: IOLoop }, {
    error: TypeError,
    argument: "options.loop",
  }],
  ["loop an IOLoop lookalike", {
    loop: { time: () => 0, addTimeout() {}, removeTimeout() {} },
  }, { error: TypeError, argument: "options.loop" }],
  ["a throwing loop getter", {
    get loop() {
      throw boom;
    },
  }, { thrown: boom }],
];

const CONSTRUCTORS: readonly [string, (options: unknown) => unknown][] = [
  ["Condition", (o) => new Condition(o as never)],
  ["Event", (o) => new Event(o as never)],
  ["Semaphore", (o) => new Semaphore(1, o as never)],
  ["BoundedSemaphore", (o) => new BoundedSemaphore(1, o as never)],
  ["Lock", (o) => new Lock(o as never)],
];

for (const [name, make] of CONSTRUCTORS) {
  for (const [label, options, expected] of BAD_CONSTRUCTOR_OPTIONS) {
    Deno.test(`new ${name}() throws for options ${label}`, () => {
      const current = IOLoop.current();
      expectThrow(() => make(options), expected);
      assert.equal(IOLoop.current(), current, "the current loop is the same");
      assert.equal(String(make(undefined)).startsWith(`<${name}`), true);
    });
  }
}

const BAD_VALUES: readonly [string, unknown, Expectation][] = [
  ["-1", -1, { error: RangeError, argument: "value" }],
  ["1.5", 1.5, { error: RangeError, argument: "value" }],
  ["NaN", NaN, { error: RangeError, argument: "value" }],
  ["Infinity", Infinity, { error: RangeError, argument: "value" }],
  ["-Infinity", -Infinity, { error: RangeError, argument: "value" }],
  ["2 ** 53", 2 ** 53, { error: RangeError, argument: "value" }],
  ["Number.MIN_VALUE", Number.MIN_VALUE, {
    error: RangeError,
    argument: "value",
  }],
  ["the string '2'", "2", { error: TypeError, argument: "value" }],
  ["null", null, { error: TypeError, argument: "value" }],
  ["true", true, { error: TypeError, argument: "value" }],
  ["2n", 2n, { error: TypeError, argument: "value" }],
  ["a Number object", new Number(2), { error: TypeError, argument: "value" }],
  ["an unprintable object", unprintable, {
    error: TypeError,
    argument: "value",
  }],
  ["a Proxy that throws on every read", explosive(), {
    error: TypeError,
    argument: "value",
  }],
];

for (const Class of [Semaphore, BoundedSemaphore]) {
  for (const [label, value, expected] of BAD_VALUES) {
    Deno.test(`new ${Class.name}() throws for value ${label}`, () => {
      expectThrow(() => new Class(value as number), expected);
      const message = (() => {
        try {
          new Class(value as number);
        } catch (error) {
          return (error as Error).message;
        }
      })();
      assert.ok(message?.startsWith(`Cannot create ${Class.name} as`));
    });
  }
  Deno.test(`new ${Class.name}() takes the edge values 0, -0 and Number.MAX_SAFE_INTEGER`, () => {
    assert.equal(new Class(0).value, 0);
    assert.ok(Object.is(new Class(-0).value, 0), "-0 is stored as 0");
    assert.equal(
      new Class(Number.MAX_SAFE_INTEGER).value,
      Number.MAX_SAFE_INTEGER,
    );
  });
}

// ---------------------------------------------------------------------------
// Other methods: notify(n), waitFor(predicate), use(fn), release().

const BAD_COUNTS: readonly [string, unknown, Expectation][] = [
  ["-1", -1, { error: RangeError, argument: "n" }],
  ["1.5", 1.5, { error: RangeError, argument: "n" }],
  ["NaN", NaN, { error: RangeError, argument: "n" }],
  ["-Infinity", -Infinity, { error: RangeError, argument: "n" }],
  ["-0.5", -0.5, { error: RangeError, argument: "n" }],
  ["the string '1'", "1", { error: TypeError, argument: "n" }],
  ["null", null, { error: TypeError, argument: "n" }],
  ["1n", 1n, { error: TypeError, argument: "n" }],
  ["an unprintable object", unprintable, { error: TypeError, argument: "n" }],
];

for (const [label, n, expected] of BAD_COUNTS) {
  Deno.test(`Condition.notify() throws for n ${label} and wakes no one`, async () => {
    const subject = busy("Condition");
    const before = subject.state();
    expectThrow(() => subject.x.notify(n), expected);
    await subject.loop.advance(0);
    assert.deepEqual(subject.state(), before);
    await subject.works();
  });
}

Deno.test("Condition.notify() takes huge counts and Infinity as 'everyone'", async () => {
  const condition = new Condition();
  const waiting = [condition.wait(), condition.wait()];
  assert.equal(condition.notify(Number.MAX_SAFE_INTEGER), 2);
  assert.equal(condition.notify(Infinity), 0);
  assert.equal(condition.notify(2 ** 80), 0, "an integer beyond safe ones");
  await Promise.all(waiting);
});

const NOT_FUNCTIONS: readonly [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["a string", "() => true"],
  ["an object", {}],
  ["a Proxy that throws on every read", explosive()],
];

for (const [label, predicate] of NOT_FUNCTIONS) {
  Deno.test(`Condition.waitFor() rejects predicate ${label} and changes nothing`, async () => {
    const subject = busy("Condition");
    const before = subject.state();
    await expectReject(() => subject.x.waitFor(predicate), {
      error: TypeError,
      argument: "predicate",
    });
    assert.deepEqual(subject.state(), before);
    await subject.works();
  });
  for (const kind of ["Semaphore", "BoundedSemaphore", "Lock"] as const) {
    Deno.test(`${kind}.use() rejects fn ${label} and takes nothing`, async () => {
      for (const subject of [busy(kind), free(kind)]) {
        const before = subject.state();
        await expectReject(() => subject.x.use(predicate), {
          error: TypeError,
          argument: "fn",
        });
        assert.deepEqual(subject.state(), before);
        await subject.works();
      }
    });
  }
}

Deno.test("Lock.release() on an unlocked lock throws an Error that says so, and changes nothing", async () => {
  const subject = free("Lock");
  const before = subject.state();
  expectThrow(() => subject.x.release(), {
    error: Error,
    message: /^Cannot release Lock as it is not locked$/,
  });
  assert.deepEqual(subject.state(), before);
  await subject.works();
});

Deno.test("BoundedSemaphore.release() at its bound throws a RangeError, even with waiters, and changes nothing", async () => {
  for (const initial of [0, 2]) {
    const loop = new VirtualIOLoop();
    const semaphore = new BoundedSemaphore(initial, { loop });
    const before = { value: semaphore.value, string: String(semaphore) };
    expectThrow(() => semaphore.release(), {
      error: RangeError,
      message:
        /^Cannot release BoundedSemaphore as 'permits' must be at most the 0 held \(capacity \d\): current value is 1$/,
    });
    assert.deepEqual(
      { value: semaphore.value, string: String(semaphore) },
      before,
    );
  }
  // Checked before waiters: a bound of 0 with one waiting still throws.
  const semaphore = new BoundedSemaphore(0);
  const waiting = pending(semaphore.acquire());
  assert.throws(() => semaphore.release(), RangeError);
  await Promise.resolve();
  assert.deepEqual(waiting.settled, []);
  assert.equal(semaphore.waiters, 1);
});

Deno.test("Semaphore.release() at Number.MAX_SAFE_INTEGER throws a RangeError and changes nothing", () => {
  const semaphore = new Semaphore(Number.MAX_SAFE_INTEGER);
  assert.throws(() => semaphore.release(), RangeError);
  assert.equal(semaphore.value, Number.MAX_SAFE_INTEGER);
  const releaser = semaphore.tryAcquire()!;
  releaser.release();
  assert.equal(semaphore.value, Number.MAX_SAFE_INTEGER);
});

Deno.test("Releaser.release() that throws on an over-release stays unused and releases later", async () => {
  const lock = new Lock();
  const releaser = await lock.acquire();
  lock.release(); // The lock is free, behind the releaser's back.
  assert.throws(() => releaser.release(), {
    message: "Cannot release Lock as it is not locked",
  });
  const other = await lock.acquire();
  releaser.release(); // Still unused: this one releases the lock.
  assert.equal(lock.locked, false);
  releaser[Symbol.dispose](); // Now used: nothing happens.
  assert.equal(lock.locked, false);
  // The lock was released on `other`'s behalf, so its own release throws.
  assert.throws(() => other.release(), {
    message: "Cannot release Lock as it is not locked",
  });
  assert.equal(lock.locked, false);
  assert.equal(lock.waiters, 0);
});

// ---------------------------------------------------------------------------
// IOLoop and VirtualIOLoop.

function loopState(loop: VirtualIOLoop) {
  return { time: loop.time(), timers: loop.pendingTimers };
}

async function loopWorks(loop: VirtualIOLoop): Promise<void> {
  let ran = 0;
  loop.callLater(1, () => ran++);
  loop.addCallback(() => ran++);
  await loop.advance(1);
  assert.equal(ran, 2);
  assert.equal(await loop.run(() => "ran"), "ran");
}

const noop = () => {};

const LOOP_CALLS: readonly [
  string,
  (loop: VirtualIOLoop) => unknown,
  Expectation,
][] = [
  ["addTimeout() deadline NaN", (l) => l.addTimeout(NaN, noop), {
    error: RangeError,
    argument: "deadline",
  }],
  ["addTimeout() deadline a string", (l) => l.addTimeout("5" as never, noop), {
    error: TypeError,
    argument: "deadline",
  }],
  ["addTimeout() deadline null", (l) => l.addTimeout(null as never, noop), {
    error: TypeError,
    argument: "deadline",
  }],
  [
    "addTimeout() deadline { days: NaN }",
    (l) => l.addTimeout({ days: NaN }, noop),
    { error: RangeError, argument: "deadline.days" },
  ],
  [
    "addTimeout() deadline { months: 1 }",
    (l) => l.addTimeout({ months: 1 } as never, noop),
    { error: RangeError, argument: "deadline.months" },
  ],
  ["addTimeout() callback a string", (l) => l.addTimeout(5, "cb" as never), {
    error: TypeError,
    argument: "callback",
  }],
  ["addTimeout() callback null", (l) => l.addTimeout(5, null as never), {
    error: TypeError,
    argument: "callback",
  }],
  ["callLater() ms a string", (l) => l.callLater("5" as never, noop), {
    error: TypeError,
    argument: "ms",
  }],
  ["callLater() ms NaN", (l) => l.callLater(NaN, noop), {
    error: RangeError,
    argument: "ms",
  }],
  [
    "callLater() ms a duration",
    (l) => l.callLater({ seconds: 1 } as never, noop),
    {
      error: TypeError,
      argument: "ms",
    },
  ],
  ["callLater() callback an object", (l) => l.callLater(5, {} as never), {
    error: TypeError,
    argument: "callback",
  }],
  ["callAt() when a string", (l) => l.callAt("5" as never, noop), {
    error: TypeError,
    argument: "when",
  }],
  ["callAt() when NaN", (l) => l.callAt(NaN, noop), {
    error: RangeError,
    argument: "when",
  }],
  [
    "removeTimeout() handle a lookalike",
    (l) => l.removeTimeout({ deadline: 5 }),
    {
      error: TypeError,
      argument: "handle",
    },
  ],
  ["removeTimeout() handle null", (l) => l.removeTimeout(null as never), {
    error: TypeError,
    argument: "handle",
  }],
  ["removeTimeout() handle a number", (l) => l.removeTimeout(1 as never), {
    error: TypeError,
    argument: "handle",
  }],
  [
    "addCallback() callback undefined",
    (l) => l.addCallback(undefined as never),
    {
      error: TypeError,
      argument: "callback",
    },
  ],
  ["IOLoop.setCurrent() loop an object", () => IOLoop.setCurrent({} as never), {
    error: TypeError,
    argument: "loop",
  }],
  ["IOLoop.setCurrent() loop null", () => IOLoop.setCurrent(null as never), {
    error: TypeError,
    argument: "loop",
  }],
];

for (const [label, call, expected] of LOOP_CALLS) {
  Deno.test(`IOLoop ${label} throws and changes nothing`, async () => {
    const loop = new VirtualIOLoop();
    loop.callLater(10, noop);
    const current = IOLoop.current();
    const before = loopState(loop);
    expectThrow(() => call(loop), expected);
    assert.deepEqual(loopState(loop), before);
    assert.equal(IOLoop.current(), current);
    await loopWorks(loop);
  });
}

const LOOP_PROMISES: readonly [
  string,
  (loop: VirtualIOLoop) => unknown,
  Expectation,
][] = [
  ["advance() ms -1", (l) => l.advance(-1), {
    error: RangeError,
    argument: "ms",
  }],
  ["advance() ms NaN", (l) => l.advance(NaN), {
    error: RangeError,
    argument: "ms",
  }],
  ["advance() ms Infinity", (l) => l.advance(Infinity), {
    error: RangeError,
    argument: "ms",
  }],
  ["advance() ms a string", (l) => l.advance("1" as never), {
    error: TypeError,
    argument: "ms",
  }],
  ["advance() ms null", (l) => l.advance(null as never), {
    error: TypeError,
    argument: "ms",
  }],
  ["run() fn a string", (l) => l.run("fn" as never), {
    error: TypeError,
    argument: "fn",
  }],
  ["run() fn undefined", (l) => l.run(undefined as never), {
    error: TypeError,
    argument: "fn",
  }],
  ["run() options a string", (l) => l.run(noop, "x" as never), {
    error: TypeError,
    argument: "options",
  }],
  ["run() options null", (l) => l.run(noop, null as never), {
    error: TypeError,
    argument: "options",
  }],
  ["run() options.timeout NaN", (l) => l.run(noop, { timeout: NaN }), {
    error: RangeError,
    argument: "options.timeout",
  }],
  [
    "run() options.timeout a string",
    (l) => l.run(noop, { timeout: "1" as never }),
    {
      error: TypeError,
      argument: "options.timeout",
    },
  ],
  [
    "run() options.timeout { weeks: 1 }",
    (l) => l.run(noop, { timeout: { weeks: 1 } as never }),
    { error: RangeError, argument: "options.timeout.weeks" },
  ],
  ["run() with a throwing options getter", (l) =>
    l.run(noop, {
      get timeout(): number {
        throw boom;
      },
    }), { thrown: boom }],
];

for (const [label, call, expected] of LOOP_PROMISES) {
  Deno.test(`IOLoop ${label} rejects and changes nothing`, async () => {
    const loop = new VirtualIOLoop();
    loop.callLater(10, noop);
    const before = loopState(loop);
    await expectReject(() => call(loop), expected);
    assert.deepEqual(loopState(loop), before, "the clock did not move");
    await loopWorks(loop);
  });
}

Deno.test("IOLoop.run() with bad options never calls fn", async () => {
  const loop = new VirtualIOLoop();
  let called = false;
  await assert.rejects(
    loop.run(() => called = true, { timeout: NaN }),
    RangeError,
  );
  assert.equal(called, false);
});

// ---------------------------------------------------------------------------
// User code that throws.

const THROWN: readonly [string, unknown][] = [
  ["an Error", new Error("fn failed")],
  ["undefined", undefined],
  ["null", null],
  ["a string", "plain string"],
  ["a TimeoutError of its own", new TimeoutError("fn's own timeout")],
];

for (const kind of ["Semaphore", "BoundedSemaphore", "Lock"] as const) {
  for (const [label, value] of THROWN) {
    Deno.test(`${kind}.use() passes on ${label} thrown or rejected by fn, releases, and serves the next waiter`, async () => {
      for (const how of ["throw", "reject", "reject later"] as const) {
        const subject = free(kind);
        const x = subject.x;
        const initial = x.value;
        const fn = () => {
          if (how === "throw") throw value;
          if (how === "reject") return Promise.reject(value);
          return subject.loop.advance(1).then(() => Promise.reject(value));
        };
        const failing = x.use(fn);
        const next = pending(x.acquire());
        await expectReject(() => failing, { thrown: value });
        await subject.loop.advance(0);
        assert.deepEqual(next.settled, ["ok"], "the next waiter got in");
        assert.equal(x.value, initial - 1);
        x.release();
        assert.equal(x.value, initial);
        assert.equal(x.waiters, 0);
      }
    });
  }
}

Deno.test("Semaphore.use() with fn returning a thenable whose then getter throws rejects and releases", async () => {
  const semaphore = new Semaphore(1);
  await expectReject(
    () =>
      semaphore.use(() => ({
        get then() {
          throw boom;
        },
      })),
    { thrown: boom },
  );
  assert.equal(semaphore.value, 1);
});

Deno.test("Condition.waitFor() whose predicate throws after a wake-up rejects with it and leaves the line", async () => {
  for (const value of [new Error("predicate"), undefined, "text"]) {
    const loop = new VirtualIOLoop();
    const condition = new Condition({ loop });
    let calls = 0;
    const waiting = condition.waitFor(() => {
      if (++calls === 2) throw value;
      return false;
    }, { timeout: 100 });
    const other = pending(condition.wait());
    assert.equal(condition.waiters, 2);
    assert.equal(condition.notify(), 1);
    await expectReject(() => waiting, { thrown: value });
    assert.equal(condition.waiters, 1, "only the other waiter is left");
    assert.equal(loop.pendingTimers, 0, "the waitFor() timer is gone");
    assert.equal(condition.notify(), 1);
    await loop.advance(0);
    assert.deepEqual(other.settled, ["ok"]);
  }
});

Deno.test("VirtualIOLoop.advance() rejects with a throwing callback's error, stops there, and the loop stays consistent", async () => {
  const loop = new VirtualIOLoop();
  const semaphore = new Semaphore(0, { loop });
  const timedOut = assert.rejects(
    semaphore.acquire({ timeout: 10 }),
    TimeoutError,
  );
  const later: number[] = [];
  loop.callLater(5, () => {
    throw boom;
  });
  loop.callLater(7, () => later.push(loop.time()));
  await expectReject(() => loop.advance(20), { thrown: boom });
  assert.equal(loop.time(), 5, "the clock stopped at the throwing timer");
  assert.equal(semaphore.waiters, 1);
  assert.equal(loop.pendingTimers, 2);
  await loop.advance(15);
  await timedOut;
  assert.deepEqual(later, [7]);
  assert.equal(semaphore.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  semaphore.release();
  assert.equal(semaphore.value, 1);
});

Deno.test("IOLoop.run() passes on a rejecting or throwing fn's error and leaves no timer", async () => {
  const loop = new VirtualIOLoop();
  for (const value of [new Error("async"), undefined, 0]) {
    await expectReject(
      () => loop.run(() => Promise.reject(value), { timeout: 100 }),
      { thrown: value },
    );
    await expectReject(
      () =>
        loop.run(() => {
          throw value;
        }, { timeout: 100 }),
      { thrown: value },
    );
    await expectReject(() => loop.run(() => Promise.reject(value)), {
      thrown: value,
    });
  }
  assert.equal(loop.pendingTimers, 0);
  const later = loop.run(
    () => loop.advance(5).then(() => Promise.reject(boom)),
    { timeout: 100 },
  );
  await expectReject(() => later, { thrown: boom });
  assert.equal(loop.pendingTimers, 0);
});

Deno.test("IOLoop.run() rejects, never throws, when fn's result has a then getter that throws", async () => {
  const loop = new VirtualIOLoop();
  const hostile = {
    get then() {
      throw boom;
    },
  };
  for (const options of [undefined, { timeout: 100 }, { timeout: 0 }]) {
    await expectReject(() => loop.run(() => hostile, options), {
      thrown: boom,
    });
  }
  assert.equal(loop.pendingTimers, 0);
});

Deno.test("IOLoop: a timer callback that throws does not stop the others, and its error is rethrown as uncaught", async () => {
  const clock = FakeTimers.install({ now: 1000, toFake: [...FAKED] });
  const loop = new IOLoop();
  IOLoop.setCurrent(loop);
  // The default loop rethrows from a microtask of its own; catching it there
  // keeps the error from failing the test runner, on every runtime.
  const original = globalThis.queueMicrotask;
  const queued: (() => void)[] = [];
  globalThis.queueMicrotask = (callback) => queued.push(callback);
  try {
    const semaphore = new Semaphore(0);
    const timedOut = assert.rejects(
      semaphore.acquire({ timeout: 5 }),
      TimeoutError,
    );
    const ran: number[] = [];
    loop.callLater(5, () => {
      throw boom;
    });
    loop.callLater(5, () => ran.push(loop.time()));
    loop.callLater(6, () => ran.push(loop.time()));
    await clock.tickAsync(6);
    await timedOut;
    globalThis.queueMicrotask = original;
    const uncaught: unknown[] = [];
    for (const callback of queued) {
      try {
        callback();
      } catch (error) {
        uncaught.push(error);
      }
    }
    assert.deepEqual(uncaught, [boom], "rethrown once, as it was");
    assert.deepEqual(ran, [1005, 1006], "the others ran, on time");
    assert.equal(loop.pendingTimers, 0);
    assert.equal(semaphore.waiters, 0);
    semaphore.release();
    assert.equal((await semaphore.acquire({ timeout: 1 })) !== undefined, true);
  } finally {
    globalThis.queueMicrotask = original;
    IOLoop.setCurrent(undefined);
    clock.uninstall();
  }
});

// ---------------------------------------------------------------------------
// Queues: each class, made busy (full, with a putter waiting on a timer),
// and free (empty and idle).

const QUEUE_CLASSES = [Queue, PriorityQueue, LifoQueue] as const;

function queueSubject(
  Class: typeof QUEUE_CLASSES[number],
  full: boolean,
): Subject {
  const loop = new VirtualIOLoop();
  const x = new Class<number>(1, { loop });
  let putter: { settled: string[] } | undefined;
  if (full) {
    x.putNowait(0);
    putter = pending(x.put(1, { timeout: 50 }));
  }
  return {
    x,
    loop,
    state: () => ({
      string: String(x),
      size: x.size,
      getters: x.getters,
      putters: x.putters,
      unfinished: x.unfinishedTasks,
      timers: loop.pendingTimers,
      putter: putter?.settled,
    }),
    async works() {
      if (full) {
        assert.equal(await x.get({ timeout: 0 }), Class === LifoQueue ? 1 : 0);
        await loop.advance(0);
        assert.deepEqual(putter!.settled, ["ok"]);
        x.getNowait();
        x.taskDone();
        x.taskDone();
      }
      await x.put(2, { timeout: 0 });
      assert.equal(await x.get({ timeout: 0 }), 2);
      x.taskDone();
      await x.join({ timeout: 0 });
      assert.equal(loop.pendingTimers, 0);
      assert.equal(String(x), `<${Class.name} maxsize=1>`);
    },
  };
}

const QUEUE_WAITS = [
  {
    name: "get",
    call: (x: Queue<number>, options: unknown) => x.get(options as never),
  },
  {
    name: "put",
    call: (x: Queue<number>, options: unknown) => x.put(3, options as never),
  },
  {
    name: "join",
    call: (x: Queue<number>, options: unknown) => x.join(options as never),
  },
] as const;

for (const Class of QUEUE_CLASSES) {
  for (const wait of QUEUE_WAITS) {
    const name = `${Class.name}.${wait.name}()`;
    for (const [label, options, expected] of BAD_OPTIONS) {
      Deno.test(`${name} rejects options ${label} and changes nothing`, async () => {
        for (const full of [false, true]) {
          const subject = queueSubject(Class, full);
          const before = subject.state();
          await expectReject(() => wait.call(subject.x, options), expected);
          await subject.loop.advance(0);
          assert.deepEqual(subject.state(), before);
          await subject.works();
        }
      });
    }
    for (const [label, makeSignal] of ODD_REASONS) {
      Deno.test(`${name} rejects at once with an already-aborted signal's reason, ${label}, and takes nothing`, async () => {
        for (const full of [false, true]) {
          const subject = queueSubject(Class, full);
          const signal = makeSignal();
          const before = subject.state();
          await expectReject(
            () => wait.call(subject.x, { signal, timeout: 10 }),
            { thrown: signal.reason },
          );
          assert.deepEqual(subject.state(), before);
          await subject.works();
        }
      });
    }
  }

  for (const [label, options, expected] of BAD_CONSTRUCTOR_OPTIONS) {
    Deno.test(`new ${Class.name}() throws for options ${label}`, () => {
      expectThrow(() => new Class(0, options as never), expected);
    });
  }

  for (const [label, value, expected] of BAD_VALUES) {
    Deno.test(`new ${Class.name}() throws for maxsize ${label}`, () => {
      const renamed = "argument" in expected
        ? { ...expected, argument: "maxsize" }
        : expected;
      expectThrow(() => new Class(value as number), renamed);
    });
  }

  Deno.test(`${Class.name}.putNowait(), getNowait() and taskDone() that throw change nothing`, async () => {
    const subject = queueSubject(Class, true);
    const before = subject.state();
    expectThrow(() => subject.x.putNowait(5), {
      error: QueueFull,
      message: /^\w+ is full$/,
    });
    const empty = queueSubject(Class, false);
    const emptyBefore = empty.state();
    expectThrow(() => empty.x.getNowait(), {
      error: QueueEmpty,
      message: /^\w+ is empty$/,
    });
    expectThrow(() => empty.x.taskDone(), {
      error: RangeError,
      argument: "unfinishedTasks",
    });
    assert.deepEqual(subject.state(), before);
    assert.deepEqual(empty.state(), emptyBefore);
    await subject.works();
    await empty.works();
  });
}

const BAD_COMPARES: readonly [string, unknown][] = [
  ["null", null],
  ["a number", 1],
  ["a string", "<"],
  ["an object", {}],
];

for (const [label, compare] of BAD_COMPARES) {
  Deno.test(`new PriorityQueue() throws for options.compare ${label}`, () => {
    expectThrow(() => new PriorityQueue(0, { compare: compare as never }), {
      error: TypeError,
      argument: "options.compare",
    });
  });
}

const UNORDERED_ENTRIES: readonly [string, unknown, Expectation][] = [
  ["a string among numbers", "1", { error: TypeError, argument: "item" }],
  ["true", true, { error: TypeError, argument: "item" }],
  ["null", null, { error: TypeError, argument: "item" }],
  ["undefined", undefined, { error: TypeError, argument: "item" }],
  ["an object", {}, { error: TypeError, argument: "item" }],
  ["a symbol", Symbol("s"), { error: TypeError, argument: "item" }],
  ["a function", () => 1, { error: TypeError, argument: "item" }],
  ["NaN", NaN, { error: RangeError, argument: "item" }],
  ["an array", [1], { error: TypeError, argument: "item" }],
  ["a Proxy that throws on every read", explosive(), {
    error: TypeError,
    argument: "item",
  }],
];

for (const [label, item, expected] of UNORDERED_ENTRIES) {
  Deno.test(`PriorityQueue.put() and putNowait() refuse ${label} among numbers and change nothing`, async () => {
    const loop = new VirtualIOLoop();
    const queue = new PriorityQueue<unknown>(2, { loop });
    queue.putNowait(1);
    const before = String(queue);
    expectThrow(() => queue.putNowait(item), expected);
    await expectReject(() => queue.put(item), expected);
    await expectReject(() => queue.put(item, { timeout: 5 }), expected);
    assert.equal(String(queue), before);
    assert.equal(loop.pendingTimers, 0);
    assert.equal(queue.getNowait(), 1);
  });
}

// ---------------------------------------------------------------------------
// Weighted permits, capacity and close (0.2).

const BAD_PERMITS: readonly [string, unknown, ErrorClass][] = [
  ["a string", "2", TypeError],
  ["null", null, TypeError],
  ["a bigint", 2n, TypeError],
  ["a boolean", true, TypeError],
  ["a Proxy that throws on every read", explosive(), TypeError],
  ["an object that cannot be printed", unprintable, TypeError],
  ["0", 0, RangeError],
  ["-0", -0, RangeError],
  ["-1", -1, RangeError],
  ["1.5", 1.5, RangeError],
  ["NaN", NaN, RangeError],
  ["Infinity", Infinity, RangeError],
  ["2 ** 53", 2 ** 53, RangeError],
];

const PERMIT_KINDS = ["Semaphore", "BoundedSemaphore", "Lock"] as const;

for (const kind of PERMIT_KINDS) {
  for (const [label, permits, error] of BAD_PERMITS) {
    Deno.test(`${kind}.acquire() and use() reject options.permits ${label} and change nothing`, async () => {
      for (const subject of [busy(kind), free(kind)]) {
        const before = subject.state();
        await expectReject(
          () => subject.x.acquire({ permits, timeout: 10 }),
          { error, argument: "options.permits" },
        );
        await expectReject(
          () => subject.x.use(() => assert.fail("fn ran"), { permits }),
          { error, argument: "options.permits" },
        );
        await subject.loop.advance(0);
        assert.deepEqual(subject.state(), before);
        await subject.works();
      }
    });

    Deno.test(`${kind}.tryAcquire() and release() throw for permits ${label} and change nothing`, async () => {
      for (const subject of [busy(kind), free(kind)]) {
        const before = subject.state();
        expectThrow(() => subject.x.tryAcquire(permits), {
          error,
          argument: "permits",
        });
        expectThrow(() => subject.x.release(permits), {
          error,
          argument: "permits",
        });
        await subject.loop.advance(0);
        assert.deepEqual(subject.state(), before);
        await subject.works();
      }
    });
  }
}

Deno.test("Lock refuses 2 permits everywhere with a RangeError, and changes nothing", async () => {
  for (const subject of [busy("Lock"), free("Lock")]) {
    const before = subject.state();
    const expected = {
      error: RangeError,
      message: /must be at most 1: current value is 2$/,
    };
    await expectReject(() => subject.x.acquire({ permits: 2 }), expected);
    await expectReject(() => subject.x.use(() => {}, { permits: 2 }), expected);
    expectThrow(() => subject.x.tryAcquire(2), expected);
    expectThrow(() => subject.x.release(2), expected);
    await subject.loop.advance(0);
    assert.deepEqual(subject.state(), before);
    await subject.works();
  }
});

const BAD_CAPACITIES: readonly [string, unknown, ErrorClass][] = [
  ["a string", "3", TypeError],
  ["undefined", undefined, TypeError],
  ["null", null, TypeError],
  ["a bigint", 3n, TypeError],
  ["a Proxy that throws on every read", explosive(), TypeError],
  ["-1", -1, RangeError],
  ["1.5", 1.5, RangeError],
  ["NaN", NaN, RangeError],
  ["Infinity", Infinity, RangeError],
  ["2 ** 53", 2 ** 53, RangeError],
];

for (const [label, capacity, error] of BAD_CAPACITIES) {
  Deno.test(`BoundedSemaphore.capacity refuses ${label} and changes nothing`, async () => {
    for (
      const subject of [busy("BoundedSemaphore"), free("BoundedSemaphore")]
    ) {
      const before = { ...subject.state(), capacity: subject.x.capacity };
      expectThrow(() => subject.x.capacity = capacity, {
        error,
        argument: "capacity",
      });
      assert.deepEqual(
        { ...subject.state(), capacity: subject.x.capacity },
        before,
      );
      await subject.works();
    }
  });
}

Deno.test("Lock.capacity refuses every assignment with a TypeError and changes nothing", async () => {
  for (const subject of [busy("Lock"), free("Lock")]) {
    const before = subject.state();
    for (const capacity of [1, 2, 0, "1", explosive()]) {
      expectThrow(() => subject.x.capacity = capacity, {
        error: TypeError,
        message:
          /^Cannot set Lock\.capacity as a lock's capacity is fixed at 1/,
      });
    }
    assert.equal(subject.x.capacity, 1);
    assert.deepEqual(subject.state(), before);
    await subject.works();
  }
});

Deno.test("BoundedSemaphore.release(n) above what is held throws a RangeError, even with waiters, and changes nothing", async () => {
  for (const subject of [busy("BoundedSemaphore"), free("BoundedSemaphore")]) {
    const before = subject.state();
    expectThrow(() => subject.x.release(3), {
      error: RangeError,
      message:
        /^Cannot release BoundedSemaphore as 'permits' must be at most the \d held \(capacity \d\): current value is 3$/,
    });
    assert.deepEqual(subject.state(), before);
    await subject.works();
  }
});

const ODD_CLOSE_REASONS: readonly [string, () => unknown][] = [
  ["null", () => null],
  ["0", () => 0],
  ["an empty string", () => ""],
  ["false", () => false],
  ["a symbol", () => Symbol("why")],
  ["a thenable, never adopted", () => ({ then: () => assert.fail("adopted") })],
  ["a Proxy that throws on every read", explosive],
  ["a TimeoutError", () => new TimeoutError("not ours")],
];

for (const kind of KINDS) {
  for (const [label, makeReason] of ODD_CLOSE_REASONS) {
    Deno.test(`${kind}.close() with ${label} rejects waiters and later waits with exactly it`, async () => {
      const loop = new VirtualIOLoop();
      const reason = makeReason();
      const x = kind === "Condition"
        ? new Condition({ loop })
        : kind === "Event"
        ? new Event({ loop })
        : kind === "Semaphore"
        ? new Semaphore(0, { loop })
        : kind === "BoundedSemaphore"
        ? new BoundedSemaphore(0, { loop })
        : (() => {
          const lock = new Lock({ loop });
          lock.tryAcquire();
          return lock;
        })();
      const [wait] = waits(kind);
      const got: unknown[] = [];
      const record = (promise: unknown) =>
        (promise as Promise<unknown>).then(
          () => got.push("granted"),
          (e) => got.push(e),
        );
      const waiting = record(wait.call(x, { timeout: 10 }));
      x.close(reason);
      assert.equal(x.closed, true);
      assert.equal(x.waiters, 0);
      assert.equal(loop.pendingTimers, 0);
      await waiting;
      await record(wait.call(x, { timeout: 0 }));
      await record(wait.call(x, undefined));
      assert.equal(got.length, 3);
      for (const e of got) assert.ok(Object.is(e, reason), "the very reason");
      x.close("a second reason, ignored");
      await record(wait.call(x, {}));
      assert.ok(Object.is(got[3], reason));
      assert.ok(String(x).endsWith(" closed>"));
    });
  }
}
