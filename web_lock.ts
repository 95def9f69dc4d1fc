/**
 * {@linkcode WebLock}: a lock shared by every worker, tab and thread of an
 * origin or process, over the platform's Web Locks API
 * (`navigator.locks`), with this library's timeouts, signals, closing and
 * `Releaser`.
 *
 * ```ts
 * import { WebLock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new WebLock("cache");
 * const answer = await lock.use(() => 42, { timeout: 1000 });
 * assert.equal(answer, 42);
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { inspectAsString } from "./_inspect.ts";
import {
  holding,
  loopOption,
  parseWait,
  releaseIt,
  UNAVAILABLE,
  type Wait,
  type Waiter,
  WaitQueue,
} from "./_waiters.ts";
import { TimeoutError } from "./errors.ts";
import { IOLoop, type WaitOptions } from "./ioloop.ts";
import type { Releaser } from "./semaphore.ts";

/** What the Web Locks API calls a lock's mode. */
type Mode = "exclusive" | "shared";

/** One lock or request in a {@linkcode WebLock.query} snapshot. */
export interface WebLockInfo {
  /** The lock's name. */
  name?: string;
  /** How it is held or requested. */
  mode?: "exclusive" | "shared";
  /** The agent (a tab, a worker) holding or requesting it. */
  clientId?: string;
}

