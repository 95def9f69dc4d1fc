/**
 * The error a wait rejects with when its deadline passes.
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
