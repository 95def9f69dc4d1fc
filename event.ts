/**
 * {@linkcode Event}: a flag that async functions can wait to see set.
 *
 * ```ts
 * import { Event } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const ready = new Event();
 * const waiting = ready.wait();
 * ready.set();
 * await waiting;
 * assert.ok(ready.isSet());
 * ```
 *
 * @module
 */

import { inspectAsString } from "./_inspect.ts";
import { loopOption, UNAVAILABLE, WaitQueue } from "./_waiters.ts";
import type { IOLoop, WaitOptions } from "./ioloop.ts";

const resolved = Promise.resolve();

/**
 * An event blocks async functions until its internal flag is set to true,
 * like Tornado's `Event` and asyncio's. It starts clear; {@linkcode Event.set}
 * wakes every waiter, and later waits return at once until
 * {@linkcode Event.clear}.
 *
 * - **FIFO**: woken functions resume in the order they started waiting.
 * - **Asynchronous wake-up**: `set()` returns before any woken function
 *   resumes, and `waiters` is 0 by then.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once and its timer is cleared.
 * - **Cheap plain waits**: waits without options that queue one after
 *   another share one promise.
 *
 * @example Tornado's example
 * ```ts
 * import { Event } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const event = new Event();
 * const lines: string[] = [];
 *
 * async function waiter() {
 *   lines.push("Waiting for event");
 *   await event.wait();
 *   lines.push("Not waiting this time");
 *   await event.wait();
 *   lines.push("Done");
 * }
 *
 * async function setter() {
 *   lines.push("About to set the event");
 *   event.set();
 * }
 *
 * await Promise.all([waiter(), setter()]);
 * assert.deepEqual(lines, [
 *   "Waiting for event",
 *   "About to set the event",
 *   "Not waiting this time",
 *   "Done",
 * ]);
 * ```
 */
export class Event {
  #loop: IOLoop | undefined;
  // True implies that no one is waiting.
  #set = false;
  #queue = new WaitQueue<void>();
  #take = () => this.#set ? undefined : UNAVAILABLE;

  /**
   * Creates an event, clear.
   *
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `options.loop` is not an `IOLoop`.
   *
   * @example
   * ```ts
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Event().isSet(), false);
   * ```
   */
  constructor(options?: { loop?: IOLoop }) {
    this.#loop = loopOption(options, "Event");
  }

  /**
   * Whether the flag is set.
   *
   * @returns `true` once {@linkcode Event.set} has run, until
   *   {@linkcode Event.clear}.
   *
   * @example
   * ```ts
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * event.set();
   * assert.equal(event.isSet(), true);
   * ```
   */
  isSet(): boolean {
    return this.#set;
  }

  /**
   * Sets the flag and wakes every waiter; waits that start while it is set
   * resolve at once.
   *
   * @example
   * ```ts
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * const waiting = [event.wait(), event.wait({ timeout: 1000 })];
   * event.set();
   * assert.equal(event.waiters, 0);
   * await Promise.all(waiting);
   * ```
   */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    for (let waiter; (waiter = this.#queue.shift()) !== undefined;) {
      waiter.resolve();
    }
  }

  /**
   * Clears the flag: waits that start afterwards wait for the next
   * {@linkcode Event.set}.
   *
   * @example
   * ```ts
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * event.set();
   * event.clear();
   * assert.equal(event.isSet(), false);
   * ```
   */
  clear(): void {
    this.#set = false;
  }

  /**
   * Waits until the flag is set; resolves at once while it is. If it times
   * out or is aborted, the waiter leaves the line at once, its timer is
   * cleared, and the promise rejects with a {@linkcode TimeoutError} or the
   * signal's reason.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A promise that resolves once the flag is set.
   *
   * @example Giving up when aborted
   * ```ts
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * const controller = new AbortController();
   * const waiting = event.wait({ signal: controller.signal });
   * controller.abort(new Error("shutting down"));
   * await assert.rejects(waiting, { message: "shutting down" });
   * assert.equal(event.waiters, 0);
   * ```
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options === undefined) {
      // enqueueShared refuses a closed line itself: no need to check twice.
      if (!this.#set) return this.#queue.enqueueShared(undefined);
      return this.#queue.closed ? this.#queue.rejectClosed() : resolved;
    }
    return this.#queue.wait(
      options,
      this.#loop,
      "Event.wait()",
      this.#take,
      undefined,
    );
  }

  /**
   * Closes the event, for a server that shuts down: every waiter rejects at
   * once, in order, with `reason`, or without one with a
   * {@linkcode ClosedError}; so does every later wait, even while the flag
   * is set. {@linkcode Event.set} and {@linkcode Event.clear} still change
   * the flag. A second call changes nothing.
   *
   * @param reason What the waits reject with; `undefined` counts as none.
   *
   * @example
   * ```ts
   * import { ClosedError, Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * const waiting = event.wait();
   * event.close();
   * await assert.rejects(waiting, ClosedError);
   * event.set();
   * await assert.rejects(event.wait(), { message: "Event is closed" });
   * ```
   */
  close(reason?: unknown): void {
    this.#queue.close(reason, "Event");
  }

  /**
   * Whether {@linkcode Event.close} has run.
   *
   * @example
   * ```ts
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * event.set();
   * event.close();
   * assert.equal(event.closed, true);
   * assert.equal(String(event), "<Event set closed>");
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
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * const waiting = [event.wait(), event.wait()];
   * assert.equal(event.waiters, 2);
   * event.set();
   * await Promise.all(waiting);
   * ```
   */
  get waiters(): number {
    return this.#queue.size;
  }

  /**
   * Describes the event, as Tornado's `repr` does.
   *
   * @returns `<Event set>` or `<Event clear>`; ` closed` comes last once
   *   closed.
   *
   * @example
   * ```ts
   * import { Event } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Event()), "<Event clear>");
   * ```
   */
  toString(): string {
    const closed = this.#queue.closed ? " closed" : "";
    return `<Event ${this.#set ? "set" : "clear"}${closed}>`;
  }
}

inspectAsString(Event);