/** The part of the platform's `LockManager` this module uses. */
interface LockManager {
  request(
    name: string,
    options: { mode: Mode; ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown>;
  query(): Promise<{ held: WebLockInfo[]; pending: WebLockInfo[] }>;
}

/** The platform's lock manager, or `undefined` where there is none. */
function lockManager(): LockManager | undefined {
  const navigator = (globalThis as { navigator?: { locks?: LockManager } })
    .navigator;
  return navigator?.locks ?? undefined;
}

/** The error where `navigator.locks` is missing: what it is, and what instead. */
function missing(action: string): Error {
  return new Error(
    `Cannot ${action} as this runtime has no navigator.locks (the Web Locks API of browsers, Deno 2.9 or later and Node 24.5 or later): use Lock to order async functions within one thread`,
  );
}

/** The platform request a waiter stands for: how to call it off. */
interface Request {
  /** Aborts a queued platform request; none for an `ifAvailable` one. */
  controller: AbortController | undefined;
}

function releaserOf(release: () => void): Releaser {
  let held = true;
  const once = () => {
    if (!held) return;
    held = false;
    release();
  };
  return { release: once, [Symbol.dispose]: once };
}

/** Reads `options.mode`, checked; options that are not objects are parseWait's to refuse. */
function modeOf(options: { mode?: unknown } | undefined, what: string): Mode {
  const mode = options?.mode;
  if (mode === undefined || mode === "exclusive") return "exclusive";
  if (mode === "shared") return mode;
  throw new TypeError(
    cannot(`call ${what}`, "options.mode", '"exclusive" or "shared"', mode),
  );
}

/**
 * A lock held across workers, tabs and threads: a named lock of the
 * platform's Web Locks API (`navigator.locks`: browsers, Deno 2.9 or later,
 * Node 24.5 or later), which every agent of the same origin (a browser) or
 * process (Deno, Node) sees under the same name. A {@linkcode Lock} orders
 * the async functions of one thread; a `WebLock` also keeps out another
 * worker or tab. Each acquire is one `navigator.locks.request()`, held
 * until its {@linkcode Releaser} releases it.
 *
 * - **FIFO**: as the platform orders requests for a name, first requested,
 *   first granted, across every agent that asks for it.
 * - **No barging**: a released lock goes to the first request in the
 *   platform's line, and `tryAcquire` is refused while anyone waits.
 * - **Exclusive or shared**: `mode: "shared"` lets shared holders in
 *   together; an exclusive one waits for all of them, and holds back the
 *   shared requests made after it.
 * - **Timeouts and aborts**: the deadline (on the loop's clock, so a
 *   {@linkcode VirtualIOLoop} drives it) and the signal withdraw the
 *   request from the platform's queue; a grant that comes first is kept,
 *   and one that comes after is released at once, so no lock is left held
 *   by no one.
 * - **Closing**: {@linkcode WebLock.close} rejects this object's pending
 *   acquires and withdraws their requests; locks it granted stay held
 *   until released. It closes only this object: other workers, and other
 *   `WebLock`s of the same name, go on.
 * - **Asynchronous wake-up**: a release returns before the next holder
 *   resumes, and the lock manager answers every request, even
 *   `tryAcquire`'s, asynchronously.
 *
 * Where `navigator.locks` is missing (Bun, Node before 24.5) the
 * constructor throws.
 *
 * @example Two WebLocks of one name, as two workers would hold them
 * ```ts
 * import { WebLock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * // The same name in any worker or tab of this origin is the same lock.
 * const first = new WebLock("inventory");
 * const second = new WebLock("inventory");
 * const held = await first.acquire();
 * assert.equal(await second.tryAcquire(), undefined);
 * held.release();
 * using _held = await second.acquire({ timeout: 1000 });
 * ```
 */
export class WebLock {
  #name: string;
  #loop: IOLoop | undefined;
  #locks: LockManager;
  // Each waiter is one pending platform request, this object's part of it.
  #queue = new WaitQueue<Releaser, Request>((waiter) =>
    waiter.data.controller?.abort()
  );

  /**
   * Names a lock of the platform's lock manager.
   *
   * @param name The lock's name: every `WebLock` and every
   *   `navigator.locks.request()` of the origin or process that uses it
   *   shares the one lock. Names starting with `-` are reserved.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `name` is not a string, or `options.loop` not an
   *   `IOLoop`.
   * @throws {RangeError} If `name` starts with `-`.
   * @throws {Error} If the runtime has no `navigator.locks`; it says what to
   *   use instead.
   *
   * @example
   * ```ts
   * import { WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new WebLock("jobs")), '<WebLock "jobs">');
   * assert.throws(() => new WebLock(1 as unknown as string), TypeError);
   * ```
   */
  constructor(name: string, options?: { loop?: IOLoop }) {
    if (typeof name !== "string") {
      throw new TypeError(cannot("create WebLock", "name", "a string", name));
    }
    if (name.startsWith("-")) {
      throw new RangeError(
        cannot(
          "create WebLock",
          "name",
          "a string not starting with '-' (reserved by the Web Locks API)",
          name,
        ),
      );
    }
    this.#loop = loopOption(options, "WebLock");
    const locks = lockManager();
    if (locks === undefined) throw missing("create WebLock");
    this.#name = name;
    this.#locks = locks;
  }

  /**
   * Requests the lock from the platform, exclusive or shared, and waits
   * until it is granted. If it times out or is aborted, the request leaves
   * the platform's queue at once, its timer is cleared, it takes nothing
   * (a grant that comes after is released at once) and the promise rejects
   * with a {@linkcode TimeoutError} or the signal's reason. A deadline
   * already passed, or `timeout: 0`, asks only if the lock is free now (an
   * `ifAvailable` request) and rejects with a `TimeoutError` if not. Once
   * closed, it rejects at once with the close reason.
   *
   * @param options When to give up (see {@linkcode WaitOptions}), and
   *   `mode`: `"exclusive"` (the default) or `"shared"`.
   * @returns A {@linkcode Releaser}; the lock stays held, in every worker's
   *   eyes, until it is released.
   *
   * @example Waiting at most a second, on a virtual clock
   * ```ts
   * import { TimeoutError, VirtualIOLoop, WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const lock = new WebLock("report", { loop });
   * const held = await lock.acquire();
   * const waiting = assert.rejects(lock.acquire({ timeout: 1000 }), TimeoutError);
   * await loop.advance(1000);
   * await waiting;
   * held.release();
   * ```
   *
   * @example Shared holders together
   * ```ts
   * import { WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new WebLock("settings");
   * using _a = await lock.acquire({ mode: "shared" });
   * using _b = await lock.acquire({ mode: "shared", timeout: 0 });
   * assert.equal(await lock.tryAcquire(), undefined);
   * ```
   */
  acquire(
    options?: WaitOptions & { mode?: "exclusive" | "shared" },
  ): Promise<Releaser> {
    let wait: Wait;
    let mode: Mode;
    try {
      wait = parseWait(options, this.#loop ?? IOLoop.current(), ACQUIRE);
      mode = modeOf(options, ACQUIRE);
    } catch (error) {
      return Promise.reject(error);
    }
    const queue = this.#queue;
    if (queue.closed) return queue.rejectClosed();
    if (wait.signal?.aborted) return Promise.reject(wait.signal.reason);
    const { deadline } = wait;
    if (deadline !== Infinity && deadline <= (wait.now ?? wait.loop.time())) {
      return this.#ifAvailable(mode).then(undefined, (reason) => {
        throw reason === UNAVAILABLE ? new TimeoutError(TIMED_OUT) : reason;
      });
    }
    const controller = new AbortController();
    const promise = queue.enqueue(wait, ACQUIRE, { controller });
    this.#request(queue.tail!, { mode, signal: controller.signal });
    return promise;
  }

