/**
 * The waiter queue every primitive shares, and the one algorithm by which a
 * wait ends.
 *
 * How it works: waiters form an intrusive doubly linked list, so one that
 * leaves from the middle unlinks in O(1). A wait first checks its options;
 * if the signal has already aborted it rejects with the reason and touches
 * nothing; if the primitive is available it takes it; if the deadline has
 * already passed it rejects with a `TimeoutError`. Otherwise the waiter is
 * enqueued, listens for the abort, and arms one timer on its loop.
 * Waiters on one signal share one abort listener, kept in a linked list of
 * their own, so joining and leaving stay O(1) however many share it, and
 * the listener goes once none is left.
 * Whichever of grant, abort or timeout comes first unlinks the waiter,
 * removes the other two, and settles its promise, so a settled waiter is
 * never left in the queue and never takes what was meant for another.
 * A waiter that gives up calls the primitive's `onLeave`, since the one
 * behind it may now be served (a weighted semaphore, a reader behind a
 * writer). Closing rejects every waiter in order and every later wait.
 *
 * A primitive brings only its rule for who is granted what: it peeks at
 * the `head`, `shift`s and resolves those it can serve, and keeps what each
 * waiter asks for or brings (permits, an item, a mode) in `data`.
 *
 * @module
 */

import { ClosedError, TimeoutError } from "./errors.ts";
import { cannot } from "./_check.ts";
import { resolveDeadline, resolveTimeout } from "./_time.ts";
import { IOLoop, type TimeoutHandle, type WaitOptions } from "./ioloop.ts";

/** What `take` returns when the primitive cannot be had right now. */
export const UNAVAILABLE: unique symbol = Symbol("unavailable");

/** One place in line: a caller, or several plain callers sharing a promise. */
export class Waiter<T, D = undefined> {
  // The fields are declared here and assigned in the constructor, not given
  // initializers: an initialized class field is defined rather than
  // assigned, and on JavaScriptCore that costs every wait a few percent.
  declare readonly queue: WaitQueue<T, D>;
  declare prev: Waiter<T, D> | undefined;
  declare next: Waiter<T, D> | undefined;
  /** What the caller asks for or brings, by the primitive's rule. */
  declare data: D;
  /** True exactly while linked into its queue. */
  declare queued: boolean;
  /** Callers this node stands for; above 1 only when they share `promise`. */
  declare count: number;
  /** Whether plain callers may join this node; such a node has no timer and no signal. */
  declare shared: boolean;
  declare promise: Promise<T>;
  declare resolve: (value: T) => void;
  declare reject: (reason: unknown) => void;
  declare loop: IOLoop | undefined;
  declare timer: TimeoutHandle | undefined;
  /** The listener of the signal this waiter gives up on, while it waits. */
  declare abort: AbortListener | undefined;
  /** Neighbours among the waiters that share `abort`. */
  declare abortPrev: Waiter<T, D> | undefined;
  declare abortNext: Waiter<T, D> | undefined;

  constructor(queue: WaitQueue<T, D>, data: D) {
    this.queue = queue;
    this.prev = undefined;
    this.next = undefined;
    this.data = data;
    this.queued = true;
    this.count = 1;
    this.shared = false;
    this.promise = undefined!;
    this.resolve = undefined!;
    this.reject = undefined!;
    this.loop = undefined;
    this.timer = undefined;
    this.abort = undefined;
    this.abortPrev = undefined;
    this.abortNext = undefined;
  }
}

// Each signal's one listener, while a waiter depends on it. The entry goes
// with the last waiter: a WeakMap whose dead entries are left for the
// collector keeps its table at the size of every signal it ever held.
const abortListeners = new WeakMap<AbortSignal, AbortListener>();

/** Rejects, in the order they joined, every waiter that depends on a signal. */
class AbortListener {
  // A listener lives only while a waiter depends on its signal, so at a full
  // collection there is often none, and the collection drops the layout the
  // code built on it. One is kept for good, as a Waiter is below.
  static readonly #layout = new AbortListener(new AbortController().signal);

  // deno-lint-ignore no-explicit-any
  head: Waiter<any, any> | undefined = undefined;
  // deno-lint-ignore no-explicit-any
  tail: Waiter<any, any> | undefined = undefined;

  constructor(readonly signal: AbortSignal) {}

  static attach<T, D>(waiter: Waiter<T, D>, signal: AbortSignal): void {
    let listener = abortListeners.get(signal);
    if (listener === undefined) {
      listener = new AbortListener(signal);
      abortListeners.set(signal, listener);
      signal.addEventListener("abort", listener);
    }
    waiter.abort = listener;
    waiter.abortPrev = listener.tail;
    if (listener.tail === undefined) listener.head = waiter;
    else listener.tail.abortNext = waiter;
    listener.tail = waiter;
  }

  static detach<T, D>(waiter: Waiter<T, D>): void {
    const listener = waiter.abort!;
    const { abortPrev: prev, abortNext: next } = waiter;
    if (prev === undefined) listener.head = next;
    else prev.abortNext = next;
    if (next === undefined) listener.tail = prev;
    else next.abortPrev = prev;
    waiter.abort = waiter.abortPrev = waiter.abortNext = undefined;
    if (listener.head === undefined) {
      abortListeners.delete(listener.signal);
      listener.signal.removeEventListener("abort", listener);
    }
  }

