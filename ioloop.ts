/**
 * Time for the primitives: an {@linkcode IOLoop} says what time it is and
 * runs callbacks at deadlines, as Tornado's `IOLoop` does.
 *
 * The default loop uses the runtime's own timers and clock, looked up on
 * `globalThis` at each call, so fake clocks such as `FakeTime` from
 * `@std/testing/time` or `@sinonjs/fake-timers` control it. A
 * {@linkcode VirtualIOLoop} runs on virtual time that moves only when a test
 * says so.
 *
 * ```ts
 * import { Event, TimeoutError, VirtualIOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualIOLoop();
 * const event = new Event({ loop });
 * const waiting = assert.rejects(event.wait({ timeout: 1000 }), TimeoutError);
 * await loop.advance(1000);
 * await waiting;
 * assert.equal(loop.time(), 1000);
 * ```
 *
 * @module
 */

import { TimeoutError } from "./errors.ts";
import { cannot, checkNumber } from "./_check.ts";
import { resolveDeadline, resolveTimeout } from "./_time.ts";
import { Timer, TimerHeap } from "./_timers.ts";

/**
 * A length of time, as any object with these fields: a
 * `Temporal.Duration` works as it is. The fields add up; calendar fields
 * (`years`, `months`, `weeks`) must be absent or zero, as they have no
 * fixed length.
 *
 * @example A duration of one and a half seconds
 * ```ts
 * import { type DurationLike, VirtualIOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualIOLoop();
 * const duration: DurationLike = { seconds: 1, milliseconds: 500 };
 * assert.equal(loop.addTimeout(duration, () => {}).deadline, 1500);
 * ```
 */
export interface DurationLike {
  /** Days of 24 hours. @default {0} */
  readonly days?: number;
  /** Hours. @default {0} */
  readonly hours?: number;
  /** Minutes. @default {0} */
  readonly minutes?: number;
  /** Seconds. @default {0} */
  readonly seconds?: number;
  /** Milliseconds. @default {0} */
  readonly milliseconds?: number;
  /** Microseconds. @default {0} */
  readonly microseconds?: number;
  /** Nanoseconds. @default {0} */
  readonly nanoseconds?: number;
}

/**
 * When a wait gives up: a number is an absolute time on the loop's clock
 * (`loop.time() + 1000`), a {@linkcode DurationLike} counts from now.
 * `Infinity` means never.
 *
 * @example The same deadline, written both ways
 * ```ts
 * import { type Deadline, VirtualIOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualIOLoop();
 * const absolute: Deadline = loop.time() + 2000;
 * const relative: Deadline = { seconds: 2 };
 * assert.equal(
 *   loop.addTimeout(absolute, () => {}).deadline,
 *   loop.addTimeout(relative, () => {}).deadline,
 * );
 * ```
 */
export type Deadline = number | DurationLike;

/**
 * A scheduled callback, as returned by {@linkcode IOLoop.addTimeout},
 * {@linkcode IOLoop.callLater} and {@linkcode IOLoop.callAt}; pass it to
 * {@linkcode IOLoop.removeTimeout} to cancel it.
 *
 * @example Cancelling a callback
 * ```ts
 * import { type TimeoutHandle, VirtualIOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualIOLoop();
 * const handle: TimeoutHandle = loop.callLater(10, () => assert.fail());
 * loop.removeTimeout(handle);
 * await loop.advance(10);
 * assert.equal(loop.pendingTimers, 0);
 * ```
 */
export interface TimeoutHandle {
  /** When the callback runs, in milliseconds on its loop's clock. */
  readonly deadline: number;
}

/**
 * Options for every wait: {@linkcode Condition.wait},
 * {@linkcode Event.wait}, {@linkcode Semaphore.acquire},
 * {@linkcode Lock.acquire} and their relatives. When both `deadline` and
 * `timeout` are given, the earlier one applies.
 *
 * @example Giving up after a second, or when the caller goes away
 * ```ts
 * import { Lock, TimeoutError, type WaitOptions } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const held = await lock.acquire();
 * const controller = new AbortController();
 * const options: WaitOptions = { timeout: 1000, signal: controller.signal };
 * const waiting = lock.acquire(options);
 * controller.abort(new Error("gone"));
 * await assert.rejects(waiting, { message: "gone" });
 * held.release();
 * ```
 */
