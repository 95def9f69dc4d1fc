// Model-based tests: random sequences of waits, acquires, notifies, sets,
// clears, releases, timeouts, aborts, tryAcquire and close (and, for the
// semaphores, weighted acquires and releases and capacity changes), run
// against each
// primitive and against a plain model of API.md's contract, on a
// VirtualIOLoop. After every step both must agree on who has settled and in
// what order, on every count, and on the timers left armed.
//
// Replay a failure with FC_SEED (and FC_PATH, both printed on failure); run
// longer with FC_RUNS, as `FC_RUNS=100000 deno task test model_test.ts`.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  ClosedError,
  Condition,
  Event,
  KeyedLock,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  ReadWriteLock,
  type Releaser,
  Semaphore,
  TimeoutError,
  VirtualIOLoop,
  type WaitOptions,
} from "./mod.ts";
import { fcSettings } from "./_test_util.ts";

// ---------------------------------------------------------------------------
// Settings: a fixed seed by default, so every run of the suite is the same.

const settings = () => fcSettings(5000);

// ---------------------------------------------------------------------------
// What both sides share: the ordered log of settlements, written as
// `${id}:ok`, `${id}:timeout`, `${id}:abort` (and `${id}:ran` when a `use()`
// function starts running), and the final outcome of each `use()`.

/** A waiter the model expects to be in line. */
interface ModelWaiter {
  id: number;
  /** Absolute time on the loop's clock; Infinity for none. */
  deadline: number;
  /** How a `use()` function ends, or undefined for a plain wait. */
  use?: UseEnding;
  /** Which of the run's two shared signals it listens to, if any. */
  shared?: number;
  /** A `Condition.waitFor()`, which takes a token when woken, or waits on. */
  waitFor?: boolean;
}

type UseEnding = "return" | "throw" | "reject" | "resolveLater";

/** The state every model keeps, whatever the primitive. */
class ModelBase {
  time = 0;
  nextId = 0;
  /** In the order they started waiting. */
  queue: ModelWaiter[] = [];
  log: string[] = [];
  useOutcomes = new Map<number, string>();
  /** Ids with a live AbortController nobody has aborted yet. */
  abortable: number[] = [];
  /** Whether each of the two signals that many waiters share has aborted. */
  sharedAborted = [false, false];
  /** Whether close() has run: every later wait is refused. */
  closed = false;

  /** What the primitive does after a waiter gives up: nothing, by default. */
  onLeave(): void {}

  /**
   * What the promise callbacks after a synchronous step do, before the
   * next timer fires: nothing, by default.
   */
  settle(): void {}

  /** Records how a waiter that never joined the line, or left it, ended. */
  outcome(w: ModelWaiter, how: string): void {
    if (w.use !== undefined || w.waitFor) this.useOutcomes.set(w.id, how);
    else this.log.push(`${w.id}:${how}`);
  }

  /** Every waiter rejects, in order; no one is granted afterwards. */
  close(): void {
    this.closed = true;
    for (const w of this.queue.splice(0)) this.outcome(w, "closed");
  }

  /** Timers the loop should hold: one per queued waiter with a deadline. */
  get armed(): number {
    return this.queue.filter((w) => w.deadline !== Infinity).length;
  }

  /** Moves the clock; expired waiters leave in deadline order, ties FIFO. */
  advance(ms: number): void {
    this.time += ms;
    const expired = this.queue
      .filter((w) => w.deadline <= this.time)
      .sort((a, b) => a.deadline - b.deadline);
    // One that left may let others in before their own timers fire.
    for (const w of expired) {
      if (this.queue.includes(w)) {
        this.reject(w, "timeout");
        this.settle();
      }
    }
  }

  /** Takes `w` out of line, records how it failed, and lets others in. */
  reject(w: ModelWaiter, how: "timeout" | "abort"): void {
    this.queue.splice(this.queue.indexOf(w), 1);
    this.outcome(w, how);
    this.onLeave();
  }

  /** A shared signal aborts: its waiters leave in the order they joined. */
  abortShared(k: number): void {
    this.sharedAborted[k] = true;
    for (const w of this.queue.filter((w) => w.shared === k)) {
      if (this.queue.includes(w)) this.reject(w, "abort");
    }
  }

  abort(id: number): void {
    const w = this.queue.find((w) => w.id === id);
    if (w !== undefined) this.reject(w, "abort");
  }
}

/** The real side: a primitive on a virtual loop, and what its waiters did. */
abstract class RealBase {
  loop = new VirtualIOLoop();
  log: string[] = [];
  useOutcomes = new Map<number, string>();
  controllers = new Map<number, AbortController>();
  sharedControllers = [new AbortController(), new AbortController()];
  sharedReasons = [new Error("shared 0"), new Error("shared 1")];
  reasons = new Map<number, Error>();
  settled = new Set<number>();
  releasers = new Map<number, Releaser>();
  closeReason = new Error("closed by the test");

  /** Closes the primitive. */
  abstract close(reason?: unknown): void;

  /** Records how the promise of waiter `id` settles. */
  track(id: number, promise: Promise<unknown>): void {
    promise.then(
      (value) => {
        if (value !== undefined) this.releasers.set(id, value as Releaser);
        this.settle(id, "ok");
      },
      (error) => this.settle(id, this.classify(id, error)),
    );
  }

  settle(id: number, how: string): void {
    // A promise settles once; a second entry means two grants for one id.
    assert.ok(!this.settled.has(id), `waiter ${id} settled twice`);
    this.settled.add(id);
    this.log.push(`${id}:${how}`);
  }

  classify(id: number, error: unknown): string {
    if (error instanceof TimeoutError) return "timeout";
    if (error === this.reasons.get(id)) return "abort";
    if (error === this.closeReason) return "closed";
    if (error instanceof ClosedError) return "closed";
    return error instanceof Error
      ? `error(${error.name})`
      : `error(${String(error)})`;
  }
}

/** The options a generated wait passes, and how the model reads them. */
interface OptionSpec {
  /** Pass no options at all. */
  plain: boolean;
  timeout: number | undefined;
  deadline: number | undefined;
  durationForm: boolean;
  signal: "none" | "live" | "aborted" | "shared0" | "shared1";
}

const optionSpec: fc.Arbitrary<OptionSpec> = fc.record({
  plain: fc.boolean(),
  timeout: fc.option(
    fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: -1, max: 8 }) },
      { weight: 1, arbitrary: fc.constant(Infinity) },
    ),
    { nil: undefined },
  ),
  deadline: fc.option(fc.integer({ min: -2, max: 8 }), { nil: undefined }),
  durationForm: fc.boolean(),
  signal: fc.constantFrom("none", "live", "aborted", "shared0", "shared1"),
});

function showSpec(spec: OptionSpec): string {
  if (spec.plain) return "";
  const parts: string[] = [];
  if (spec.timeout !== undefined) parts.push(`timeout:${spec.timeout}`);
  if (spec.deadline !== undefined) parts.push(`deadline:+${spec.deadline}`);
  if (spec.signal !== "none") parts.push(`signal:${spec.signal}`);
  return `{${parts.join(",")}${spec.durationForm ? ",duration" : ""}}`;
}

/**
 * Builds the real options for waiter `id` and tells the model its deadline
 * and whether its signal has already aborted.
 */
