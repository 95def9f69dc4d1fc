/**
 * {@linkcode Barrier}: a fixed number of async functions wait for one
 * another, then all go on together, round after round (asyncio's
 * `Barrier`).
 *
 * ```ts
 * import { Barrier } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(3);
 * const indexes = await Promise.all([
 *   barrier.wait(),
 *   barrier.wait(),
 *   barrier.wait(),
 * ]);
 * assert.deepEqual(indexes, [0, 1, 2]);
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { asSmallInteger } from "./_permits.ts";
import { inspectAsString } from "./_inspect.ts";
import { loopOption, UNAVAILABLE, WaitQueue } from "./_waiters.ts";
import { BrokenBarrierError } from "./errors.ts";
import type { IOLoop, WaitOptions } from "./ioloop.ts";

/**
 * A barrier for `parties` async functions, as asyncio's `Barrier` (Python
 * 3.11): each calls {@linkcode Barrier.wait}, and when the last of them
 * arrives the round fills and every one of them goes on, with its arrival
 * index; the barrier then starts the next round at once, so it can be used
 * again and again.
 *
 * - **Arrival indexes**: the parties of a round get 0 … `parties` − 1, in
 *   the order they arrived; the last to arrive gets `parties` − 1.
 * - **Asynchronous wake-up**: the `wait()` that fills a round resolves, and
 *   `waiting` is 0, before any woken function resumes.
 * - **Timeouts and aborts**: a party that times out or is aborted before
 *   its round fills withdraws: it leaves at once, its timer cleared,
 *   `waiting` drops, and the barrier stays whole (asyncio does the same on
 *   cancellation). Those who arrived after it move up one index.
 * - **Breaking**: {@linkcode Barrier.abort} breaks the barrier until
 *   {@linkcode Barrier.reset}; both reject the parties waiting with a
 *   {@linkcode BrokenBarrierError}. A round that has filled is granted:
 *   neither breaks any of its parties.
 * - **Closing**: {@linkcode Barrier.close} rejects every waiting party and
 *   every later wait with its reason, broken or not.
 *
 * @example asyncio's example, without the sleeps
 * ```ts
 * import { Barrier } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(3);
 * const others = [barrier.wait(), barrier.wait()];
 * assert.equal(String(barrier), "<Barrier [filling,waiters:2/3]>");
 * assert.equal(await barrier.wait(), 2);
 * assert.equal(String(barrier), "<Barrier [filling,waiters:0/3]>");
 * assert.deepEqual(await Promise.all(others), [0, 1]);
 * ```
 */
export class Barrier {
  #loop: IOLoop | undefined;
  #parties: number;
  // True implies that no one is waiting.
  #broken = false;
  // Fewer than `#parties` wait, at any time: the arrival that would make
  // them `#parties` fills the round instead of joining the line.
  #queue = new WaitQueue<number>();
  // Takes the last place of the round, or refuses with the barrier broken.
  // `WaitQueue.wait()` lets a throw from here through, queueing nothing.
  #arrive = (): number | typeof UNAVAILABLE => {
    if (this.#broken) throw new BrokenBarrierError("Barrier is broken");
    return this.#queue.size + 1 < this.#parties ? UNAVAILABLE : this.#fill();
  };

  /**
   * Creates a barrier for `parties` parties, filling its first round.
   *
   * @param parties How many must wait before all go on: a positive safe
   *   integer.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `parties` is not a number, or `options.loop` not
   *   an `IOLoop`.
   * @throws {RangeError} If `parties` is not a positive safe integer.
   *
   * @example
   * ```ts
   * import { Barrier } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(2).parties, 2);
   * assert.throws(() => new Barrier(0), RangeError);
   * ```
   */
  constructor(parties: number, options?: { loop?: IOLoop }) {
    const action = "create Barrier";
    if (typeof parties !== "number") {
      throw new TypeError(cannot(action, "parties", "a number", parties));
    }
    if (!(Number.isSafeInteger(parties) && parties > 0)) {
      throw new RangeError(
        cannot(action, "parties", "a positive integer", parties),
      );
    }
    this.#loop = loopOption(options, "Barrier");
    this.#parties = asSmallInteger(parties);
  }