export interface WaitOptions {
  /**
   * When to give up: an absolute time on the loop's clock, or a
   * {@linkcode DurationLike} from now.
   *
   * @default {Infinity}
   */
  deadline?: Deadline;
  /**
   * How long to wait before giving up: milliseconds, or a
   * {@linkcode DurationLike}.
   *
   * @default {Infinity}
   */
  timeout?: number | DurationLike;
  /** Gives up when it aborts, rejecting with its reason. @default {undefined} */
  signal?: AbortSignal;
}

// setTimeout takes at most a signed 32-bit delay; longer waits re-arm.
const MAX_DELAY = 2 ** 31 - 1;
// Only a timer of the runtime's own may be unreferenced: a fake one's handle
// means nothing to the runtime.
const runtimeSetTimeout = globalThis.setTimeout;
// Between two virtual timers every promise callback must run; a macrotask
// that no fake clock replaces comes after all of them. Deno, Node and Bun
// have setImmediate; browsers do not, and there a MessageChannel message is
// that macrotask. Both are taken at import so that a fake clock that
// replaces them later cannot stall virtual time. They are read through
// types of our own: @types/node's MessageChannel has no `onmessage`, and
// a browser's globals have no setImmediate.
const runtimeSetImmediate = (globalThis as {
  setImmediate?: (callback: () => void) => unknown;
}).setImmediate;
type Port = {
  onmessage: (() => void) | null;
  postMessage(message: undefined): void;
  close(): void;
};
const RuntimeMessageChannel = (globalThis as unknown as {
  MessageChannel?: new () => { port1: Port; port2: Port };
}).MessageChannel;

type RuntimeTimer = ReturnType<typeof setTimeout>;
type DenoTimers = {
  unrefTimer?(id: number): void;
  refTimer?(id: number): void;
};
const denoTimers = (globalThis as { Deno?: DenoTimers }).Deno;

// Lets the process exit while the loop has nothing pending, without paying
// to clear and re-arm the timer when the next wait arrives. False when the
// runtime cannot do it.
function setRef(timer: RuntimeTimer, ref: boolean): boolean {
  if (typeof timer === "object" && timer !== null && "unref" in timer) {
    if (ref) timer.ref();
    else timer.unref();
    return true;
  }
  if (typeof timer === "number" && denoTimers?.unrefTimer) {
    if (ref) denoTimers.refTimer!(timer);
    else denoTimers.unrefTimer(timer);
    return true;
  }
  return false;
}

function checkCallback(
  callback: unknown,
  action: string,
  argument = "callback",
): void {
  if (typeof callback !== "function") {
    throw new TypeError(cannot(action, argument, "a function", callback));
  }
}

function drainPromiseCallbacks(): Promise<void> {
  if (runtimeSetImmediate !== undefined) {
    return new Promise((resolve) => runtimeSetImmediate(resolve));
  }
  if (drainChannel === undefined) {
    // One channel for every drain, its messages in the order posted: a new
    // channel per drain costs three times as much.
    drainChannel = new RuntimeMessageChannel!();
    drainChannel.port1.onmessage = () => drained.shift()!();
  }
  const port = drainChannel.port2;
  return new Promise((resolve) => {
    drained.push(resolve);
    port.postMessage(undefined);
  });
}
let drainChannel: { port1: Port; port2: Port } | undefined;
const drained: (() => void)[] = [];

let defaultLoop: IOLoop | undefined;
let currentLoop: IOLoop | undefined;
// Gives VirtualIOLoop, below, the timers of the IOLoop it extends.
let virtualize: (loop: IOLoop) => TimerHeap;

/**
 * Tells the time and runs callbacks at deadlines, as Tornado's `IOLoop`
 * does for its locks.
 *
 * An instance made with `new IOLoop()`, like the shared default loop from
 * {@linkcode IOLoop.current}, keeps every timer in one heap and arms one
 * runtime timer for the earliest, looking `setTimeout`, `clearTimeout` and
 * `Date` up on `globalThis` each time, so fake clocks control it. Callbacks
 * that are due together run in one turn, in deadline order, ties in the
 * order they were added; a callback that throws does not stop the others,
 * and its error is rethrown as an uncaught error, as from `setTimeout`.
 *
 * @example Running a callback later
 * ```ts
 * import { IOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = IOLoop.current();
 * const fired = await new Promise<number>((resolve) => {
 *   loop.callLater(5, () => resolve(loop.time()));
 * });
 * assert.equal(typeof fired, "number");
 * ```
 */