  handleEvent(): void {
    const reason = this.signal.reason;
    // Each leave() detaches its waiter, the last one this listener too. It
    // can also let the primitive grant waiters further on that share this
    // signal, detaching them, so each turn starts again at the head.
    for (let waiter; (waiter = this.head) !== undefined;) {
      waiter.queue.leave(waiter, reason);
    }
  }
}

/** The parsed options of one wait. */
export interface Wait {
  loop: IOLoop;
  /** Absolute time on `loop`'s clock; `Infinity` for none. */
  deadline: number;
  signal: AbortSignal | undefined;
  /** `loop.time()` when the options were parsed, if it was read. */
  now: number | undefined;
}

/**
 * Checks a wait's options and resolves its deadline on `loop`'s clock.
 *
 * @throws {TypeError | RangeError} As API.md says for bad options.
 */
export function parseWait(
  options: WaitOptions | undefined,
  loop: IOLoop,
  what: string,
): Wait {
  // Only an error message reads `call ${what}`, so it is built only for one:
  // a string made for every wait costs a timed wait several percent on Bun.
  let deadline = Infinity;
  let signal: AbortSignal | undefined;
  let now: number | undefined;
  if (options !== undefined) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        cannot(`call ${what}`, "options", "an object", options),
      );
    }
    const { deadline: absolute, timeout } = options;
    signal = options.signal;
    if (absolute !== undefined) {
      deadline = resolveDeadline(absolute, loop, what, "options.deadline");
    }
    if (timeout !== undefined) {
      now = loop.time();
      deadline = Math.min(
        deadline,
        resolveTimeout(timeout, now, what, "options.timeout"),
      );
    }
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new TypeError(
        cannot(`call ${what}`, "options.signal", "an AbortSignal", signal),
      );
    }
  }
  return { loop, deadline, signal, now };
}

// An object made with `Object.create(AbortSignal.prototype)` passes
// `instanceof` but throws when read; it must be refused like any other
// non-signal, not throw later from a method that promises never to throw.
function isAbortSignal(signal: unknown): signal is AbortSignal {
  if (!(signal instanceof AbortSignal)) return false;
  try {
    return typeof signal.aborted === "boolean";
  } catch {
    return false;
  }
}

/** A FIFO of waiters, with the wait algorithm over it. */
export class WaitQueue<T, D = undefined> {
  // V8 builds an object's layout through map transitions, and a full
  // collection drops those no live object uses, deoptimizing the code built
  // on them. Waiters are short-lived, so one is kept for good.
  static readonly #layout = new Waiter(new WaitQueue(), undefined);

  #head: Waiter<T, D> | undefined = undefined;
  #tail: Waiter<T, D> | undefined = undefined;
  /** Callers waiting, each caller of a shared node counted. */
  size = 0;
  /** Whether `close()` has run; no one joins the line afterwards. */
  closed = false;
  /** What waits reject with once closed. */
  #reason: unknown = undefined;

  /**
   * @param onLeave Called with the waiter after it gives up (times out or
   *   is aborted), so the primitive can serve whoever that unblocked, or
   *   undo what it started for that waiter.
   */
  constructor(readonly onLeave?: (waiter: Waiter<T, D>) => void) {}

  /** The first waiter, still in line. */
  get head(): Waiter<T, D> | undefined {
    return this.#head;
  }

  /** The last waiter, still in line: the one a wait just added, if it did. */
  get tail(): Waiter<T, D> | undefined {
    return this.#tail;
  }