function makeOptions(
  spec: OptionSpec,
  id: number,
  m: ModelBase,
  r: RealBase,
): {
  options: WaitOptions | undefined;
  deadline: number;
  aborted: boolean;
  shared?: number;
} {
  if (spec.plain) {
    return { options: undefined, deadline: Infinity, aborted: false };
  }
  const options: WaitOptions = {};
  let deadline = Infinity;
  if (spec.timeout !== undefined) {
    options.timeout = spec.durationForm && Number.isFinite(spec.timeout)
      ? { milliseconds: spec.timeout }
      : spec.timeout;
    deadline = Math.min(deadline, m.time + spec.timeout);
  }
  if (spec.deadline !== undefined) {
    options.deadline = spec.durationForm
      ? { milliseconds: spec.deadline }
      : m.time + spec.deadline;
    deadline = Math.min(deadline, m.time + spec.deadline);
  }
  if (spec.signal === "shared0" || spec.signal === "shared1") {
    const shared = spec.signal === "shared0" ? 0 : 1;
    r.reasons.set(id, r.sharedReasons[shared]);
    options.signal = r.sharedControllers[shared].signal;
    return { options, deadline, aborted: m.sharedAborted[shared], shared };
  }
  if (spec.signal !== "none") {
    const reason = new Error(`abort ${id}`);
    r.reasons.set(id, reason);
    if (spec.signal === "aborted") {
      options.signal = AbortSignal.abort(reason);
    } else {
      const controller = new AbortController();
      r.controllers.set(id, controller);
      m.abortable.push(id);
      options.signal = controller.signal;
    }
  }
  return { options, deadline, aborted: spec.signal === "aborted" };
}

type Step<M extends object, R> = fc.AsyncCommand<M, R, false>;

/** One generated step: a label, a precondition and what it does to both. */
class Cmd<M extends ModelBase, R extends RealBase> implements Step<M, R> {
  constructor(
    readonly label: string,
    readonly pre: (m: M) => boolean,
    readonly act: (m: M, r: R) => void | Promise<void>,
    readonly compare: (m: M, r: R) => void,
  ) {}
  check(m: Readonly<M>): boolean {
    return this.pre(m as M);
  }
  async run(m: M, r: R): Promise<void> {
    await this.act(m, r);
    m.settle();
    // Lets every woken or rejected function resume; moves no time.
    await r.loop.advance(0);
    assert.deepEqual(r.log, m.log, "settlements, in order");
    assert.deepEqual(
      r.useOutcomes,
      m.useOutcomes,
      "outcomes of use() and waitFor()",
    );
    assert.equal(r.loop.pendingTimers, m.armed, "timers armed");
    assert.equal(r.loop.time(), m.time, "clock");
    this.compare(m, r);
  }
  toString(): string {
    return this.label;
  }
}

/** Steps every primitive has: moving time and aborting a waiter. */
function commonSteps<M extends ModelBase, R extends RealBase>(
  compare: (m: M, r: R) => void,
): fc.Arbitrary<Step<M, R>>[] {
  return [
    fc.integer({ min: 0, max: 6 }).map((ms) =>
      new Cmd<M, R>(`advance(${ms})`, () => true, async (m, r) => {
        m.advance(ms);
        await r.loop.advance(ms);
      }, compare)
    ),
    fc.constantFrom(0, 1).map((k) =>
      new Cmd<M, R>(
        `abortShared(${k})`,
        (m) => !m.sharedAborted[k],
        (m, r) => {
          m.abortShared(k);
          r.sharedControllers[k].abort(r.sharedReasons[k]);
        },
        compare,
      )
    ),
    fc.nat().map((k) =>
      new Cmd<M, R>(`abort(#${k})`, (m) => m.abortable.length > 0, (m, r) => {
        const [id] = m.abortable.splice(k % m.abortable.length, 1);
        m.abort(id);
        r.controllers.get(id)!.abort(r.reasons.get(id));
      }, compare)
    ),
    // Rarely, so that about half the runs never close.
    fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean()).map((
      [k, withReason],
    ) =>
      k > 0
        ? new Cmd<M, R>("advance(1)", () => true, async (m, r) => {
          m.advance(1);
          await r.loop.advance(1);
        }, compare)
        : new Cmd<M, R>(
          `close(${withReason ? "reason" : ""})`,
          () => true,
          (m, r) => {
            m.close();
            r.close(withReason ? r.closeReason : undefined);
          },
          compare,
        )
    ),
  ];
}

/** Expects `fn` to throw an error of class `E`, or nothing when `E` is undefined. */
function expectThrow(
  E: (new (...args: never[]) => Error) | undefined,
  fn: () => void,
): void {
  if (E === undefined) fn();
  else {
    assert.throws(fn, (e: unknown) => {
      assert.equal((e as Error)?.constructor, E, `it throws a ${E.name}`);
      return true;
    });
  }
}

const commandLimits = { maxCommands: 40, size: "+1" } as const;

// ---------------------------------------------------------------------------
// Condition

// `waitFor()` callers wait for tokens: their predicate takes one if there
// is one. A woken caller that finds none goes back to the end of the line,
// with the deadline it started with.
class ConditionModel extends ModelBase {
  tokens = 0;

  notify(n: number): number {
    const woken = this.queue.splice(0, n);
    for (const w of woken) {
      if (!w.waitFor) this.log.push(`${w.id}:ok`);
      else if (this.tokens > 0) {
        this.tokens--;
        this.useOutcomes.set(w.id, "ok");
      } else this.queue.push(w);
    }
    return woken.length;
  }
}

class ConditionReal extends RealBase {
  condition = new Condition({ loop: this.loop });
  tokens = 0;
  take = () => this.tokens > 0 ? (this.tokens--, true) : false;
  close(reason?: unknown): void {
    this.condition.close(reason);
  }
}

function compareCondition(m: ConditionModel, r: ConditionReal): void {
  const n = m.queue.length;
  assert.equal(r.tokens, m.tokens, "tokens");
  assert.equal(r.condition.waiters, n, "waiters");
  assert.equal(r.condition.closed, m.closed, "closed");
  const closed = m.closed ? " closed" : "";
  assert.equal(
    String(r.condition),
    n === 0 ? `<Condition${closed}>` : `<Condition waiters[${n}]${closed}>`,
  );
}

const conditionSteps: fc.Arbitrary<Step<ConditionModel, ConditionReal>>[] = [
  ...commonSteps(compareCondition),
  optionSpec.map((spec) =>
    new Cmd<ConditionModel, ConditionReal>(
      `wait(${showSpec(spec)})`,
      () => true,
      (m, r) => {
        const id = m.nextId++;
        const { options, deadline, aborted, shared } = makeOptions(
          spec,
          id,
          m,
          r,
        );
        if (m.closed) m.log.push(`${id}:closed`);
        else if (aborted) m.log.push(`${id}:abort`);
        else if (deadline <= m.time) m.log.push(`${id}:timeout`);
        else m.queue.push({ id, deadline, shared });
        r.track(id, r.condition.wait(options));
      },
      compareCondition,
    )
  ),
  optionSpec.map((spec) =>
    new Cmd<ConditionModel, ConditionReal>(
      `waitFor(${showSpec(spec)})`,
      () => true,
      (m, r) => {
        const id = m.nextId++;
        const { options, deadline, aborted, shared } = makeOptions(
          spec,
          id,
          m,
          r,
        );
        // The signal is checked before the predicate is first called.
        if (m.closed) m.useOutcomes.set(id, "closed");
        else if (aborted) m.useOutcomes.set(id, "abort");
        else if (m.tokens > 0) {
          m.tokens--;
          m.useOutcomes.set(id, "ok");
        } else if (deadline <= m.time) m.useOutcomes.set(id, "timeout");
        else m.queue.push({ id, deadline, shared, waitFor: true });
        r.condition.waitFor(r.take, options).then(
          () => r.useOutcomes.set(id, "ok"),
          (error) => r.useOutcomes.set(id, r.classify(id, error)),
        );
      },
      compareCondition,
    )
  ),
  fc.integer({ min: 1, max: 2 }).map((k) =>
    new Cmd<ConditionModel, ConditionReal>(
      `produce(${k})`,
      () => true,
      (m, r) => {
        m.tokens += k;
        r.tokens += k;
      },
      compareCondition,
    )
  ),
  fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(Infinity)).map((n) =>
    new Cmd<ConditionModel, ConditionReal>(
      `notify(${n})`,
      () => true,
      (m, r) => {
        const expected = m.notify(n);
        assert.equal(r.condition.notify(n), expected, "notify() count");
      },
      compareCondition,
    )
  ),
  fc.constant(
    new Cmd<ConditionModel, ConditionReal>(
      "notifyAll()",
      () => true,
      (m, r) => {
        const expected = m.notify(Infinity);
        assert.equal(r.condition.notifyAll(), expected, "notifyAll() count");
      },
      compareCondition,
    ),
  ),
];

