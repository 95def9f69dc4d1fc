/**
 * The two hand-written baselines every workload is measured against.
 *
 * `raw-fifo` is what a careful engineer writes by hand in an afternoon: an
 * array of `new Promise` resolvers read from a moving head, direct handoff
 * on release, one runtime `setTimeout` per timed wait and one `abort`
 * listener per signalled wait. It has no validation, no deadlines, no
 * inspection: it is the cost of coordination and nothing else.
 *
 * `floor` is one `await Promise.resolve()` per operation and no
 * coordination at all: no lock can be cheaper than the promise it hands out.
 *
 * @module
 */

const RESOLVED = Promise.resolve();

/** A first-in, first-out queue of waiters over an array with a moving head. */
class Fifo {
  items = [];
  head = 0;

  get size() {
    return this.items.length - this.head;
  }

  push(item) {
    this.items.push(item);
  }

  shift() {
    const items = this.items;
    if (this.head === items.length) return undefined;
    const item = items[this.head];
    items[this.head++] = undefined;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * One timed or signalled wait: settled by whichever of grant, timeout or
 * abort comes first; a settled waiter stays in the array and is skipped.
 */
class TimedWaiter {
  settled = false;
  timer = undefined;
  signal = undefined;
  resolve;
  reject;

  grant(value) {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.signal !== undefined) {
      this.signal.removeEventListener("abort", this);
    }
    this.resolve(value);
  }

  fail(reason) {
    if (this.settled) return;
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.signal !== undefined) {
      this.signal.removeEventListener("abort", this);
    }
    this.reject(reason);
  }

  handleEvent() {
    this.fail(this.signal.reason);
  }
}

function timedWait(queue, options) {
  const waiter = new TimedWaiter();
  const promise = new Promise((resolve, reject) => {
    waiter.resolve = resolve;
    waiter.reject = reject;
  });
  if (options.signal !== undefined) {
    if (options.signal.aborted) return Promise.reject(options.signal.reason);
    waiter.signal = options.signal;
    options.signal.addEventListener("abort", waiter, { once: true });
  }
  if (options.timeout !== undefined) {
    waiter.timer = setTimeout(
      () => waiter.fail(new Error("timed out")),
      options.timeout,
    );
  }
  queue.push(waiter);
  return promise;
}

/** A counting semaphore; `acquire()` resolves to nothing, `release()` hands off. */
export class RawSemaphore {
  #value;
  #queue = new Fifo();

  constructor(value = 1) {
    this.#value = value;
  }

