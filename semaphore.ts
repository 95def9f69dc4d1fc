/**
 * {@linkcode Semaphore} and {@linkcode BoundedSemaphore}: limit how many
 * async functions use a resource at once.
 *
 * ```ts
 * import { Semaphore } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const semaphore = new Semaphore(2);
 * const results = await Promise.all(
 *   [1, 2, 3].map((n) => semaphore.use(() => n * 10)),
 * );
 * assert.deepEqual(results, [10, 20, 30]);
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { describeLock, inspectAsString } from "./_inspect.ts";
import { asSmallInteger, checkPermits, permitLimit } from "./_permits.ts";
import {
  holding,
  loopOption,
  releaseIt,
  UNAVAILABLE,
  WaitQueue,
} from "./_waiters.ts";
import type { IOLoop, WaitOptions } from "./ioloop.ts";

/**
 * Options for {@linkcode Semaphore.acquire} and {@linkcode Semaphore.use}:
 * when to give up, and how many permits to take at once.
 *
 * @example Taking three permits at once
 * ```ts
 * import { Semaphore } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const semaphore = new Semaphore(4);
 * const releaser = await semaphore.acquire({ permits: 3, timeout: 1000 });
 * assert.equal(semaphore.value, 1);
 * releaser.release();
 * assert.equal(semaphore.value, 4);
 * ```
 */
export interface AcquireOptions extends WaitOptions {
  /**
   * How many permits to take, all or nothing: a positive safe integer.
   *
   * @default {1}
   */
  permits?: number;
}

/**
 * Gives back what {@linkcode Semaphore.acquire} took, exactly as many
 * permits as it took, once: a second call does nothing. It is `Disposable`, so `using` releases at the end of a
 * block.
 *
 * @example Releasing with `using`
 * ```ts
 * import { Lock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * {
 *   using _held = await lock.acquire();
 *   assert.equal(lock.locked, true);
 * }
 * assert.equal(lock.locked, false);
 * ```
 */
export interface Releaser {
  /**
   * Releases the permit, the first time only. If the release throws (an
   * over-release of a bounded semaphore), the error propagates and the
   * releaser stays unused.
   */
  release(): void;
  /** The same as {@linkcode Releaser.release}, for `using`. */
  [Symbol.dispose](): void;
}

// A releaser is an object literal, not a class instance: V8 settles a
// promise with an object whose prototype is Object.prototype faster, and
// that is a good part of what an uncontended acquire costs.
const SEMAPHORE = Symbol("semaphore");
const PERMITS = Symbol("permits");

interface PermitReleaser extends Releaser {
  [SEMAPHORE]: Semaphore | undefined;
  [PERMITS]: number;
}

// Set by Semaphore's static block, where the private fields are in reach:
// a releaser gives its permits straight back, past the public `release`
// and its subclasses' overrides, whose checks it has no need of.
let releasePermit: (this: PermitReleaser) => void;

function permitReleaser(semaphore: Semaphore, permits: number): Releaser {
  const releaser: PermitReleaser = {
    [SEMAPHORE]: semaphore,
    [PERMITS]: permits,
    release: releasePermit,
    [Symbol.dispose]: releasePermit,
  };
  return releaser;
}

// What BoundedSemaphore reaches of a Semaphore's private state.
let bound: (semaphore: Semaphore) => void;
let capacityOf: (semaphore: Semaphore) => number;
let setCapacity: (semaphore: Semaphore, capacity: number) => void;