Deno.test("Condition agrees with its model under random waits, notifies, timeouts and aborts", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.commands(conditionSteps, commandLimits),
      (steps) =>
        fc.asyncModelRun(
          () => ({ model: new ConditionModel(), real: new ConditionReal() }),
          steps,
        ),
    ),
    settings(),
  );
});

// ---------------------------------------------------------------------------
// Event

class EventModel extends ModelBase {
  isSet = false;
}

class EventReal extends RealBase {
  event = new Event({ loop: this.loop });
  close(reason?: unknown): void {
    this.event.close(reason);
  }
}

function compareEvent(m: EventModel, r: EventReal): void {
  assert.equal(r.event.isSet(), m.isSet, "isSet()");
  assert.equal(r.event.waiters, m.queue.length, "waiters");
  assert.equal(r.event.closed, m.closed, "closed");
  assert.equal(
    String(r.event),
    `<Event ${m.isSet ? "set" : "clear"}${m.closed ? " closed" : ""}>`,
  );
}

const eventSteps: fc.Arbitrary<Step<EventModel, EventReal>>[] = [
  ...commonSteps(compareEvent),
  optionSpec.map((spec) =>
    new Cmd<EventModel, EventReal>(
      `wait(${showSpec(spec)})`,
      () => true,
      (m, r) => {
        const id = m.nextId++;
        const { options, deadline, aborted, shared } = makeOptions(
          spec,
          id,
          m,
          r,
        );
        if (m.closed) m.log.push(`${id}:closed`);
        else if (aborted) m.log.push(`${id}:abort`);
        else if (m.isSet) m.log.push(`${id}:ok`);
        else if (deadline <= m.time) m.log.push(`${id}:timeout`);
        else m.queue.push({ id, deadline, shared });
        r.track(id, r.event.wait(options));
      },
      compareEvent,
    )
  ),
  fc.constant(
    new Cmd<EventModel, EventReal>("set()", () => true, (m, r) => {
      m.isSet = true;
      for (const w of m.queue.splice(0)) m.log.push(`${w.id}:ok`);
      r.event.set();
    }, compareEvent),
  ),
  fc.constant(
    new Cmd<EventModel, EventReal>("clear()", () => true, (m, r) => {
      m.isSet = false;
      r.event.clear();
    }, compareEvent),
  ),
];

Deno.test("Event agrees with its model under random waits, sets, clears, timeouts and aborts", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.commands(eventSteps, commandLimits),
      (steps) =>
        fc.asyncModelRun(
          () => ({ model: new EventModel(), real: new EventReal() }),
          steps,
        ),
    ),
    settings(),
  );
});

// ---------------------------------------------------------------------------
// Semaphore, BoundedSemaphore and Lock share one model: free permits, a
// line of weighted waiters served strictly in order, and the releasers
// handed out. The bounded kinds have a capacity (fixed at 1 for a Lock)
// that what is held may not pass on release; a Lock also refuses to
// release while unlocked, with an Error, and any count but 1.

type Kind = "Semaphore" | "BoundedSemaphore" | "Lock";

type ErrorClass = new (...args: never[]) => Error;

class SemaphoreModel extends ModelBase {
  /** Ids whose releaser has not released yet. */
  held: number[] = [];
  /** Ids whose releaser has released. */
  spent: number[] = [];
  /** `use()` callers granted, whose functions have not ended yet. */
  running: ModelWaiter[] = [];
  /** How many permits each waiter asks for, and each releaser holds. */
  permits = new Map<number, number>();
  /** Below 0 only when the capacity was lowered under what is held. */
  free: number;
  capacity: number;

  constructor(readonly kind: Kind, initial: number) {
    super();
    this.free = initial;
    this.capacity = initial;
  }

  get value(): number {
    return Math.max(0, this.free);
  }

  /** What `release(n)` throws now, or undefined if it succeeds. */
  releaseError(n: number): ErrorClass | undefined {
    if (this.kind === "Lock" && n !== 1) return RangeError;
    if (this.kind === "Lock" && this.free >= 1) return Error;
    if (this.kind !== "Semaphore" && this.capacity - this.free < n) {
      return RangeError;
    }
    return undefined;
  }

  /** A successful release: to the waiters in order, the rest to the counter. */
  release(n: number): void {
    this.free += n;
    this.serve();
  }

  /** Grants the head, then the next, while the free permits cover each. */
  serve(): void {
    while (this.queue.length > 0) {
      const w = this.queue[0];
      const permits = this.permits.get(w.id)!;
      if (permits > this.free) return;
      this.queue.shift();
      this.free -= permits;
      this.grant(w);
    }
  }

  override onLeave(): void {
    this.serve();
  }

  /**
   * Hands permits to `w`; a `use()` runs at once, as far as the log can
   * tell, but gives them back only once the step's synchronous part is
   * over: after every other waiter the step rejects or grants.
   */
  grant(w: ModelWaiter): void {
    if (w.use === undefined) {
      this.log.push(`${w.id}:ok`);
      this.held.push(w.id);
      return;
    }
    this.log.push(`${w.id}:ran`);
    this.running.push(w);
  }

  /** Each `use()` granted ends and gives its permits back, in turn. */
  override settle(): void {
    for (let w; (w = this.running.shift()) !== undefined;) {
      const permits = this.permits.get(w.id)!;
      const error = this.releaseError(permits);
      if (error === undefined) this.release(permits);
      const ok = w.use === "return" || w.use === "resolveLater";
      this.useOutcomes.set(
        w.id,
        error !== undefined ? `error(${error.name})` : ok ? "ok" : "error(fn)",
      );
    }
  }

  /** Starts a wait for `permits`: at once if it can, else in line. */
  start(w: ModelWaiter, permits: number, aborted: boolean): void {
    this.permits.set(w.id, permits);
    // A count a Lock cannot have is refused before anything else.
    if (this.kind === "Lock" && permits > 1) {
      this.outcome(w, "error(RangeError)");
    } else if (this.closed) this.outcome(w, "closed");
    else if (aborted) this.outcome(w, "abort");
    else if (this.queue.length === 0 && this.free >= permits) {
      this.free -= permits;
      this.grant(w);
    } else if (w.deadline <= this.time) this.outcome(w, "timeout");
    else this.queue.push(w);
  }
}

class SemaphoreReal extends RealBase {
  semaphore: Semaphore;
  constructor(kind: Kind, initial: number) {
    super();
    const loop = this.loop;
    this.semaphore = kind === "Semaphore"
      ? new Semaphore(initial, { loop })
      : kind === "BoundedSemaphore"
      ? new BoundedSemaphore(initial, { loop })
      : new Lock({ loop });
  }
  close(reason?: unknown): void {
    this.semaphore.close(reason);
  }
}

function compareSemaphore(m: SemaphoreModel, r: SemaphoreReal): void {
  const { semaphore } = r;
  assert.equal(semaphore.value, m.value, "value");
  assert.equal(semaphore.waiters, m.queue.length, "waiters");
  assert.equal(semaphore.closed, m.closed, "closed");
  if (semaphore instanceof BoundedSemaphore) {
    assert.equal(semaphore.capacity, m.capacity, "capacity");
  }
  if (semaphore instanceof Lock) {
    assert.equal(semaphore.locked, m.value === 0, "locked");
  }
  const state = m.kind === "Lock"
    ? m.value > 0 ? "unlocked" : "locked"
    : m.value > 0
    ? `unlocked,value:${m.value}`
    : "locked";
  const n = m.queue.length;
  assert.equal(
    String(semaphore),
    `<${m.kind} [${n > 0 ? `${state},waiters:${n}` : state}]${
      m.closed ? " closed" : ""
    }>`,
  );
  // A waiter that timed out, was aborted or refused holds no releaser.
  for (const id of r.releasers.keys()) {
    assert.ok(m.held.includes(id) || m.spent.includes(id), `releaser ${id}`);
  }
}