  /**
   * Takes the lock if the platform has it free now (an `ifAvailable`
   * request), never waiting for a holder; the answer comes asynchronously,
   * since the lock manager gives it so.
   *
   * @param options `mode`: `"exclusive"` (the default) or `"shared"`.
   * @returns A {@linkcode Releaser}, or `undefined` if the lock is held in
   *   a conflicting mode, requests are queued for it, or this `WebLock` is
   *   closed.
   *
   * @example
   * ```ts
   * import { WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new WebLock("once");
   * const held = await lock.tryAcquire();
   * assert.ok(held);
   * assert.equal(await lock.tryAcquire(), undefined);
   * held.release();
   * ```
   */
  tryAcquire(
    options?: { mode?: "exclusive" | "shared" },
  ): Promise<Releaser | undefined> {
    let mode: Mode;
    try {
      if (
        options !== undefined && (typeof options !== "object" || !options)
      ) {
        throw new TypeError(
          cannot(`call ${TRY_ACQUIRE}`, "options", "an object", options),
        );
      }
      mode = modeOf(options, TRY_ACQUIRE);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#queue.closed) return Promise.resolve(undefined);
    return this.#ifAvailable(mode).then(undefined, (reason) => {
      if (reason === UNAVAILABLE || this.#queue.closed) return undefined;
      throw reason;
    });
  }