/**
 * A semaphore manages a counter: {@linkcode Semaphore.acquire} takes one
 * permit, or `permits` of them at once, waiting while there are too few,
 * and {@linkcode Semaphore.release} gives them back, as Tornado's
 * `Semaphore` and asyncio's do, with tokio's weighted `acquire_many`.
 *
 * - **FIFO**: waiters get permits in the order they started waiting; a
 *   waiter at the head that needs more than are free holds back everyone
 *   behind it, however few they need.
 * - **No barging**: a released permit goes straight to the first waiter, so
 *   a newcomer cannot take it first.
 * - **Closing**: {@linkcode Semaphore.close} rejects every waiter and every
 *   later acquire; permits already held stay held and can be released.
 * - **Asynchronous wake-up**: `release()` returns before the woken function
 *   resumes, and `waiters` has already dropped by then.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once, its timer cleared, and never takes a permit.
 *
 * @example Tornado's example: two workers at a time
 * ```ts
 * import { Semaphore, VirtualIOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualIOLoop(); // Time that passes only when told.
 * const sleep = (ms: number) =>
 *   new Promise<void>((resolve) => loop.callLater(ms, resolve));
 *
 * const semaphore = new Semaphore(2);
 * const lines: string[] = [];
 * const worker = (id: number) =>
 *   semaphore.use(async () => {
 *     lines.push(`Worker ${id} is working`);
 *     await sleep(10 * (id + 1));
 *     lines.push(`Worker ${id} is done`);
 *   });
 * const workers = Promise.all([worker(0), worker(1), worker(2)]);
 * await loop.runUntilIdle();
 * await workers;
 * assert.deepEqual(lines, [
 *   "Worker 0 is working",
 *   "Worker 1 is working",
 *   "Worker 0 is done",
 *   "Worker 2 is working",
 *   "Worker 1 is done",
 *   "Worker 2 is done",
 * ]);
 * ```
 */
export class Semaphore {
  // V8 builds an object's layout through map transitions, and a full
  // collection drops those no live object uses, deoptimizing the code built
  // on them. Releasers are short-lived, so one is kept for good.
  static readonly #layout = permitReleaser(new Semaphore(0), 1);

  static {
    releasePermit = function (this: PermitReleaser): void {
      const semaphore = this[SEMAPHORE];
      if (semaphore === undefined) return;
      semaphore.#give(this[PERMITS]);
      this[SEMAPHORE] = undefined;
    };
    bound = (semaphore) => {
      semaphore.#ceiling = semaphore.#free;
    };
    capacityOf = (semaphore) => semaphore.#ceiling;
    setCapacity = (semaphore, capacity) => {
      semaphore.#free += capacity - semaphore.#ceiling;
      semaphore.#ceiling = capacity;
      semaphore.#serve();
    };
    permitLimit.set = (semaphore, most) => {
      (semaphore as Semaphore).#most = most;
    };
  }

  #loop: IOLoop | undefined;
  // Free permits: what a release gave back and no one took. Below 0 only
  // when a BoundedSemaphore's capacity was lowered under what is held.
  // The head waiter, if any, needs more than this.
  #free: number;
  // The most `#free` may reach: a BoundedSemaphore's capacity, or else the
  // largest safe integer. What is held is this less `#free`.
  #ceiling: number;
  // The most one acquire may ask for: 1 for a Lock.
  #most = Infinity;
  // Each waiter's `data` is how many permits it asks for.
  #queue = new WaitQueue<Releaser, number>(() => this.#serve());
  #name: string;
  // Names a timed acquire in its messages; made once, not per wait.
  #acquireName: string;
  #take = (permits: number) => this.#tryTake(permits);

  /**
   * Creates a semaphore with `value` permits.
   *
   * @param value How many permits there are at first.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `value` is not a number, or `options.loop` not an
   *   `IOLoop`.
   * @throws {RangeError} If `value` is not a non-negative safe integer.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Semaphore(3).value, 3);
   * assert.throws(() => new Semaphore(-1), RangeError);
   * ```
   */
  constructor(value = 1, options?: { loop?: IOLoop }) {
    this.#name = new.target.name;
    this.#acquireName = `${this.#name}.acquire()`;
    const action = `create ${this.#name}`;
    if (typeof value !== "number") {
      throw new TypeError(cannot(action, "value", "a number", value));
    }
    if (!(Number.isSafeInteger(value) && value >= 0)) {
      throw new RangeError(
        cannot(action, "value", "a non-negative integer", value),
      );
    }
    this.#loop = loopOption(options, this.#name);
    this.#free = asSmallInteger(value);
    this.#ceiling = Number.MAX_SAFE_INTEGER;
  }

