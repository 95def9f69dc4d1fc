/**
 * {@linkcode KeyedLock}: a lock per key, such as a user id or a file name,
 * made on first use and gone as soon as no one holds or waits for it.
 *
 * ```ts
 * import { KeyedLock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const locks = new KeyedLock();
 * const balances = new Map([["alice", 10]]);
 * const deposit = (user: string, amount: number) =>
 *   locks.use(user, async () => {
 *     const balance = balances.get(user) ?? 0;
 *     await Promise.resolve(); // A read-modify-write across an await.
 *     balances.set(user, balance + amount);
 *   });
 * await Promise.all([deposit("alice", 5), deposit("alice", 7)]);
 * assert.equal(balances.get("alice"), 22);
 * assert.equal(locks.size, 0);
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { asSmallInteger } from "./_permits.ts";
import { inspectAsString } from "./_inspect.ts";
import {
  holding,
  loopOption,
  parseWait,
  releaseIt,
  type Wait,
  type Waiter,
  WaitQueue,
} from "./_waiters.ts";
import { ClosedError } from "./errors.ts";
import { IOLoop, type WaitOptions } from "./ioloop.ts";
import type { Releaser } from "./semaphore.ts";

const NAME = "KeyedLock";
const ACQUIRE = "KeyedLock.acquire()";

/**
 * One key's semaphore. It is in the map exactly while `held > 0`: a key
 * with waiters is always held, since a release hands its permit straight
 * to the first waiter, and waiters queue only while all are held.
 */
interface Entry {
  readonly key: string | number;
  /** Permits held, at most the lock's concurrency. */
  held: number;
  /**
   * Made when someone first has to wait for this key. A waiter's `data`
   * is `true` when it is handed the bare entry (a `use()`, which releases
   * it itself) rather than a Releaser; for a multi-key acquire, the keys it
   * has already taken, given back the moment it gives up.
   */
  queue: WaitQueue<Grant, Holding> | undefined;
}

/** What a waiter in a key's line brings: see {@linkcode Entry.queue}. */
type Holding = boolean | Releaser[];

/** What a waiter is handed. */
type Grant = Releaser | Entry;

// A releaser is an object literal, as Semaphore's are: V8 settles a promise
// with a plain object faster.
const LOCK = Symbol("lock");
const ENTRY = Symbol("entry");
const RELEASERS = Symbol("releasers");

interface KeyReleaser extends Releaser {
  [LOCK]: KeyedLock<string | number> | undefined;
  [ENTRY]: Entry;
}

interface ManyReleaser extends Releaser {
  [RELEASERS]: Releaser[] | undefined;
}

// Set in KeyedLock's static block, where its private members are in reach.
let releaseEntry: (lock: KeyedLock<string | number>, entry: Entry) => void;

function releaseKey(this: KeyReleaser): void {
  const lock = this[LOCK];
  if (lock === undefined) return;
  this[LOCK] = undefined;
  releaseEntry(lock, this[ENTRY]);
}

function keyReleaser(
  lock: KeyedLock<string | number>,
  entry: Entry,
): Releaser {
  const releaser: KeyReleaser = {
    [LOCK]: lock,
    [ENTRY]: entry,
    release: releaseKey,
    [Symbol.dispose]: releaseKey,
  };
  return releaser;
}

function releaseAll(this: ManyReleaser): void {
  const releasers = this[RELEASERS];
  if (releasers === undefined) return;
  this[RELEASERS] = undefined;
  for (let i = releasers.length; i-- > 0;) releasers[i].release();
}

/** Releases `taken` in reverse order; a Releaser releases once anyway. */
function giveBack(taken: Releaser[]): void {
  for (let i = taken.length; i-- > 0;) taken[i].release();
}

/** Releases each of `releasers` in reverse order, once. */
function manyReleaser(releasers: Releaser[]): Releaser {
  const releaser: ManyReleaser = {
    [RELEASERS]: releasers,
    release: releaseAll,
    [Symbol.dispose]: releaseAll,
  };
  return releaser;
}