export class IOLoop {
  #timers = new TimerHeap();
  #nextSeq = 0;
  #virtual = false;
  // The one runtime timer: while any timer is pending, it is armed, referenced
  // and due no later than the earliest deadline. Whoever armed it is kept, to
  // clear it with the matching function and to notice a fake clock come or go.
  #alarm: RuntimeTimer | undefined;
  #alarmAt = Infinity;
  #alarmReferenced = false;
  #alarmSetTimeout: typeof setTimeout | undefined;
  #alarmClearTimeout: typeof clearTimeout | undefined;
  // Set while letting go of the runtime timer waits for a macrotask.
  #restPending = false;

  static {
    virtualize = (loop) => {
      loop.#virtual = true;
      return loop.#timers;
    };
  }

  /**
   * The current loop: the one last given to {@linkcode IOLoop.setCurrent},
   * or else one shared default loop.
   *
   * @returns The current loop.
   *
   * @example The default loop is shared
   * ```ts
   * import { IOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(IOLoop.current(), IOLoop.current());
   * ```
   */
  static current(): IOLoop {
    return currentLoop ?? (defaultLoop ??= new IOLoop());
  }

  /**
   * Makes `loop` current; `undefined` restores the default loop. A
   * primitive made without a `loop` option times each wait with the loop
   * that is current when the wait starts.
   *
   * @param loop The loop to make current, or `undefined` for the default.
   * @throws {TypeError} If `loop` is neither an `IOLoop` nor `undefined`.
   *
   * @example Making a virtual loop current in a test
   * ```ts
   * import { Condition, IOLoop, TimeoutError, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * IOLoop.setCurrent(loop);
   * try {
   *   const waiting = assert.rejects(
   *     new Condition().wait({ timeout: 50 }),
   *     TimeoutError,
   *   );
   *   await loop.advance(50);
   *   await waiting;
   * } finally {
   *   IOLoop.setCurrent(undefined);
   * }
   * ```
   */
  static setCurrent(loop: IOLoop | undefined): void {
    if (loop !== undefined && !(loop instanceof IOLoop)) {
      throw new TypeError(
        cannot(
          "call IOLoop.setCurrent()",
          "loop",
          "an IOLoop or undefined",
          loop,
        ),
      );
    }
    currentLoop = loop;
  }

  /**
   * The time on this loop's clock, in milliseconds. The default loop reads
   * `Date.now()` from `globalThis`, so it moves with a fake clock.
   *
   * @returns Milliseconds on this loop's clock.
   *
   * @example Computing an absolute deadline
   * ```ts
   * import { IOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = IOLoop.current();
   * const handle = loop.addTimeout(loop.time() + 1000, () => {});
   * assert.ok(handle.deadline > loop.time());
   * loop.removeTimeout(handle);
   * ```
   */
  time(): number {
    return globalThis.Date.now();
  }

