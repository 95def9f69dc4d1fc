/**
 * WebLock's tests, in three parts:
 *
 * 1. On every runtime, over a fake lock manager put in `navigator.locks`:
 *    what WebLock adds to the platform (timeouts on the loop, aborts,
 *    closing, the races between a grant and a give-up, bad input), and the
 *    constructor's Error where `navigator.locks` is missing.
 * 2. Where the runtime has `navigator.locks` (Deno, Node 24, Chromium): the
 *    same behaviour against the platform's own lock manager.
 * 3. There too: two workers contending for one name, never overlapping.
 *
 * Where `navigator.locks` is missing (Node 20 and 22, Bun) parts 2 and 3
 * register no tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { WebLock } from "./web_lock.ts";
import type { Releaser } from "./semaphore.ts";
import { ClosedError } from "./errors.ts";
import { type IOLoop, VirtualIOLoop, type WaitOptions } from "./ioloop.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import { untilStarted, waitSuite } from "./_test_wait_suite.ts";
import {
  assertNoTimers,
  assertRendered,
  error,
  microtasks,
  timeoutOf,
  watch,
  watchedSignal,
} from "./_test_util.ts";
import {
  INSIDE,
  OVERLAPS,
  runSections,
  SECTIONS,
  type Task,
} from "./_test_web_lock_worker.ts";

type Mode = "exclusive" | "shared";

/** The platform's `navigator.locks`, if this runtime has one. */
const platform = (globalThis as {
  navigator?: { locks?: { request?: unknown } };
}).navigator?.locks;
const HAS_LOCKS = typeof platform?.request === "function";

let names = 0;
/** A lock name no other test uses, so a test never meets another's locks. */
function uniqueName(label = "lock"): string {
  return `web_lock_test ${label} ${++names} ${Math.random()}`;
}

/** Puts `locks` in `navigator.locks` until disposed. */
function stubLocks(locks: unknown): Disposable {
  const g = globalThis as { navigator?: { locks?: unknown } };
  const navigator = g.navigator;
  if (navigator === undefined) {
    Object.defineProperty(globalThis, "navigator", {
      value: { locks },
      configurable: true,
      writable: true,
    });
    return {
      [Symbol.dispose]() {
        delete g.navigator;
      },
    };
  }
  const own = Object.getOwnPropertyDescriptor(navigator, "locks");
  Object.defineProperty(navigator, "locks", {
    value: locks,
    configurable: true,
    writable: true,
  });
  return {
    [Symbol.dispose]() {
      if (own === undefined) delete navigator.locks;
      else Object.defineProperty(navigator, "locks", own);
    },
  };
}

// ---------------------------------------------------------------------------
// A fake lock manager: it records each request and answers only when told.

interface FakeRequest {
  name: string;
  mode: Mode;
  ifAvailable: boolean;
  signal: AbortSignal | undefined;
  /** What the callback returned when granted: the lock is held until it settles. */
  held: unknown;
  state: "pending" | "granted" | "refused" | "aborted";
  /** Whether the lock is still held: granted, and what the callback returned not yet settled. */
  holding: boolean;
  callback: (lock: unknown) => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

class FakeLocks {
  requests: FakeRequest[] = [];
  snapshot: {
    held: { name: string; mode: Mode }[];
    pending: { name: string; mode: Mode }[];
  } = { held: [], pending: [] };
  /** Thrown from `request()` itself, when set. */
  throws: unknown = undefined;

