/**
 * {@linkcode Condition}: lets async functions wait until another one tells
 * them to go on.
 *
 * ```ts
 * import { Condition } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const condition = new Condition();
 * const waiting = condition.wait();
 * assert.equal(condition.notify(), 1);
 * await waiting;
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { inspectAsString } from "./_inspect.ts";
import { loopOption, parseWait, UNAVAILABLE, WaitQueue } from "./_waiters.ts";
import { IOLoop, type WaitOptions } from "./ioloop.ts";

const never = (): typeof UNAVAILABLE => UNAVAILABLE;

/**
 * A condition allows one or more async functions to wait until notified,
 * like Tornado's `Condition` and asyncio's, without the lock: all of them
 * share one thread.
 *
 * - **FIFO**: waiters are woken in the order they started waiting.
 * - **Asynchronous wake-up**: `notify()` returns before any woken function
 *   resumes, and `waiters` has already dropped by then.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once, its timer cleared, and never takes a notification
 *   meant for another.
 *
 * @example Tornado's example
 * ```ts
 * import { Condition } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const condition = new Condition();
 * const lines: string[] = [];
 *
 * async function waiter() {
 *   lines.push("I'll wait right here");
 *   await condition.wait();
 *   lines.push("I'm done waiting");
 * }
 *
 * async function notifier() {
 *   lines.push("About to notify");
 *   condition.notify();
 *   lines.push("Done notifying");
 * }
 *
 * await Promise.all([waiter(), notifier()]);
 * assert.deepEqual(lines, [
 *   "I'll wait right here",
 *   "About to notify",
 *   "Done notifying",
 *   "I'm done waiting",
 * ]);
 * ```
 */
export class Condition {
  #loop: IOLoop | undefined;
  #queue = new WaitQueue<void>();

  /**
   * Creates a condition.
   *
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `options.loop` is not an `IOLoop`.
   *
   * @example
   * ```ts
   * import { Condition, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition({ loop: new VirtualIOLoop() });
   * assert.equal(condition.waiters, 0);
   * ```
   */
  constructor(options?: { loop?: IOLoop }) {
    this.#loop = loopOption(options, "Condition");
  }