/** How many permits a generated call asks for: mostly 1, up to 3. */
const permitCount = fc.oneof(
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) },
);

function semaphoreSteps(
  kind: Kind,
): fc.Arbitrary<Step<SemaphoreModel, SemaphoreReal>>[] {
  const compare = compareSemaphore;
  type C = Cmd<SemaphoreModel, SemaphoreReal>;
  /** The options to pass: `permits` goes in only when there are options. */
  const withPermits = (options: WaitOptions | undefined, permits: number) =>
    options === undefined ? undefined : { ...options, permits };
  const steps = [
    ...commonSteps(compare),
    fc.tuple(optionSpec, permitCount).map(([spec, n]): C =>
      new Cmd(`acquire(${showSpec(spec)}, ${n})`, () => true, (m, r) => {
        const id = m.nextId++;
        const { options, deadline, aborted, shared } = makeOptions(
          spec,
          id,
          m,
          r,
        );
        const permits = options === undefined ? 1 : n;
        m.start({ id, deadline, shared }, permits, aborted);
        const waiting = r.semaphore.acquire(withPermits(options, permits));
        r.track(id, waiting);
      }, compare)
    ),
    fc.tuple(
      optionSpec,
      permitCount,
      fc.constantFrom<UseEnding>("return", "throw", "reject", "resolveLater"),
    ).map(([spec, n, ending]): C =>
      new Cmd(
        `use(${ending}, ${showSpec(spec)}, ${n})`,
        () => true,
        (m, r) => {
          const id = m.nextId++;
          const { options, deadline, aborted, shared } = makeOptions(
            spec,
            id,
            m,
            r,
          );
          const permits = options === undefined ? 1 : n;
          m.start({ id, deadline, shared, use: ending }, permits, aborted);
          const fn = () => {
            r.log.push(`${id}:ran`);
            switch (ending) {
              case "return":
                return id;
              case "throw":
                throw new Error("fn");
              case "reject":
                return Promise.resolve().then(() => {
                  throw new Error("fn");
                });
              case "resolveLater":
                return Promise.resolve().then(() => id);
            }
          };
          r.semaphore.use(fn, withPermits(options, permits)).then(
            () => r.useOutcomes.set(id, "ok"),
            (error: Error) =>
              r.useOutcomes.set(
                id,
                error instanceof TimeoutError
                  ? "timeout"
                  : error === r.reasons.get(id)
                  ? "abort"
                  : error === r.closeReason || error instanceof ClosedError
                  ? "closed"
                  : error.message === "fn"
                  ? "error(fn)"
                  : `error(${error.name})`,
              ),
          );
        },
        compare,
      )
    ),
    permitCount.map((n): C =>
      new Cmd(`tryAcquire(${n})`, () => true, (m, r) => {
        const id = m.nextId++;
        if (m.kind === "Lock" && n > 1) {
          expectThrow(RangeError, () => r.semaphore.tryAcquire(n));
          return;
        }
        const releaser = r.semaphore.tryAcquire(n);
        if (!m.closed && m.queue.length === 0 && m.free >= n) {
          m.free -= n;
          m.held.push(id);
          m.permits.set(id, n);
          assert.ok(releaser, "tryAcquire() gave a releaser");
          r.releasers.set(id, releaser);
        } else {
          assert.equal(releaser, undefined, "tryAcquire() gave nothing");
        }
      }, compare)
    ),
    permitCount.map((n): C =>
      new Cmd(`release(${n})`, () => true, (m, r) => {
        const error = m.releaseError(n);
        if (error === undefined) m.release(n);
        expectThrow(error, () => r.semaphore.release(n));
      }, compare)
    ),
    fc.nat().map((k): C =>
      new Cmd(`releaser(#${k}).release()`, (m) => m.held.length > 0, (m, r) => {
        const id = m.held[k % m.held.length];
        const error = m.releaseError(m.permits.get(id)!);
        if (error === undefined) {
          m.release(m.permits.get(id)!);
          m.held.splice(m.held.indexOf(id), 1);
          m.spent.push(id);
        }
        // A releaser whose release throws stays unused.
        expectThrow(error, () => r.releasers.get(id)!.release());
      }, compare)
    ),
    fc.nat().map((k): C =>
      new Cmd(
        `releaser(#${k})[Symbol.dispose]() again`,
        (m) => m.spent.length > 0,
        (m, r) => {
          const id = m.spent[k % m.spent.length];
          r.releasers.get(id)![Symbol.dispose]();
        },
        compare,
      )
    ),
  ];
  if (kind === "Semaphore") return steps;
  return [
    ...steps,
    fc.integer({ min: 0, max: 4 }).map((capacity): C =>
      new Cmd(`capacity = ${capacity}`, () => true, (m, r) => {
        const semaphore = r.semaphore as BoundedSemaphore;
        if (m.kind === "Lock") {
          expectThrow(TypeError, () => semaphore.capacity = capacity);
          return;
        }
        m.free += capacity - m.capacity;
        m.capacity = capacity;
        m.serve();
        semaphore.capacity = capacity;
      }, compare)
    ),
  ];
}

for (const kind of ["Semaphore", "BoundedSemaphore", "Lock"] as const) {
  const steps = semaphoreSteps(kind);
  const initial = kind === "Lock"
    ? fc.constant(1)
    : fc.integer({ min: 0, max: 3 });
  Deno.test(
    `${kind} agrees with its model under random weighted acquires, releases, use(), tryAcquire(), timeouts, aborts, close()${
      kind === "BoundedSemaphore" ? " and capacity changes" : ""
    }`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          initial,
          fc.commands(steps, commandLimits),
          (value, commands) =>
            fc.asyncModelRun(
              () => ({
                model: new SemaphoreModel(kind, value),
                real: new SemaphoreReal(kind, value),
              }),
              commands,
            ),
        ),
        settings(),
      );
    },
  );
}

// ---------------------------------------------------------------------------
// ReadWriteLock: API.md's fairness rule, written plainly. One line; a reader
// gets in at once when no writer holds and no one waits, a writer when
// nothing is held and no one waits; when the lock frees, the head is
// served: one writer, or the readers up to the first writer. A waiter that
// leaves may let the readers behind it in. Throughout: no reader while a
// writer holds, at most one writer.

class ReadWriteLockModel extends ModelBase {
  /** Ids holding the lock for reading. */
  readers: number[] = [];
  writer: number | undefined = undefined;
  /** Ids whose releaser has released. */
  spent: number[] = [];
  /** Whether each id asked to write. */
  writes = new Map<number, boolean>();

  canEnter(write: boolean): boolean {
    if (this.writer !== undefined || this.queue.length > 0) return false;
    return !write || this.readers.length === 0;
  }

  grant(w: ModelWaiter): void {
    this.log.push(`${w.id}:ok`);
    if (this.writes.get(w.id)) this.writer = w.id;
    else this.readers.push(w.id);
  }

  serve(): void {
    while (this.queue.length > 0 && this.writer === undefined) {
      const head = this.queue[0];
      if (this.writes.get(head.id) && this.readers.length > 0) return;
      this.queue.shift();
      this.grant(head);
    }
  }

  /** A writer that leaves may let the readers behind it in. */
  override onLeave(): void {
    this.serve();
  }

  start(w: ModelWaiter, write: boolean, aborted: boolean): void {
    this.writes.set(w.id, write);
    if (this.closed) this.log.push(`${w.id}:closed`);
    else if (aborted) this.log.push(`${w.id}:abort`);
    else if (this.canEnter(write)) this.grant(w);
    else if (w.deadline <= this.time) this.log.push(`${w.id}:timeout`);
    else this.queue.push(w);
  }