  request(
    name: string,
    options: { mode: Mode; ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown> {
    if (this.throws !== undefined) throw this.throws;
    return new Promise((resolve, reject) => {
      const request: FakeRequest = {
        name,
        mode: options.mode,
        ifAvailable: options.ifAvailable === true,
        signal: options.signal,
        held: undefined,
        state: "pending",
        holding: false,
        callback,
        resolve,
        reject,
      };
      this.requests.push(request);
      options.signal?.addEventListener("abort", () => {
        if (request.state !== "pending") return;
        request.state = "aborted";
        reject(options.signal!.reason);
      }, { once: true });
    });
  }

  /** Grants the request as the platform does: calls back with a lock, holds until what it returns settles. */
  grant(request: FakeRequest = this.last): void {
    assert.equal(request.state, "pending");
    request.state = "granted";
    request.holding = true;
    const held = request.callback({ name: request.name, mode: request.mode });
    request.held = held;
    Promise.resolve(held).then((value) => {
      request.holding = false;
      request.resolve(value);
    }, (reason) => {
      request.holding = false;
      request.reject(reason);
    });
  }

  /** Refuses an `ifAvailable` request: calls back with `null`. */
  refuse(request: FakeRequest = this.last): void {
    assert.equal(request.state, "pending");
    request.state = "refused";
    Promise.resolve(request.callback(null)).then(request.resolve);
  }

  /** Fails a request as the platform can (a SecurityError, a steal). */
  fail(reason: unknown, request: FakeRequest = this.last): void {
    request.state = "aborted";
    request.reject(reason);
  }

  query(): Promise<unknown> {
    return Promise.resolve(this.snapshot);
  }

  get last(): FakeRequest {
    const request = this.requests.at(-1);
    assert.ok(request, "no request was made");
    return request;
  }
}

/** A fake lock manager in `navigator.locks`, and a WebLock made over it. */
function fake(options?: { loop?: IOLoop }): {
  locks: FakeLocks;
  lock: WebLock;
} & Disposable {
  const locks = new FakeLocks();
  const stub = stubLocks(locks);
  return {
    locks,
    lock: new WebLock(uniqueName("fake"), options),
    [Symbol.dispose]: () => stub[Symbol.dispose](),
  };
}

// ---------------------------------------------------------------------------
// A model lock manager for the shared wait suite: the Web Locks API's rules
// for one agent, answered synchronously (a grant, a refusal, a withdrawal
// all happen inside the call that causes them), so the suite can count the
// waiters and check "at once" as it does for every other primitive.

interface ModelRequest {
  mode: Mode;
  callback: (lock: unknown) => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  /** Its place in line, or undefined once out of it. */
  queue: ModelRequest[] | undefined;
}

class ModelLocks {
  #held = new Map<string, ModelRequest[]>();
  #queues = new Map<string, ModelRequest[]>();

  request(
    name: string,
    options: { mode: Mode; ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown> {
    const { mode, ifAvailable, signal } = options;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const request: ModelRequest = {
        mode,
        callback,
        resolve,
        reject,
        queue: undefined,
      };
      if (this.#grantable(name, mode)) return this.#grant(name, request);
      if (ifAvailable) return resolve(callback(null));
      const queue = this.#queues.get(name) ?? [];
      this.#queues.set(name, queue);
      queue.push(request);
      request.queue = queue;
      signal?.addEventListener("abort", () => {
        if (request.queue === undefined) return;
        request.queue.splice(request.queue.indexOf(request), 1);
        request.queue = undefined;
        reject(signal.reason);
        this.#serve(name);
      }, { once: true });
    });
  }

  query(): Promise<unknown> {
    const snapshot = (map: Map<string, ModelRequest[]>) =>
      [...map].flatMap(([name, list]) =>
        list.map(({ mode }) => ({ name, mode }))
      );
    return Promise.resolve({
      held: snapshot(this.#held),
      pending: snapshot(this.#queues),
    });
  }

  /** How many requests for `name` wait in line. */
  pending(name: string): number {
    return this.#queues.get(name)?.length ?? 0;
  }

  /** Ends every hold of `name`, as if each holder released, and serves the line. */
  endHolds(name: string): void {
    this.#held.delete(name);
    this.#serve(name);
  }

  #grantable(name: string, mode: Mode): boolean {
    if (this.pending(name) > 0) return false;
    const held = this.#held.get(name) ?? [];
    return mode === "shared"
      ? held.every((h) => h.mode === "shared")
      : held.length === 0;
  }

  #grant(name: string, request: ModelRequest): void {
    const held = this.#held.get(name) ?? [];
    this.#held.set(name, held);
    held.push(request);
    const result = request.callback({ name, mode: request.mode });
    Promise.resolve(result).then((value) => {
      const now = this.#held.get(name);
      if (now?.includes(request)) {
        now.splice(now.indexOf(request), 1);
        this.#serve(name);
      }
      request.resolve(value);
    }, request.reject);
  }

  #serve(name: string): void {
    const queue = this.#queues.get(name) ?? [];
    while (queue.length > 0) {
      const head = queue[0];
      const held = this.#held.get(name) ?? [];
      const fits = head.mode === "shared"
        ? held.every((h) => h.mode === "shared")
        : held.length === 0;
      if (!fits) break;
      queue.shift();
      head.queue = undefined;
      this.#grant(name, head);
    }
  }
}

/** A WebLock over a model lock manager, held by someone else unless `free`. */
interface ModelFixture {
  lock: WebLock;
  locks: ModelLocks;
  name: string;
}

function modelFixture(loop: IOLoop | undefined, free: boolean): ModelFixture {
  const locks = new ModelLocks();
  const name = uniqueName("model");
  using _stub = stubLocks(locks);
  const lock = new WebLock(name, { loop });
  if (!free) {
    locks.request(name, { mode: "exclusive" }, () => new Promise(() => {}));
  }
  return { lock, locks, name };
}

const MODEL_SUBJECT = {
  className: "WebLock",
  what: "WebLock.acquire()",
  make: (loop?: IOLoop) => modelFixture(loop, false),
  makeAvailable: (loop?: IOLoop) => modelFixture(loop, true),
  // Ends the current hold: the model serves the first request in line.
  grant: (f: ModelFixture) => f.locks.endHolds(f.name),
  // Other agents' waiters count too: the platform's line is the line.
  waiters: (f: ModelFixture) => f.locks.pending(f.name),
  primitive: (f: ModelFixture) => f.lock,
  close: (f: ModelFixture, reason?: unknown) => f.lock.close(reason),
  // Each waiter has an AbortController for its platform request, and an
  // abort event costs 30 to 50 µs on Deno and Node.
  leakCount: 10_000,
};

waitSuite(Deno.test, {
  ...MODEL_SUBJECT,
  name: "WebLock.acquire()",
  wait: (f, options) => f.lock.acquire(options),
});

waitSuite(Deno.test, {
  ...MODEL_SUBJECT,
  name: 'WebLock.acquire({ mode: "shared" })',
  // The caller's options, unread, with a mode on top (bad options stay bad).
  wait: (f, options) =>
    f.lock.acquire(
      options === undefined
        ? { mode: "shared" }
        : typeof options === "object" && options !== null
        ? Object.create(options, { mode: { value: "shared" } })
        : options,
    ),
  // Ending an exclusive hold lets every shared request at the head in.
  grantsAll: true,
});

waitSuite(Deno.test, {
  ...MODEL_SUBJECT,
  name: "WebLock.use()",
  wait: (f, options) => untilStarted((fn) => f.lock.use(fn, options)),
  leakCount: 2_000,
});

/** Every way API.md gives to say "already passed", as options for a wait. */
function alreadyPassed(loop: IOLoop): [string, WaitOptions][] {
  const now = loop.time();
  return [
    ["timeout: 0", { timeout: 0 }],
    ["timeout: -1", { timeout: -1 }],
    ["timeout: { seconds: 0 }", { timeout: { seconds: 0 } }],
    ["deadline: loop.time()", { deadline: now }],
    ["deadline: -Infinity", { deadline: -Infinity }],
  ];
}

// ---------------------------------------------------------------------------
// 1. Everywhere: where navigator.locks is missing

Deno.test("new WebLock() throws an Error naming navigator.locks and Lock where navigator.locks is missing", () => {
  using _stub = stubLocks(undefined);
  const missing = error(
    Error,
    "Cannot create WebLock as this runtime has no navigator.locks (the Web Locks API of browsers, Deno 2.9 or later and Node 24.5 or later): use Lock to order async functions within one thread",
  );
  assert.throws(() => new WebLock("x"), missing);
  assert.throws(() => new WebLock("x", { loop: new VirtualIOLoop() }), missing);
  // A bad argument is still named first.
  assert.throws(
    () => new WebLock(1 as unknown as string),
    error(TypeError, /'name'/),
  );
});

Deno.test("WebLock.query() rejects with an Error naming navigator.locks where it is missing", async () => {
  using _stub = stubLocks(undefined);
  const query = WebLock.query();
  assert.ok(query instanceof Promise);
  await assert.rejects(
    query,
    error(
      Error,
      /^Cannot call WebLock\.query\(\) as this runtime has no navigator\.locks .*: use Lock /,
    ),
  );
});

if (!HAS_LOCKS) {
  Deno.test("new WebLock() throws, here, naming navigator.locks: this runtime has none", () => {
    assert.throws(() => new WebLock("x"), error(Error, /navigator\.locks/));
  });
}

// ---------------------------------------------------------------------------
// 1. Everywhere: bad input, over the fake lock manager

const NOT_STRINGS: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["a number", 1],
  ["a symbol", Symbol("x")],
  ["an object", { toString: () => "x" }],
  ["a String object", new String("x")],
];

Deno.test("new WebLock() throws a TypeError naming 'name' for a name that is not a string", () => {
  using _stub = stubLocks(new FakeLocks());
  for (const [label, name] of NOT_STRINGS) {
    assert.throws(
      () => new WebLock(name as string),
      error(TypeError, /^Cannot create WebLock as 'name' must be a string: /),
      label,
    );
  }
  assert.equal(String(new WebLock("")), '<WebLock "">');
});

Deno.test("new WebLock() throws a RangeError for a name starting with '-', which the Web Locks API reserves", () => {
  using _stub = stubLocks(new FakeLocks());
  assert.throws(
    () => new WebLock("-reserved"),
    error(
      RangeError,
      `Cannot create WebLock as 'name' must be a string not starting with '-' (reserved by the Web Locks API): current value is "-reserved"`,
    ),
  );
  assert.equal(String(new WebLock("a-b")), '<WebLock "a-b">');
});

Deno.test("new WebLock() throws a TypeError for bad options or options.loop", () => {
  using _stub = stubLocks(new FakeLocks());
  for (
    const options of [null, 5, "loop", { loop: {} }, { loop: 1 }, {
      loop: null,
    }]
  ) {
    assert.throws(
      () => new WebLock("x", options as { loop?: IOLoop }),
      error(TypeError, /^Cannot create WebLock as 'options(\.loop)?' must be /),
    );
  }
});

const BAD_MODES: unknown[] = ["EXCLUSIVE", "", "read", 1, null, true, {}];

for (
  const [what, call] of [
    [
      "acquire()",
      (lock: WebLock, mode: unknown) =>
        lock.acquire({ mode } as { mode?: Mode }),
    ],
    [
      "tryAcquire()",
      (lock: WebLock, mode: unknown) =>
        lock.tryAcquire({ mode } as { mode?: Mode }),
    ],
    [
      "use()",
      (lock: WebLock, mode: unknown) =>
        lock.use(() => {}, { mode } as { mode?: Mode }),
    ],
  ] as const
) {
  Deno.test(`WebLock.${what} rejects a mode other than "exclusive" or "shared" with a TypeError, requesting nothing`, async () => {
    using t = fake();
    const action = what === "use()" ? "acquire()" : what;
    for (const mode of BAD_MODES) {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => promise = call(t.lock, mode));
      await assert.rejects(
        promise!,
        error(
          TypeError,
          new RegExp(
            `^Cannot call WebLock\\.${
              action.replace(/[()]/g, "\\$&")
            } as 'options\\.mode' must be "exclusive" or "shared": current value is `,
          ),
        ),
      );
    }
    assert.equal(t.locks.requests.length, 0);
  });
}

const BAD_OPTIONS: [string, unknown, typeof TypeError | typeof RangeError][] = [
  ["null options", null, TypeError],
  ["boolean options", true, TypeError],
  ["a NaN timeout", { timeout: NaN }, RangeError],
  ["a NaN deadline", { deadline: NaN }, RangeError],
  ["a string timeout", { timeout: "1s" }, TypeError],
  ["a calendar field", { timeout: { months: 1 } }, RangeError],
  ["a signal that is not an AbortSignal", {
    signal: new AbortController(),
  }, TypeError],
];

for (const [label, options, ErrorClass] of BAD_OPTIONS) {
  Deno.test(`WebLock.acquire() and use() reject ${label} with a ${ErrorClass.name}, requesting nothing`, async () => {
    using t = fake();
    let called = false;
    await assert.rejects(
      t.lock.acquire(options as WaitOptions),
      error(ErrorClass, /^Cannot call WebLock\.acquire\(\) as 'options/),
    );
    await assert.rejects(
      t.lock.use(() => called = true, options as WaitOptions),
      ErrorClass,
    );
    assert.equal(called, false);
    assert.equal(t.locks.requests.length, 0);
  });
}

Deno.test("WebLock.tryAcquire() rejects options that are not an object with a TypeError, requesting nothing", async () => {
  using t = fake();
  for (const options of [null, 1, "shared", true]) {
    await assert.rejects(
      t.lock.tryAcquire(options as { mode?: Mode }),
      error(
        TypeError,
        /^Cannot call WebLock\.tryAcquire\(\) as 'options' must be an object: /,
      ),
    );
  }
  assert.equal(t.locks.requests.length, 0);
});

Deno.test("WebLock.use() rejects a fn that is not a function with a TypeError, requesting nothing", async () => {
  using t = fake();
  for (const fn of [undefined, null, 1, "fn", {}]) {
    await assert.rejects(
      t.lock.use(fn as () => void),
      error(
        TypeError,
        /^Cannot call WebLock\.use\(\) as 'fn' must be a function: /,
      ),
    );
  }
  assert.equal(t.locks.requests.length, 0);
});

// ---------------------------------------------------------------------------
// 1. Everywhere: what WebLock adds to the platform, over the fake

for (const kind of LOOP_KINDS) {
  const prefix = `${kind.name}: WebLock`;

  Deno.test(`${prefix}.acquire() makes one platform request, with the mode and a signal, and resolves with a Releaser when granted`, async () => {
    using _t = kind.create();
    using t = fake();
    for (const mode of [undefined, "exclusive", "shared"] as const) {
      const acquired = watch(t.lock.acquire(mode ? { mode } : undefined));
      const request = t.locks.last;
      assert.equal(request.name, String(t.lock).slice(10, -2));
      assert.equal(request.mode, mode ?? "exclusive");
      assert.equal(request.ifAvailable, false);
      assert.ok(request.signal instanceof AbortSignal);
      await microtasks();
      assert.equal(acquired.state, "pending");
      t.locks.grant();
      await microtasks();
      assert.equal(acquired.state, "fulfilled");
      assert.equal(request.holding, true);
      const releaser = acquired.value as Releaser;
      releaser.release();
      await microtasks();
      assert.equal(request.holding, false);
      releaser.release();
      releaser[Symbol.dispose]();
    }
  });

  Deno.test(`${prefix}.acquire() rejects with TimeoutError past the deadline and withdraws its platform request`, async () => {
    using tl = kind.create();
    using t = fake();
    const acquired = watch(t.lock.acquire({ timeout: 1000 }));
    const request = t.locks.last;
    await tl.advance(999);
    assert.equal(acquired.state, "pending");
    assert.equal(request.signal!.aborted, false);
    await tl.advance(1);
    assert.equal(acquired.state, "rejected");
    assert.ok(timeoutOf("WebLock.acquire()")(acquired.reason));
    assert.equal(request.signal!.aborted, true);
    assert.equal(request.state, "aborted");
    assertNoTimers(tl);
  });

  Deno.test(`${prefix}.acquire() times an absolute deadline on the loop's clock, and the earlier of deadline and timeout`, async () => {
    using tl = kind.create();
    using t = fake();
    const now = tl.loop.time();
    const byDeadline = watch(t.lock.acquire({ deadline: now + 500 }));
    const byBoth = watch(
      t.lock.acquire({ deadline: now + 2000, timeout: 300 }),
    );
    const byDuration = watch(t.lock.acquire({ deadline: { seconds: 1 } }));
    await tl.advance(300);
    assert.deepEqual(
      [byDeadline.state, byBoth.state, byDuration.state],
      ["pending", "rejected", "pending"],
    );
    await tl.advance(200);
    assert.equal(byDeadline.state, "rejected");
    await tl.advance(500);
    assert.equal(byDuration.state, "rejected");
    assert.ok(t.locks.requests.every((r) => r.state === "aborted"));
    assertNoTimers(tl);
  });

  Deno.test(`${prefix}.acquire() times its wait with its own loop when given one`, async () => {
    using tl = kind.create();
    const own = new VirtualIOLoop();
    using t = fake({ loop: own });
    const acquired = watch(t.lock.acquire({ timeout: 10 }));
    await tl.advance(10);
    assert.equal(acquired.state, "pending");
    assert.equal(own.pendingTimers, 1);
    await own.advance(10);
    assert.equal(acquired.state, "rejected");
    assert.equal(own.pendingTimers, 0);
  });

  Deno.test(`${prefix}.acquire() keeps a grant that comes before the deadline, and clears its timer`, async () => {
    using tl = kind.create();
    using t = fake();
    const acquired = watch(t.lock.acquire({ timeout: 1000 }));
    await tl.advance(500);
    t.locks.grant();
    await tl.settle();
    assert.equal(acquired.state, "fulfilled");
    assertNoTimers(tl);
    await tl.advance(1000);
    assert.equal(acquired.settlements, 1);
    assert.equal(t.locks.last.signal!.aborted, false);
    assert.equal(t.locks.last.holding, true);
    (acquired.value as Releaser).release();
    await microtasks();
    assert.equal(t.locks.last.holding, false);
  });

  Deno.test(`${prefix}.acquire() keeps a grant that comes in the same turn as the deadline, before it`, async () => {
    using tl = kind.create();
    using t = fake();
    // Timers due at the same time fire in the order they were added.
    tl.loop.callLater(1000, () => t.locks.grant());
    const acquired = watch(t.lock.acquire({ timeout: 1000 }));
    await tl.advance(1000);
    assert.equal(acquired.state, "fulfilled");
    assert.equal(acquired.settlements, 1);
    assert.equal(t.locks.last.holding, true);
    (acquired.value as Releaser).release();
    await microtasks();
    assert.equal(t.locks.last.holding, false);
    assertNoTimers(tl);
  });

  Deno.test(`${prefix}.acquire() releases at once a grant that comes after it timed out`, async () => {
    using tl = kind.create();
    using t = fake();
    const acquired = watch(t.lock.acquire({ timeout: 10 }));
    const request = t.locks.last;
    await tl.advance(10);
    assert.equal(acquired.state, "rejected");
    // A platform may still grant a request it was told to withdraw.
    request.state = "pending";
    t.locks.grant(request);
    assert.equal(request.held, undefined, "the callback holds nothing");
    await microtasks();
    assert.equal(request.holding, false);
    assert.equal(acquired.settlements, 1);
  });

  Deno.test(`${prefix}.acquire() rejects with the signal's reason when it aborts, withdraws its request and removes its listener`, async () => {
    using tl = kind.create();
    using t = fake();
    const spy = watchedSignal();
    const acquired = watch(
      t.lock.acquire({ signal: spy.signal, timeout: 1000 }),
    );
    const request = t.locks.last;
    assert.equal(spy.live(), 1);
    const reason = new Error("stop");
    spy.controller.abort(reason);
    await microtasks();
    assert.equal(acquired.state, "rejected");
    assert.equal(acquired.reason, reason);
    assert.equal(spy.live(), 0);
    assert.equal(request.signal!.aborted, true);
    assert.equal(request.state, "aborted");
    assertNoTimers(tl);
    // A grant that comes after is released at once.
    request.state = "pending";
    t.locks.grant(request);
    assert.equal(request.held, undefined);
  });

  Deno.test(`${prefix}.acquire() with an already-aborted signal rejects with its reason and requests nothing`, async () => {
    using tl = kind.create();
    using t = fake();
    for (const reason of [new Error("gone"), undefined, 0, "why"]) {
      const controller = new AbortController();
      controller.abort(reason);
      await assert.rejects(
        t.lock.acquire({ signal: controller.signal }),
        (e) => e === controller.signal.reason,
      );
      await assert.rejects(
        t.lock.acquire({ signal: controller.signal, timeout: 0 }),
        (e) => e === controller.signal.reason,
      );
    }
    assert.equal(t.locks.requests.length, 0);
    assertNoTimers(tl);
  });

  Deno.test(`${prefix}.acquire() ignores an abort after the grant: the caller holds the lock`, async () => {
    using _tl = kind.create();
    using t = fake();
    const controller = new AbortController();
    const acquired = watch(t.lock.acquire({ signal: controller.signal }));
    t.locks.grant();
    controller.abort();
    await microtasks();
    assert.equal(acquired.state, "fulfilled");
    assert.equal(t.locks.last.signal!.aborted, false);
    assert.equal(t.locks.last.holding, true);
    (acquired.value as Releaser).release();
  });

  Deno.test(`${prefix}.acquire() with a deadline already passed makes an ifAvailable request, arming no timer`, async () => {
    using tl = kind.create();
    using t = fake();
    for (const [label, options] of alreadyPassed(tl.loop)) {
      const granted = watch(t.lock.acquire(options));
      const request = t.locks.last;
      assert.equal(request.ifAvailable, true, label);
      assert.equal(request.signal, undefined, label);
      assertNoTimers(tl, label);
      t.locks.grant(request);
      await microtasks();
      assert.equal(granted.state, "fulfilled", label);
      (granted.value as Releaser).release();

      const refused = watch(t.lock.acquire(options));
      t.locks.refuse();
      await microtasks();
      assert.equal(refused.state, "rejected", label);
      assert.ok(timeoutOf("WebLock.acquire()")(refused.reason), label);
      assertNoTimers(tl, label);
    }
  });

  Deno.test(`${prefix}.tryAcquire() makes an ifAvailable request and resolves with a Releaser or undefined`, async () => {
    using _tl = kind.create();
    using t = fake();
    for (const mode of [undefined, "exclusive", "shared"] as const) {
      const granted = watch(t.lock.tryAcquire(mode ? { mode } : undefined));
      const request = t.locks.last;
      assert.equal(request.ifAvailable, true);
      assert.equal(request.mode, mode ?? "exclusive");
      t.locks.grant();
      await microtasks();
      assert.equal(granted.state, "fulfilled");
      assert.equal(request.holding, true);
      (granted.value as Releaser).release();
      await microtasks();
      assert.equal(request.holding, false);

      const refused = watch(t.lock.tryAcquire({ mode }));
      t.locks.refuse();
      await microtasks();
      assert.equal(refused.state, "fulfilled");
      assert.equal(refused.value, undefined);
    }
  });

  Deno.test(`${prefix}.tryAcquire() counts an ifAvailable request the lock manager queued as refused, and releases its late grant at once`, async () => {
    using _tl = kind.create();
    using t = fake();
    // Deno 2.9.6 queues a shared ifAvailable request while a shared lock
    // is held and an exclusive request waits.
    const name = String(t.lock).slice(10, -2);
    t.locks.snapshot = {
      held: [{ name, mode: "shared" }],
      pending: [{ name, mode: "exclusive" }, { name, mode: "shared" }],
    };
    const tried = watch(t.lock.tryAcquire({ mode: "shared" }));
    const passed = watch(t.lock.acquire({ mode: "shared", timeout: 0 }));
    await microtasks();
    assert.equal(tried.state, "fulfilled");
    assert.equal(tried.value, undefined);
    assert.equal(passed.state, "rejected");
    assert.ok(timeoutOf("WebLock.acquire()")(passed.reason));
    for (const request of t.locks.requests) {
      t.locks.grant(request);
      assert.equal(request.held, undefined);
    }
  });

  Deno.test(`${prefix}.tryAcquire() waits for an answer still on its way when nothing is queued for the name`, async () => {
    using _tl = kind.create();
    using t = fake();
    // A browser's answer may come after the snapshot asked for after it.
    t.locks.snapshot = {
      held: [],
      pending: [{ name: "other", mode: "exclusive" }],
    };
    const tried = watch(t.lock.tryAcquire());
    await microtasks();
    assert.equal(tried.state, "pending");
    t.locks.grant();
    await microtasks();
    assert.equal(tried.state, "fulfilled");
    assert.ok(tried.value);
    (tried.value as Releaser).release();
  });

  Deno.test(`${prefix}.acquire() and tryAcquire() reject with the platform's error when the request fails`, async () => {
    using _tl = kind.create();
    using t = fake();
    const failure = new Error("SecurityError");
    const acquired = watch(t.lock.acquire());
    t.locks.fail(failure);
    const tried = watch(t.lock.tryAcquire());
    t.locks.fail(failure);
    await microtasks();
    assert.equal(acquired.reason, failure);
    assert.equal(tried.reason, failure);
    t.locks.throws = failure;
    await assert.rejects(t.lock.acquire({ timeout: 10 }), (e) => e === failure);
    await assert.rejects(t.lock.tryAcquire(), (e) => e === failure);
    assertNoTimers(_tl);
  });

  Deno.test(`${prefix}.use() holds the lock while fn runs, releases it when fn returns or throws, and gives up as acquire() does`, async () => {
    using tl = kind.create();
    using t = fake();
    const used = watch(t.lock.use(() => {
      assert.equal(t.locks.last.holding, true);
      return 7;
    }, { mode: "shared" }));
    assert.equal(t.locks.last.mode, "shared");
    t.locks.grant();
    await microtasks();
    assert.equal(used.value, 7);
    assert.equal(t.locks.last.holding, false);

    const thrown = watch(t.lock.use(() => Promise.reject(new Error("boom"))));
    t.locks.grant();
    await microtasks();
    assert.equal((thrown.reason as Error).message, "boom");
    assert.equal(t.locks.last.holding, false);

    let called = false;
    const late = watch(t.lock.use(() => called = true, { timeout: 5 }));
    await tl.advance(5);
    assert.ok(timeoutOf("WebLock.acquire()")(late.reason));
    assert.equal(called, false);
  });

  Deno.test(`${prefix}.close() rejects pending acquires with a ClosedError, withdraws their requests and releases late grants at once`, async () => {
    using tl = kind.create();
    using t = fake();
    const spy = watchedSignal();
    const held = watch(t.lock.acquire());
    t.locks.grant();
    const timed = watch(t.lock.acquire({ timeout: 100, signal: spy.signal }));
    const plain = watch(t.lock.acquire({ mode: "shared" }));
    const tried = watch(t.lock.tryAcquire());
    t.lock.close();
    await microtasks();
    assert.ok(held.value);
    for (const waiter of [timed, plain]) {
      assert.equal(waiter.state, "rejected");
      assert.ok(waiter.reason instanceof ClosedError);
      assert.equal((waiter.reason as Error).message, "WebLock is closed");
    }
    assert.equal(timed.reason, plain.reason, "one ClosedError per close()");
    assert.equal(tried.state, "fulfilled");
    assert.equal(tried.value, undefined);
    assert.equal(spy.live(), 0);
    assertNoTimers(tl);
    const [, timedRequest, plainRequest, tryRequest] = t.locks.requests;
    assert.equal(timedRequest.state, "aborted");
    assert.equal(plainRequest.state, "aborted");
    for (const request of [timedRequest, plainRequest]) {
      request.state = "pending";
      t.locks.grant(request);
      assert.equal(request.held, undefined);
    }
    t.locks.grant(tryRequest);
    assert.equal(tryRequest.held, undefined);
    // What was granted stays held until released.
    assert.equal(t.locks.requests[0].holding, true);
    (held.value as Releaser).release();
    await microtasks();
    assert.equal(t.locks.requests[0].holding, false);
  });

  Deno.test(`${prefix}.close(reason) rejects with the reason, falsy too, and later waits with it at once`, async () => {
    using tl = kind.create();
    for (const reason of [new Error("shutdown"), 0, "", null, false]) {
      using t = fake();
      const pending = watch(t.lock.acquire());
      t.lock.close(reason);
      t.lock.close(new Error("ignored"));
      await microtasks();
      assert.equal(pending.reason, reason);
      const requests = t.locks.requests.length;
      for (
        const options of [undefined, { timeout: 0 }, {
          mode: "shared" as const,
        }]
      ) {
        await assert.rejects(t.lock.acquire(options), (e) => e === reason);
      }
      await assert.rejects(t.lock.use(() => {}), (e) => e === reason);
      assert.equal(await t.lock.tryAcquire(), undefined);
      assert.equal(t.locks.requests.length, requests, "nothing requested");
      assert.equal(t.lock.closed, true);
      assertNoTimers(tl);
    }
  });

  Deno.test(`${prefix}.close() without a reason makes one ClosedError for later waits too`, async () => {
    using _tl = kind.create();
    using t = fake();
    assert.equal(t.lock.closed, false);
    t.lock.close();
    const errors = await Promise.all(
      [t.lock.acquire(), t.lock.acquire({ timeout: 0 })].map((p) =>
        p.then(() => undefined, (e) => e)
      ),
    );
    assert.ok(errors[0] instanceof ClosedError);
    assert.equal(errors[0].name, "ClosedError");
    assert.equal(errors[0], errors[1]);
  });
}

// 10,000 of each, not 100,000: each pending acquire has an AbortController
// for its platform request, and an abort's event costs 30 to 50 µs on Deno
// and Node.
Deno.test("VirtualIOLoop: WebLock.acquire() leaves nothing behind after 10000 timeouts and 10000 aborts", async () => {
  const loop = new VirtualIOLoop();
  using t = fake({ loop });
  const controller = new AbortController();
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < 10_000; i++) {
    all.push(t.lock.acquire({ timeout: 10 }).catch(() => {}));
    all.push(t.lock.acquire({ signal: controller.signal }).catch(() => {}));
  }
  controller.abort();
  await loop.advance(10);
  await Promise.all(all);
  assert.equal(loop.pendingTimers, 0);
  assert.ok(t.locks.requests.every((r) => r.state === "aborted"));
  // Nothing of theirs is kept: a late grant holds nothing.
  const last = t.locks.last;
  last.state = "pending";
  t.locks.grant(last);
  assert.equal(last.held, undefined);
});

Deno.test('WebLock renders as <WebLock "name">, with closed once closed, everywhere', () => {
  using _stub = stubLocks(new FakeLocks());
  const lock = new WebLock("jobs");
  assertRendered(lock, '<WebLock "jobs">');
  assertRendered(
    new WebLock('a "quoted"\nname'),
    '<WebLock "a \\"quoted\\"\\nname">',
  );
  lock.close();
  assertRendered(lock, '<WebLock "jobs" closed>');
});

// ---------------------------------------------------------------------------
// 2. Against the platform's own lock manager

/** How many locks of `name` the platform holds and has queued. */
async function platformState(
  name: string,
): Promise<{ held: string[]; pending: string[] }> {
  const snapshot = await WebLock.query();
  return {
    held: snapshot.held.filter((l) => l.name === name).map((l) => l.mode!),
    pending: snapshot.pending.filter((l) => l.name === name).map((l) =>
      l.mode!
    ),
  };
}

/**
 * One turn of the event loop, by a message rather than a timer: the
 * platform answers on the loop, and the test may run under fake timers.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(undefined);
  });
}

/**
 * Waits until the platform holds and queues exactly these modes of `name`:
 * the lock manager works in its own time (in another thread, or another
 * process in a browser), so the test asks it again each turn of the loop.
 */
async function until(
  name: string,
  held: string[],
  pending: string[],
): Promise<void> {
  const expected = JSON.stringify({ held, pending });
  for (let turn = 0; turn < 1000; turn++) {
    if (JSON.stringify(await platformState(name)) === expected) return;
    await nextTurn();
  }
  assert.deepEqual(await platformState(name), { held, pending });
}

if (HAS_LOCKS) {
  for (const kind of LOOP_KINDS) {
    const prefix = `${kind.name}: navigator.locks: WebLock`;

    Deno.test(`${prefix}.acquire() takes the platform's lock; another WebLock of the name waits for its release`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      const [a, b] = [new WebLock(name), new WebLock(name)];
      const first = await a.acquire();
      await until(name, ["exclusive"], []);
      const acquiring = b.acquire();
      const second = watch(acquiring);
      await until(name, ["exclusive"], ["exclusive"]);
      assert.equal(second.state, "pending");
      first.release();
      const releaser = await acquiring;
      first.release(); // a second release does nothing to the next holder
      first[Symbol.dispose]();
      await until(name, ["exclusive"], []);
      releaser[Symbol.dispose]();
      await until(name, [], []);
    });

    Deno.test(`${prefix}.acquire() grants in the order requested, across WebLocks of one name`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      const order: number[] = [];
      const held = await new WebLock(name).acquire();
      const all = [0, 1, 2, 3].map((i) =>
        new WebLock(name).use(
          () => order.push(i),
          i % 2 ? { timeout: 1e6 } : undefined,
        )
      );
      await until(name, ["exclusive"], [
        "exclusive",
        "exclusive",
        "exclusive",
        "exclusive",
      ]);
      held.release();
      await Promise.all(all);
      assert.deepEqual(order, [0, 1, 2, 3]);
      await until(name, [], []);
    });

