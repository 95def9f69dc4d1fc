/**
 * {@linkcode ReadWriteLock}: many readers at once, or one writer, served
 * fairly from one line.
 *
 * ```ts
 * import { ReadWriteLock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new ReadWriteLock();
 * let config = { retries: 1 };
 * const [a, b] = await Promise.all([
 *   lock.useRead(() => config.retries),
 *   lock.useRead(() => config.retries),
 * ]);
 * await lock.useWrite(() => {
 *   config = { retries: a + b };
 * });
 * assert.equal(config.retries, 2);
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { describeLock, inspectAsString } from "./_inspect.ts";
import {
  holding,
  loopOption,
  releaseIt,
  UNAVAILABLE,
  WaitQueue,
} from "./_waiters.ts";
import type { IOLoop, WaitOptions } from "./ioloop.ts";
import type { Releaser } from "./semaphore.ts";

// A releaser is an object literal, as a Semaphore's is: V8 settles a promise
// with a plain object faster than with a class instance.
const LOCK = Symbol("lock");

interface LockReleaser extends Releaser {
  [LOCK]: ReadWriteLock | undefined;
}

// What the releasers reach of a ReadWriteLock's private state.
let unlockRead: (lock: ReadWriteLock) => void;
let unlockWrite: (lock: ReadWriteLock) => void;

function releaseRead(this: LockReleaser): void {
  const lock = this[LOCK];
  if (lock === undefined) return;
  this[LOCK] = undefined;
  unlockRead(lock);
}

function releaseWrite(this: LockReleaser): void {
  const lock = this[LOCK];
  if (lock === undefined) return;
  this[LOCK] = undefined;
  unlockWrite(lock);
}

function readReleaser(lock: ReadWriteLock): Releaser {
  const releaser: LockReleaser = {
    [LOCK]: lock,
    release: releaseRead,
    [Symbol.dispose]: releaseRead,
  };
  return releaser;
}

function writeReleaser(lock: ReadWriteLock): Releaser {
  const releaser: LockReleaser = {
    [LOCK]: lock,
    release: releaseWrite,
    [Symbol.dispose]: releaseWrite,
  };
  return releaser;
}

/**
 * A reader-writer lock for async functions: any number of readers hold it
 * together, or one writer holds it alone (tokio's `RwLock`). Readers and
 * writers wait in one line, first in, first out.
 *
 * The fairness rule: a reader gets in at once only when no writer holds
 * the lock and no one waits; a writer only when nothing is held and no one
 * waits. When the lock frees, the head of the line is served: one writer,
 * or every reader at the head up to the first writer, together. So a
 * waiting writer holds back every reader that comes after it, and readers
 * can never starve a writer; readers ahead of it are not held back by it.
 *
 * - **FIFO**: one line for readers and writers, served in the order they
 *   started waiting.
 * - **No barging**: `tryRead()` and `tryWrite()` fail while anyone waits,
 *   and a freed lock passes straight to the head of the line.
 * - **No writer starvation**: a waiting writer holds back later readers.
 * - **Asynchronous wake-up**: a release returns before any woken function
 *   resumes, and `waiters` has already dropped by then.
 * - **Timeouts and aborts**: a waiter that times out or is aborted leaves
 *   the line at once, its timer cleared, and never takes the lock; the
 *   readers behind a writer that gives up go in if they now can.
 * - **Closing**: {@linkcode ReadWriteLock.close} rejects every waiter and
 *   every later wait; what is held stays held and can be released.
 *
 * @example A writer waits for the readers ahead of it, and holds back those behind
 * ```ts
 * import { ReadWriteLock } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new ReadWriteLock();
 * const reader = await lock.read();
 * const writing = lock.write();
 * assert.equal(lock.tryRead(), undefined); // A writer waits: no barging.
 * const reading = lock.read();
 * assert.equal(String(lock), "<ReadWriteLock [read:1,waiters:2]>");
 * reader.release();
 * const writer = await writing;
 * assert.equal(lock.writing, true);
 * writer.release();
 * (await reading).release();
 * assert.equal(String(lock), "<ReadWriteLock [unlocked]>");
 * ```
 */
export class ReadWriteLock {
  // V8 builds an object's layout through map transitions, and a full
  // collection drops those no live object uses, deoptimizing the code built
  // on them. Releasers are short-lived, so one is kept for good: without it
  // every full collection cost r1 a round of deoptimization, and r1 alone
  // in a process ran at half speed on Deno.
  static readonly #layout = readReleaser(new ReadWriteLock());