  release(id: number): void {
    if (this.writer === id) this.writer = undefined;
    else this.readers.splice(this.readers.indexOf(id), 1);
    this.spent.push(id);
    this.serve();
  }

  get held(): number[] {
    return this.writer === undefined ? this.readers : [this.writer];
  }
}

class ReadWriteLockReal extends RealBase {
  lock = new ReadWriteLock({ loop: this.loop });

  close(reason?: unknown): void {
    this.lock.close(reason);
  }
}

function compareReadWriteLock(
  m: ReadWriteLockModel,
  r: ReadWriteLockReal,
): void {
  const { lock } = r;
  assert.ok(!(lock.writing && lock.readers > 0), "no reader while writing");
  // Releasers handed out and not yet used: the holders, as the real side
  // sees them.
  const holding = [...r.releasers.keys()].filter((id) => !m.spent.includes(id));
  const writers = holding.filter((id) => m.writes.get(id));
  assert.ok(writers.length <= 1, "at most one writer");
  assert.ok(writers.length === 0 || holding.length === 1, "a writer alone");
  assert.deepEqual(holding.sort(), [...m.held].sort(), "holders");
  assert.equal(lock.readers, m.readers.length, "readers");
  assert.equal(lock.writing, m.writer !== undefined, "writing");
  assert.equal(lock.waiters, m.queue.length, "waiters");
  assert.equal(lock.closed, m.closed, "closed");
  const n = m.queue.length;
  const state = m.writer !== undefined
    ? "write"
    : m.readers.length > 0
    ? `read:${m.readers.length}`
    : "unlocked";
  assert.equal(
    String(lock),
    `<ReadWriteLock [${n > 0 ? `${state},waiters:${n}` : state}]${
      m.closed ? " closed" : ""
    }>`,
  );
}

function readWriteLockSteps(): fc.Arbitrary<
  Step<ReadWriteLockModel, ReadWriteLockReal>
>[] {
  const compare = compareReadWriteLock;
  type C = Cmd<ReadWriteLockModel, ReadWriteLockReal>;
  return [
    ...commonSteps(compare),
    ...([false, true] as const).map((write) =>
      optionSpec.map((spec): C =>
        new Cmd(
          `${write ? "write" : "read"}(${showSpec(spec)})`,
          () => true,
          (m, r) => {
            const id = m.nextId++;
            const { options, deadline, aborted, shared } = makeOptions(
              spec,
              id,
              m,
              r,
            );
            m.start({ id, deadline, shared }, write, aborted);
            r.track(id, write ? r.lock.write(options) : r.lock.read(options));
          },
          compare,
        )
      )
    ),
    ...([false, true] as const).map((write) =>
      fc.constant<C>(
        new Cmd(write ? "tryWrite()" : "tryRead()", () => true, (m, r) => {
          const id = m.nextId++;
          m.writes.set(id, write);
          const releaser = write ? r.lock.tryWrite() : r.lock.tryRead();
          if (!m.closed && m.canEnter(write)) {
            assert.ok(releaser, "it gave a releaser");
            m.grant({ id, deadline: Infinity });
            // Not a settlement: no promise was involved.
            m.log.pop();
            r.releasers.set(id, releaser);
          } else {
            assert.equal(releaser, undefined, "it gave nothing");
          }
        }, compare),
      )
    ),
    fc.nat().map((k): C =>
      new Cmd(
        `releaser(#${k}).release()`,
        (m) => m.held.length > 0,
        (m, r) => {
          const id = m.held[k % m.held.length];
          m.release(id);
          r.releasers.get(id)!.release();
        },
        compare,
      )
    ),
    fc.nat().map((k): C =>
      new Cmd(
        `releaser(#${k})[Symbol.dispose]() again`,
        (m) => m.spent.length > 0,
        (m, r) => {
          const id = m.spent[k % m.spent.length];
          r.releasers.get(id)![Symbol.dispose]();
        },
        compare,
      )
    ),
  ];
}

Deno.test("ReadWriteLock agrees with its model under random reads, writes, tryRead(), tryWrite(), releases, timeouts, aborts and close()", async () => {
  const steps = readWriteLockSteps();
  await fc.assert(
    fc.asyncProperty(
      fc.commands(steps, commandLimits),
      (commands) =>
        fc.asyncModelRun(
          () => ({
            model: new ReadWriteLockModel(),
            real: new ReadWriteLockReal(),
          }),
          commands,
        ),
    ),
    settings(),
  );
});

// ---------------------------------------------------------------------------
// Barrier: asyncio's, with the indexes API.md gives. A round fills when an
// arrival would make `parties` waiting: the parties still waiting get 0, 1,
// ... in the order they arrived, the last one `parties` - 1. A party that
// times out or is aborted withdraws; abort() and reset() reject those
// waiting, abort() and every later wait too until reset().

class BarrierModel extends ModelBase {
  broken = false;

  constructor(readonly parties: number) {
    super();
  }

  start(w: ModelWaiter, aborted: boolean): void {
    if (this.closed) this.log.push(`${w.id}:closed`);
    else if (aborted) this.log.push(`${w.id}:abort`);
    else if (this.broken) this.log.push(`${w.id}:broken(Barrier is broken)`);
    else if (this.queue.length + 1 === this.parties) {
      const round = [...this.queue.splice(0), w];
      round.forEach((party, index) =>
        this.log.push(`${party.id}:ok(${index})`)
      );
    } else if (w.deadline <= this.time) this.log.push(`${w.id}:timeout`);
    else this.queue.push(w);
  }

  breakWaiting(message: string): void {
    for (const w of this.queue.splice(0)) {
      this.log.push(`${w.id}:broken(${message})`);
    }
  }
}

class BarrierReal extends RealBase {
  barrier: Barrier;

  constructor(parties: number) {
    super();
    this.barrier = new Barrier(parties, { loop: this.loop });
  }

  /** Records how a wait settles, with the index it was given. */
  trackIndex(id: number, promise: Promise<number>): void {
    promise.then(
      (index) => this.settle(id, `ok(${index})`),
      (error) => this.settle(id, this.classify(id, error)),
    );
  }

  close(reason?: unknown): void {
    this.barrier.close(reason);
  }

  override classify(id: number, error: unknown): string {
    if (error instanceof BrokenBarrierError) return `broken(${error.message})`;
    return super.classify(id, error);
  }
}

function compareBarrier(m: BarrierModel, r: BarrierReal): void {
  const { barrier } = r;
  assert.equal(barrier.waiting, m.queue.length, "waiting");
  assert.ok(barrier.waiting < m.parties, "a round never stays full");
  assert.equal(barrier.broken, m.broken, "broken");
  assert.equal(barrier.closed, m.closed, "closed");
  const state = m.broken
    ? "broken"
    : `filling,waiters:${m.queue.length}/${m.parties}`;
  assert.equal(
    String(barrier),
    `<Barrier [${state}]${m.closed ? " closed" : ""}>`,
  );
}

function barrierSteps(): fc.Arbitrary<Step<BarrierModel, BarrierReal>>[] {
  const compare = compareBarrier;
  type C = Cmd<BarrierModel, BarrierReal>;
  const wait = optionSpec.map((spec): C =>
    new Cmd(`wait(${showSpec(spec)})`, () => true, (m, r) => {
      const id = m.nextId++;
      const { options, deadline, aborted, shared } = makeOptions(
        spec,
        id,
        m,
        r,
      );
      m.start({ id, deadline, shared }, aborted);
      r.trackIndex(id, r.barrier.wait(options));
    }, compare)
  );
  return [
    ...commonSteps(compare),
    // Twice: waits are most of what a barrier sees.
    wait,
    wait,
    fc.nat(2).map((k): C =>
      new Cmd("abort()", () => k === 0, (m, r) => {
        m.broken = true;
        m.breakWaiting("Barrier was aborted");
        r.barrier.abort();
      }, compare)
    ),
    fc.constant<C>(
      new Cmd("reset()", () => true, (m, r) => {
        m.broken = false;
        m.breakWaiting("Barrier was reset");
        r.barrier.reset();
      }, compare),
    ),
  ];
}