    Deno.test(`${prefix}.acquire({ mode: "shared" }) lets shared holders in together; an exclusive one waits for them all`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      const a = await lock.acquire({ mode: "shared" });
      const b = await lock.acquire({ mode: "shared", timeout: 1000 });
      await until(name, ["shared", "shared"], []);
      const exclusive = lock.acquire();
      const later = lock.acquire({ mode: "shared" });
      const watched = watch(later);
      await until(name, ["shared", "shared"], ["exclusive", "shared"]);
      a.release();
      await until(name, ["shared"], ["exclusive", "shared"]);
      b.release();
      const releaser = await exclusive;
      await until(name, ["exclusive"], ["shared"]);
      assert.equal(watched.state, "pending");
      releaser.release();
      (await later).release();
      await until(name, [], []);
    });

    Deno.test(`${prefix}.acquire() rejects with TimeoutError past the deadline, and its request never takes the lock`, async () => {
      using tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      const held = await lock.acquire();
      const timed = watch(lock.acquire({ timeout: 1000 }));
      await until(name, ["exclusive"], ["exclusive"]);
      await tl.advance(999);
      assert.equal(timed.state, "pending");
      await tl.advance(1);
      assert.equal(timed.state, "rejected");
      assert.ok(timeoutOf("WebLock.acquire()")(timed.reason));
      assertNoTimers(tl);
      const next = new WebLock(name).acquire();
      held.release();
      (await next).release();
      await until(name, [], []);
    });

    Deno.test(`${prefix}.acquire() rejects with the signal's reason when it aborts, and its request never takes the lock`, async () => {
      using tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      const held = await lock.acquire();
      const spy = watchedSignal();
      const aborted = watch(
        lock.acquire({ signal: spy.signal, mode: "shared" }),
      );
      await until(name, ["exclusive"], ["shared"]);
      spy.controller.abort("enough");
      await microtasks();
      assert.equal(aborted.reason, "enough");
      assert.equal(spy.live(), 0);
      assertNoTimers(tl);
      const next = new WebLock(name).acquire();
      held.release();
      (await next).release();
      await until(name, [], []);
    });

    Deno.test(`${prefix}.acquire() with a deadline already passed takes a free lock and rejects with TimeoutError on a held one`, async () => {
      using tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      for (const [label, options] of alreadyPassed(tl.loop)) {
        const releaser = await lock.acquire(options);
        await until(name, ["exclusive"], []);
        await assert.rejects(
          lock.acquire(options),
          timeoutOf("WebLock.acquire()"),
          label,
        );
        await assert.rejects(
          lock.acquire({ ...options, mode: "shared" }),
          timeoutOf("WebLock.acquire()"),
          label,
        );
        assertNoTimers(tl, label);
        releaser.release();
        await until(name, [], []);
      }
    });

    Deno.test(`${prefix}.acquire() with an already-aborted signal rejects with its reason and takes nothing`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(
        new WebLock(name).acquire({ signal: controller.signal }),
        (e) => e === controller.signal.reason,
      );
      await until(name, [], []);
    });

    Deno.test(`${prefix}.tryAcquire() takes a free lock, shares a shared one, and resolves with undefined on a held one`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      const exclusive = await lock.tryAcquire();
      assert.ok(exclusive);
      assert.equal(await lock.tryAcquire(), undefined);
      assert.equal(await lock.tryAcquire({ mode: "shared" }), undefined);
      exclusive.release();
      await until(name, [], []);
      const shared = await lock.tryAcquire({ mode: "shared" });
      assert.ok(shared);
      const again = await lock.tryAcquire({ mode: "shared" });
      assert.ok(again);
      assert.equal(await lock.tryAcquire(), undefined);
      shared.release();
      again.release();
      await until(name, [], []);
    });

    Deno.test(`${prefix}.tryAcquire({ mode: "shared" }) resolves with undefined while a shared lock is held and an exclusive request waits, and holds nothing after`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      const shared = await lock.acquire({ mode: "shared" });
      const exclusive = lock.acquire();
      await until(name, ["shared"], ["exclusive"]);
      // Deno 2.9.6 queues these ifAvailable requests instead of refusing
      // them; once granted, after the exclusive holder, they are released
      // at once.
      assert.equal(await lock.tryAcquire({ mode: "shared" }), undefined);
      await assert.rejects(
        lock.acquire({ mode: "shared", timeout: 0 }),
        timeoutOf("WebLock.acquire()"),
      );
      shared.release();
      (await exclusive).release();
      await until(name, [], []);
    });

    Deno.test(`${prefix}.close() rejects pending acquires, their requests leave the platform's queue, and what is held stays held`, async () => {
      using tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      const other = new WebLock(name);
      const held = await lock.acquire();
      const pending = watch(lock.acquire({ timeout: 1000 }));
      const theirs = other.acquire();
      await until(name, ["exclusive"], ["exclusive", "exclusive"]);
      lock.close();
      await microtasks();
      assert.ok(pending.reason instanceof ClosedError);
      assertNoTimers(tl);
      assert.equal(await lock.tryAcquire(), undefined);
      held.release();
      // Other WebLocks of the name go on.
      (await theirs).release();
      await until(name, [], []);
    });

    Deno.test(`${prefix}.use() runs fn holding the lock and releases it when fn throws`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      const lock = new WebLock(name);
      const value = await lock.use(async () => {
        assert.deepEqual(await platformState(name), {
          held: ["exclusive"],
          pending: [],
        });
        return "done";
      });
      assert.equal(value, "done");
      await assert.rejects(
        lock.use(() => {
          throw new Error("boom");
        }),
        { message: "boom" },
      );
      await until(name, [], []);
    });

    Deno.test(`${prefix}.query() returns the platform's snapshot`, async () => {
      using _tl = kind.create();
      const name = uniqueName();
      using _held = await new WebLock(name).acquire({ mode: "shared" });
      const ours = await WebLock.query();
      const theirs = await (platform as unknown as {
        query(): Promise<typeof ours>;
      }).query();
      assert.deepEqual(ours, theirs);
      assert.ok(ours.held.some((l) => l.name === name && l.mode === "shared"));
    });
  }

  Deno.test("VirtualIOLoop: navigator.locks: WebLock.acquire() leaves nothing behind after 1000 timeouts", async () => {
    const loop = new VirtualIOLoop();
    const name = uniqueName();
    const lock = new WebLock(name, { loop });
    const held = await lock.acquire();
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      all.push(lock.acquire({ timeout: 10 }).catch(() => {}));
    }
    await loop.advance(10);
    await Promise.all(all);
    assert.equal(loop.pendingTimers, 0);
    held.release();
    await until(name, [], []);
  });

  Deno.test("navigator.locks: WebLock.acquire() that times out, is aborted or is closed withdraws its request from the platform's queue at once", async () => {
    const loop = new VirtualIOLoop();
    const name = uniqueName();
    const held = await new WebLock(name).acquire();
    const [timed, aborted, closed] = [0, 1, 2].map(() =>
      new WebLock(name, { loop })
    );
    const controller = new AbortController();
    const all = [
      timed.acquire({ timeout: 10 }),
      aborted.acquire({ signal: controller.signal }),
      closed.acquire({ mode: "shared" }),
    ].map((promise) => promise.catch(() => {}));
    try {
      await until(name, ["exclusive"], ["exclusive", "exclusive", "shared"]);
      await loop.advance(10);
      controller.abort();
      closed.close();
      await Promise.all(all);
      await until(name, ["exclusive"], []);
    } finally {
      held.release();
      await until(name, [], []);
    }
  });
}