  /**
   * Takes a permit, or `options.permits` at once, waiting in line while
   * there are too few. If it times out or is aborted, the waiter leaves the
   * line at once, its timer is cleared, it takes no permit, and the promise
   * rejects with a {@linkcode TimeoutError} or the signal's reason. Once
   * the semaphore is closed it rejects at once with the close reason.
   *
   * @param options When to give up and how many permits to take: see
   *   {@linkcode AcquireOptions}.
   * @returns A {@linkcode Releaser} that gives back the permits taken.
   *
   * @example Waiting at most a second
   * ```ts
   * import { Semaphore, TimeoutError, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const semaphore = new Semaphore(1, { loop });
   * const first = await semaphore.acquire({ timeout: 1000 });
   * const second = assert.rejects(
   *   semaphore.acquire({ timeout: 1000 }),
   *   TimeoutError,
   * );
   * await loop.advance(1000);
   * await second;
   * first.release();
   * assert.equal(semaphore.value, 1);
   * ```
   */
  acquire(options?: AcquireOptions): Promise<Releaser> {
    if (options === undefined) {
      if (
        this.#free > 0 && this.#queue.head === undefined && !this.#queue.closed
      ) {
        this.#free--;
        return Promise.resolve(permitReleaser(this, 1));
      }
      return this.#queue.enqueuePlain(1);
    }
    let permits: number;
    try {
      permits = this.#permitsOf(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queue.wait(
      options,
      this.#loop,
      this.#acquireName,
      this.#take,
      permits,
    );
  }