Deno.test("Barrier agrees with its model under random waits, timeouts, aborts, abort(), reset() and close(): indexes per round, withdrawals", async () => {
  const steps = barrierSteps();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.commands(steps, commandLimits),
      (parties, commands) =>
        fc.asyncModelRun(
          () => ({
            model: new BarrierModel(parties),
            real: new BarrierReal(parties),
          }),
          commands,
        ),
    ),
    settings(),
  );
});

// ---------------------------------------------------------------------------
// KeyedLock: a model of per-key semaphores and one line of waiters (in the
// order each joined a key's line, which is also the order of their timers).
// A multi-key waiter waits in one key's line at a time, holding the keys
// before it in the canonical order; granted, it goes on to the next key at
// once; failing, it gives back what it took in reverse. After every step
// the model and the lock agree on every key's holders and waiters, on
// `size` (the keys held or waited for), on who has settled and how, and on
// the timers armed; no key ever has more holders than `concurrency`.

type ModelKey = string | number;
const KEY_POOL: readonly ModelKey[] = [0, 1, "a", "b"];

/** One acquire while it waits. */
interface KeyedWaiter extends ModelWaiter {
  /** Its keys, deduplicated, in the canonical order. */
  keys: ModelKey[];
  /** How many of `keys` it holds; it waits for `keys[taken]`. */
  taken: number;
  /** Joining order of its place in a line, and so of its timer. */
  seq: number;
}

function canonicalKeys(keys: ModelKey | ModelKey[]): ModelKey[] {
  const list = [...new Set(Array.isArray(keys) ? keys : [keys])];
  return list.sort((a, b) =>
    typeof a !== typeof b
      ? (typeof a === "number" ? -1 : 1)
      : a < b
      ? -1
      : a > b
      ? 1
      : 0
  );
}

class KeyedModel extends ModelBase {
  override queue: KeyedWaiter[] = [];
  held = new Map<ModelKey, number>();
  /** Granted acquires and tryAcquires, by id, with the keys they hold. */
  holders = new Map<number, ModelKey[]>();
  spent: number[] = [];
  outcomes = new Map<number, string>();
  override closed = false;
  seq = 0;

  constructor(readonly concurrency: number) {
    super();
  }

  available(key: ModelKey): boolean {
    return (this.held.get(key) ?? 0) < this.concurrency &&
      !this.queue.some((w) => w.keys[w.taken] === key);
  }

  take(key: ModelKey): void {
    const n = (this.held.get(key) ?? 0) + 1;
    assert.ok(n <= this.concurrency, `model: ${n} holders of ${key}`);
    this.held.set(key, n);
  }

  /** Gives a permit back: to the key's first waiter, or to the key. */
  release(key: ModelKey): void {
    const w = this.queue.find((w) => w.keys[w.taken] === key);
    if (w !== undefined) {
      this.queue.splice(this.queue.indexOf(w), 1);
      w.taken++;
      this.proceed(w);
      return;
    }
    const n = this.held.get(key)! - 1;
    if (n === 0) this.held.delete(key);
    else this.held.set(key, n);
  }

  /** Takes `w`'s keys from `w.taken` on, until one must be waited for. */
  proceed(w: KeyedWaiter): void {
    while (w.taken < w.keys.length) {
      const key = w.keys[w.taken];
      if (this.available(key)) {
        this.take(key);
        w.taken++;
      } else if (w.deadline <= this.time) {
        return this.fail(w, "timeout");
      } else {
        w.seq = this.seq++;
        this.queue.push(w);
        return;
      }
    }
    this.outcomes.set(w.id, "ok");
    if (w.use === undefined) this.holders.set(w.id, w.keys);
    // A use() runs its function and gives its keys back, in reverse.
    else for (let i = w.keys.length; i-- > 0;) this.release(w.keys[i]);
  }

  /** Records how `w` failed and gives back what it took, in reverse. */
  fail(w: KeyedWaiter, how: string): void {
    this.outcomes.set(w.id, how);
    for (let i = w.taken; i-- > 0;) this.release(w.keys[i]);
  }

  start(w: KeyedWaiter, aborted: boolean): void {
    if (this.closed) this.outcomes.set(w.id, "closed");
    else if (aborted) this.outcomes.set(w.id, "abort");
    else this.proceed(w);
  }

  /** Fires each expired timer in turn, the clock at its deadline. */
  override advance(ms: number): void {
    const target = this.time + ms;
    while (true) {
      const due = this.queue
        .filter((w) => w.deadline <= target)
        .sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
      if (due.length === 0) break;
      const w = due[0];
      this.time = Math.max(this.time, w.deadline);
      this.queue.splice(this.queue.indexOf(w), 1);
      this.fail(w, "timeout");
    }
    this.time = target;
  }

  /** Every waiter on the signal leaves first; then each gives back its keys. */
  override abortShared(k: number): void {
    this.sharedAborted[k] = true;
    const leaving = this.queue
      .filter((w) => w.shared === k)
      .sort((a, b) => a.seq - b.seq);
    this.queue = this.queue.filter((w) => w.shared !== k);
    for (const w of leaving) this.fail(w, "abort");
  }

  override abort(id: number): void {
    const w = this.queue.find((w) => w.id === id);
    if (w === undefined) return;
    this.queue.splice(this.queue.indexOf(w), 1);
    this.fail(w, "abort");
  }

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    const leaving = this.queue;
    this.queue = [];
    for (const w of leaving) this.fail(w, "closed");
  }

  /** Keys held or waited for: the entries the lock must keep. */
  get liveKeys(): number {
    const live = new Set(this.held.keys());
    for (const w of this.queue) live.add(w.keys[w.taken]);
    return live.size;
  }
}

class KeyedReal extends RealBase {
  locks: KeyedLock<ModelKey>;
  override closeReason = new Error("closed by the model test");
  outcomes = new Map<number, string>();

  constructor(concurrency: number) {
    super();
    this.locks = new KeyedLock<ModelKey>({ concurrency, loop: this.loop });
  }

  close(reason?: unknown): void {
    this.locks.close(reason);
  }

  follow(id: number, promise: Promise<Releaser | undefined>): void {
    promise.then(
      (releaser) => {
        assert.ok(!this.outcomes.has(id), `waiter ${id} settled twice`);
        this.outcomes.set(id, "ok");
        if (releaser !== undefined) this.releasers.set(id, releaser);
      },
      (error) => {
        assert.ok(!this.outcomes.has(id), `waiter ${id} settled twice`);
        this.outcomes.set(
          id,
          error === this.closeReason ? "closed" : this.classify(id, error),
        );
      },
    );
  }
}

function compareKeyed(m: KeyedModel, r: KeyedReal): void {
  const locks = r.locks;
  assert.deepEqual(r.outcomes, m.outcomes, "how each acquire settled");
  for (const key of KEY_POOL) {
    assert.equal(locks.held(key), m.held.get(key) ?? 0, `held(${key})`);
    assert.equal(
      locks.waiters(key),
      m.queue.filter((w) => w.keys[w.taken] === key).length,
      `waiters(${key})`,
    );
  }
  assert.equal(locks.waiters(), m.queue.length, "waiters()");
  assert.equal(locks.size, m.liveKeys, "size: the keys held or waited for");
  assert.equal(locks.size, m.held.size, "every key waited for is held");
  assert.equal(r.loop.pendingTimers, m.armed, "timers armed");
  assert.equal(locks.closed, m.closed, "closed");
  const concurrency = m.concurrency === 1
    ? ""
    : ` concurrency=${m.concurrency}`;
  assert.equal(
    String(locks),
    `<KeyedLock${concurrency} keys=${m.liveKeys} waiters=${m.queue.length}${
      m.closed ? " closed" : ""
    }>`,
  );
  // Per-key exclusion, counted from the releasers the lock handed out.
  const holding = new Map<ModelKey, number>();
  for (const id of r.releasers.keys()) {
    if (m.spent.includes(id)) continue;
    assert.ok(m.holders.has(id), `releaser ${id} belongs to a holder`);
    for (const key of m.holders.get(id)!) {
      holding.set(key, (holding.get(key) ?? 0) + 1);
    }
  }
  // A multi-key acquire still waiting holds the keys before the one it
  // waits for.
  for (const w of m.queue) {
    for (const key of w.keys.slice(0, w.taken)) {
      holding.set(key, (holding.get(key) ?? 0) + 1);
    }
  }
  for (const key of KEY_POOL) {
    const n = holding.get(key) ?? 0;
    assert.ok(n <= m.concurrency, `${n} holders of ${key}`);
    assert.equal(n, m.held.get(key) ?? 0, `holders of ${key}`);
  }
}