  // Asks for the lock only if it is free now; rejects with UNAVAILABLE if
  // not. The waiter has no timer and no signal: close() alone ends it early.
  #ifAvailable(mode: Mode): Promise<Releaser> {
    const queue = this.#queue;
    const promise = queue.enqueuePlain({ controller: undefined });
    const waiter = queue.tail!;
    this.#request(waiter, { mode, ifAvailable: true });
    if (waiter.queued) this.#bound(waiter);
    return promise;
  }

  // Makes the platform request a waiter stands for. A withdrawn request
  // rejects with the abort's reason once the waiter has left, and `leave`
  // changes nothing then; any other failure is the waiter's.
  #request(
    waiter: Waiter<Releaser, Request>,
    options: { mode: Mode; ifAvailable?: boolean; signal?: AbortSignal },
  ): void {
    const leave = (reason: unknown) => this.#queue.leave(waiter, reason);
    try {
      this.#locks.request(
        this.#name,
        options,
        (lock) => this.#granted(waiter, lock),
      ).then(undefined, leave);
    } catch (error) {
      leave(error);
    }
  }

  // An `ifAvailable` request must be answered at once, granted or refused,
  // but Deno 2.9.6 queues a shared one while a shared lock is held and an
  // exclusive request waits, so the answer could take as long as the
  // holders. The lock manager handles requests in order, so a snapshot
  // asked for after the request already shows how it was handled: if the
  // answer has not come by the time the snapshot does and the snapshot has
  // requests queued for this name, this request is among them, and it
  // counts as refused. Its late grant is then released at once. (In a
  // browser the answer may come after the snapshot; with nothing queued
  // for the name, it is still on its way and is awaited.)
  #bound(waiter: Waiter<Releaser, Request>): void {
    this.#locks.query().then((snapshot) => {
      if (
        waiter.queued &&
        snapshot.pending.some((request) => request.name === this.#name)
      ) {
        this.#queue.leave(waiter, UNAVAILABLE);
      }
    }, () => {});
  }

  // The platform's callback: `lock` is null when an `ifAvailable` request
  // is refused. What it returns the platform holds the lock until.
  #granted(
    waiter: Waiter<Releaser, Request>,
    lock: unknown,
  ): Promise<void> | undefined {
    const queue = this.#queue;
    if (lock === null) {
      queue.leave(waiter, UNAVAILABLE);
      return undefined;
    }
    // Gave up, or closed, before the grant came: release at once.
    if (!queue.remove(waiter)) return undefined;
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    waiter.resolve(releaserOf(release));
    return held;
  }

  /**
   * Runs `fn` holding the lock, and releases it when `fn` returns, throws
   * or settles. It waits for the lock as {@linkcode WebLock.acquire} does,
   * with the same options.
   *
   * @typeParam T What `fn` returns or resolves with.
   * @param fn The work to do while holding the lock.
   * @param options When to give up waiting, and the `mode`.
   * @returns What `fn` returns or resolves with.
   *
   * @example
   * ```ts
   * import { WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new WebLock("counter");
   * let count = 0;
   * await Promise.all([1, 2, 3].map(() => lock.use(() => count++)));
   * assert.equal(count, 3);
   * ```
   */
  use<T>(
    fn: () => T | PromiseLike<T>,
    options?: WaitOptions & { mode?: "exclusive" | "shared" },
  ): Promise<T> {
    if (typeof fn !== "function") {
      return Promise.reject(
        new TypeError(cannot("call WebLock.use()", "fn", "a function", fn)),
      );
    }
    return holding(this.acquire(options), fn, releaseIt);
  }

  /**
   * Closes this `WebLock`, for a worker that shuts down: every pending
   * acquire rejects at once with `reason`, or without one with a
   * {@linkcode ClosedError}, and its request leaves the platform's queue;
   * every later acquire rejects at once, and `tryAcquire` resolves with
   * `undefined`. Locks already granted stay held until released. Other
   * `WebLock`s of the same name, here or in other workers, are not
   * affected. A second call changes nothing.
   *
   * @param reason What the acquires reject with; `undefined` counts as
   *   none.
   *
   * @example
   * ```ts
   * import { ClosedError, WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new WebLock("shutdown");
   * const held = await lock.acquire();
   * const waiting = lock.acquire();
   * lock.close();
   * await assert.rejects(waiting, ClosedError);
   * held.release();
   * assert.equal(await lock.tryAcquire(), undefined);
   * ```
   */
  close(reason?: unknown): void {
    const queue = this.#queue;
    if (queue.closed) return;
    const requests: Request[] = [];
    for (let waiter = queue.head; waiter !== undefined; waiter = waiter.next) {
      requests.push(waiter.data);
    }
    // Rejected first, so a grant the withdrawal meets is released at once.
    queue.close(reason, "WebLock");
    for (const request of requests) request.controller?.abort();
  }

  /**
   * Whether {@linkcode WebLock.close} has run.
   *
   * @example
   * ```ts
   * import { WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new WebLock("jobs");
   * lock.close();
   * assert.equal(lock.closed, true);
   * assert.equal(String(lock), '<WebLock "jobs" closed>');
   * ```
   */
  get closed(): boolean {
    return this.#queue.closed;
  }

  /**
   * The platform's snapshot of every lock of the origin or process, held
   * and requested, by every agent: what `navigator.locks.query()` returns.
   * A `WebLock` has no `waiters` count, since another worker's waiters are
   * not its own; this is where to look instead. It rejects with the
   * constructor's `Error` where `navigator.locks` is missing.
   *
   * @returns The held locks and the pending requests, each with its
   *   `name`, `mode` and `clientId`, in the order the platform keeps them.
   *
   * @example
   * ```ts
   * import { WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * using _held = await new WebLock("snapshot").acquire();
   * const { held } = await WebLock.query();
   * assert.ok(held.some((lock) => lock.name === "snapshot"));
   * ```
   */
  static query(): Promise<{ held: WebLockInfo[]; pending: WebLockInfo[] }> {
    const locks = lockManager();
    if (locks === undefined) {
      return Promise.reject(missing("call WebLock.query()"));
    }
    return locks.query();
  }

  /**
   * Describes the lock by its name; it cannot tell whether the platform
   * holds it (see {@linkcode WebLock.query}).
   *
   * @returns As `<WebLock "name">`; ` closed` comes last once closed.
   *
   * @example
   * ```ts
   * import { WebLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new WebLock('say "hi"')), '<WebLock "say \\"hi\\"">');
   * ```
   */
  toString(): string {
    const closed = this.#queue.closed ? " closed" : "";
    return `<WebLock ${JSON.stringify(this.#name)}${closed}>`;
  }
}

const ACQUIRE = "WebLock.acquire()";
const TRY_ACQUIRE = "WebLock.tryAcquire()";
const TIMED_OUT = `${ACQUIRE} timed out`;

inspectAsString(WebLock);
