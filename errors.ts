/**
 * The errors the primitives reject with: {@linkcode TimeoutError} when a
 * wait's deadline passes, {@linkcode ClosedError} once a primitive is
 * closed, and the queue's and barrier's own.
 *
 * ```ts
 * import { Event, TimeoutError } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const event = new Event();
 * await assert.rejects(event.wait({ timeout: 0 }), TimeoutError);
 * ```
 *
 * @module
 */

/**
 * Thrown, or rather rejected with, when a wait outlives its deadline or
 * timeout. Each rejection gets its own instance, whose message says what
 * timed out, as `Condition.wait() timed out`.
 *
 * @example Telling a timeout from other failures
 * ```ts
 * import { Lock, TimeoutError } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const held = await lock.acquire();
 * const error = await lock.acquire({ timeout: 0 }).catch((e) => e);
 * assert.ok(error instanceof TimeoutError);
 * assert.equal(error.name, "TimeoutError");
 * assert.equal(error.message, "Lock.acquire() timed out");
 * held.release();
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Creates a `TimeoutError`.
   *
   * @param message What timed out.
   */
  constructor(message?: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/**
 * Rejected with when a primitive has been closed, unless `close()` was
 * given a reason of its own. Each `close()` makes one instance, shared by
 * every wait that it and later waits reject; its message names the
 * primitive, as `Semaphore is closed`.
 *
 * @example Shutting a lock down
 * ```ts
 * import { ClosedError, Lock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const held = await lock.acquire();
 * const waiting = lock.acquire();
 * lock.close();
 * const error = await waiting.catch((e) => e);
 * assert.ok(error instanceof ClosedError);
 * assert.equal(error.message, "Lock is closed");
 * held.release();
 * ```
 */
export class ClosedError extends Error {
  /**
   * Creates a `ClosedError`.
   *
   * @param message What was closed.
   */
  constructor(message?: string) {
    super(message);
    this.name = "ClosedError";
  }
}

/**
 * Thrown by a queue's `getNowait()` when there is no item to take.
 *
 * @example
 * ```ts
 * import { QueueEmpty } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const error = new QueueEmpty("Queue is empty");
 * assert.ok(error instanceof Error);
 * assert.equal(error.name, "QueueEmpty");
 * ```
 */
export class QueueEmpty extends Error {
  /**
   * Creates a `QueueEmpty`.
   *
   * @param message Which queue was empty.
   */
  constructor(message?: string) {
    super(message);
    this.name = "QueueEmpty";
  }
}

/**
 * Thrown by a queue's `putNowait()` when there is no room and no getter
 * waits.
 *
 * @example
 * ```ts
 * import { QueueFull } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const error = new QueueFull("Queue is full");
 * assert.ok(error instanceof Error);
 * assert.equal(error.name, "QueueFull");
 * ```
 */
export class QueueFull extends Error {
  /**
   * Creates a `QueueFull`.
   *
   * @param message Which queue was full.
   */
  constructor(message?: string) {
    super(message);
    this.name = "QueueFull";
  }
}

/**
 * Rejected with, or thrown, by a queue's puts once it is shut down, and by
 * its gets once it is shut down and empty (asyncio 3.13's `QueueShutDown`).
 *
 * @example
 * ```ts
 * import { QueueShutDown } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const error = new QueueShutDown("Queue is shut down");
 * assert.ok(error instanceof Error);
 * assert.equal(error.name, "QueueShutDown");
 * ```
 */
export class QueueShutDown extends Error {
  /**
   * Creates a `QueueShutDown`.
   *
   * @param message Which queue was shut down.
   */
  constructor(message?: string) {
    super(message);
    this.name = "QueueShutDown";
  }
}

/**
 * Rejected with by a barrier's waits once it is broken by `abort()` or
 * `reset()` (asyncio's `BrokenBarrierError`).
 *
 * @example
 * ```ts
 * import { BrokenBarrierError } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const error = new BrokenBarrierError("Barrier is broken");
 * assert.ok(error instanceof Error);
 * assert.equal(error.name, "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Creates a `BrokenBarrierError`.
   *
   * @param message Which barrier was broken.
   */
  constructor(message?: string) {
    super(message);
    this.name = "BrokenBarrierError";
  }
}
