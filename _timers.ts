/**
 * The timers of one loop, in a binary min-heap ordered by deadline, ties by
 * the order they were added.
 *
 * How it works: each timer knows its index in the heap, so cancelling one
 * removes it at once in O(log n) and the heap never holds a cancelled
 * timer. A loop needs only the earliest deadline to know when to wake.
 *
 * @module
 */

/** A callback to run at a deadline, while it sits in a {@linkcode TimerHeap}. */
export class Timer {
  /** Position in the heap; -1 once it has run or been removed. */
  index = -1;

  // V8 builds an object's layout through map transitions, and a full
  // collection drops those no live object uses, deoptimizing the code built
  // on them. Timers are short-lived, so one is kept for good.
  static readonly #layout = new Timer(Infinity, -1, () => {});

  constructor(
    /** When to run, in milliseconds on the owning loop's clock. */
    readonly deadline: number,
    /** Breaks ties between equal deadlines: lower ran first. */
    readonly seq: number,
    readonly callback: () => void,
  ) {}
}

function before(a: Timer, b: Timer): boolean {
  return a.deadline < b.deadline ||
    (a.deadline === b.deadline && a.seq < b.seq);
}

/** A min-heap of timers that removes any of them in O(log n). */
export class TimerHeap {
  #items: Timer[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The earliest timer, or `undefined` when there is none. */
  peek(): Timer | undefined {
    return this.#items[0];
  }

  has(timer: Timer): boolean {
    return this.#items[timer.index] === timer;
  }

  push(timer: Timer): void {
    timer.index = this.#items.length;
    this.#items.push(timer);
    this.#up(timer.index);
  }

  /** Removes and returns the earliest timer. */
  shift(): Timer | undefined {
    const first = this.#items[0];
    if (first !== undefined) this.remove(first);
    return first;
  }

  remove(timer: Timer): void {
    const index = timer.index;
    if (this.#items[index] !== timer) return;
    const last = this.#items.pop()!;
    timer.index = -1;
    if (last === timer) return;
    this.#items[index] = last;
    last.index = index;
    this.#down(index);
    this.#up(last.index);
  }

  #up(index: number): void {
    const items = this.#items;
    const timer = items[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex];
      if (!before(timer, parent)) break;
      items[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    items[index] = timer;
    timer.index = index;
  }

  #down(index: number): void {
    const items = this.#items;
    const length = items.length;
    const timer = items[index];
    while (true) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && before(items[child + 1], items[child])) {
        child++;
      }
      if (!before(items[child], timer)) break;
      items[index] = items[child];
      items[index].index = index;
      index = child;
    }
    items[index] = timer;
    timer.index = index;
  }
}