  static {
    unlockRead = (lock) => {
      // With readers left, the head, if any, is a writer that must wait on.
      if (--lock.#readers === 0) lock.#serve();
    };
    unlockWrite = (lock) => {
      lock.#writing = false;
      lock.#serve();
    };
  }

  #loop: IOLoop | undefined;
  // Readers holding the lock; 0 while `#writing`.
  #readers = 0;
  #writing = false;
  // Each waiter's `data` is whether it would write. The head, if any,
  // cannot be served yet. This is tokio's rule (a weighted FIFO semaphore
  // where a reader takes one permit and a writer all of them) kept as a
  // mode on the shared queue, so that messages name read() and write().
  #queue = new WaitQueue<Releaser, boolean>(() => this.#serve());
  #takeRead = () => this.#tryRead() ?? UNAVAILABLE;
  #takeWrite = () => this.#tryWrite() ?? UNAVAILABLE;

  /**
   * Creates a reader-writer lock, unlocked.
   *
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `options.loop` is not an `IOLoop`.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new ReadWriteLock()), "<ReadWriteLock [unlocked]>");
   * ```
   */
  constructor(options?: { loop?: IOLoop }) {
    this.#loop = loopOption(options, "ReadWriteLock");
  }

  /**
   * Takes the lock for reading, alongside other readers, waiting in line
   * while a writer holds it or anyone waits. If it times out or is aborted,
   * the waiter leaves the line at once, its timer is cleared, it takes
   * nothing, and the promise rejects with a {@linkcode TimeoutError} or the
   * signal's reason. Once the lock is closed it rejects at once with the
   * close reason.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A {@linkcode Releaser} that gives the read lock back.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * const first = await lock.read();
   * const second = await lock.read({ timeout: 1000 });
   * assert.equal(lock.readers, 2);
   * first.release();
   * second.release();
   * assert.equal(lock.readers, 0);
   * ```
   */
  read(options?: WaitOptions): Promise<Releaser> {
    if (options === undefined) {
      const releaser = this.#queue.closed ? undefined : this.#tryRead();
      return releaser !== undefined
        ? Promise.resolve(releaser)
        : this.#queue.enqueuePlain(false);
    }
    return this.#queue.wait(
      options,
      this.#loop,
      "ReadWriteLock.read()",
      this.#takeRead,
      false,
    );
  }