  // How many permits an acquire asks for; a bad count throws. Options that
  // are not an object are left to the wait to refuse.
  #permitsOf(options: AcquireOptions): number {
    if (typeof options !== "object" || options === null) return 1;
    const permits = options.permits;
    if (permits === undefined || permits === 1) return 1;
    checkPermits(
      permits,
      this.#most,
      `call ${this.#acquireName}`,
      "options.permits",
    );
    return asSmallInteger(permits);
  }

  // Takes `permits` if no one waits and enough are free.
  #tryTake(permits: number): Releaser | typeof UNAVAILABLE {
    if (this.#free < permits || this.#queue.head !== undefined) {
      return UNAVAILABLE;
    }
    this.#free -= permits;
    return permitReleaser(this, permits);
  }

  // Serves the waiters at the head for as long as the free permits cover
  // each in turn.
  #serve(): void {
    const queue = this.#queue;
    for (
      let waiter = queue.head;
      waiter !== undefined && waiter.data <= this.#free;
      waiter = queue.head
    ) {
      queue.shift();
      this.#free -= waiter.data;
      waiter.resolve(permitReleaser(this, waiter.data));
    }
  }

  /**
   * Takes `permits` if that many are free and no one waits, never waiting.
   *
   * @param permits How many to take, all or nothing: a positive safe
   *   integer.
   * @returns A {@linkcode Releaser}, or `undefined` if too few are free,
   *   someone waits, or the semaphore is closed.
   * @throws {TypeError} If `permits` is not a number.
   * @throws {RangeError} If `permits` is not a positive safe integer, or
   *   above 1 for a {@linkcode Lock}.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(1);
   * const releaser = semaphore.tryAcquire();
   * assert.ok(releaser);
   * assert.equal(semaphore.tryAcquire(), undefined);
   * releaser.release();
   * ```
   */
  tryAcquire(permits = 1): Releaser | undefined {
    if (permits !== 1) {
      checkPermits(
        permits,
        this.#most,
        `call ${this.#name}.tryAcquire()`,
        "permits",
      );
      permits = asSmallInteger(permits);
    }
    if (this.#queue.closed) return undefined;
    const releaser = this.#tryTake(permits);
    return releaser === UNAVAILABLE ? undefined : releaser;
  }

  /**
   * Gives `permits` back: to the waiters at the head, in order, for as long
   * as they cover each in turn, and the rest to the counter. It works the
   * same after {@linkcode Semaphore.close}, but serves no one.
   *
   * @param permits How many to give back: a positive safe integer.
   * @throws {TypeError} If `permits` is not a number.
   * @throws {RangeError} If `permits` is not a positive safe integer, or
   *   the counter would pass `Number.MAX_SAFE_INTEGER`; nothing changes
   *   then.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(0);
   * semaphore.release();
   * assert.equal(semaphore.value, 1);
   * ```
   */
  release(permits = 1): void {
    if (permits !== 1) {
      checkPermits(
        permits,
        this.#most,
        `call ${this.#name}.release()`,
        "permits",
      );
      permits = asSmallInteger(permits);
    }
    this.#give(permits);
  }

  // Gives `permits` back unless that would take `#free` above the ceiling.
  #give(permits: number): void {
    const free = this.#free;
    if (free > this.#ceiling - permits) throw this.#overRelease(permits);
    this.#free = free + permits;
    // Most releases find no one waiting: skip the call.
    if (this.#queue.head !== undefined) this.#serve();
  }

  #overRelease(permits: number): Error {
    const name = this.#name;
    if (this.#most === 1) {
      return new Error(`Cannot release ${name} as it is not locked`);
    }
    if (!(this instanceof BoundedSemaphore)) {
      return new RangeError(
        `Cannot release ${name} as 'value' must stay a safe integer: current value is ${this.#free}`,
      );
    }
    const held = this.#ceiling - this.#free;
    return new RangeError(
      `Cannot release ${name} as 'permits' must be at most the ${held} held (capacity ${this.#ceiling}): current value is ${permits}`,
    );
  }

  /**
   * Closes the semaphore, for a server that shuts down (tokio's
   * `Semaphore::close`): every waiter rejects at once, in order, with
   * `reason`, or without one with a {@linkcode ClosedError}; so does every
   * later acquire, even with permits free, and `tryAcquire` returns
   * `undefined`. Permits already held stay held, and releasing them still
   * works. A second call changes nothing.
   *
   * @param reason What the waits reject with; `undefined` counts as none.
   *
   * @example
   * ```ts
   * import { ClosedError, Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(1);
   * const held = await semaphore.acquire();
   * const waiting = semaphore.acquire();
   * semaphore.close();
   * await assert.rejects(waiting, ClosedError);
   * held.release();
   * assert.equal(semaphore.value, 1);
   * assert.equal(semaphore.tryAcquire(), undefined);
   * ```
   */
  close(reason?: unknown): void {
    this.#queue.close(reason, this.#name);
  }

  /**
   * Whether {@linkcode Semaphore.close} has run.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(2);
   * semaphore.close();
   * assert.equal(semaphore.closed, true);
   * assert.equal(String(semaphore), "<Semaphore [unlocked,value:2] closed>");
   * ```
   */
  get closed(): boolean {
    return this.#queue.closed;
  }

  /**
   * Runs `fn` holding a permit, and releases it when `fn` returns, throws or
   * settles (Tornado's `async with`). It waits for the permit as
   * {@linkcode Semaphore.acquire} does, with the same options.
   *
   * @typeParam T What `fn` returns or resolves with.
   * @param fn The work to do while holding a permit.
   * @param options When to give up waiting and how many permits to take:
   *   see {@linkcode AcquireOptions}.
   * @returns What `fn` returns or resolves with.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(1);
   * await assert.rejects(semaphore.use(() => {
   *   throw new Error("boom");
   * }), { message: "boom" });
   * assert.equal(semaphore.value, 1);
   * ```
   */
  use<T>(
    fn: () => T | PromiseLike<T>,
    options?: AcquireOptions,
  ): Promise<T> {
    if (typeof fn !== "function") {
      return Promise.reject(
        new TypeError(
          cannot(`call ${this.#name}.use()`, "fn", "a function", fn),
        ),
      );
    }
    return holding(this.acquire(options), fn, releaseIt);
  }

  /**
   * How many permits are free.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(2);
   * using _held = await semaphore.acquire();
   * assert.equal(semaphore.value, 1);
   * ```
   */
  get value(): number {
    const free = this.#free;
    return free > 0 ? free : 0;
  }

  /**
   * How many are waiting for a permit.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(0);
   * const waiting = semaphore.acquire();
   * assert.equal(semaphore.waiters, 1);
   * semaphore.release();
   * (await waiting).release();
   * ```
   */
  get waiters(): number {
    return this.#queue.size;
  }

  /**
   * Describes the semaphore, as Tornado's `repr` does.
   *
   * @returns As `<Semaphore [unlocked,value:1]>`, `<Semaphore [locked]>` or
   *   `<Semaphore [locked,waiters:3]>`; ` closed` comes last once closed.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Semaphore(2)), "<Semaphore [unlocked,value:2]>");
   * assert.equal(String(new Semaphore(0)), "<Semaphore [locked]>");
   * ```
   */
  toString(): string {
    const value = this.value;
    return describeLock(
      this.#name,
      value > 0 ? `unlocked,value:${value}` : "locked",
      this.#queue.size,
      this.#queue.closed,
    );
  }
}