  /**
   * Waits for the round to fill: resolves, for every party of the round,
   * with its arrival index once the last one arrives. A wait by the last
   * party fills the round even with `timeout: 0`. If it times out or is
   * aborted before the round fills, the party withdraws: it leaves at once,
   * its timer is cleared, the barrier stays whole, and the promise rejects
   * with a {@linkcode TimeoutError} or the signal's reason. While the
   * barrier is broken it rejects at once with a
   * {@linkcode BrokenBarrierError}; once closed, with the close reason.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns The party's arrival index in its round, from 0 to
   *   `parties` − 1.
   *
   * @example A party that gives up withdraws
   * ```ts
   * import { Barrier, TimeoutError, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const barrier = new Barrier(2, { loop });
   * const impatient = assert.rejects(
   *   barrier.wait({ timeout: 10 }),
   *   TimeoutError,
   * );
   * await loop.advance(10);
   * await impatient;
   * assert.equal(barrier.waiting, 0);
   * assert.equal(barrier.broken, false);
   * ```
   */
  wait(options?: WaitOptions): Promise<number> {
    if (options === undefined) {
      const queue = this.#queue;
      if (queue.closed) return queue.rejectClosed();
      if (this.#broken) {
        return Promise.reject(new BrokenBarrierError("Barrier is broken"));
      }
      if (queue.size + 1 < this.#parties) return queue.enqueuePlain(undefined);
      return Promise.resolve(this.#fill());
    }
    try {
      return this.#queue.wait(
        options,
        this.#loop,
        "Barrier.wait()",
        this.#arrive,
        undefined,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // Fills the round: those waiting get 0, 1, ... in the order they arrived,
  // and the arrival that fills it the last index, which this returns.
  #fill(): number {
    const queue = this.#queue;
    let index = 0;
    for (let waiter; (waiter = queue.shift()) !== undefined;) {
      waiter.resolve(index++);
    }
    return index;
  }

  /**
   * Breaks the barrier: every party waiting rejects at once with a
   * {@linkcode BrokenBarrierError}, and so does every later wait, until
   * {@linkcode Barrier.reset}. A round that has already filled is not
   * touched.
   *
   * @example
   * ```ts
   * import { Barrier, BrokenBarrierError } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * const waiting = barrier.wait();
   * barrier.abort();
   * await assert.rejects(waiting, BrokenBarrierError);
   * await assert.rejects(barrier.wait(), BrokenBarrierError);
   * assert.equal(String(barrier), "<Barrier [broken]>");
   * ```
   */
  abort(): void {
    this.#broken = true;
    this.#breakWaiting("Barrier was aborted");
  }

  /**
   * Empties the barrier and makes it whole again: every party waiting
   * rejects at once with a {@linkcode BrokenBarrierError}, and a broken
   * barrier takes waits again, starting a new round. A round that has
   * already filled is not touched.
   *
   * @example
   * ```ts
   * import { Barrier, BrokenBarrierError } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * barrier.abort();
   * barrier.reset();
   * assert.equal(barrier.broken, false);
   * const waiting = barrier.wait();
   * barrier.reset();
   * await assert.rejects(waiting, { message: "Barrier was reset" });
   * assert.equal(barrier.waiting, 0);
   * ```
   */
  reset(): void {
    this.#broken = false;
    this.#breakWaiting("Barrier was reset");
  }

  #breakWaiting(message: string): void {
    for (let waiter; (waiter = this.#queue.shift()) !== undefined;) {
      waiter.reject(new BrokenBarrierError(message));
    }
  }

  /**
   * Closes the barrier, for a server that shuts down: every party waiting
   * rejects at once, in order, with `reason`, or without one with a
   * {@linkcode ClosedError}; so does every later wait, whether or not the
   * barrier is broken, even one that would fill the round.
   * {@linkcode Barrier.abort} and {@linkcode Barrier.reset} still set and
   * clear `broken`. A second call changes nothing.
   *
   * @param reason What the waits reject with; `undefined` counts as none.
   *
   * @example
   * ```ts
   * import { Barrier, ClosedError } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * const waiting = barrier.wait();
   * barrier.close();
   * await assert.rejects(waiting, ClosedError);
   * await assert.rejects(barrier.wait(), { message: "Barrier is closed" });
   * ```
   */
  close(reason?: unknown): void {
    this.#queue.close(reason, "Barrier");
  }

  /**
   * Whether {@linkcode Barrier.close} has run.
   *
   * @example
   * ```ts
   * import { Barrier } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(3);
   * barrier.close();
   * assert.equal(barrier.closed, true);
   * assert.equal(String(barrier), "<Barrier [filling,waiters:0/3] closed>");
   * ```
   */
  get closed(): boolean {
    return this.#queue.closed;
  }

  /**
   * How many parties each round takes.
   *
   * @example
   * ```ts
   * import { Barrier } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(4).parties, 4);
   * ```
   */
  get parties(): number {
    return this.#parties;
  }

  /**
   * How many parties wait in the round filling now.
   *
   * @example
   * ```ts
   * import { Barrier } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(3);
   * const waiting = [barrier.wait(), barrier.wait()];
   * assert.equal(barrier.waiting, 2);
   * await barrier.wait();
   * assert.equal(barrier.waiting, 0);
   * await Promise.all(waiting);
   * ```
   */
  get waiting(): number {
    return this.#queue.size;
  }

  /**
   * Whether {@linkcode Barrier.abort} has broken the barrier, until
   * {@linkcode Barrier.reset}.
   *
   * @example
   * ```ts
   * import { Barrier } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * barrier.abort();
   * assert.equal(barrier.broken, true);
   * barrier.reset();
   * assert.equal(barrier.broken, false);
   * ```
   */
  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Describes the barrier, as asyncio's `repr` does.
   *
   * @returns As `<Barrier [filling,waiters:2/3]>` or `<Barrier [broken]>`;
   *   ` closed` comes last once closed.
   *
   * @example
   * ```ts
   * import { Barrier } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(3);
   * assert.equal(String(barrier), "<Barrier [filling,waiters:0/3]>");
   * barrier.abort();
   * assert.equal(String(barrier), "<Barrier [broken]>");
   * ```
   */
  toString(): string {
    const state = this.#broken
      ? "broken"
      : `filling,waiters:${this.#queue.size}/${this.#parties}`;
    return `<Barrier [${state}]${this.#queue.closed ? " closed" : ""}>`;
  }
}

inspectAsString(Barrier);
