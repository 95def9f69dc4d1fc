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
import { inspectAsString } from "./_inspect.ts";
import { loopOption, UNAVAILABLE, WaitQueue } from "./_waiters.ts";
import type { IOLoop, WaitOptions } from "./ioloop.ts";

/**
 * Gives back what {@linkcode Semaphore.acquire} took, once: a second call
 * does nothing. It is `Disposable`, so `using` releases at the end of a
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

interface PermitReleaser extends Releaser {
  [SEMAPHORE]: Semaphore | undefined;
}

function releasePermit(this: PermitReleaser): void {
  const semaphore = this[SEMAPHORE];
  if (semaphore === undefined) return;
  semaphore.release();
  this[SEMAPHORE] = undefined;
}

function permitReleaser(semaphore: Semaphore): Releaser {
  const releaser: PermitReleaser = {
    [SEMAPHORE]: semaphore,
    release: releasePermit,
    [Symbol.dispose]: releasePermit,
  };
  return releaser;
}

/**
 * A semaphore manages a counter: {@linkcode Semaphore.acquire} takes one
 * permit, waiting while there is none, and {@linkcode Semaphore.release}
 * gives one back, as Tornado's `Semaphore` and asyncio's do.
 *
 * - **FIFO**: waiters get permits in the order they started waiting.
 * - **No barging**: a released permit goes straight to the first waiter, so
 *   a newcomer cannot take it first.
 * - **Asynchronous wake-up**: `release()` returns before the woken function
 *   resumes, and `waiters` has already dropped by then.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once, its timer cleared, and never takes a permit.
 *
 * @example Tornado's example: two workers at a time
 * ```ts
 * import { Semaphore } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const semaphore = new Semaphore(2);
 * const lines: string[] = [];
 * const worker = (id: number) =>
 *   semaphore.use(async () => {
 *     lines.push(`Worker ${id} is working`);
 *     await new Promise((resolve) => setTimeout(resolve, 10 * (id + 1)));
 *     lines.push(`Worker ${id} is done`);
 *   });
 * await Promise.all([worker(0), worker(1), worker(2)]);
 * assert.deepEqual(lines.slice(0, 3), [
 *   "Worker 0 is working",
 *   "Worker 1 is working",
 *   "Worker 0 is done",
 * ]);
 * ```
 */
export class Semaphore {
  // V8 builds an object's layout through map transitions, and a full
  // collection drops those no live object uses, deoptimizing the code built
  // on them. Releasers are short-lived, so one is kept for good.
  static readonly #layout = permitReleaser(new Semaphore(0));

  #loop: IOLoop | undefined;
  // Free permits; above 0 implies that no one is waiting.
  #value: number;
  #queue = new WaitQueue<Releaser>();
  #name: string;
  // Names a timed acquire in its messages; made once, not per wait.
  #acquireName: string;
  #take = () => this.tryAcquire() ?? UNAVAILABLE;

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
    this.#value = value + 0;
  }

  /**
   * Takes a permit, waiting in line while there is none. If it times out
   * or is aborted, the waiter leaves the line at once, its timer is
   * cleared, it takes no permit, and the promise rejects with a
   * {@linkcode TimeoutError} or the signal's reason.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A {@linkcode Releaser} for the permit.
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
  acquire(options?: WaitOptions): Promise<Releaser> {
    if (options === undefined) {
      if (this.#value > 0) {
        this.#value--;
        return Promise.resolve(permitReleaser(this));
      }
      return this.#queue.enqueuePlain();
    }
    return this.#queue.wait(
      options,
      this.#loop,
      this.#acquireName,
      this.#take,
    );
  }

  /**
   * Takes a permit if one is free, never waiting.
   *
   * @returns A {@linkcode Releaser}, or `undefined` if no permit is free.
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
  tryAcquire(): Releaser | undefined {
    if (this.#value === 0) return undefined;
    this.#value--;
    return permitReleaser(this);
  }

  /**
   * Gives a permit back: to the first waiter if there is one, or else to
   * the counter.
   *
   * @throws {RangeError} If the counter would pass
   *   `Number.MAX_SAFE_INTEGER`.
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
  release(): void {
    const waiter = this.#queue.shift();
    if (waiter !== undefined) {
      waiter.resolve(permitReleaser(this));
      return;
    }
    if (this.#value === Number.MAX_SAFE_INTEGER) {
      throw new RangeError(
        `Cannot release ${this.#name} as 'value' must stay a safe integer: current value is ${this.#value}`,
      );
    }
    this.#value++;
  }

  /**
   * Runs `fn` holding a permit, and releases it when `fn` returns, throws or
   * settles (Tornado's `async with`). It waits for the permit as
   * {@linkcode Semaphore.acquire} does, with the same options.
   *
   * @typeParam T What `fn` returns or resolves with.
   * @param fn The work to do while holding a permit.
   * @param options When to give up waiting: see {@linkcode WaitOptions}.
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
  async use<T>(
    fn: () => T | PromiseLike<T>,
    options?: WaitOptions,
  ): Promise<T> {
    if (typeof fn !== "function") {
      throw new TypeError(
        cannot(`call ${this.#name}.use()`, "fn", "a function", fn),
      );
    }
    const releaser = await this.acquire(options);
    try {
      const result = fn();
      // A plain value needs no turn of its own before the release.
      return (typeof result === "object" && result !== null) ||
          typeof result === "function"
        ? await result
        : result;
    } finally {
      releaser.release();
    }
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
    return this.#value;
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
   *   `<Semaphore [locked,waiters:3]>`.
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
    const waiters = this.#queue.size;
    const state = this.#value > 0
      ? `unlocked,value:${this.#value}`
      : waiters > 0
      ? `locked,waiters:${waiters}`
      : "locked";
    return `<${this.#name} [${state}]>`;
  }
}

inspectAsString(Semaphore);

/**
 * A semaphore that refuses to be released above its initial value, to
 * catch a release without an acquire, as Tornado's `BoundedSemaphore` does.
 * Everything else is as for {@linkcode Semaphore}.
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
 */
export class BoundedSemaphore extends Semaphore {
  #initial: number;

  /**
   * Creates a bounded semaphore with `value` permits, the most it may hold.
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
    this.#initial = this.value;
  }

  /**
   * Gives a permit back, as {@linkcode Semaphore.release} does, after
   * checking the bound: the check comes before any waiter is looked at.
   *
   * @throws {RangeError} If `value` is already at its initial value; nothing
   *   changes then.
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
  override release(): void {
    if (this.value >= this.#initial) {
      throw new RangeError(
        `Cannot release ${this.constructor.name} as 'value' must stay at most its initial value ${this.#initial}: current value is ${this.value}`,
      );
    }
    super.release();
  }
}