  /**
   * Waits until notified. If it times out or is aborted, the waiter leaves
   * the line at once, its timer is cleared, no notification is used up, and
   * the promise rejects with a {@linkcode TimeoutError} or the signal's
   * reason.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A promise that resolves when notified.
   *
   * @example Waiting with a timeout
   * ```ts
   * import { Condition, TimeoutError, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const condition = new Condition({ loop });
   * const waiting = assert.rejects(
   *   condition.wait({ timeout: 100 }),
   *   new TimeoutError("Condition.wait() timed out"),
   * );
   * await loop.advance(100);
   * await waiting;
   * assert.equal(condition.waiters, 0);
   * ```
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options === undefined) return this.#queue.enqueuePlain(undefined);
    return this.#queue.wait(
      options,
      this.#loop,
      "Condition.wait()",
      never,
      undefined,
    );
  }

  /**
   * Waits until `predicate` returns a truthy value, checking it first and
   * after each wake-up, and resolves with that value (asyncio's
   * `wait_for`). The deadline and signal cover the whole wait, timed by the
   * loop current when it starts; while it waits it counts as one waiter. If
   * it times out or is aborted it leaves the line at once, its timer
   * cleared, and rejects with a {@linkcode TimeoutError} or the signal's
   * reason; if `predicate` throws, it rejects with that error.
   *
   * @typeParam T What `predicate` returns.
   * @param predicate Checked before waiting and after each wake-up.
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns The first truthy value `predicate` returns.
   *
   * @example Waiting for a queue to fill
   * ```ts
   * import { Condition } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * const items: string[] = [];
   * const next = condition.waitFor(() => items.shift());
   * items.push("job");
   * condition.notify();
   * assert.equal(await next, "job");
   * ```
   */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    const what = "Condition.waitFor()";
    if (typeof predicate !== "function") {
      throw new TypeError(
        cannot(`call ${what}`, "predicate", "a function", predicate),
      );
    }
    const wait = parseWait(options, this.#loop ?? IOLoop.current(), what);
    if (this.#queue.closed) return this.#queue.rejectClosed();
    if (wait.signal?.aborted) throw wait.signal.reason;
    while (true) {
      const value = predicate();
      if (value) return value;
      await this.#queue.enqueue(wait, what, undefined);
    }
  }

  /**
   * Wakes up to `n` waiters, first come first served.
   *
   * @param n How many to wake: a non-negative integer, or `Infinity` for
   *   all.
   * @returns How many were woken.
   * @throws {TypeError} If `n` is not a number.
   * @throws {RangeError} If `n` is negative, fractional or `NaN`.
   *
   * @example
   * ```ts
   * import { Condition } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * const waiting = [condition.wait(), condition.wait(), condition.wait()];
   * assert.equal(condition.notify(2), 2);
   * assert.equal(condition.waiters, 1);
   * assert.equal(condition.notify(5), 1);
   * await Promise.all(waiting);
   * ```
   */
  notify(n = 1): number {
    if (n !== 1) checkCount(n);
    let woken = 0;
    while (woken < n) {
      const waiter = this.#queue.shift();
      if (waiter === undefined) break;
      waiter.resolve();
      woken++;
    }
    return woken;
  }

  /**
   * Wakes every waiter.
   *
   * @returns How many were woken.
   *
   * @example
   * ```ts
   * import { Condition } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * const waiting = [condition.wait(), condition.wait()];
   * assert.equal(condition.notifyAll(), 2);
   * await Promise.all(waiting);
   * ```
   */
  notifyAll(): number {
    return this.notify(Infinity);
  }

  /**
   * Closes the condition, for a server that shuts down: every waiter
   * rejects at once, in order, with `reason`, or without one with a
   * {@linkcode ClosedError}; so does every later wait, and `notify()`
   * returns 0. A second call changes nothing.
   *
   * @param reason What the waits reject with; `undefined` counts as none.
   *
   * @example
   * ```ts
   * import { ClosedError, Condition } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * const waiting = condition.wait();
   * condition.close();
   * await assert.rejects(waiting, ClosedError);
   * await assert.rejects(condition.wait(), { message: "Condition is closed" });
   * assert.equal(condition.closed, true);
   * ```
   */
  close(reason?: unknown): void {
    this.#queue.close(reason, "Condition");
  }

  /**
   * Whether {@linkcode Condition.close} has run.
   *
   * @example
   * ```ts
   * import { Condition } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * condition.close(new Error("shutting down"));
   * assert.equal(condition.closed, true);
   * assert.equal(String(condition), "<Condition closed>");
   * ```
   */
  get closed(): boolean {
    return this.#queue.closed;
  }

  /**
   * How many are waiting.
   *
   * @example
   * ```ts
   * import { Condition } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * const waiting = condition.wait();
   * assert.equal(condition.waiters, 1);
   * condition.notify();
   * assert.equal(condition.waiters, 0);
   * await waiting;
   * ```
   */
  get waiters(): number {
    return this.#queue.size;
  }

  /**
   * Describes the condition, as Tornado's `repr` does.
   *
   * @returns `<Condition>`, or `<Condition waiters[2]>` while two wait;
   *   ` closed` comes last once closed.
   *
   * @example
   * ```ts
   * import { Condition } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Condition()), "<Condition>");
   * ```
   */
  toString(): string {
    const waiters = this.#queue.size;
    const closed = this.#queue.closed ? " closed" : "";
    return waiters === 0
      ? `<Condition${closed}>`
      : `<Condition waiters[${waiters}]${closed}>`;
  }
}

inspectAsString(Condition);

function checkCount(n: unknown): void {
  const action = "call Condition.notify()";
  if (typeof n !== "number") {
    throw new TypeError(cannot(action, "n", "a number", n));
  }
  if (!(Number.isInteger(n) && n >= 0) && n !== Infinity) {
    throw new RangeError(
      cannot(action, "n", "a non-negative integer or Infinity", n),
    );
  }
}