  acquire(options) {
    if (this.#value > 0) {
      this.#value--;
      return RESOLVED;
    }
    if (options === undefined) {
      return new Promise((resolve) => this.#queue.push(resolve));
    }
    return timedWait(this.#queue, options);
  }

  release() {
    for (let next; (next = this.#queue.shift()) !== undefined;) {
      if (typeof next === "function") return next();
      if (!next.settled) return next.grant();
    }
    this.#value++;
  }

  async use(fn) {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** A lock: a semaphore of one. */
export class RawLock extends RawSemaphore {
  constructor() {
    super(1);
  }
}

/** A condition variable without a lock, as Tornado's is. */
export class RawCondition {
  #queue = new Fifo();

  wait() {
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  notify() {
    const resolve = this.#queue.shift();
    if (resolve === undefined) return 0;
    resolve();
    return 1;
  }
}

/** An event: `set()` resolves every waiter. */
export class RawEvent {
  #set = false;
  #queue = [];

  wait() {
    if (this.#set) return RESOLVED;
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  set() {
    this.#set = true;
    const queue = this.#queue;
    this.#queue = [];
    for (const resolve of queue) resolve();
  }
}

/**
 * A fair reader-writer lock: one line of `{ write, resolve }`; the head is
 * served when the lock frees, a writer alone or the readers up to the first
 * writer together.
 */
export class RawReadWriteLock {
  #readers = 0;
  #writing = false;
  #queue = new Fifo();

  read() {
    if (!this.#writing && this.#queue.size === 0) {
      this.#readers++;
      return RESOLVED;
    }
    return new Promise((resolve) =>
      this.#queue.push({ write: false, resolve })
    );
  }

  write() {
    if (!this.#writing && this.#readers === 0 && this.#queue.size === 0) {
      this.#writing = true;
      return RESOLVED;
    }
    return new Promise((resolve) => this.#queue.push({ write: true, resolve }));
  }

  releaseRead() {
    if (--this.#readers === 0) this.#serve();
  }

  releaseWrite() {
    this.#writing = false;
    this.#serve();
  }

  #serve() {
    const queue = this.#queue;
    while (queue.size > 0 && !this.#writing) {
      const head = queue.items[queue.head];
      if (head.write && this.#readers > 0) return;
      queue.shift();
      if (head.write) this.#writing = true;
      else this.#readers++;
      head.resolve();
    }
  }
}

/** A cyclic barrier: the last of `parties` arrivals resolves the round. */
export class RawBarrier {
  #parties;
  #waiting = [];

  constructor(parties) {
    this.#parties = parties;
  }

  wait() {
    const index = this.#waiting.length;
    if (index + 1 < this.#parties) {
      return new Promise((resolve) => this.#waiting.push(resolve));
    }
    const round = this.#waiting;
    this.#waiting = [];
    for (let i = 0; i < round.length; i++) round[i](i);
    return Promise.resolve(index);
  }
}

/** Go's WaitGroup: `wait()` resolves when the count is back to 0. */
export class RawWaitGroup {
  #count = 0;
  #waiting = [];

  add(n = 1) {
    this.#count += n;
    if (this.#count === 0) {
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const resolve of waiting) resolve();
    }
  }

  done() {
    this.add(-1);
  }

  wait() {
    if (this.#count === 0) return RESOLVED;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/**
 * A lock per key, as a careful engineer writes it by hand: a map from each
 * held key to its line of resolvers, handed straight to the next in line,
 * and deleted by the release that finds no one waiting.
 */
export class RawKeyedLock {
  #lines = new Map();

  async use(key, fn) {
    let line = this.#lines.get(key);
    if (line === undefined) this.#lines.set(key, line = new Fifo());
    else await new Promise((resolve) => line.push(resolve));
    try {
      return await fn();
    } finally {
      const next = line.shift();
      if (next !== undefined) next();
      else this.#lines.delete(key);
    }
  }
}

/** The floor: the one promise an operation cannot avoid, and nothing else. */
export function floor() {
  return Promise.resolve();
}

/**
 * A queue as written by hand: items in a ring that doubles when full (or a
 * binary heap with an insertion counter, for priorities), getters' and
 * putters' resolvers in two FIFOs, an item handed straight to a waiting
 * getter and a waiting putter's item admitted when a get frees a slot.
 */
export class RawQueue {
  #items = new Array(8);
  #head = 0;
  #size = 0;
  #maxsize;
  #getters = new Fifo();
  #putters = new Fifo();

  constructor(maxsize = 0) {
    this.#maxsize = maxsize;
  }

  put(item) {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      getter(item);
      return RESOLVED;
    }
    if (this.#maxsize === 0 || this.size < this.#maxsize) {
      this.push(item);
      return RESOLVED;
    }
    return new Promise((resolve) => this.#putters.push({ item, resolve }));
  }

  get() {
    if (this.size === 0) {
      return new Promise((resolve) => this.#getters.push(resolve));
    }
    const item = this.take();
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      this.push(putter.item);
      putter.resolve();
    }
    return Promise.resolve(item);
  }

  get size() {
    return this.#size;
  }

  push(item) {
    let items = this.#items;
    if (this.#size === items.length) {
      const grown = new Array(items.length * 2);
      for (let i = 0; i < this.#size; i++) {
        grown[i] = items[(this.#head + i) & (items.length - 1)];
      }
      this.#items = items = grown;
      this.#head = 0;
    }
    items[(this.#head + this.#size) & (items.length - 1)] = item;
    this.#size++;
  }

  take() {
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (items.length - 1);
    this.#size--;
    return item;
  }
}

/** {@linkcode RawQueue} in priority order, smallest number first, ties FIFO. */
export class RawPriorityQueue extends RawQueue {
  #items = [];
  #orders = [];
  #pushed = 0;

  get size() {
    return this.#items.length;
  }

  push(item) {
    const items = this.#items;
    const orders = this.#orders;
    const order = this.#pushed++;
    let at = items.length;
    items.push(item);
    orders.push(order);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const p = items[parent];
      if (p < item || (p === item && orders[parent] < order)) break;
      items[at] = p;
      orders[at] = orders[parent];
      at = parent;
    }
    items[at] = item;
    orders[at] = order;
  }

  take() {
    const items = this.#items;
    const orders = this.#orders;
    const top = items[0];
    const item = items.pop();
    const order = orders.pop();
    const size = items.length;
    if (size === 0) return top;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      const right = child + 1;
      if (
        right < size &&
        (items[right] < items[child] ||
          (items[right] === items[child] && orders[right] < orders[child]))
      ) child = right;
      const c = items[child];
      if (item < c || (item === c && order < orders[child])) break;
      items[at] = c;
      orders[at] = orders[child];
      at = child;
    }
    items[at] = item;
    orders[at] = order;
    return top;
  }
}