/**
 * The one order in which every caller takes several keys: numbers
 * ascending, then strings by UTF-16 code unit.
 */
function canonical(a: string | number, b: string | number): number {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `key` is one valid key, not an array: the common case. */
function isPlainKey(key: unknown): key is string | number {
  return typeof key === "string" || (typeof key === "number" && key === key);
}

/** Checks one key: a `TypeError` or `RangeError` naming it. */
function checkKey(key: unknown, action: string, argument: string): void {
  if (typeof key === "string") return;
  if (typeof key !== "number") {
    throw new TypeError(
      cannot(action, argument, "a string or a number", key),
    );
  }
  if (key !== key) {
    throw new RangeError(
      cannot(action, argument, "a string or a number other than NaN", key),
    );
  }
}

/**
 * Checks a key or an array of keys and returns the keys, deduplicated as a
 * `Map` compares them, in the canonical order.
 */
function keysOf<K extends string | number>(
  key: K | readonly K[],
  action: string,
): K[] {
  if (!Array.isArray(key)) {
    if (typeof key === "object" || typeof key === "function") {
      throw new TypeError(
        cannot(
          action,
          "key",
          "a string, a number or an array of them",
          key,
        ),
      );
    }
    checkKey(key, action, "key");
    return [key as K];
  }
  // Each element is read once, so a getter cannot change it after the check.
  const length = key.length;
  const keys = new Array<K>(length);
  for (let i = 0; i < length; i++) {
    const element = key[i];
    checkKey(element, action, `key[${i}]`);
    keys[i] = element;
  }
  return [...new Set(keys)].sort(canonical);
}

/**
 * A lock per key: a semaphore of `concurrency` permits (1 by default) for
 * each key, made on first use and removed the moment no one holds or waits
 * for it, as async-lock's `acquire(key)` but without its leaks or its
 * `maxPending` cap. Keys are strings or numbers, compared as a `Map`
 * compares them (`1` and `"1"` differ; `"__proto__"` is a key like any
 * other).
 *
 * - **FIFO**, per key: waiters for a key are served in the order they
 *   started waiting.
 * - **No barging**: a released key goes straight to its first waiter, and
 *   its entry stays while it does, so a newcomer can never slip in between
 *   and hold the key alongside the waiter it was handed to.
 * - **No leaks**: {@linkcode KeyedLock.size} counts exactly the keys held
 *   or waited for; a million keys used once leave nothing behind.
 * - **Several keys, no deadlock**: `acquire(["a", "b"])` takes its keys one
 *   by one in one order shared by every caller (numbers ascending, then
 *   strings), so two callers never each hold what the other waits for. If
 *   one key cannot be had in time, those already taken are given back in
 *   reverse and nothing is held.
 * - **Asynchronous wake-up**: a release returns before the woken function
 *   resumes, and the key's waiters have already dropped by then.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once, its timer cleared, and never takes the key.
 * - **Closing**: {@linkcode KeyedLock.close} rejects every waiter and every
 *   later acquire; keys already held stay held and can be released.
 *
 * @typeParam K The keys: strings, numbers, or a union of literal types.
 *
 * @example One request at a time per user
 * ```ts
 * import { KeyedLock, VirtualIOLoop } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const loop = new VirtualIOLoop();
 * const locks = new KeyedLock<number>({ loop });
 * const log: string[] = [];
 * const handle = (user: number, request: string, ms: number) =>
 *   locks.use(user, async () => {
 *     log.push(`start ${request}`);
 *     await new Promise<void>((resolve) => loop.callLater(ms, resolve));
 *     log.push(`end ${request}`);
 *   });
 * const all = Promise.all([
 *   handle(1, "a", 10),
 *   handle(1, "b", 10),
 *   handle(2, "c", 50),
 * ]);
 * await loop.advance(50);
 * await all;
 * assert.deepEqual(log, [
 *   "start a",
 *   "start c",
 *   "end a",
 *   "start b",
 *   "end b",
 *   "end c",
 * ]);
 * ```
 *
 * @example Moving money between two accounts
 * ```ts
 * import { KeyedLock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const locks = new KeyedLock();
 * const accounts = new Map([["alice", 10], ["bob", 10]]);
 * const transfer = (from: string, to: string, amount: number) =>
 *   // Two transfers in opposite directions cannot deadlock.
 *   locks.use([from, to], async () => {
 *     await Promise.resolve();
 *     accounts.set(from, accounts.get(from)! - amount);
 *     accounts.set(to, accounts.get(to)! + amount);
 *   });
 * await Promise.all([transfer("alice", "bob", 3), transfer("bob", "alice", 5)]);
 * assert.deepEqual([...accounts.values()], [12, 8]);
 * ```
 */
export class KeyedLock<K extends string | number = string> {
  // V8 builds an object's layout through map transitions, and a full
  // collection drops those no live object uses, deoptimizing the code built
  // on them. Releasers are short-lived, so one of each kind is kept for good.
  static readonly #layouts = [
    keyReleaser(new KeyedLock(), { key: "", held: 0, queue: undefined }),
    manyReleaser([]),
  ];

  static {
    releaseEntry = (lock, entry) => lock.#release(entry);
  }

  #loop: IOLoop | undefined;
  #concurrency: number;
  /** An entry per key held or waited for, and no other. */
  #entries = new Map<string | number, Entry>();
  /** Waiters on every key. */
  #waiting = 0;
  #left = (waiter: Waiter<Grant, Holding>) => {
    this.#waiting--;
    // A multi-key acquire that gives up gives its keys back at once, not a
    // promise callback later, so `size` and `held()` are right at once.
    const taken = waiter.data;
    if (Array.isArray(taken)) giveBack(taken);
  };
  #closed = false;
  /** What waits reject with once closed. */
  #reason: unknown = undefined;

  /**
   * Creates a keyed lock, holding no key.
   *
   * @param options.concurrency How many may hold one key at once: a
   *   positive safe integer. Defaults to 1.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `options` is not an object, `options.loop` not an
   *   `IOLoop`, or `options.concurrency` not a number.
   * @throws {RangeError} If `options.concurrency` is not a positive safe
   *   integer.
   *
   * @example Two at a time per key
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock({ concurrency: 2 });
   * const first = locks.tryAcquire("a");
   * const second = locks.tryAcquire("a");
   * assert.ok(first && second);
   * assert.equal(locks.tryAcquire("a"), undefined);
   * assert.equal(String(locks), "<KeyedLock concurrency=2 keys=1 waiters=0>");
   * ```
   */
  constructor(options?: { concurrency?: number; loop?: IOLoop }) {
    this.#loop = loopOption(options, NAME);
    const given = options?.concurrency;
    const concurrency = given === undefined ? 1 : given;
    const action = `create ${NAME}`;
    if (typeof concurrency !== "number") {
      throw new TypeError(
        cannot(action, "options.concurrency", "a number", concurrency),
      );
    }
    if (!(Number.isSafeInteger(concurrency) && concurrency > 0)) {
      throw new RangeError(
        cannot(
          action,
          "options.concurrency",
          "a positive integer",
          concurrency,
        ),
      );
    }
    this.#concurrency = asSmallInteger(concurrency);
  }

  /**
   * Takes `key`, or every key of an array, waiting in line for each key in
   * turn while it is held. Several keys are deduplicated and taken in one
   * order shared by every caller: numbers ascending, then strings by UTF-16
   * code unit. The deadline and the signal cover the whole acquire: if it
   * times out or is aborted, the waiter leaves its line at once, its timer
   * cleared, the keys already taken are released in reverse order, and the
   * promise rejects with a {@linkcode TimeoutError} or the signal's reason.
   * Once the lock is closed it rejects at once with the close reason.
   *
   * @param key A string or a number, or an array of them (an empty array
   *   takes nothing and resolves at once).
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A {@linkcode Releaser} that releases every key taken, in
   *   reverse order.
   *
   * @example Waiting at most a second for a key
   * ```ts
   * import { KeyedLock, TimeoutError, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const locks = new KeyedLock({ loop });
   * const held = await locks.acquire("report.pdf");
   * const second = assert.rejects(
   *   locks.acquire("report.pdf", { timeout: 1000 }),
   *   TimeoutError,
   * );
   * await loop.advance(1000);
   * await second;
   * held.release();
   * assert.equal(locks.size, 0);
   * ```
   *
   * @example All or nothing over several keys
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock<number>();
   * const held = await locks.acquire(2);
   * await assert.rejects(locks.acquire([1, 2, 3], { timeout: 0 }));
   * assert.equal(locks.held(1), 0); // Taken, then given back.
   * held.release();
   * using _all = await locks.acquire([3, 1, 2, 1]);
   * assert.equal(locks.size, 3);
   * ```
   */
  acquire(key: K | readonly K[], options?: WaitOptions): Promise<Releaser> {
    if (isPlainKey(key) && options === undefined) {
      // The common case: one key, no options.
      if (this.#closed) return Promise.reject(this.#reason);
      const entry = this.#take(key);
      if (entry !== undefined) return Promise.resolve(keyReleaser(this, entry));
      return this.#line(key).enqueuePlain(false) as Promise<Releaser>;
    }
    let keys: K[];
    let wait: Wait;
    try {
      keys = keysOf(key, `call ${ACQUIRE}`);
      wait = parseWait(options, this.#loop ?? IOLoop.current(), ACQUIRE);
    } catch (error) {
      return Promise.reject(error);
    }
    if (keys.length === 1) return this.#acquireOne(keys[0], wait);
    return this.#acquireAll(keys, wait);
  }

  // One key, with its options parsed.
  #acquireOne(key: K, wait: Wait): Promise<Releaser> {
    if (this.#closed) return Promise.reject(this.#reason);
    if (wait.signal?.aborted) return Promise.reject(wait.signal.reason);
    const entry = this.#take(key);
    if (entry !== undefined) return Promise.resolve(keyReleaser(this, entry));
    return this.#enqueue(key, wait);
  }

  // Several keys in the canonical order, each taken at once or waited for
  // with the one deadline and signal; on failure, given back in reverse.
  async #acquireAll(keys: K[], wait: Wait): Promise<Releaser> {
    if (this.#closed) throw this.#reason;
    if (wait.signal?.aborted) throw wait.signal.reason;
    const taken: Releaser[] = [];
    try {
      for (let i = 0; i < keys.length; i++) {
        const entry = this.#take(keys[i]);
        if (entry !== undefined) {
          taken.push(keyReleaser(this, entry));
          continue;
        }
        taken.push(await this.#enqueue(keys[i], wait, taken));
        // A close or an abort may have come between that grant and now: it
        // stops the acquire unless that was its last key.
        if (i + 1 < keys.length) {
          if (this.#closed) throw this.#reason;
          if (wait.signal?.aborted) throw wait.signal.reason;
        }
      }
    } catch (error) {
      giveBack(taken);
      throw error;
    }
    return manyReleaser(taken);
  }

  // Takes a permit of `key` if one is free and no one waits for it, making
  // the key's entry if it is idle.
  #take(key: string | number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      const created: Entry = { key, held: 1, queue: undefined };
      this.#entries.set(key, created);
      return created;
    }
    if (
      entry.held < this.#concurrency &&
      (entry.queue === undefined || entry.queue.head === undefined)
    ) {
      entry.held++;
      return entry;
    }
    return undefined;
  }

  // Whether `#take(key)` would succeed.
  #available(key: string | number): boolean {
    const entry = this.#entries.get(key);
    return entry === undefined ||
      (entry.held < this.#concurrency &&
        (entry.queue === undefined || entry.queue.head === undefined));
  }

  // The line of a key that is held, so has an entry, for one more waiter.
  #line(key: string | number): WaitQueue<Grant, Holding> {
    const entry = this.#entries.get(key)!;
    this.#waiting++;
    return entry.queue ??= new WaitQueue<Grant, Holding>(this.#left);
  }

  // Waits in the line of a key that is held.
  #enqueue(
    key: string | number,
    wait: Wait,
    taken: Holding = false,
  ): Promise<Releaser> {
    const queue = this.#line(key);
    const before = queue.size;
    const promise = queue.enqueue(wait, ACQUIRE, taken);
    // A passed deadline rejects without joining the line.
    if (queue.size === before) this.#waiting--;
    return promise as Promise<Releaser>;
  }

  // Gives a permit back: straight to the key's first waiter, or else to
  // the key, whose entry goes once no permit is held.
  #release(entry: Entry): void {
    const waiter = entry.queue?.shift();
    if (waiter !== undefined) {
      this.#waiting--;
      waiter.resolve(waiter.data === true ? entry : keyReleaser(this, entry));
      return;
    }
    if (--entry.held === 0) this.#entries.delete(entry.key);
  }

  /**
   * Takes `key`, or every key of an array, if each is free and no one waits
   * for it, never waiting: all the keys or none.
   *
   * @param key A string or a number, or an array of them.
   * @returns A {@linkcode Releaser} for every key, or `undefined` if any is
   *   taken or waited for, or the lock is closed.
   * @throws {TypeError} If `key` is not a string, a number or an array of
   *   them.
   * @throws {RangeError} If a key is `NaN`.
   *
   * @example
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock();
   * const a = locks.tryAcquire("a");
   * assert.ok(a);
   * assert.equal(locks.tryAcquire(["b", "a"]), undefined);
   * assert.equal(locks.held("b"), 0);
   * a.release();
   * assert.ok(locks.tryAcquire(["b", "a"]));
   * ```
   */
  tryAcquire(key: K | readonly K[]): Releaser | undefined {
    const keys = keysOf(key, `call ${NAME}.tryAcquire()`);
    if (this.#closed) return undefined;
    if (keys.length === 1) {
      const entry = this.#take(keys[0]);
      return entry === undefined ? undefined : keyReleaser(this, entry);
    }
    for (const k of keys) if (!this.#available(k)) return undefined;
    return manyReleaser(keys.map((k) => keyReleaser(this, this.#take(k)!)));
  }

  /**
   * Runs `fn` holding `key` (or every key of an array), and releases when
   * `fn` returns, throws or settles. It waits for the keys as
   * {@linkcode KeyedLock.acquire} does, with the same options.
   *
   * @typeParam T What `fn` returns or resolves with.
   * @param key A string or a number, or an array of them.
   * @param fn The work to do while holding the keys.
   * @param options When to give up waiting: see {@linkcode WaitOptions}.
   * @returns What `fn` returns or resolves with.
   *
   * @example
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock();
   * const result = await locks.use("cache:home", () => {
   *   assert.equal(locks.held("cache:home"), 1);
   *   return "rendered";
   * });
   * assert.equal(result, "rendered");
   * assert.equal(locks.size, 0);
   * ```
   */
  use<T>(
    key: K | readonly K[],
    fn: () => T | PromiseLike<T>,
    options?: WaitOptions,
  ): Promise<T> {
    const plain = isPlainKey(key);
    try {
      if (!plain) keysOf(key, `call ${NAME}.use()`);
    } catch (error) {
      return Promise.reject(error);
    }
    if (typeof fn !== "function") {
      return Promise.reject(
        new TypeError(cannot(`call ${NAME}.use()`, "fn", "a function", fn)),
      );
    }
    if (plain && options === undefined) {
      // The common case: one key, no options, and no Releaser to make.
      if (this.#closed) return Promise.reject(this.#reason);
      return holding(
        this.#take(key) ??
          this.#line(key).enqueuePlain(true) as Promise<Entry>,
        fn,
        this.#releaseEntry,
      );
    }
    return holding(this.acquire(key, options), fn, releaseIt);
  }

  // `holding`'s release for a bare entry, made once.
  #releaseEntry = (entry: Entry): void => this.#release(entry);

  /**
   * How many hold `key` now: 0 when no one does.
   *
   * @param key A string or a number.
   * @throws {TypeError} If `key` is not a string or a number.
   * @throws {RangeError} If `key` is `NaN`.
   *
   * @example
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock<number>();
   * using _held = await locks.acquire(7);
   * assert.equal(locks.held(7), 1);
   * assert.equal(locks.held(8), 0);
   * ```
   */
  held(key: K): number {
    checkKey(key, `call ${NAME}.held()`, "key");
    return this.#entries.get(key)?.held ?? 0;
  }

  /**
   * How many wait for `key`, or for any key when `key` is omitted.
   *
   * @param key A string or a number; every key when omitted.
   * @throws {TypeError} If `key` is given and not a string or a number.
   * @throws {RangeError} If `key` is `NaN`.
   *
   * @example
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock();
   * const held = await locks.acquire("a");
   * const waiting = locks.acquire("a");
   * assert.equal(locks.waiters("a"), 1);
   * assert.equal(locks.waiters("b"), 0);
   * assert.equal(locks.waiters(), 1);
   * held.release();
   * (await waiting).release();
   * ```
   */
  waiters(key?: K): number {
    if (key === undefined) return this.#waiting;
    checkKey(key, `call ${NAME}.waiters()`, "key");
    return this.#entries.get(key)?.queue?.size ?? 0;
  }

  /**
   * How many keys are held or waited for: the entries the lock keeps.
   *
   * @example
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock();
   * const held = await locks.acquire(["a", "b"]);
   * assert.equal(locks.size, 2);
   * held.release();
   * assert.equal(locks.size, 0);
   * ```
   */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Closes the lock, for a server that shuts down: every waiter on every
   * key rejects at once, in order, with `reason`, or without one with a
   * {@linkcode ClosedError}; so does every later acquire, even of a free
   * key, and `tryAcquire` returns `undefined`. Keys already held stay held,
   * and releasing them still works. A second call changes nothing.
   *
   * @param reason What the waits reject with; `undefined` counts as none.
   *
   * @example
   * ```ts
   * import { ClosedError, KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock();
   * const held = await locks.acquire("a");
   * const waiting = locks.acquire("a");
   * locks.close();
   * await assert.rejects(waiting, ClosedError);
   * await assert.rejects(locks.acquire("b"), { message: "KeyedLock is closed" });
   * held.release();
   * assert.equal(locks.size, 0);
   * ```
   */
  close(reason?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reason = reason === undefined
      ? new ClosedError(`${NAME} is closed`)
      : reason;
    for (const entry of this.#entries.values()) {
      entry.queue?.close(this.#reason, NAME);
    }
    this.#waiting = 0;
  }

  /**
   * Whether {@linkcode KeyedLock.close} has run.
   *
   * @example
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const locks = new KeyedLock();
   * locks.close();
   * assert.equal(locks.closed, true);
   * assert.equal(String(locks), "<KeyedLock keys=0 waiters=0 closed>");
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Describes the lock, in the style of Tornado's `repr`.
   *
   * @returns As `<KeyedLock keys=3 waiters=2>`, with `concurrency=N` after
   *   the name when it is not 1 and ` closed` last once closed.
   *
   * @example
   * ```ts
   * import { KeyedLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new KeyedLock()), "<KeyedLock keys=0 waiters=0>");
   * ```
   */
  toString(): string {
    const concurrency = this.#concurrency === 1
      ? ""
      : ` concurrency=${this.#concurrency}`;
    return `<${NAME}${concurrency} keys=${this.#entries.size} waiters=${this.#waiting}${
      this.#closed ? " closed" : ""
    }>`;
  }
}

inspectAsString(KeyedLock);
