/**
 * {@linkcode Lock}: lets one async function at a time into a critical
 * section.
 *
 * ```ts
 * import { Lock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const order: number[] = [];
 * await Promise.all([1, 2, 3].map((n) =>
 *   lock.use(async () => {
 *     order.push(n);
 *     await Promise.resolve();
 *     order.push(n);
 *   })
 * ));
 * assert.deepEqual(order, [1, 1, 2, 2, 3, 3]);
 * ```
 *
 * @module
 */

import { show } from "./_check.ts";
import { describeLock, inspectAsString } from "./_inspect.ts";
import { permitLimit } from "./_permits.ts";
import { BoundedSemaphore } from "./semaphore.ts";
import type { IOLoop } from "./ioloop.ts";

/**
 * A lock for async functions: a {@linkcode BoundedSemaphore} of one permit,
 * as Tornado's `Lock` is. It starts unlocked; {@linkcode Semaphore.acquire}
 * locks it, waiting while it is locked, and the {@linkcode Releaser} (or
 * {@linkcode Lock.release}) unlocks it.
 *
 * - **FIFO**: waiters get the lock in the order they started waiting.
 * - **No barging**: on release the lock passes straight to the first
 *   waiter, so a newcomer cannot take it first.
 * - **Asynchronous wake-up**: `release()` returns before the woken function
 *   resumes, and `waiters` has already dropped by then.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once, its timer cleared, and never takes the lock.
 *
 * @example Tornado's example, with `use`
 * ```ts
 * import { Lock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const result = await lock.use(async () => {
 *   // Do something holding the lock.
 *   assert.equal(lock.locked, true);
 *   return "done";
 * });
 * assert.equal(result, "done");
 * assert.equal(lock.locked, false);
 * ```
 *
 * @example With `using`
 * ```ts
 * import { Lock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * {
 *   using _held = await lock.acquire();
 *   assert.equal(String(lock), "<Lock [locked]>");
 * }
 * assert.equal(String(lock), "<Lock [unlocked]>");
 * ```
 */
export class Lock extends BoundedSemaphore {
  /**
   * Creates a lock, unlocked.
   *
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `options.loop` is not an `IOLoop`.
   *
   * @example
   * ```ts
   * import { Lock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Lock().locked, false);
   * ```
   */
  constructor(options?: { loop?: IOLoop }) {
    super(1, options);
    permitLimit.set(this, 1);
  }

  /**
   * A lock's capacity is always 1: reading it gives 1, and setting it
   * throws.
   *
   * @throws {TypeError} When set, whatever the value; nothing changes.
   *
   * @example
   * ```ts
   * import { Lock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(lock.capacity, 1);
   * assert.throws(() => {
   *   lock.capacity = 2;
   * }, TypeError);
   * ```
   */
  override get capacity(): number {
    return 1;
  }

  override set capacity(capacity: number) {
    throw new TypeError(
      `Cannot set ${this.constructor.name}.capacity as a lock's capacity is fixed at 1: tried ${
        show(capacity)
      }`,
    );
  }

  /**
   * Whether the lock is held.
   *
   * @example
   * ```ts
   * import { Lock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const releaser = lock.tryAcquire();
   * assert.equal(lock.locked, true);
   * releaser?.release();
   * assert.equal(lock.locked, false);
   * ```
   */
  get locked(): boolean {
    return this.value === 0;
  }

  /**
   * Unlocks the lock: the first waiter, if any, gets it at once.
   *
   * @param permits 1, the only count a lock gives back.
   * @throws {TypeError | RangeError} If `permits` is not 1, checked before
   *   the lock is looked at; nothing changes then.
   * @throws {Error} If the lock is not locked; nothing changes then.
   *
   * @example
   * ```ts
   * import { Lock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.throws(() => lock.release(), {
   *   message: "Cannot release Lock as it is not locked",
   * });
   * ```
   */
  override release(permits = 1): void {
    super.release(permits);
  }

  /**
   * Describes the lock, as Tornado's `repr` does.
   *
   * @returns `<Lock [unlocked]>`, `<Lock [locked]>`, or
   *   `<Lock [locked,waiters:1]>` while one waits; ` closed` comes last
   *   once closed.
   *
   * @example
   * ```ts
   * import { Lock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Lock()), "<Lock [unlocked]>");
   * ```
   */
  override toString(): string {
    return describeLock(
      this.constructor.name,
      this.locked ? "locked" : "unlocked",
      this.waiters,
      this.closed,
    );
  }
}

inspectAsString(Lock);