inspectAsString(Semaphore);

/**
 * A semaphore with a capacity: it refuses to be released above it, to
 * catch a release without an acquire, as Tornado's `BoundedSemaphore` does,
 * and its {@linkcode BoundedSemaphore.capacity} can be changed while in use
 * (Trio's `CapacityLimiter`, p-limit's `concurrency`). Everything else is as
 * for {@linkcode Semaphore}.
 *
 * @example Catching a stray release
 * ```ts
 * import { BoundedSemaphore } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const semaphore = new BoundedSemaphore(2);
 * assert.throws(() => semaphore.release(), RangeError);
 * assert.equal(semaphore.value, 2);
 * ```
 *
 * @example Resizing a pool
 * ```ts
 * import { BoundedSemaphore } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const pool = new BoundedSemaphore(1);
 * const first = await pool.acquire();
 * const second = pool.acquire();
 * pool.capacity = 2; // The waiter gets the new permit at once.
 * (await second).release();
 * first.release();
 * assert.equal(pool.value, 2);
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Creates a bounded semaphore with `value` permits, its capacity.
   *
   * @param value How many permits there are at first, and at most.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `value` is not a number, or `options.loop` not an
   *   `IOLoop`.
   * @throws {RangeError} If `value` is not a non-negative safe integer.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new BoundedSemaphore(2)), "<BoundedSemaphore [unlocked,value:2]>");
   * ```
   */
  constructor(value = 1, options?: { loop?: IOLoop }) {
    super(value, options);
    bound(this);
  }

  /**
   * How many permits there are in all, held or free: the initial value at
   * first. Raising it frees the difference at once, to the waiters first,
   * in order. Lowering it revokes nothing: holders keep their permits, and
   * no one is granted until fewer than `capacity` are held. Throughout,
   * `value` is `max(0, capacity - held)`.
   *
   * @throws {TypeError} If set to a non-number.
   * @throws {RangeError} If set to anything but a non-negative safe
   *   integer; nothing changes then.
   *
   * @example Lowering the capacity while permits are held
   * ```ts
   * import { BoundedSemaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(3);
   * const held = await semaphore.acquire({ permits: 2 });
   * semaphore.capacity = 1;
   * assert.equal(semaphore.value, 0);
   * held.release();
   * assert.equal(semaphore.value, 1);
   * ```
   */
  get capacity(): number {
    return capacityOf(this);
  }

  set capacity(capacity: number) {
    const action = `set ${this.constructor.name}.capacity`;
    if (typeof capacity !== "number") {
      throw new TypeError(cannot(action, "capacity", "a number", capacity));
    }
    if (!(Number.isSafeInteger(capacity) && capacity >= 0)) {
      throw new RangeError(
        cannot(action, "capacity", "a non-negative integer", capacity),
      );
    }
    setCapacity(this, asSmallInteger(capacity));
  }

  /**
   * Gives `permits` back, as {@linkcode Semaphore.release} does, after
   * checking the bound: the check comes before any waiter is looked at.
   *
   * @param permits How many to give back: a positive safe integer.
   * @throws {TypeError} If `permits` is not a number.
   * @throws {RangeError} If fewer than `permits` are held, or `permits` is
   *   not a positive safe integer; nothing changes then.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(1);
   * const releaser = await semaphore.acquire();
   * semaphore.release();
   * assert.throws(() => semaphore.release(), RangeError);
   * // Its permit is back already, so the releaser's release throws too.
   * assert.throws(() => releaser.release(), RangeError);
   * ```
   */
  override release(permits = 1): void {
    super.release(permits);
  }
}
