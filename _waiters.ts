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
 *
 * @module
 */

import { TimeoutError } from "./errors.ts";
import { cannot } from "./_check.ts";
import { resolveDeadline, resolveTimeout } from "./_time.ts";
import { IOLoop, type TimeoutHandle, type WaitOptions } from "./ioloop.ts";

/** What `take` returns when the primitive cannot be had right now. */
export const UNAVAILABLE: unique symbol = Symbol("unavailable");

/** One place in line: a caller, or several plain callers sharing a promise. */
export class Waiter<T> {
  prev: Waiter<T> | undefined = undefined;
  next: Waiter<T> | undefined = undefined;
  /** True exactly while linked into its queue. */
  queued = true;
  /** Callers this node stands for; above 1 only when they share `promise`. */
  count = 1;
  /** Whether plain callers may join this node; such a node has no timer and no signal. */
  shared = false;
  promise!: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (reason: unknown) => void;
  loop: IOLoop | undefined = undefined;
  timer: TimeoutHandle | undefined = undefined;
  /** The listener of the signal this waiter gives up on, while it waits. */
  abort: AbortListener | undefined = undefined;
  /** Neighbours among the waiters that share `abort`. */
  abortPrev: Waiter<T> | undefined = undefined;
  abortNext: Waiter<T> | undefined = undefined;

  constructor(readonly queue: WaitQueue<T>) {}
}

// Each signal's one listener, while a waiter depends on it. The entry goes
// with the last waiter: a WeakMap whose dead entries are left for the
// collector keeps its table at the size of every signal it ever held.
const abortListeners = new WeakMap<AbortSignal, AbortListener>();

/** Rejects, in the order they joined, every waiter that depends on a signal. */
class AbortListener {
  // deno-lint-ignore no-explicit-any
  head: Waiter<any> | undefined = undefined;
  // deno-lint-ignore no-explicit-any
  tail: Waiter<any> | undefined = undefined;

  constructor(readonly signal: AbortSignal) {}

  static attach<T>(waiter: Waiter<T>, signal: AbortSignal): void {
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

  static detach<T>(waiter: Waiter<T>): void {
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
    // Each leave() detaches its waiter, the last one this listener too.
    for (let waiter = this.head; waiter !== undefined;) {
      const next = waiter.abortNext;
      waiter.queue.leave(waiter, reason);
      waiter = next;
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
export class WaitQueue<T> {
  // V8 builds an object's layout through map transitions, and a full
  // collection drops those no live object uses, deoptimizing the code built
  // on them. Waiters are short-lived, so one is kept for good.
  static readonly #layout = new Waiter(new WaitQueue());

  #head: Waiter<T> | undefined = undefined;
  #tail: Waiter<T> | undefined = undefined;
  /** Callers waiting, each caller of a shared node counted. */
  size = 0;

  /**
   * Waits in line unless `take` succeeds first.
   *
   * @param options The caller's options, unchecked.
   * @param loop The primitive's own loop, if it was given one.
   * @param what Names the wait in messages, as `Semaphore.acquire()`.
   * @param take Takes the primitive if it is available.
   */
  wait(
    options: WaitOptions | undefined,
    loop: IOLoop | undefined,
    what: string,
    take: () => T | typeof UNAVAILABLE,
  ): Promise<T> {
    let wait: Wait;
    try {
      wait = parseWait(options, loop ?? IOLoop.current(), what);
    } catch (error) {
      return Promise.reject(error);
    }
    if (wait.signal?.aborted) return Promise.reject(wait.signal.reason);
    const value = take();
    if (value !== UNAVAILABLE) return Promise.resolve(value);
    return this.#join(wait, what, wait.now);
  }

  /**
   * Joins the line as parsed, or rejects at once if the deadline has passed
   * or the signal has aborted.
   */
  enqueue(wait: Wait, what: string): Promise<T> {
    if (wait.signal?.aborted) return Promise.reject(wait.signal.reason);
    return this.#join(wait, what, undefined);
  }

  // Joins the line unless the deadline has passed at `now` (read from the
  // loop when not given), the signal known not to have aborted.
  #join(
    { loop, deadline, signal }: Wait,
    what: string,
    now: number | undefined,
  ): Promise<T> {
    if (deadline !== Infinity && deadline <= (now ?? loop.time())) {
      return Promise.reject(new TimeoutError(`${what} timed out`));
    }
    const waiter = this.#push();
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

  /** Joins the line with no deadline and no signal. */
  enqueuePlain(): Promise<T> {
    return this.#push().promise;
  }

  /**
   * Joins the line with no deadline and no signal, sharing one promise with
   * the plain callers right before it: they can only ever be woken together.
   */
  enqueueShared(): Promise<T> {
    const tail = this.#tail;
    if (tail !== undefined && tail.shared) {
      tail.count++;
      this.size++;
      return tail.promise;
    }
    const waiter = this.#push();
    waiter.shared = true;
    return waiter.promise;
  }

  /** Takes the first waiter out of line, its timer and listener removed. */
  shift(): Waiter<T> | undefined {
    const waiter = this.#head;
    if (waiter !== undefined) this.#unlink(waiter);
    return waiter;
  }

  /** Takes a waiter out of line, if still in it, and rejects it. */
  leave(waiter: Waiter<T>, reason: unknown): void {
    if (!waiter.queued) return;
    this.#unlink(waiter);
    waiter.reject(reason);
  }

  #push(): Waiter<T> {
    const waiter = new Waiter<T>(this);
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

  #unlink(waiter: Waiter<T>): void {
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