const keysArb: fc.Arbitrary<ModelKey | ModelKey[]> = fc.oneof(
  fc.constantFrom(...KEY_POOL),
  fc.array(fc.constantFrom(...KEY_POOL), { maxLength: 4 }),
);

function keyedSteps(): fc.Arbitrary<Step<KeyedModel, KeyedReal>>[] {
  const compare = compareKeyed;
  type C = Cmd<KeyedModel, KeyedReal>;
  const show = (keys: ModelKey | ModelKey[]) => JSON.stringify(keys);
  return [
    ...commonSteps(compare),
    fc.tuple(keysArb, optionSpec).map(([keys, spec]): C =>
      new Cmd(
        `acquire(${show(keys)}, ${showSpec(spec)})`,
        () => true,
        (m, r) => {
          const id = m.nextId++;
          const { options, deadline, aborted, shared } = makeOptions(
            spec,
            id,
            m,
            r,
          );
          const w: KeyedWaiter = {
            id,
            deadline,
            shared,
            keys: canonicalKeys(keys),
            taken: 0,
            seq: -1,
          };
          m.start(w, aborted);
          r.follow(id, r.locks.acquire(keys, options));
        },
        compare,
      )
    ),
    fc.tuple(keysArb, optionSpec).map(([keys, spec]): C =>
      new Cmd(
        `use(${show(keys)}, ${showSpec(spec)})`,
        () => true,
        (m, r) => {
          const id = m.nextId++;
          const { options, deadline, aborted, shared } = makeOptions(
            spec,
            id,
            m,
            r,
          );
          const w: KeyedWaiter = {
            id,
            deadline,
            shared,
            use: "return",
            keys: canonicalKeys(keys),
            taken: 0,
            seq: -1,
          };
          m.start(w, aborted);
          r.follow(
            id,
            r.locks.use(keys, () => {
              // The function runs holding every key.
              for (const key of canonicalKeys(keys)) {
                assert.ok(r.locks.held(key) > 0, `use() holds ${key}`);
              }
              return undefined;
            }, options),
          );
        },
        compare,
      )
    ),
    keysArb.map((keys): C =>
      new Cmd(`tryAcquire(${show(keys)})`, () => true, (m, r) => {
        const id = m.nextId++;
        const releaser = r.locks.tryAcquire(keys);
        const list = canonicalKeys(keys);
        if (!m.closed && list.every((key) => m.available(key))) {
          for (const key of list) m.take(key);
          m.holders.set(id, list);
          assert.ok(releaser, "tryAcquire() gave a releaser");
          r.releasers.set(id, releaser);
        } else {
          assert.equal(releaser, undefined, "tryAcquire() gave nothing");
        }
      }, compare)
    ),
    fc.nat().map((k): C =>
      new Cmd(
        `releaser(#${k}).release()`,
        (m) => m.holders.size > 0,
        (m, r) => {
          const ids = [...m.holders.keys()];
          const id = ids[k % ids.length];
          const keys = m.holders.get(id)!;
          m.holders.delete(id);
          m.spent.push(id);
          for (let i = keys.length; i-- > 0;) m.release(keys[i]);
          r.releasers.get(id)!.release();
        },
        compare,
      )
    ),
    fc.nat().map((k): C =>
      new Cmd(
        `releaser(#${k})[Symbol.dispose]() again`,
        (m) => m.spent.length > 0,
        (m, r) =>
          r.releasers.get(m.spent[k % m.spent.length])!
            [Symbol.dispose](),
        compare,
      )
    ),
    fc.constant<C>(
      new Cmd("close()", () => true, (m, r) => {
        m.close();
        r.locks.close(r.closeReason);
      }, compare),
    ),
  ];
}

Deno.test("KeyedLock agrees with its model under random single- and multi-key acquires, use(), tryAcquire(), releases, timeouts, aborts and close()", async () => {
  const steps = keyedSteps();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 2 }),
      fc.commands(steps, { maxCommands: 50, size: "+1" }),
      (concurrency, commands) =>
        fc.asyncModelRun(
          () => ({
            model: new KeyedModel(concurrency),
            real: new KeyedReal(concurrency),
          }),
          commands,
        ),
    ),
    settings(),
  );
});

// ---------------------------------------------------------------------------
// Queue, PriorityQueue and LifoQueue share one model: a buffer in the
// class's order, getters, putters holding their items and joiners in one
// line (each tagged with its role), and the tasks count. Every item is a
// unique number (a PriorityQueue's is the array `[priority]`, made once per
// number, so equal entries are told apart); a getter's settlement names the
// item it got. After every step the model and the queue agree on who got
// what, in order, so every item put is got exactly once, still queued,
// dropped by an immediate shutdown, or never entered (a putter that gave up
// or was shut out).

type QueueKind = "Queue" | "PriorityQueue" | "LifoQueue";

interface QueueModelWaiter extends ModelWaiter {
  role: "get" | "put" | "join";
  item?: number;
}

class QueueModel extends ModelBase {
  declare queue: QueueModelWaiter[];
  /** Items in the buffer, each with the count of pushes before it. */
  buffer: { item: number; order: number }[] = [];
  pushed = 0;
  nextItem = 0;
  unfinished = 0;
  shutDown = false;
  /** Settlements of woken waiters, logged after the step's own. */
  woken: string[] = [];

  constructor(
    readonly kind: QueueKind,
    readonly maxsize: number,
    readonly priorities: number[],
  ) {
    super();
  }

  priority(item: number): number {
    return this.priorities[item % this.priorities.length];
  }

  role(role: QueueModelWaiter["role"]): QueueModelWaiter[] {
    return this.queue.filter((w) => w.role === role);
  }

  leave(w: QueueModelWaiter): void {
    this.queue.splice(this.queue.indexOf(w), 1);
  }

  push(item: number): void {
    this.buffer.push({ item, order: this.pushed++ });
  }

  take(): number {
    let at = 0;
    if (this.kind === "LifoQueue") at = this.buffer.length - 1;
    if (this.kind === "PriorityQueue") {
      for (let i = 1; i < this.buffer.length; i++) {
        const a = this.buffer[i];
        const b = this.buffer[at];
        const order = this.priority(a.item) - this.priority(b.item);
        if (order < 0 || (order === 0 && a.order < b.order)) at = i;
      }
    }
    return this.buffer.splice(at, 1)[0].item;
  }

  /** Takes the next item, admitting the first putter's item first. */
  poll(): number {
    const putter = this.role("put")[0];
    if (putter !== undefined) {
      this.leave(putter);
      this.push(putter.item!);
      this.unfinished++;
      this.woken.push(`${putter.id}:ok`);
    }
    return this.take();
  }

  /** Hands the item to the first getter or buffers it; false if neither. */
  offer(item: number): boolean {
    const getter = this.role("get")[0];
    if (getter !== undefined) {
      this.leave(getter);
      this.unfinished++;
      this.woken.push(`${getter.id}:got(${item})`);
      return true;
    }
    if (this.maxsize === 0 || this.buffer.length < this.maxsize) {
      this.push(item);
      this.unfinished++;
      return true;
    }
    return false;
  }