  /**
   * Takes the lock for writing, alone, waiting in line while anything is
   * held or anyone waits. If it times out or is aborted, the waiter leaves
   * the line at once, its timer is cleared, it takes nothing, the readers
   * right behind it go in if they now can, and the promise rejects with a
   * {@linkcode TimeoutError} or the signal's reason. Once the lock is
   * closed it rejects at once with the close reason.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A {@linkcode Releaser} that gives the write lock back.
   *
   * @example Giving up on a busy lock
   * ```ts
   * import { ReadWriteLock, TimeoutError } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * using _reader = await lock.read();
   * await assert.rejects(lock.write({ timeout: 0 }), TimeoutError);
   * assert.equal(lock.waiters, 0);
   * ```
   */
  write(options?: WaitOptions): Promise<Releaser> {
    if (options === undefined) {
      const releaser = this.#queue.closed ? undefined : this.#tryWrite();
      return releaser !== undefined
        ? Promise.resolve(releaser)
        : this.#queue.enqueuePlain(true);
    }
    return this.#queue.wait(
      options,
      this.#loop,
      "ReadWriteLock.write()",
      this.#takeWrite,
      true,
    );
  }

  /**
   * Takes the lock for reading if no writer holds it and no one waits,
   * never waiting.
   *
   * @returns A {@linkcode Releaser}, or `undefined` if a writer holds the
   *   lock, anyone waits, or the lock is closed.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * const reader = lock.tryRead();
   * assert.ok(reader);
   * assert.ok(lock.tryRead());
   * assert.equal(lock.tryWrite(), undefined);
   * ```
   */
  tryRead(): Releaser | undefined {
    return this.#queue.closed ? undefined : this.#tryRead();
  }

  /**
   * Takes the lock for writing if nothing is held and no one waits, never
   * waiting.
   *
   * @returns A {@linkcode Releaser}, or `undefined` if anything is held,
   *   anyone waits, or the lock is closed.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * const writer = lock.tryWrite();
   * assert.ok(writer);
   * assert.equal(lock.tryRead(), undefined);
   * writer.release();
   * assert.ok(lock.tryRead());
   * ```
   */
  tryWrite(): Releaser | undefined {
    return this.#queue.closed ? undefined : this.#tryWrite();
  }

  #tryRead(): Releaser | undefined {
    if (this.#writing || this.#queue.head !== undefined) return undefined;
    this.#readers++;
    return readReleaser(this);
  }

  #tryWrite(): Releaser | undefined {
    if (
      this.#writing || this.#readers > 0 || this.#queue.head !== undefined
    ) {
      return undefined;
    }
    this.#writing = true;
    return writeReleaser(this);
  }

  // Serves the head of the line: one writer, or the readers up to the
  // first writer, for as long as what is held lets each in.
  #serve(): void {
    const queue = this.#queue;
    for (
      let waiter = queue.head;
      waiter !== undefined && !this.#writing;
      waiter = queue.head
    ) {
      if (waiter.data) {
        if (this.#readers > 0) return;
        queue.shift();
        this.#writing = true;
        waiter.resolve(writeReleaser(this));
        return;
      }
      queue.shift();
      this.#readers++;
      waiter.resolve(readReleaser(this));
    }
  }

  /**
   * Runs `fn` holding the lock for reading, and releases it when `fn`
   * returns, throws or settles. It waits as {@linkcode ReadWriteLock.read}
   * does, with the same options.
   *
   * @typeParam T What `fn` returns or resolves with.
   * @param fn The work to do while reading.
   * @param options When to give up waiting: see {@linkcode WaitOptions}.
   * @returns What `fn` returns or resolves with.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * const seen = await lock.useRead(() => lock.readers);
   * assert.equal(seen, 1);
   * assert.equal(lock.readers, 0);
   * ```
   */
  useRead<T>(
    fn: () => T | PromiseLike<T>,
    options?: WaitOptions,
  ): Promise<T> {
    return this.#use(fn, options, false);
  }

  /**
   * Runs `fn` holding the lock for writing, and releases it when `fn`
   * returns, throws or settles. It waits as {@linkcode ReadWriteLock.write}
   * does, with the same options.
   *
   * @typeParam T What `fn` returns or resolves with.
   * @param fn The work to do while writing.
   * @param options When to give up waiting: see {@linkcode WaitOptions}.
   * @returns What `fn` returns or resolves with.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * await assert.rejects(lock.useWrite(() => {
   *   throw new Error("boom");
   * }), { message: "boom" });
   * assert.equal(lock.writing, false);
   * ```
   */
  useWrite<T>(
    fn: () => T | PromiseLike<T>,
    options?: WaitOptions,
  ): Promise<T> {
    return this.#use(fn, options, true);
  }

  #use<T>(
    fn: () => T | PromiseLike<T>,
    options: WaitOptions | undefined,
    write: boolean,
  ): Promise<T> {
    if (typeof fn !== "function") {
      const method = write ? "useWrite" : "useRead";
      return Promise.reject(
        new TypeError(
          cannot(`call ReadWriteLock.${method}()`, "fn", "a function", fn),
        ),
      );
    }
    return holding(
      write ? this.write(options) : this.read(options),
      fn,
      releaseIt,
    );
  }

  /**
   * Closes the lock, for a server that shuts down: every waiter rejects at
   * once, in order, with `reason`, or without one with a
   * {@linkcode ClosedError}; so does every later `read()` or `write()`, even
   * while the lock is free, and `tryRead()`/`tryWrite()` return
   * `undefined`. What is held stays held, and its releasers still work. A
   * second call changes nothing.
   *
   * @param reason What the waits reject with; `undefined` counts as none.
   *
   * @example
   * ```ts
   * import { ClosedError, ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * const writer = await lock.write();
   * const waiting = lock.read();
   * lock.close();
   * await assert.rejects(waiting, ClosedError);
   * writer.release();
   * assert.equal(lock.tryRead(), undefined);
   * ```
   */
  close(reason?: unknown): void {
    this.#queue.close(reason, "ReadWriteLock");
  }

  /**
   * Whether {@linkcode ReadWriteLock.close} has run.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * lock.close();
   * assert.equal(lock.closed, true);
   * assert.equal(String(lock), "<ReadWriteLock [unlocked] closed>");
   * ```
   */
  get closed(): boolean {
    return this.#queue.closed;
  }

  /**
   * How many readers hold the lock.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * using _reader = await lock.read();
   * assert.equal(lock.readers, 1);
   * ```
   */
  get readers(): number {
    return this.#readers;
  }

  /**
   * Whether a writer holds the lock.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * using _writer = await lock.write();
   * assert.equal(lock.writing, true);
   * ```
   */
  get writing(): boolean {
    return this.#writing;
  }

  /**
   * How many are waiting, readers and writers.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * const writer = await lock.write();
   * const waiting = [lock.read(), lock.write()];
   * assert.equal(lock.waiters, 2);
   * writer.release();
   * (await waiting[0]).release();
   * (await waiting[1]).release();
   * ```
   */
  get waiters(): number {
    return this.#queue.size;
  }

  /**
   * Describes the lock, in the style of Tornado's `repr`.
   *
   * @returns As `<ReadWriteLock [unlocked]>`,
   *   `<ReadWriteLock [read:2,waiters:1]>` or
   *   `<ReadWriteLock [write,waiters:3]>`; ` closed` comes last once closed.
   *
   * @example
   * ```ts
   * import { ReadWriteLock } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const lock = new ReadWriteLock();
   * using _reader = await lock.read();
   * using _other = await lock.read();
   * assert.equal(String(lock), "<ReadWriteLock [read:2]>");
   * ```
   */
  toString(): string {
    const state = this.#writing
      ? "write"
      : this.#readers > 0
      ? `read:${this.#readers}`
      : "unlocked";
    return describeLock(
      "ReadWriteLock",
      state,
      this.#queue.size,
      this.#queue.closed,
    );
  }
}

inspectAsString(ReadWriteLock);
