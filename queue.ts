/**
 * {@linkcode Queue}, {@linkcode PriorityQueue} and {@linkcode LifoQueue}:
 * hand items from producers to consumers, as Tornado's `tornado.queues`
 * do, with asyncio 3.13's `shutdown()` and `for await`.
 *
 * ```ts
 * import { Queue } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<string>();
 * await queue.put("a");
 * await queue.put("b");
 * queue.shutdown();
 * const got: string[] = [];
 * for await (const item of queue) got.push(item);
 * assert.deepEqual(got, ["a", "b"]);
 * ```
 *
 * @module
 */

import { cannot } from "./_check.ts";
import { asSmallInteger } from "./_permits.ts";
import { inspectAsString } from "./_inspect.ts";
import { queueHooks } from "./_queue_hooks.ts";
import { loopOption, UNAVAILABLE, type Waiter, WaitQueue } from "./_waiters.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./errors.ts";
import type { IOLoop, WaitOptions } from "./ioloop.ts";

const resolved = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
});

// ---------------------------------------------------------------------------
// Wake-ups: a function whose put or get was satisfied at once resumes before
// the one it woke (Tornado's order), so the woken party's promise settles
// one microtask later, all those of one turn together, in order.

class Rejection {
  constructor(readonly reason: unknown) {}
}

// deno-lint-ignore no-explicit-any
const wokenWaiters: Waiter<any, any>[] = [];
const wokenValues: unknown[] = [];

// deno-lint-ignore no-explicit-any
function wake(waiter: Waiter<any, any>, value: unknown): void {
  // A promise job, which no fake clock can hold back, unlike queueMicrotask.
  if (wokenWaiters.length === 0) resolved.then(settleWoken);
  wokenWaiters.push(waiter);
  wokenValues.push(value);
}

function settleWoken(): void {
  for (let i = 0; i < wokenWaiters.length; i++) {
    const waiter = wokenWaiters[i];
    const value = wokenValues[i];
    if (value instanceof Rejection) waiter.reject(value.reason);
    else waiter.resolve(value);
  }
  wokenWaiters.length = wokenValues.length = 0;
}

// ---------------------------------------------------------------------------
// Buffers: each takes items out in its class's order. A push or take that
// throws (a `compare` that throws) changes nothing.

interface Buffer<T> {
  readonly length: number;
  /**
   * Refuses an item this buffer cannot order (a `PriorityQueue`'s), naming
   * the call `what` in the error.
   */
  check(item: T, what: string, holdsNothing: boolean): void;
  push(item: T): void;
  take(): T;
  /** Pushes `item` and takes the next: what a get admitting a putter does. */
  exchange(item: T): T;
  clear(): void;
}

/** First in, first out: a ring that doubles when full. */
class Ring<T> implements Buffer<T> {
  items: (T | undefined)[] = new Array(8);
  head = 0;
  length = 0;

  check(): void {}

  push(item: T): void {
    let items = this.items;
    if (this.length === items.length) items = this.#grow();
    items[(this.head + this.length) & (items.length - 1)] = item;
    this.length++;
  }

  take(): T {
    const items = this.items;
    const item = items[this.head] as T;
    items[this.head] = undefined;
    this.head = (this.head + 1) & (items.length - 1);
    this.length--;
    return item;
  }

  exchange(item: T): T {
    if (this.length === 0) return item;
    const next = this.take();
    this.push(item);
    return next;
  }

  clear(): void {
    this.items = new Array(8);
    this.head = this.length = 0;
  }

  #grow(): (T | undefined)[] {
    const old = this.items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.length; i++) {
      items[i] = old[(this.head + i) & (old.length - 1)];
    }
    this.items = items;
    this.head = 0;
    return items;
  }
}

/** Last in, first out. */
class Stack<T> implements Buffer<T> {
  items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  check(): void {}

  push(item: T): void {
    this.items.push(item);
  }

  take(): T {
    return this.items.pop() as T;
  }

  exchange(item: T): T {
    return item;
  }

  clear(): void {
    this.items = [];
  }
}

/**
 * Smallest first: a binary heap, each entry with the count of entries
 * pushed before it, so equal entries come out in the order they went in.
 * With a `compare` option, every push and take makes its comparisons
 * before it moves anything, so one that throws changes nothing.
 */
class Heap<T> implements Buffer<T> {
  items: T[] = [];
  orders: number[] = [];
  pushed = 0;
  // The kinds of the entries put since the queue last held nothing, when
  // the default comparison is used.
  kinds: Kind | undefined = undefined;
  // The indices a take moves entries along, from the root down.
  #path: number[] = [];

