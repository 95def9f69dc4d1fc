/**
 * {@linkcode WaitGroup}: wait for a group of async tasks to finish, as Go's
 * `sync.WaitGroup` does.
 *
 * ```ts
 * import { WaitGroup } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const group = new WaitGroup();
 * const finished: number[] = [];
 * for (const id of [1, 2, 3]) {
 *   group.add();
 *   queueMicrotask(() => {
 *     finished.push(id);
 *     group.done();
 *   });
 * }
 * await group.wait();
 * assert.deepEqual(finished, [1, 2, 3]);
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { asSmallInteger } from "./_permits.ts";
import { inspectAsString } from "./_inspect.ts";
import { loopOption, UNAVAILABLE, WaitQueue } from "./_waiters.ts";
import type { IOLoop, WaitOptions } from "./ioloop.ts";

const resolved = Promise.resolve();

/**
 * A counter of unfinished tasks that async functions can wait to see reach
 * zero: Go's `sync.WaitGroup`. {@linkcode WaitGroup.add} counts tasks in,
 * {@linkcode WaitGroup.done} counts one out, and {@linkcode WaitGroup.wait}
 * resolves once the count is 0.
 *
 * - **Wakes everyone at zero**: when the count reaches 0, every waiter is
 *   woken, in the order they started waiting, and stays woken whatever
 *   `add()` follows.
 * - **Asynchronous wake-up**: the `done()` or `add()` that reaches 0
 *   returns before any woken function resumes, and `waiters` is 0 by then.
 * - **Never negative**: a count that would go below 0 is a `RangeError`,
 *   and nothing changes.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once and its timer is cleared.
 * - **Closing**: {@linkcode WaitGroup.close} rejects every waiter and every
 *   later wait; the count still moves.
 *
 * @example Waiting for workers
 * ```ts
 * import { WaitGroup } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const group = new WaitGroup();
 * const results: string[] = [];
 * async function worker(name: string) {
 *   try {
 *     await Promise.resolve();
 *     results.push(name);
 *   } finally {
 *     group.done();
 *   }
 * }
 * group.add(2);
 * worker("a");
 * worker("b");
 * await group.wait();
 * assert.deepEqual(results, ["a", "b"]);
 * assert.equal(String(group), "<WaitGroup count=0>");
 * ```
 */
export class WaitGroup {
  #loop: IOLoop | undefined;
  // Above 0 whenever anyone waits.
  #count = 0;
  #queue = new WaitQueue<void>();
  #take = () => this.#count === 0 ? undefined : UNAVAILABLE;

  /**
   * Creates a wait group with a count of 0.
   *
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `options.loop` is not an `IOLoop`.
   *
   * @example
   * ```ts
   * import { WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new WaitGroup().count, 0);
   * ```
   */
  constructor(options?: { loop?: IOLoop }) {
    this.#loop = loopOption(options, "WaitGroup");
  }