  /**
   * Runs `callback` at `deadline`.
   *
   * @param deadline An absolute time on {@linkcode IOLoop.time}'s clock, or
   *   a {@linkcode DurationLike} from now.
   * @param callback What to run.
   * @returns A handle for {@linkcode IOLoop.removeTimeout}.
   * @throws {TypeError} If `deadline` is not a number or a `DurationLike`, or
   *   `callback` is not a function.
   * @throws {RangeError} If `deadline` is `NaN`, or a duration has a
   *   non-finite or calendar field.
   *
   * @example A relative deadline
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * let ran = false;
   * loop.addTimeout({ seconds: 1 }, () => ran = true);
   * await loop.advance(999);
   * assert.equal(ran, false);
   * await loop.advance(1);
   * assert.equal(ran, true);
   * ```
   */
  addTimeout(deadline: Deadline, callback: () => void): TimeoutHandle {
    const action = "call IOLoop.addTimeout()";
    checkCallback(callback, action);
    // A number needs no clock read: waits arm their timers here.
    return this.#add(
      resolveDeadline(deadline, this, "IOLoop.addTimeout()", "deadline"),
      callback,
    );
  }

  /**
   * Runs `callback` in `ms` milliseconds.
   *
   * @param ms The delay in milliseconds.
   * @param callback What to run.
   * @returns A handle for {@linkcode IOLoop.removeTimeout}.
   * @throws {TypeError} If `ms` is not a number or `callback` not a function.
   * @throws {RangeError} If `ms` is `NaN`.
   *
   * @example
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const handle = loop.callLater(250, () => {});
   * assert.equal(handle.deadline, 250);
   * ```
   */
  callLater(ms: number, callback: () => void): TimeoutHandle {
    const action = "call IOLoop.callLater()";
    checkNumber(ms, action, "ms");
    checkCallback(callback, action);
    return this.#add(
      resolveTimeout(ms, this.time(), "IOLoop.callLater()", "ms"),
      callback,
    );
  }

  /**
   * Runs `callback` when the clock reaches `when`.
   *
   * @param when An absolute time on {@linkcode IOLoop.time}'s clock.
   * @param callback What to run.
   * @returns A handle for {@linkcode IOLoop.removeTimeout}.
   * @throws {TypeError} If `when` is not a number or `callback` not a
   *   function.
   * @throws {RangeError} If `when` is `NaN`.
   *
   * @example
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const times: number[] = [];
   * loop.callAt(30, () => times.push(loop.time()));
   * await loop.runUntilIdle();
   * assert.deepEqual(times, [30]);
   * ```
   */
  callAt(when: number, callback: () => void): TimeoutHandle {
    const action = "call IOLoop.callAt()";
    checkNumber(when, action, "when");
    checkCallback(callback, action);
    return this.#add(
      resolveDeadline(when, this, "IOLoop.callAt()", "when"),
      callback,
    );
  }

  /**
   * Cancels a callback that has not run yet. A handle that has run, was
   * removed already or belongs to another loop is ignored, and so is
   * `undefined`.
   *
   * @param handle What {@linkcode IOLoop.addTimeout},
   *   {@linkcode IOLoop.callLater} or {@linkcode IOLoop.callAt} returned.
   * @throws {TypeError} If `handle` is not a `TimeoutHandle` or `undefined`.
   *
   * @example
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const handle = loop.callLater(10, () => {});
   * assert.equal(loop.pendingTimers, 1);
   * loop.removeTimeout(handle);
   * assert.equal(loop.pendingTimers, 0);
   * ```
   */
  removeTimeout(handle: TimeoutHandle | undefined): void {
    if (handle === undefined) return;
    if (!(handle instanceof Timer)) {
      throw new TypeError(
        cannot(
          "call IOLoop.removeTimeout()",
          "handle",
          "a TimeoutHandle or undefined",
          handle,
        ),
      );
    }
    if (!this.#timers.has(handle)) return;
    this.#timers.remove(handle);
    if (this.#timers.size === 0) this.#rest();
  }

  /**
   * Runs `callback` on the next turn of the loop: after the promise
   * callbacks already queued, through a zero-delay timer on the default
   * loop, so fake clocks control it too.
   *
   * @param callback What to run.
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * let ran = false;
   * loop.addCallback(() => ran = true);
   * assert.equal(ran, false);
   * await loop.advance(0);
   * assert.equal(ran, true);
   * ```
   */
  addCallback(callback: () => void): void {
    checkCallback(callback, "call IOLoop.addCallback()");
    this.#add(this.time(), callback);
  }

  /**
   * Runs `fn` and settles as it does, or rejects with a
   * {@linkcode TimeoutError} once `timeout` has passed on this loop's clock
   * (Tornado's `run_sync`). A synchronous `fn` resolves with its value.
   *
   * @typeParam T What `fn` returns or resolves with.
   * @param fn The function to run.
   * @param options.timeout Milliseconds or a {@linkcode DurationLike};
   *   `Infinity` (the default) means none.
   * @returns What `fn` resolves with.
   *
   * @example Bounding a whole job
   * ```ts
   * import { TimeoutError, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const never = new Promise<never>(() => {});
   * const running = assert.rejects(
   *   loop.run(() => never, { timeout: { seconds: 5 } }),
   *   new TimeoutError("IOLoop.run() timed out"),
   * );
   * await loop.advance(5000);
   * await running;
   * ```
   */
  run<T>(
    fn: () => T | PromiseLike<T>,
    options?: { timeout?: number | DurationLike },
  ): Promise<T> {
    const action = "call IOLoop.run()";
    let deadline = Infinity;
    let result: T | PromiseLike<T>;
    // Read inside the try: a `then` getter that throws must reject, not throw.
    let thenable: boolean;
    try {
      checkCallback(fn, action, "fn");
      if (options !== undefined) {
        if (typeof options !== "object" || options === null) {
          throw new TypeError(cannot(action, "options", "an object", options));
        }
        if (options.timeout !== undefined) {
          deadline = resolveTimeout(
            options.timeout,
            this.time(),
            "IOLoop.run()",
            "options.timeout",
          );
        }
      }
      result = fn();
      thenable = typeof (result as PromiseLike<T>)?.then === "function";
    } catch (error) {
      return Promise.reject(error);
    }
    if (deadline === Infinity || !thenable) {
      return Promise.resolve(result);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = deadline <= this.time() ? undefined : this.#add(
        deadline,
        () => reject(new TimeoutError("IOLoop.run() timed out")),
      );
      if (timer === undefined) {
        reject(new TimeoutError("IOLoop.run() timed out"));
      }
      Promise.resolve(result).then(
        (value) => {
          this.removeTimeout(timer);
          resolve(value);
        },
        (error) => {
          this.removeTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * How many callbacks are scheduled and not yet run: armed timeouts plus
   * {@linkcode IOLoop.addCallback} callbacks. Zero means nothing was left
   * behind.
   *
   * @example
   * ```ts
   * import { Semaphore, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const semaphore = new Semaphore(0, { loop });
   * const controller = new AbortController();
   * const waiting = semaphore.acquire({ timeout: 100, signal: controller.signal });
   * assert.equal(loop.pendingTimers, 1);
   * controller.abort();
   * await assert.rejects(waiting);
   * assert.equal(loop.pendingTimers, 0);
   * ```
   */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  #add(deadline: number, callback: () => void): Timer {
    const timer = new Timer(deadline, this.#nextSeq++, callback);
    this.#timers.push(timer);
    this.#wake();
    return timer;
  }

  // Keeps the runtime timer's invariant after a timer was added or ran.
  #wake(): void {
    if (this.#virtual) return;
    const next = this.#timers.peek();
    if (next === undefined || next.deadline === Infinity) {
      this.#rest();
      return;
    }
    const setTimeout = globalThis.setTimeout;
    if (
      this.#alarm !== undefined && this.#alarmSetTimeout === setTimeout &&
      this.#alarmAt <= next.deadline
    ) {
      if (!this.#alarmReferenced) {
        this.#alarmReferenced = setRef(this.#alarm, true);
      }
      return;
    }
    this.#disarm();
    const now = this.time();
    const delay = Math.min(
      MAX_DELAY,
      Math.max(0, Math.ceil(next.deadline - now)),
    );
    this.#alarmSetTimeout = setTimeout;
    this.#alarmClearTimeout = globalThis.clearTimeout;
    this.#alarmAt = now + delay;
    this.#alarmReferenced = true;
    this.#alarm = setTimeout(this.#ring, delay);
  }

  // Nothing is pending: let the process exit, keeping the timer if it can.
  // Unreferencing the runtime's own timer waits for the next macrotask: a
  // program granted one timed wait that starts the next in the same turn
  // would otherwise unref and ref it again once a wait, each a native call
  // on Node.
  #rest(): void {
    if (this.#alarm === undefined || !this.#alarmReferenced) return;
    if (
      this.#alarmSetTimeout === runtimeSetTimeout &&
      runtimeSetImmediate !== undefined
    ) {
      if (!this.#restPending) {
        this.#restPending = true;
        runtimeSetImmediate(this.#restNow);
      }
      return;
    }
    this.#disarm();
  }

  #restNow = (): void => {
    this.#restPending = false;
    if (this.#alarm === undefined || !this.#alarmReferenced) return;
    const next = this.#timers.peek();
    if (next !== undefined && next.deadline !== Infinity) return;
    if (
      this.#alarmSetTimeout === runtimeSetTimeout && setRef(this.#alarm, false)
    ) {
      this.#alarmReferenced = false;
    } else {
      this.#disarm();
    }
  };

  #disarm(): void {
    if (this.#alarm === undefined) return;
    // Called through a local, not as `this.#alarmClearTimeout(...)`: that
    // passes the loop as `this`, and a browser's clearTimeout then throws
    // "Illegal invocation".
    const clearTimeout = this.#alarmClearTimeout!;
    clearTimeout(this.#alarm);
    this.#alarm = undefined;
    this.#alarmAt = Infinity;
  }

  #ring = (): void => {
    this.#alarm = undefined;
    this.#alarmAt = Infinity;
    const now = this.time();
    // Callbacks added while these run wait for the next turn.
    const end = this.#nextSeq;
    const timers = this.#timers;
    let timer = timers.peek();
    while (timer !== undefined && timer.deadline <= now && timer.seq < end) {
      timers.remove(timer);
      try {
        timer.callback();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
      timer = timers.peek();
    }
    this.#wake();
  };
}

/**
 * An {@linkcode IOLoop} on virtual time, for tests. Its clock starts at 0
 * and nothing fires until the test awaits {@linkcode VirtualIOLoop.advance}
 * or {@linkcode VirtualIOLoop.runUntilIdle}. Timers fire in deadline order,
 * ties in the order they were added, and the promise callbacks each timer
 * causes run before the next one fires. It uses no runtime timer, so it
 * works while a fake clock is installed.
 *
 * @example Exact timeouts without waiting
 * ```ts
 * import { Semaphore, TimeoutError, VirtualIOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualIOLoop();
 * const semaphore = new Semaphore(0, { loop });
 * const waiting = assert.rejects(
 *   semaphore.acquire({ timeout: { minutes: 1 } }),
 *   TimeoutError,
 * );
 * await loop.advance(59_999);
 * assert.equal(semaphore.waiters, 1);
 * await loop.advance(1);
 * await waiting;
 * assert.equal(semaphore.waiters, 0);
 * ```
 */
export class VirtualIOLoop extends IOLoop {
  #now = 0;
  #timers: TimerHeap;

  /** Creates a loop whose clock reads 0. */
  constructor() {
    super();
    this.#timers = virtualize(this);
  }

  /**
   * The virtual time, in milliseconds since the loop was made.
   *
   * @returns Milliseconds of virtual time.
   *
   * @example
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * await loop.advance(42);
   * assert.equal(loop.time(), 42);
   * ```
   */
  override time(): number {
    return this.#now;
  }

  /**
   * Moves the clock forward by `ms`, firing each timer that falls due on
   * the way at its own deadline, and letting the promise callbacks it
   * causes run before the next. If a callback throws, the clock stops at
   * that timer's deadline and the promise rejects with the error.
   *
   * @param ms A finite number of milliseconds, `0` or more.
   * @returns A promise that resolves when the clock has moved.
   * @throws {TypeError} If `ms` is not a number (the promise rejects).
   * @throws {RangeError} If `ms` is negative, `NaN` or infinite (the promise
   *   rejects), and the clock does not move.
   *
   * @example
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const seen: number[] = [];
   * loop.callLater(20, () => seen.push(loop.time()));
   * loop.callLater(10, () => seen.push(loop.time()));
   * await loop.advance(25);
   * assert.deepEqual(seen, [10, 20]);
   * assert.equal(loop.time(), 25);
   * ```
   */
  async advance(ms: number): Promise<void> {
    const action = "call VirtualIOLoop.advance()";
    checkNumber(ms, action, "ms");
    if (!(ms >= 0 && ms < Infinity)) {
      throw new RangeError(
        cannot(action, "ms", "a finite number, 0 or more", ms),
      );
    }
    const target = this.#now + ms;
    await this.#runUntil(target);
    this.#now = Math.max(this.#now, target);
  }

  /**
   * Fires every pending timer, and those they schedule, moving the clock to
   * the last one's deadline (not at all when none is pending). Timers at
   * `Infinity` never fire.
   *
   * @returns A promise that resolves when no finite timer is pending.
   *
   * @example
   * ```ts
   * import { VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * loop.callLater(1000, () => loop.callLater(500, () => {}));
   * await loop.runUntilIdle();
   * assert.equal(loop.time(), 1500);
   * assert.equal(loop.pendingTimers, 0);
   * ```
   */
  async runUntilIdle(): Promise<void> {
    await this.#runUntil(Infinity);
  }

  async #runUntil(target: number): Promise<void> {
    while (true) {
      await drainPromiseCallbacks();
      const timer = this.#timers.peek();
      if (
        timer === undefined || timer.deadline > target ||
        timer.deadline === Infinity
      ) return;
      this.#timers.remove(timer);
      this.#now = Math.max(this.#now, timer.deadline);
      timer.callback();
    }
  }
}