  /**
   * Closes the line: every waiter rejects, in order, with `reason`, or
   * without one with a `ClosedError` that says `${name} is closed`, and so
   * does every later wait. A second call changes nothing.
   */
  close(reason: unknown, name: string): void {
    if (this.closed) return;
    this.closed = true;
    this.#reason = reason === undefined
      ? new ClosedError(`${name} is closed`)
      : reason;
    for (let waiter; (waiter = this.shift()) !== undefined;) {
      waiter.reject(this.#reason);
    }
  }

  /** A promise rejected with what closed the line. */
  rejectClosed(): Promise<never> {
    return Promise.reject(this.#reason);
  }

  /**
   * Waits in line unless `take` succeeds first.
   *
   * @param options The caller's options, unchecked.
   * @param loop The primitive's own loop, if it was given one.
   * @param what Names the wait in messages, as `Semaphore.acquire()`.
   * @param take Takes the primitive if it is available, given `data`.
   * @param data What the waiter asks for or brings, if it joins the line.
   */
  wait(
    options: WaitOptions | undefined,
    loop: IOLoop | undefined,
    what: string,
    take: (data: D) => T | typeof UNAVAILABLE,
    data: D,
  ): Promise<T> {
    let wait: Wait;
    try {
      wait = parseWait(options, loop ?? IOLoop.current(), what);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closed) return this.rejectClosed();
    if (wait.signal?.aborted) return Promise.reject(wait.signal.reason);
    const value = take(data);
    if (value !== UNAVAILABLE) return Promise.resolve(value);
    return this.#join(wait, what, wait.now, data);
  }

  /**
   * Joins the line as parsed, or rejects at once if the line is closed, the
   * signal has aborted or the deadline has passed.
   */
  enqueue(wait: Wait, what: string, data: D): Promise<T> {
    if (this.closed) return this.rejectClosed();
    if (wait.signal?.aborted) return Promise.reject(wait.signal.reason);
    return this.#join(wait, what, undefined, data);
  }

  // Joins the line unless the deadline has passed at `now` (read from the
  // loop when not given), the signal known not to have aborted.
  #join(
    { loop, deadline, signal }: Wait,
    what: string,
    now: number | undefined,
    data: D,
  ): Promise<T> {
    if (deadline !== Infinity && deadline <= (now ?? loop.time())) {
      return Promise.reject(new TimeoutError(`${what} timed out`));
    }
    const waiter = this.#push(data);
    if (signal !== undefined) AbortListener.attach(waiter, signal);
    if (deadline !== Infinity) {
      waiter.loop = loop;
      waiter.timer = loop.addTimeout(
        deadline,
        () => this.leave(waiter, new TimeoutError(`${what} timed out`)),
      );
    }
    return waiter.promise;
  }

  /** Joins the line with no deadline and no signal, unless closed. */
  enqueuePlain(data: D): Promise<T> {
    if (this.closed) return this.rejectClosed();
    return this.#push(data).promise;
  }

  /**
   * Joins the line with no deadline and no signal, sharing one promise with
   * the plain callers right before it: they can only ever be woken together.
   */
  enqueueShared(data: D): Promise<T> {
    if (this.closed) return this.rejectClosed();
    const tail = this.#tail;
    if (tail !== undefined && tail.shared) {
      tail.count++;
      this.size++;
      return tail.promise;
    }
    const waiter = this.#push(data);
    waiter.shared = true;
    return waiter.promise;
  }

  /** Takes the first waiter out of line, its timer and listener removed. */
  shift(): Waiter<T, D> | undefined {
    const waiter = this.#head;
    if (waiter !== undefined) this.#unlink(waiter);
    return waiter;
  }

  /**
   * Takes a waiter out of line wherever it stands, its timer and listener
   * removed, for a primitive whose grants come in another order than the
   * line's. Returns false, changing nothing, if it had already left.
   */
  remove(waiter: Waiter<T, D>): boolean {
    if (!waiter.queued) return false;
    this.#unlink(waiter);
    return true;
  }

  /**
   * Takes a waiter out of line, if still in it, and rejects it; then tells
   * the primitive, which may now serve the waiters behind it.
   */
  leave(waiter: Waiter<T, D>, reason: unknown): void {
    if (!waiter.queued) return;
    this.#unlink(waiter);
    waiter.reject(reason);
    this.onLeave?.(waiter);
  }

  #push(data: D): Waiter<T, D> {
    const waiter = new Waiter<T, D>(this, data);
    waiter.promise = new Promise<T>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    const tail = this.#tail;
    waiter.prev = tail;
    if (tail === undefined) this.#head = waiter;
    else tail.next = waiter;
    this.#tail = waiter;
    this.size++;
    return waiter;
  }

  #unlink(waiter: Waiter<T, D>): void {
    const { prev, next } = waiter;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    waiter.prev = waiter.next = undefined;
    waiter.queued = false;
    this.size -= waiter.count;
    if (waiter.timer !== undefined) waiter.loop!.removeTimeout(waiter.timer);
    if (waiter.abort !== undefined) AbortListener.detach(waiter);
  }
}

/**
 * The `loop` a primitive's constructor was given, checked.
 *
 * @throws {TypeError} If `options` is not an object or its `loop` not an
 *   `IOLoop`.
 */
export function loopOption(
  options: { loop?: IOLoop } | undefined,
  className: string,
): IOLoop | undefined {
  if (options === undefined) return undefined;
  const action = `create ${className}`;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(cannot(action, "options", "an object", options));
  }
  const { loop } = options;
  if (loop !== undefined && !(loop instanceof IOLoop)) {
    throw new TypeError(
      cannot(action, "options.loop", "an IOLoop or undefined", loop),
    );
  }
  return loop;
}

/**
 * The body of every `use(fn)`: waits for `acquiring`, runs `fn` holding what
 * it gave, and gives it back with `release` when `fn` returns, throws or
 * settles (Tornado's `async with`). Callers return this promise as it is,
 * so a `use()` settles as soon as it did when each wrote this out.
 */
export async function holding<H, T>(
  acquiring: H | Promise<H>,
  fn: () => T | PromiseLike<T>,
  release: (held: H) => void,
): Promise<T> {
  const held = await acquiring;
  try {
    const result = fn();
    // A plain value needs no turn of its own before the release.
    return (typeof result === "object" && result !== null) ||
        typeof result === "function"
      ? await result
      : result;
  } finally {
    release(held);
  }
}

/** `holding`'s `release` for a Releaser. */
export const releaseIt = (held: { release(): void }): void => held.release();