  constructor(
    readonly compare: (a: T, b: T) => number,
    readonly checked: boolean,
  ) {}

  get length(): number {
    return this.items.length;
  }

  check(item: T, what: string, holdsNothing: boolean): void {
    if (!this.checked) return;
    const kinds = holdsNothing && this.items.length === 0
      ? undefined
      : this.kinds;
    if (checkKind(item, kinds, what, [])) {
      this.kinds = extendKind(item, kinds);
    } else {
      this.kinds = kinds;
    }
  }

  #before(a: T, aOrder: number, b: T, bOrder: number): boolean {
    let order: number;
    if (this.checked) {
      if (typeof a === "number" && typeof b === "number") {
        return a < b || (a === b && aOrder < bOrder);
      }
      order = compareEntries(a, b);
    } else {
      order = this.compare(a, b);
    }
    return order < 0 || (order === 0 && aOrder < bOrder);
  }

  push(item: T): void {
    const { items, orders } = this;
    const order = this.pushed;
    let to = items.length;
    while (to > 0) {
      const parent = (to - 1) >> 1;
      if (!this.#before(item, order, items[parent], orders[parent])) break;
      to = parent;
    }
    let hole = items.length;
    items.push(item);
    orders.push(order);
    while (hole > to) {
      const parent = (hole - 1) >> 1;
      items[hole] = items[parent];
      orders[hole] = orders[parent];
      hole = parent;
    }
    items[to] = item;
    orders[to] = order;
    this.pushed++;
  }

  take(): T {
    const { items, orders } = this;
    const top = items[0];
    const last = items.length - 1;
    if (last > 0) this.#siftDown(items[last], orders[last], last);
    items.pop();
    orders.pop();
    return top;
  }

  exchange(item: T): T {
    const { items, orders } = this;
    const order = this.pushed;
    if (items.length === 0 || this.#before(item, order, items[0], orders[0])) {
      this.pushed++;
      return item;
    }
    const top = items[0];
    this.#siftDown(item, order, items.length);
    this.pushed++;
    return top;
  }

  // Puts `item` at the root of the first `size` entries, and moves it down.
  #siftDown(item: T, order: number, size: number): void {
    const { items, orders } = this;
    // The default order cannot throw, so entries move as they are compared.
    if (this.checked) {
      let hole = 0;
      for (;;) {
        const left = 2 * hole + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size &&
            this.#before(items[right], orders[right], items[left], orders[left])
          ? right
          : left;
        if (!this.#before(items[child], orders[child], item, order)) break;
        items[hole] = items[child];
        orders[hole] = orders[child];
        hole = child;
      }
      items[hole] = item;
      orders[hole] = order;
      return;
    }
    const path = this.#path;
    path.length = 0;
    for (let at = 0;;) {
      const left = 2 * at + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size &&
          this.#before(items[right], orders[right], items[left], orders[left])
        ? right
        : left;
      if (!this.#before(items[child], orders[child], item, order)) break;
      path.push(child);
      at = child;
    }
    let hole = 0;
    for (const child of path) {
      items[hole] = items[child];
      orders[hole] = orders[child];
      hole = child;
    }
    items[hole] = item;
    orders[hole] = order;
  }

  clear(): void {
    this.items = [];
    this.orders = [];
    this.kinds = undefined;
  }
}

// The kind of an entry under the default comparison: what each position
// holds, so that any two entries compare without mixing kinds.
const NUMERIC = 1;
const TEXT = 2;
type Kind = typeof NUMERIC | typeof TEXT | (Kind | undefined)[];

const KIND_NAMES = {
  [NUMERIC]: "a number or bigint",
  [TEXT]: "a string",
};

function kindName(kind: Kind): string {
  return typeof kind === "number" ? KIND_NAMES[kind] : "an array";
}

// Checks `value` against `kind`; true when `kind` must grow to cover it.
// `at` holds the indices from the entry down to `value`, and also the
// arrays on the way, to refuse one that contains itself.
function checkKind(
  value: unknown,
  kind: Kind | undefined,
  what: string,
  at: unknown[],
): boolean {
  let own: Kind;
  switch (typeof value) {
    case "number":
      if (value !== value) {
        throw new RangeError(
          kindError(what, at, "a number other than NaN", value),
        );
      }
      own = NUMERIC;
      break;
    case "bigint":
      own = NUMERIC;
      break;
    case "string":
      own = TEXT;
      break;
    default: {
      if (!Array.isArray(value)) {
        throw new TypeError(
          kindError(
            what,
            at,
            "a number, bigint, string or array of them, unless the queue has a compare option",
            value,
          ),
        );
      }
      if (kind !== undefined && !Array.isArray(kind)) {
        throw new TypeError(
          kindError(what, at, `${kindName(kind)}, as queued`, value),
        );
      }
      if (at.includes(value)) {
        throw new TypeError(
          kindError(what, at, "an array that does not contain itself", value),
        );
      }
      let grows = kind === undefined || kind.length < value.length;
      for (let i = 0; i < value.length; i++) {
        at.push(value, i);
        if (checkKind(value[i], kind?.[i], what, at)) grows = true;
        at.length -= 2;
      }
      return grows;
    }
  }
  if (kind === undefined) return true;
  if (kind !== own) {
    throw new TypeError(
      kindError(what, at, `${kindName(kind)}, as queued`, value),
    );
  }
  return false;
}

function kindError(what: string, at: unknown[], rule: string, value: unknown) {
  let argument = "item";
  for (let i = 1; i < at.length; i += 2) argument += `[${at[i]}]`;
  return cannot(`call ${what}`, argument, rule, value);
}

// `kind` grown to cover `value`, which checkKind passed.
function extendKind(value: unknown, kind: Kind | undefined): Kind {
  if (!Array.isArray(value)) return typeof value === "string" ? TEXT : NUMERIC;
  const kinds = (kind ?? []) as (Kind | undefined)[];
  for (let i = 0; i < value.length; i++) {
    kinds[i] = extendKind(value[i], kinds[i]);
  }
  return kinds;
}

// Numbers and bigints by value, strings by code unit, arrays as Python
// compares tuples. Only entries that passed checkKind together meet here.
function compareEntries(a: unknown, b: unknown): number {
  if (Array.isArray(a)) {
    const other = b as unknown[];
    const length = Math.min(a.length, other.length);
    for (let i = 0; i < length; i++) {
      const order = compareEntries(a[i], other[i]);
      if (order !== 0) return order;
    }
    return a.length - other.length;
  }
  // deno-lint-ignore no-explicit-any
  return (a as any) < (b as any) ? -1 : (a as any) > (b as any) ? 1 : 0;
}

// ---------------------------------------------------------------------------

// What PriorityQueue and LifoQueue reach of a Queue's private state.
let setBuffer: <T>(queue: Queue<T>, buffer: Buffer<T>, checks: boolean) => void;

/**
 * A queue of items for producers and consumers, as Tornado's `Queue`:
 * {@linkcode Queue.put} waits while the queue is full, {@linkcode Queue.get}
 * while it is empty, and {@linkcode Queue.join} until every item put has
 * been marked done with {@linkcode Queue.taskDone}. `maxsize` 0 means
 * unbounded (in Go's and Deno's channels, capacity 0 means a rendezvous).
 *
 * - **FIFO**: items come out in the order they went in; waiting getters
 *   are served, and waiting putters admitted, in the order they started
 *   waiting.
 * - **No barging**: a put hands its item straight to the first waiting
 *   getter, and a get that frees a slot admits the first waiting putter's
 *   item at once, so no newcomer can take either first.
 * - **Asynchronous wake-up**: a function whose put or get was satisfied at
 *   once resumes before the function it woke; `getters` and `putters`
 *   have dropped by the time the call returns.
 * - **Timeouts and aborts**: a getter or putter that times out or is
 *   aborted leaves the line at once, its timer cleared; a getter takes no
 *   item and a putter's item never enters. One that was handed an item or
 *   admitted fulfils, whatever fires in the same turn: no item is lost or
 *   delivered twice.
 * - **Shutting down**: {@linkcode Queue.shutdown} rejects the waiting
 *   putters and every later put with {@linkcode QueueShutDown}; gets go on
 *   until the queue is empty, and `for await` then ends.
 *
 * @typeParam T The items.
 *
 * @example Tornado's example: a producer and a consumer
 * ```ts
 * import { IOLoop, Queue } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<number>(2);
 * const lines: string[] = [];
 * const sleep = (ms: number) =>
 *   new Promise<void>((resolve) => IOLoop.current().callLater(ms, resolve));
 *
 * async function consumer() {
 *   for await (const item of queue) {
 *     try {
 *       lines.push(`Doing work on ${item}`);
 *       await sleep(10);
 *     } finally {
 *       queue.taskDone();
 *     }
 *   }
 * }
 *
 * async function producer() {
 *   for (let item = 0; item < 5; item++) {
 *     await queue.put(item);
 *     lines.push(`Put ${item}`);
 *   }
 * }
 *
 * IOLoop.current().addCallback(consumer);
 * await producer();
 * await queue.join();
 * lines.push("Done");
 * queue.shutdown();
 * assert.deepEqual(lines, [
 *   "Put 0", "Put 1", "Doing work on 0", "Put 2", "Doing work on 1",
 *   "Put 3", "Doing work on 2", "Put 4", "Doing work on 3",
 *   "Doing work on 4", "Done",
 * ]);
 * ```
 */
export class Queue<T> {
  static {
    queueHooks.joiners = (queue) => (queue as Queue<unknown>).#joiners.size;
    setBuffer = (queue, buffer, checks) => {
      queue.#buffer = buffer;
      queue.#checks = checks;
    };
  }

  #loop: IOLoop | undefined;
  #maxsize: number;
  #buffer: Buffer<T> = new Ring<T>();
  // Whether the buffer refuses items it cannot order.
  #checks = false;
  // Non-empty getters imply an empty buffer; each getter's `data` says
  // whether it settles with an iterator result. Closed once the queue is
  // shut down and empty.
  #getters = new WaitQueue<unknown, boolean>();
  // Non-empty putters imply a full buffer; each putter's `data` is its
  // item. Closed once the queue is shut down.
  #putters = new WaitQueue<void, T>();
  #joiners = new WaitQueue<void>();
  #unfinished = 0;
  #shutDown: QueueShutDown | undefined = undefined;
  #name: string;
  #putName: string;
  #putNowaitName: string;
  #getName: string;
  #joinName: string;

  /**
   * Creates a queue holding at most `maxsize` items; 0, the default, means
   * no limit.
   *
   * @param maxsize How many items the queue holds before puts wait.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `maxsize` is not a number, or `options` not an
   *   object whose `loop` is an `IOLoop`.
   * @throws {RangeError} If `maxsize` is not a non-negative safe integer.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Queue(2).maxsize, 2);
   * assert.throws(() => new Queue(1.5), RangeError);
   * ```
   */
  constructor(maxsize = 0, options?: { loop?: IOLoop }) {
    const name = new.target.name;
    const action = `create ${name}`;
    if (typeof maxsize !== "number") {
      throw new TypeError(cannot(action, "maxsize", "a number", maxsize));
    }
    if (!(Number.isSafeInteger(maxsize) && maxsize >= 0)) {
      throw new RangeError(
        cannot(action, "maxsize", "a non-negative integer", maxsize),
      );
    }
    this.#loop = loopOption(options, name);
    this.#maxsize = asSmallInteger(maxsize);
    this.#name = name;
    this.#putName = `${name}.put()`;
    this.#putNowaitName = `${name}.putNowait()`;
    this.#getName = `${name}.get()`;
    this.#joinName = `${name}.join()`;
  }

  /**
   * Puts an item in the queue, taking effect when called: with a getter
   * waiting, the item goes straight to the first getter; else, with room,
   * it enters the queue; else the putter waits in line with its item until
   * a get frees a slot. If it times out or is aborted, the putter leaves
   * the line at once, its timer is cleared, its item never enters, and the
   * promise rejects with a {@linkcode TimeoutError} or the signal's reason.
   * Once the queue is shut down it rejects with {@linkcode QueueShutDown}.
   *
   * @param item What to put.
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A promise that resolves once the item is in the queue or with
   *   a getter.
   *
   * @example Waiting at most a second for room
   * ```ts
   * import { Queue, TimeoutError, VirtualIOLoop } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const loop = new VirtualIOLoop();
   * const queue = new Queue<string>(1, { loop });
   * await queue.put("first");
   * const putting = assert.rejects(
   *   queue.put("second", { timeout: 1000 }),
   *   TimeoutError,
   * );
   * await loop.advance(1000);
   * await putting;
   * assert.equal(queue.size, 1);
   * ```
   */
  put(item: T, options?: WaitOptions): Promise<void> {
    try {
      if (this.#checks) {
        this.#buffer.check(item, this.#putName, this.#putters.size === 0);
      }
      if (options === undefined) {
        if (this.#shutDown !== undefined) return this.#putters.rejectClosed();
        if (this.#offer(item)) return resolved;
        return this.#putters.enqueuePlain(item);
      }
      return this.#putters.wait(
        options,
        this.#loop,
        this.#putName,
        this.#offerTake,
        item,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Puts an item in the queue without waiting: to the first waiting
   * getter, else into the queue if there is room.
   *
   * @param item What to put.
   * @throws {QueueFull} If there is no room and no getter waits.
   * @throws {QueueShutDown} Once the queue is shut down.
   *
   * @example
   * ```ts
   * import { Queue, QueueFull } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>(1);
   * queue.putNowait(1);
   * assert.throws(() => queue.putNowait(2), QueueFull);
   * assert.equal(queue.getNowait(), 1);
   * ```
   */
  putNowait(item: T): void {
    if (this.#checks) {
      this.#buffer.check(item, this.#putNowaitName, this.#putters.size === 0);
    }
    if (this.#shutDown !== undefined) throw this.#shutDown;
    if (!this.#offer(item)) {
      throw new QueueFull(`${this.#name} is full`);
    }
  }

  // A timed put's `take`: the wait hands it the putter's item.
  #offerTake = (item: T) => this.#offer(item) ? undefined : UNAVAILABLE;

  // Hands `item` to the first getter, or puts it in the buffer if there is
  // room; false if neither.
  #offer(item: T): boolean {
    const getter = this.#getters.head;
    if (getter !== undefined) {
      this.#getters.shift();
      this.#unfinished++;
      wake(getter, getter.data ? { done: false, value: item } : item);
      return true;
    }
    if (this.#maxsize === 0 || this.#buffer.length < this.#maxsize) {
      this.#buffer.push(item);
      this.#unfinished++;
      return true;
    }
    return false;
  }

  /**
   * Takes the next item, waiting in line while the queue is empty. With
   * putters waiting, the first putter's item enters the queue before the
   * item is taken (Tornado's order). If it times out or is aborted, the
   * getter leaves the line at once, its timer is cleared, it takes no item,
   * and the promise rejects with a {@linkcode TimeoutError} or the signal's
   * reason; a getter already handed an item fulfils with it. Once the
   * queue is shut down and empty it rejects with {@linkcode QueueShutDown}.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns The item.
   *
   * @example Tornado's order: a LifoQueue admitting waiting putters
   * ```ts
   * import { LifoQueue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new LifoQueue<number>(2);
   * queue.putNowait(1);
   * queue.putNowait(0);
   * const putting = [queue.put(3), queue.put(2)];
   * const got = [await queue.get(), await queue.get()];
   * got.push(await queue.get(), await queue.get());
   * await Promise.all(putting);
   * assert.deepEqual(got, [3, 2, 0, 1]);
   * ```
   */
  get(options?: WaitOptions): Promise<T> {
    try {
      if (options === undefined) {
        if (this.#buffer.length > 0) return Promise.resolve(this.#poll());
        return this.#getters.enqueuePlain(false) as Promise<T>;
      }
      return this.#getters.wait(
        options,
        this.#loop,
        this.#getName,
        this.#take,
        false,
      ) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #take = () => this.#buffer.length > 0 ? this.#poll() : UNAVAILABLE;

  /**
   * Takes the next item without waiting.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   * @throws {QueueShutDown} If the queue is shut down and empty.
   *
   * @example
   * ```ts
   * import { Queue, QueueEmpty } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<string>();
   * assert.throws(() => queue.getNowait(), QueueEmpty);
   * queue.putNowait("item");
   * assert.equal(queue.getNowait(), "item");
   * ```
   */
  getNowait(): T {
    if (this.#buffer.length > 0) return this.#poll();
    if (this.#shutDown !== undefined) throw this.#shutDown;
    throw new QueueEmpty(`${this.#name} is empty`);
  }

  // Takes the next item from a non-empty buffer, admitting the first putter's
  // item first.
  #poll(): T {
    const putter = this.#putters.head;
    let item: T;
    if (putter === undefined) {
      item = this.#buffer.take();
    } else {
      item = this.#buffer.exchange(putter.data);
      this.#putters.shift();
      this.#unfinished++;
      wake(putter, undefined);
    }
    if (this.#shutDown !== undefined && this.#buffer.length === 0) {
      this.#getters.close(this.#shutDown, this.#name);
    }
    return item;
  }

  // One step of `for await`: as get(), settling with an iterator result,
  // and done once the queue is shut down and empty.
  #next(): Promise<IteratorResult<T, undefined>> {
    try {
      if (this.#buffer.length > 0) {
        return Promise.resolve({ done: false, value: this.#poll() });
      }
      if (this.#shutDown !== undefined) return Promise.resolve(DONE);
      return this.#getters.enqueuePlain(true) as Promise<IteratorResult<T>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Marks one item taken from the queue as fully processed, for
   * {@linkcode Queue.join}: a consumer calls it once per item it got.
   *
   * @throws {RangeError} If called more times than items were put; nothing
   *   changes then.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<string>();
   * queue.putNowait("job");
   * assert.equal(queue.unfinishedTasks, 1);
   * queue.getNowait();
   * queue.taskDone();
   * assert.equal(queue.unfinishedTasks, 0);
   * assert.throws(() => queue.taskDone(), RangeError);
   * ```
   */
  taskDone(): void {
    if (this.#unfinished === 0) {
      throw new RangeError(
        cannot(
          `call ${this.#name}.taskDone()`,
          "unfinishedTasks",
          "above 0 (taskDone() called more times than items were put)",
          0,
        ),
      );
    }
    if (--this.#unfinished === 0) this.#finish();
  }

  #finish(): void {
    for (let waiter; (waiter = this.#joiners.shift()) !== undefined;) {
      waiter.resolve();
    }
  }

  /**
   * Waits until every item put has been marked done with
   * {@linkcode Queue.taskDone}; resolves at once when none is unfinished.
   * If it times out or is aborted, the waiter leaves the line at once, its
   * timer is cleared, and the promise rejects with a
   * {@linkcode TimeoutError} or the signal's reason. It works the same
   * after {@linkcode Queue.shutdown}.
   *
   * @param options When to give up: see {@linkcode WaitOptions}.
   * @returns A promise that resolves once no task is unfinished.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * const done: number[] = [];
   * (async () => {
   *   for await (const item of queue) {
   *     done.push(item);
   *     queue.taskDone();
   *   }
   * })();
   * await queue.put(1);
   * await queue.put(2);
   * await queue.join();
   * assert.deepEqual(done, [1, 2]);
   * ```
   */
  join(options?: WaitOptions): Promise<void> {
    if (options === undefined) {
      return this.#unfinished === 0
        ? resolved
        : this.#joiners.enqueueShared(undefined);
    }
    return this.#joiners.wait(
      options,
      this.#loop,
      this.#joinName,
      this.#joined,
      undefined,
    );
  }

  #joined = () => this.#unfinished === 0 ? undefined : UNAVAILABLE;

  /**
   * Shuts the queue down, as asyncio 3.13's `Queue.shutdown()`: waiting
   * putters reject with {@linkcode QueueShutDown} and their items never
   * enter, and so do later puts. Without `immediate`, the items queued can
   * still be got; once the queue is empty, waiting and later gets reject
   * with `QueueShutDown`, and `for await` ends. With `immediate`, the queue
   * is emptied at once, `unfinishedTasks` drops by the number of items
   * removed (never below 0), and waiting getters reject.
   * {@linkcode Queue.taskDone} and {@linkcode Queue.join} keep working. A
   * later `shutdown(true)` empties the queue; anything else repeated
   * changes nothing.
   *
   * @param immediate Whether to drop the items queued.
   *
   * @example Draining what is left
   * ```ts
   * import { Queue, QueueShutDown } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * queue.shutdown();
   * assert.throws(() => queue.putNowait(2), QueueShutDown);
   * assert.equal(await queue.get(), 1);
   * await assert.rejects(queue.get(), QueueShutDown);
   * ```
   *
   * @example Dropping what is left
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * queue.putNowait(2);
   * queue.shutdown(true);
   * assert.equal(queue.size, 0);
   * assert.equal(queue.unfinishedTasks, 0);
   * await queue.join();
   * ```
   */
  shutdown(immediate = false): void {
    if (immediate && this.#buffer.length > 0) {
      const removed = this.#buffer.length;
      this.#buffer.clear();
      if (this.#unfinished > 0) {
        this.#unfinished = Math.max(0, this.#unfinished - removed);
        if (this.#unfinished === 0) this.#finish();
      }
    }
    if (this.#shutDown === undefined) {
      const reason = new QueueShutDown(`${this.#name} is shut down`);
      this.#shutDown = reason;
      const rejection = new Rejection(reason);
      for (let putter; (putter = this.#putters.shift()) !== undefined;) {
        wake(putter, rejection);
      }
      this.#putters.close(reason, this.#name);
    }
    if (this.#buffer.length === 0 && !this.#getters.closed) {
      const rejection = new Rejection(this.#shutDown);
      for (let getter; (getter = this.#getters.shift()) !== undefined;) {
        wake(getter, getter.data ? DONE : rejection);
      }
      this.#getters.close(this.#shutDown, this.#name);
    }
  }

  /**
   * Whether {@linkcode Queue.shutdown} has run.
   *
   * @returns `true` once shut down.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue();
   * queue.shutdown();
   * assert.equal(queue.isShutDown(), true);
   * ```
   */
  isShutDown(): boolean {
    return this.#shutDown !== undefined;
  }

  /**
   * Gets one item per step, as {@linkcode Queue.get} does: no read-ahead
   * and no {@linkcode Queue.taskDone}. The loop ends once the queue is shut
   * down and empty; leaving it early leaves no getter behind.
   *
   * @returns An iterator over the items.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * for (const item of [1, 2, 3]) queue.putNowait(item);
   * for await (const item of queue) {
   *   if (item === 2) break;
   * }
   * assert.equal(queue.size, 1);
   * assert.equal(queue.getters, 0);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T, undefined> {
    let done = false;
    const iterator: AsyncIterableIterator<T, undefined> = {
      next: () => done ? Promise.resolve(DONE) : this.#next(),
      return: () => {
        done = true;
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * How many items are in the queue.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<string>();
   * queue.putNowait("a");
   * assert.equal(queue.size, 1);
   * ```
   */
  get size(): number {
    return this.#buffer.length;
  }

  /**
   * How many items the queue holds before puts wait; 0 for no limit.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Queue().maxsize, 0);
   * ```
   */
  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * Whether the queue holds no item.
   *
   * @returns `true` when `size` is 0.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Queue().isEmpty(), true);
   * ```
   */
  isEmpty(): boolean {
    return this.#buffer.length === 0;
  }

  /**
   * Whether the queue holds `maxsize` items; never for an unbounded one.
   *
   * @returns `true` when a put would wait.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>(1);
   * queue.putNowait(1);
   * assert.equal(queue.isFull(), true);
   * ```
   */
  isFull(): boolean {
    return this.#maxsize > 0 && this.#buffer.length >= this.#maxsize;
  }

  /**
   * How many are waiting to get an item.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * const getting = queue.get();
   * assert.equal(queue.getters, 1);
   * queue.putNowait(1);
   * assert.equal(queue.getters, 0);
   * assert.equal(await getting, 1);
   * ```
   */
  get getters(): number {
    return this.#getters.size;
  }

  /**
   * How many are waiting to put an item.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>(1);
   * queue.putNowait(1);
   * const putting = queue.put(2);
   * assert.equal(queue.putters, 1);
   * assert.equal(queue.getNowait(), 1);
   * assert.equal(queue.putters, 0);
   * await putting;
   * ```
   */
  get putters(): number {
    return this.#putters.size;
  }

  /**
   * How many items put have not yet been marked done with
   * {@linkcode Queue.taskDone}.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>();
   * queue.putNowait(1);
   * queue.getNowait();
   * assert.equal(queue.unfinishedTasks, 1);
   * ```
   */
  get unfinishedTasks(): number {
    return this.#unfinished;
  }

  /**
   * Describes the queue, as Tornado's `repr` does, without its items.
   *
   * @returns As `<Queue maxsize=0>` or `<Queue maxsize=2 size=2 putters[1]
   *   tasks=3>`: `size=N` when not empty, `getters[N]` and `putters[N]`
   *   when some wait, `tasks=N` when some are unfinished, and ` shutdown`
   *   last once shut down.
   *
   * @example
   * ```ts
   * import { Queue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<number>(2);
   * queue.putNowait(1);
   * assert.equal(String(queue), "<Queue maxsize=2 size=1 tasks=1>");
   * ```
   */
  toString(): string {
    let text = `<${this.#name} maxsize=${this.#maxsize}`;
    if (this.#buffer.length > 0) text += ` size=${this.#buffer.length}`;
    if (this.#getters.size > 0) text += ` getters[${this.#getters.size}]`;
    if (this.#putters.size > 0) text += ` putters[${this.#putters.size}]`;
    if (this.#unfinished > 0) text += ` tasks=${this.#unfinished}`;
    if (this.#shutDown !== undefined) text += " shutdown";
    return `${text}>`;
  }
}

inspectAsString(Queue);

/**
 * A queue that gives its smallest entry first, as Tornado's
 * `PriorityQueue`; entries equal in order come out first in, first out.
 * Everything else is as for {@linkcode Queue}.
 *
 * Without a `compare` option, entries are ordered as Python orders them:
 * numbers and bigints by value (with each other too), strings by UTF-16
 * code unit (as `<` does), and arrays element by element, shorter first on
 * a tie, so `[priority, data]` entries work as Tornado's
 * `(priority, data)`. Each entry must then hold, position by position, the
 * same kinds as those put since the queue last held nothing; anything else
 * (a string where numbers were queued, a boolean, an object, `null`) is
 * refused with a `TypeError`, and the queue is unchanged.
 *
 * @typeParam T The entries.
 *
 * @example Tornado's example
 * ```ts
 * import { PriorityQueue } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const queue = new PriorityQueue<[number, string]>();
 * queue.putNowait([1, "medium-priority item"]);
 * queue.putNowait([0, "high-priority item"]);
 * queue.putNowait([10, "low-priority item"]);
 * assert.deepEqual(await queue.get(), [0, "high-priority item"]);
 * assert.deepEqual(await queue.get(), [1, "medium-priority item"]);
 * assert.deepEqual(await queue.get(), [10, "low-priority item"]);
 * ```
 *
 * @example Ordering objects with `compare`
 * ```ts
 * import { PriorityQueue } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const queue = new PriorityQueue<{ due: number; name: string }>(0, {
 *   compare: (a, b) => a.due - b.due,
 * });
 * queue.putNowait({ due: 2, name: "later" });
 * queue.putNowait({ due: 1, name: "sooner" });
 * assert.equal(queue.getNowait().name, "sooner");
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /**
   * Creates a priority queue holding at most `maxsize` entries; 0, the
   * default, means no limit.
   *
   * @param maxsize How many entries the queue holds before puts wait.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @param options.compare Orders two entries: negative when `a` comes
   *   first, positive when `b` does, 0 when equal. By default, Python's
   *   order of numbers, strings and arrays.
   * @throws {TypeError} If `maxsize` is not a number, or `options` not an
   *   object whose `loop` is an `IOLoop` and whose `compare` is a function.
   * @throws {RangeError} If `maxsize` is not a non-negative safe integer.
   *
   * @example
   * ```ts
   * import { PriorityQueue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * const queue = new PriorityQueue<number>();
   * for (const n of [3, 1, 2]) queue.putNowait(n);
   * assert.deepEqual([1, 2, 3].map(() => queue.getNowait()), [1, 2, 3]);
   * ```
   */
  constructor(
    maxsize = 0,
    options?: { loop?: IOLoop; compare?: (a: T, b: T) => number },
  ) {
    super(maxsize, options);
    const compare = options?.compare;
    if (compare !== undefined && typeof compare !== "function") {
      throw new TypeError(
        cannot(
          `create ${new.target.name}`,
          "options.compare",
          "a function",
          compare,
        ),
      );
    }
    const checked = compare === undefined;
    setBuffer(this, new Heap<T>(compare ?? compareEntries, checked), checked);
  }
}

/**
 * A queue that gives its last entry first, as Tornado's `LifoQueue`.
 * Everything else is as for {@linkcode Queue}.
 *
 * @typeParam T The items.
 *
 * @example Tornado's example
 * ```ts
 * import { LifoQueue } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const queue = new LifoQueue<number>();
 * queue.putNowait(3);
 * queue.putNowait(2);
 * queue.putNowait(1);
 * assert.deepEqual([queue.getNowait(), queue.getNowait(), queue.getNowait()], [1, 2, 3]);
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /**
   * Creates a last-in-first-out queue holding at most `maxsize` items; 0,
   * the default, means no limit.
   *
   * @param maxsize How many items the queue holds before puts wait.
   * @param options.loop The loop that times its waits; by default, the loop
   *   current when each wait starts.
   * @throws {TypeError} If `maxsize` is not a number, or `options` not an
   *   object whose `loop` is an `IOLoop`.
   * @throws {RangeError} If `maxsize` is not a non-negative safe integer.
   *
   * @example
   * ```ts
   * import { LifoQueue } from "@coop/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new LifoQueue(3)), "<LifoQueue maxsize=3>");
   * ```
   */
  constructor(maxsize = 0, options?: { loop?: IOLoop }) {
    super(maxsize, options);
    setBuffer(this, new Stack<T>(), false);
  }
}