  /**
   * Adds `n` to the count; `n` may be negative. When the count reaches 0,
   * every waiter is woken. It works the same after
   * {@linkcode WaitGroup.close}, but wakes no one.
   *
   * @param n How many tasks to count in (or, negative, out): a safe
   *   integer.
   * @throws {TypeError} If `n` is not a number.
   * @throws {RangeError} If `n` is not a safe integer, or the count would go
   *   below 0 or past `Number.MAX_SAFE_INTEGER`; nothing changes then.
   *
   * @example
   * ```ts
   * import { WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const group = new WaitGroup();
   * group.add(3);
   * group.add(-2);
   * assert.equal(group.count, 1);
   * assert.throws(() => group.add(-2), RangeError);
   * assert.equal(group.count, 1);
   * ```
   */
  add(n = 1): void {
    let count = typeof n === "number" ? this.#count + n : NaN;
    // A count in small-integer range is good as it is; anything else (not
    // a number, fractional, negative, huge) takes the full check, which
    // throws with nothing changed. On Bun the call costs a round of g1
    // several percent.
    if ((count | 0) === count && count >= 0 && count <= 0x3fffffff) {
      count |= 0; // -0 too becomes a small integer.
    } else {
      checkDelta(n, this.#count);
      count = asSmallInteger(count);
    }
    this.#count = count;
    if (count === 0) this.#wakeAll();
  }

  /**
   * Counts one task out: `add(-1)`.
   *
   * @throws {RangeError} If the count is already 0; nothing changes then.
   *
   * @example
   * ```ts
   * import { WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const group = new WaitGroup();
   * group.add();
   * group.done();
   * assert.throws(() => group.done(), {
   *   name: "RangeError",
   *   message: "Cannot call WaitGroup.done() as the count is already 0",
   * });
   * ```
   */
  done(): void {
    if (this.#count === 0) {
      throw new RangeError(
        "Cannot call WaitGroup.done() as the count is already 0",
      );
    }
    if (--this.#count === 0) this.#wakeAll();
  }

  #wakeAll(): void {
    for (let waiter; (waiter = this.#queue.shift()) !== undefined;) {
      waiter.resolve();
    }
  }

  /**
   * Waits until the count is 0; resolves at once when it is. If it times
   * out or is aborted, the waiter leaves the line at once, its timer is
   * cleared, and the promise rejects with a {@linkcode TimeoutError} or the
   * signal's reason. Once the group is closed it rejects at once with the
   * close reason.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A promise that resolves once the count is 0.
   *
   * @example Giving up after a second
   * ```ts
   * import { TimeoutError, VirtualIOLoop, WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const group = new WaitGroup({ loop });
   * group.add();
   * const waiting = assert.rejects(group.wait({ timeout: 1000 }), TimeoutError);
   * await loop.advance(1000);
   * await waiting;
   * assert.equal(group.waiters, 0);
   * ```
   */
  wait(options?: WaitOptions): Promise<void> {
    if (options === undefined) {
      // enqueueShared refuses a closed line itself: no need to check twice.
      if (this.#count !== 0) return this.#queue.enqueueShared(undefined);
      return this.#queue.closed ? this.#queue.rejectClosed() : resolved;
    }
    return this.#queue.wait(
      options,
      this.#loop,
      "WaitGroup.wait()",
      this.#take,
      undefined,
    );
  }

  /**
   * Closes the group, for a server that shuts down: every waiter rejects at
   * once, in order, with `reason`, or without one with a
   * {@linkcode ClosedError}; so does every later wait, even at a count of
   * 0. {@linkcode WaitGroup.add} and {@linkcode WaitGroup.done} still move
   * the count. A second call changes nothing.
   *
   * @param reason What the waits reject with; `undefined` counts as none.
   *
   * @example
   * ```ts
   * import { ClosedError, WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const group = new WaitGroup();
   * group.add();
   * const waiting = group.wait();
   * group.close();
   * await assert.rejects(waiting, ClosedError);
   * group.done();
   * await assert.rejects(group.wait(), { message: "WaitGroup is closed" });
   * ```
   */
  close(reason?: unknown): void {
    this.#queue.close(reason, "WaitGroup");
  }

  /**
   * Whether {@linkcode WaitGroup.close} has run.
   *
   * @example
   * ```ts
   * import { WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const group = new WaitGroup();
   * group.close();
   * assert.equal(group.closed, true);
   * assert.equal(String(group), "<WaitGroup count=0 closed>");
   * ```
   */
  get closed(): boolean {
    return this.#queue.closed;
  }

  /**
   * How many tasks are counted in and not yet done.
   *
   * @example
   * ```ts
   * import { WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const group = new WaitGroup();
   * group.add(2);
   * assert.equal(group.count, 2);
   * ```
   */
  get count(): number {
    return this.#count;
  }

  /**
   * How many are waiting.
   *
   * @example
   * ```ts
   * import { WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const group = new WaitGroup();
   * group.add();
   * const waiting = group.wait();
   * assert.equal(group.waiters, 1);
   * group.done();
   * assert.equal(group.waiters, 0);
   * await waiting;
   * ```
   */
  get waiters(): number {
    return this.#queue.size;
  }

  /**
   * Describes the group, in the style of Tornado's `repr`.
   *
   * @returns As `<WaitGroup count=0>` or `<WaitGroup count=2 waiters[1]>`;
   *   ` closed` comes last once closed.
   *
   * @example
   * ```ts
   * import { WaitGroup } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const group = new WaitGroup();
   * group.add(2);
   * const waiting = group.wait();
   * assert.equal(String(group), "<WaitGroup count=2 waiters[1]>");
   * group.add(-2);
   * await waiting;
   * ```
   */
  toString(): string {
    const waiters = this.#queue.size;
    return `<WaitGroup count=${this.#count}${
      waiters > 0 ? ` waiters[${waiters}]` : ""
    }${this.#queue.closed ? " closed" : ""}>`;
  }
}

inspectAsString(WaitGroup);

/** Checks `add(n)` against the count: a `TypeError` or `RangeError` naming `n`. */
function checkDelta(n: unknown, count: number): asserts n is number {
  const action = "call WaitGroup.add()";
  if (typeof n !== "number") {
    throw new TypeError(cannot(action, "n", "a number", n));
  }
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(cannot(action, "n", "a safe integer", n));
  }
  if (count + n < 0) {
    throw new RangeError(
      cannot(action, "n", `at least ${-count} (the count is ${count})`, n),
    );
  }
  if (count + n > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      cannot(
        action,
        "n",
        `at most ${Number.MAX_SAFE_INTEGER - count} (the count is ${count})`,
        n,
      ),
    );
  }
}