// ---------------------------------------------------------------------------
// 3. Two workers, one name

/** A worker running _test_web_lock_worker.ts, Deno's, a browser's or Node's. */
interface TestWorker {
  run(task: Task): Promise<unknown>;
  terminate(): void;
}

async function startWorker(): Promise<TestWorker> {
  const file = import.meta.url.endsWith(".ts")
    ? "./_test_web_lock_worker.ts"
    : "./_test_web_lock_worker.js";
  const url = new URL(file, import.meta.url);
  if (typeof (globalThis as { Worker?: unknown }).Worker === "function") {
    const worker = new Worker(url.href, { type: "module" });
    return {
      run(task) {
        return new Promise((resolve, reject) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(event.message));
          };
          worker.postMessage(task);
        });
      },
      terminate: () => worker.terminate(),
    };
  }
  const { Worker: NodeWorker } = await import("node:worker_threads");
  const worker = new NodeWorker(url);
  return {
    run(task) {
      return new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.postMessage(task);
      });
    },
    terminate: () => void worker.terminate(),
  };
}

const SECTIONS_EACH = 100;

/**
 * Runs `workers` workers, and this thread too if `here`, through
 * {@linkcode SECTIONS_EACH} sections each on `name`; checks that every
 * section ran and none overlapped another.
 */