  finishIfDone(): void {
    if (this.unfinished !== 0) return;
    for (const w of this.role("join")) {
      this.leave(w);
      this.log.push(`${w.id}:ok`);
    }
  }

  shutdown(immediate: boolean): void {
    if (immediate && this.buffer.length > 0) {
      const removed = this.buffer.length;
      this.buffer = [];
      if (this.unfinished > 0) {
        this.unfinished = Math.max(0, this.unfinished - removed);
        this.finishIfDone();
      }
    }
    if (!this.shutDown) {
      this.shutDown = true;
      for (const w of this.role("put")) {
        this.leave(w);
        this.woken.push(`${w.id}:shutdown`);
      }
    }
    if (this.buffer.length === 0) {
      for (const w of this.role("get")) {
        this.leave(w);
        this.woken.push(`${w.id}:shutdown`);
      }
    }
  }

  /** Ends a step: woken waiters resume after the caller. */
  override settle(): void {
    this.log.push(...this.woken.splice(0));
  }

  /** The common steps' close() is a shutdown that is not immediate. */
  override close(): void {
    this.shutdown(false);
  }
}

class QueueReal extends RealBase {
  queue: Queue<unknown>;
  entries = new Map<number, unknown[]>();

  constructor(readonly kind: QueueKind, maxsize: number) {
    super();
    const loop = this.loop;
    this.queue = kind === "Queue"
      ? new Queue(maxsize, { loop })
      : kind === "LifoQueue"
      ? new LifoQueue(maxsize, { loop })
      : new PriorityQueue(maxsize, { loop });
  }

  /** The real item for model item `item`. */
  item(m: QueueModel, item: number): unknown {
    if (this.kind !== "PriorityQueue") return item;
    const entry = [m.priority(item)];
    this.entries.set(item, entry);
    return entry;
  }

  /** The model item a real item stands for. */
  itemOf(value: unknown): number {
    if (typeof value === "number") return value;
    for (const [item, entry] of this.entries) if (entry === value) return item;
    throw new Error(`an item never put: ${String(value)}`);
  }

  trackGet(id: number, promise: Promise<unknown>): void {
    promise.then(
      (value) => this.settle(id, `got(${this.itemOf(value)})`),
      (error) => this.settle(id, this.classify(id, error)),
    );
  }

  override classify(id: number, error: unknown): string {
    if (error instanceof QueueShutDown) return "shutdown";
    return super.classify(id, error);
  }

  close(): void {
    this.queue.shutdown();
  }
}

function compareQueue(m: QueueModel, r: QueueReal): void {
  const q = r.queue;
  const getters = m.role("get").length;
  const putters = m.role("put").length;
  assert.equal(q.size, m.buffer.length, "size");
  assert.equal(q.getters, getters, "getters");
  assert.equal(q.putters, putters, "putters");
  assert.equal(q.unfinishedTasks, m.unfinished, "unfinishedTasks");
  assert.equal(q.isShutDown(), m.shutDown, "isShutDown()");
  assert.equal(q.isEmpty(), m.buffer.length === 0, "isEmpty()");
  assert.equal(
    q.isFull(),
    m.maxsize > 0 && m.buffer.length >= m.maxsize,
    "isFull()",
  );
  let text = `<${m.kind} maxsize=${m.maxsize}`;
  if (m.buffer.length > 0) text += ` size=${m.buffer.length}`;
  if (getters > 0) text += ` getters[${getters}]`;
  if (putters > 0) text += ` putters[${putters}]`;
  if (m.unfinished > 0) text += ` tasks=${m.unfinished}`;
  if (m.shutDown) text += " shutdown";
  assert.equal(String(q), `${text}>`);
}

function queueSteps(): fc.Arbitrary<Step<QueueModel, QueueReal>>[] {
  const compare = compareQueue;
  type C = Cmd<QueueModel, QueueReal>;
  const cmd = (
    label: string,
    act: (m: QueueModel, r: QueueReal) => void,
    pre: (m: QueueModel) => boolean = () => true,
  ): C => new Cmd(label, pre, act, compare);
  return [
    ...commonSteps(compare),
    optionSpec.map((spec) =>
      cmd(`put(${showSpec(spec)})`, (m, r) => {
        const id = m.nextId++;
        const item = m.nextItem++;
        const { options, deadline, aborted, shared } = makeOptions(
          spec,
          id,
          m,
          r,
        );
        if (m.shutDown) m.log.push(`${id}:shutdown`);
        else if (aborted) m.log.push(`${id}:abort`);
        else if (m.offer(item)) m.log.push(`${id}:ok`);
        else if (deadline <= m.time) m.log.push(`${id}:timeout`);
        else m.queue.push({ id, deadline, shared, role: "put", item });
        r.track(id, r.queue.put(r.item(m, item), options));
      })
    ),
    fc.constant(
      cmd("putNowait()", (m, r) => {
        const item = m.nextItem++;
        const error = m.shutDown
          ? QueueShutDown
          : m.offer(item)
          ? undefined
          : QueueFull;
        expectThrow(error, () => r.queue.putNowait(r.item(m, item)));
      }),
    ),
    optionSpec.map((spec) =>
      cmd(`get(${showSpec(spec)})`, (m, r) => {
        const id = m.nextId++;
        const { options, deadline, aborted, shared } = makeOptions(
          spec,
          id,
          m,
          r,
        );
        if (m.buffer.length > 0 && aborted) m.log.push(`${id}:abort`);
        else if (m.buffer.length > 0) m.log.push(`${id}:got(${m.poll()})`);
        else if (m.shutDown) m.log.push(`${id}:shutdown`);
        else if (aborted) m.log.push(`${id}:abort`);
        else if (deadline <= m.time) m.log.push(`${id}:timeout`);
        else m.queue.push({ id, deadline, shared, role: "get" });
        r.trackGet(id, r.queue.get(options));
      })
    ),
    fc.constant(
      cmd("getNowait()", (m, r) => {
        if (m.buffer.length > 0) {
          const item = m.poll();
          assert.equal(r.itemOf(r.queue.getNowait()), item, "getNowait()");
        } else {
          const error = m.shutDown ? QueueShutDown : QueueEmpty;
          expectThrow(error, () => r.queue.getNowait());
        }
      }),
    ),
    fc.constant(
      cmd("taskDone()", (m, r) => {
        if (m.unfinished === 0) {
          expectThrow(RangeError, () => r.queue.taskDone());
          return;
        }
        m.unfinished--;
        m.finishIfDone();
        r.queue.taskDone();
      }),
    ),
    optionSpec.map((spec) =>
      cmd(`join(${showSpec(spec)})`, (m, r) => {
        const id = m.nextId++;
        const { options, deadline, aborted, shared } = makeOptions(
          spec,
          id,
          m,
          r,
        );
        if (aborted) m.log.push(`${id}:abort`);
        else if (m.unfinished === 0) m.log.push(`${id}:ok`);
        else if (deadline <= m.time) m.log.push(`${id}:timeout`);
        else m.queue.push({ id, deadline, shared, role: "join" });
        r.track(id, r.queue.join(options));
      })
    ),
    fc.boolean().map((immediate) =>
      cmd(`shutdown(${immediate})`, (m, r) => {
        m.shutdown(immediate);
        r.queue.shutdown(immediate);
      })
    ),
  ];
}

for (const kind of ["Queue", "PriorityQueue", "LifoQueue"] as const) {
  const steps = queueSteps();
  Deno.test(`${kind} agrees with its model under random puts, gets, taskDone(), join(), shutdowns, timeouts and aborts: every item got once, queued or dropped`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 2 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.commands(steps, { ...commandLimits, maxCommands: 60 }),
        (maxsize, priorities, commands) =>
          fc.asyncModelRun(
            () => ({
              model: new QueueModel(kind, maxsize, priorities),
              real: new QueueReal(kind, maxsize),
            }),
            commands,
          ),
      ),
      settings(),
    );
  });
}