async function contend(
  name: string,
  { workers: count, here }: { workers: number; here: boolean },
): Promise<void> {
  const memory = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  const task: Task = { name, sections: SECTIONS_EACH, memory };
  const workers = await Promise.all(
    Array.from({ length: count }, () => startWorker()),
  );
  try {
    const answers = await Promise.all([
      ...workers.map((worker) => worker.run(task)),
      ...here ? [runSections(task).then(() => "done")] : [],
    ]);
    assert.deepEqual(answers, answers.map(() => "done"));
  } finally {
    for (const worker of workers) worker.terminate();
  }
  const cells = new Int32Array(memory);
  const total = (count + (here ? 1 : 0)) * SECTIONS_EACH;
  assert.deepEqual(
    { sections: cells[SECTIONS], inside: cells[INSIDE] },
    { sections: total, inside: 0 },
  );
  assert.equal(cells[OVERLAPS], 0, `sections overlapped, in ${total}`);
  await until(name, [], []);
}

if (HAS_LOCKS) {
  Deno.test(`navigator.locks: WebLock keeps two workers contending for one name out of each other (${SECTIONS_EACH} sections each)`, async () => {
    await contend(uniqueName("workers"), { workers: 2, here: false });
  });

  Deno.test(`navigator.locks: WebLock keeps this thread and a worker contending for one name out of each other (${SECTIONS_EACH} sections each)`, async () => {
    await contend(uniqueName("here"), { workers: 1, here: true });
  });

  Deno.test(`navigator.locks: WebLock keeps two workers out of each other while this thread has a request queued for another lock (${SECTIONS_EACH} sections each)`, async () => {
    const other = uniqueName("bystander");
    const held = await new WebLock(other).acquire();
    const queued = new WebLock(other).acquire();
    try {
      await until(other, ["exclusive"], ["exclusive"]);
      await contend(uniqueName("workers"), { workers: 2, here: false });
    } finally {
      held.release();
      (await queued).release();
      await until(other, [], []);
    }
  });
}
