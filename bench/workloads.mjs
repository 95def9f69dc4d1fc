/**
 * The workloads, written once for every runtime: each takes the library
 * module and the peers as arguments, so Deno can pass `mod.ts` and Node and
 * Bun the transpiled `mod.js`.
 *
 * Each workload maps an implementation's name to `run(n, env)`, which does
 * `n` operations and resolves with `{ ms }` (time spent on them) plus any
 * extra measurements (`bytes`: heap bytes per waiter; `growth`: heap bytes
 * left behind per wait). Implementations a peer cannot express are absent.
 *
 * @module
 */

import {
  floor,
  RawBarrier,
  RawCondition,
  RawEvent,
  RawKeyedLock,
  RawLock,
  RawPriorityQueue,
  RawQueue,
  RawReadWriteLock,
  RawSemaphore,
  RawWaitGroup,
} from "./baselines.mjs";

/** The npm peers, in the order tables list them. */
export const PEERS = [
  "async-mutex",
  "async-sema",
  "await-lock",
  "p-limit",
  "es-toolkit",
  "async-rwlock",
  "rwlock",
  "@rocicorp/lock",
  "@jpwilliams/waitgroup",
  "async-lock",
  "async-channel",
  "@repeaterjs/repeater",
  "@esfx/async-queue",
];

/** Names of the implementations that are not peers. */
export const OURS = "@coop/locks";
export const RAW = "raw-fifo";
export const FLOOR = "floor";

const noop = () => {};

/** Times `body(n)` after a collection. */
function timed(body) {
  return async (n, env) => {
    env.gc();
    const start = env.now();
    await body(n);
    return { ms: env.now() - start };
  };
}

/** Times `body(n)` and reports the heap it leaves behind, per operation. */
function timedWithGrowth(body) {
  return async (n, env) => {
    env.gc();
    const before = env.heap();
    const start = env.now();
    await body(n);
    const ms = env.now() - start;
    env.gc();
    return { ms, growth: (env.heap() - before) / n };
  };
}

/** Runs `tasks` copies of `task(perTask)` at once. */
function crowd(tasks, task) {
  return (n) => {
    const perTask = Math.max(1, Math.round(n / tasks));
    const all = [];
    for (let i = 0; i < tasks; i++) all.push(task(perTask));
    return Promise.all(all);
  };
}

/**
 * A lock's acquire+release as one loop body per implementation, so (a),
 * (b) and (d2) share them.
 */
function lockLoops({ coop, peers }) {
  const { Mutex } = peers.asyncMutex;
  const { Sema } = peers.asyncSema;
  const AwaitLock = peers.AwaitLock;
  const EsMutex = peers.esToolkit.Mutex;
  const pLimit = peers.pLimit;
  return {
    [OURS]: () => {
      const lock = new coop.Lock();
      return async (k) => {
        for (let i = 0; i < k; i++) (await lock.acquire()).release();
      };
    },
    "async-mutex": () => {
      const mutex = new Mutex();
      return async (k) => {
        for (let i = 0; i < k; i++) (await mutex.acquire())();
      };
    },
    "async-sema": () => {
      const sema = new Sema(1);
      return async (k) => {
        for (let i = 0; i < k; i++) {
          await sema.acquire();
          sema.release();
        }
      };
    },
    "await-lock": () => {
      const lock = new AwaitLock();
      return async (k) => {
        for (let i = 0; i < k; i++) {
          await lock.acquireAsync();
          lock.release();
        }
      };
    },
    "p-limit": () => {
      const limit = pLimit(1);
      return async (k) => {
        for (let i = 0; i < k; i++) await limit(noop);
      };
    },
    "es-toolkit": () => {
      const mutex = new EsMutex();
      return async (k) => {
        for (let i = 0; i < k; i++) {
          await mutex.acquire();
          mutex.release();
        }
      };
    },
    [RAW]: () => {
      const lock = new RawLock();
      return async (k) => {
        for (let i = 0; i < k; i++) {
          await lock.acquire();
          lock.release();
        }
      };
    },
    [FLOOR]: () => async (k) => {
      for (let i = 0; i < k; i++) await floor();
    },
  };
}

// Each implementation's lock (or semaphore) is made once per workload and
// kept across trials, as a lock that guards a resource lives long: a fresh
// one per trial would let a collection throw away the optimized code that
// captured the old one, and measure re-optimization instead.
function lockWorkload(libs, tasks) {
  const impls = {};
  for (const [name, make] of Object.entries(lockLoops(libs))) {
    const loop = make();
    impls[name] = timed(tasks === 1 ? loop : crowd(tasks, loop));
  }
  return impls;
}

function semaphoreWorkload({ coop, peers }, viaUse) {
  const TASKS = 1000;
  const PERMITS = 8;
  // One round: 1,000 tasks each take and give back one permit.
  const rounds = (makeTask) => {
    const task = makeTask();
    return async (n) => {
      for (let done = 0; done < n; done += TASKS) {
        const all = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) all[i] = task();
        await Promise.all(all);
      }
    };
  };
  const { Semaphore: AmSemaphore } = peers.asyncMutex;
  const { Sema } = peers.asyncSema;
  const { Semaphore: EsSemaphore } = peers.esToolkit;
  const pLimit = peers.pLimit;
  const byUse = {
    [OURS]: () => {
      const semaphore = new coop.Semaphore(PERMITS);
      return () => semaphore.use(noop);
    },
    "async-mutex": () => {
      const semaphore = new AmSemaphore(PERMITS);
      return () => semaphore.runExclusive(noop);
    },
    "p-limit": () => {
      const limit = pLimit(PERMITS);
      return () => limit(noop);
    },
    [RAW]: () => {
      const semaphore = new RawSemaphore(PERMITS);
      return () => semaphore.use(noop);
    },
  };
  const byAcquire = {
    [OURS]: () => {
      const semaphore = new coop.Semaphore(PERMITS);
      return async () => (await semaphore.acquire()).release();
    },
    "async-mutex": () => {
      const semaphore = new AmSemaphore(PERMITS);
      return async () => (await semaphore.acquire())[1]();
    },
    "async-sema": () => {
      const sema = new Sema(PERMITS);
      return async () => {
        await sema.acquire();
        sema.release();
      };
    },
    "p-limit": byUse["p-limit"],
    "es-toolkit": () => {
      const semaphore = new EsSemaphore(PERMITS);
      return async () => {
        await semaphore.acquire();
        semaphore.release();
      };
    },
    [RAW]: () => {
      const semaphore = new RawSemaphore(PERMITS);
      return async () => {
        await semaphore.acquire();
        semaphore.release();
      };
    },
  };
  const impls = {};
  for (const [name, makeTask] of Object.entries(viaUse ? byUse : byAcquire)) {
    impls[name] = timed(rounds(makeTask));
  }
  impls[FLOOR] = timed(rounds(() => floor));
  return impls;
}

function weightedWorkload({ coop, peers }) {
  const TASKS = 1000;
  const CAPACITY = 16;
  // The same 1..8 weights for every implementation: a fixed linear
  // congruential sequence, not Math.random, so each trial does equal work.
  const weights = new Array(TASKS);
  for (let i = 0, x = 1; i < TASKS; i++) {
    x = (x * 48271) % 2147483647;
    weights[i] = 1 + (x % 8);
  }
  const rounds = (makeTask) => {
    const task = makeTask();
    return async (n) => {
      for (let done = 0; done < n; done += TASKS) {
        const all = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) all[i] = task(weights[i]);
        await Promise.all(all);
      }
    };
  };
  const { Semaphore: AmSemaphore } = peers.asyncMutex;
  const byAcquire = {
    [OURS]: () => {
      const semaphore = new coop.Semaphore(CAPACITY);
      return async (permits) =>
        (await semaphore.acquire({ permits })).release();
    },
    "async-mutex": () => {
      const semaphore = new AmSemaphore(CAPACITY);
      return async (weight) => (await semaphore.acquire(weight))[1]();
    },
  };
  const impls = {};
  for (const [name, makeTask] of Object.entries(byAcquire)) {
    impls[name] = timed(rounds(makeTask));
  }
  impls[FLOOR] = timed(rounds(() => floor));
  return impls;
}

function conditionPingPong({ coop }) {
  // Two tasks take turns; each turn is one notify and one wake-up.
  const game = (condition) => (n) => {
    let turn = 0;
    const rounds = Math.max(1, Math.round(n / 2));
    const player = async (me) => {
      for (let i = 0; i < rounds; i++) {
        while (turn !== me) await condition.wait();
        turn = 1 - me;
        condition.notify();
      }
    };
    return Promise.all([player(0), player(1)]);
  };
  return {
    [OURS]: timed(game(new coop.Condition())),
    [RAW]: timed(game(new RawCondition())),
    [FLOOR]: timed(async (n) => {
      for (let i = 0; i < n; i++) await floor();
    }),
  };
}

function eventWaiters({ coop, peers }) {
  const { Mutex } = peers.asyncMutex;
  // Waits `n` times, then sets: the time for both, and the heap the waits
  // hold while they wait. Waits keep their promises in an array made
  // beforehand, as callers that await them would. Each implementation
  // brings its own loop of waits, as in lockLoops: one loop shared by all
  // would time a call site that has seen every class, not the class.
  const measure = (make, waitAll) => async (n, env) => {
    const filler = Promise.resolve();
    const promises = new Array(n).fill(filler);
    const event = make();
    env.gc();
    const before = env.heap();
    let start = env.now();
    waitAll(event, promises);
    let ms = env.now() - start;
    env.gc();
    const bytes = (env.heap() - before) / n;
    start = env.now();
    event.set();
    await promises[n - 1];
    ms += env.now() - start;
    return { ms, bytes };
  };
  return {
    [OURS]: measure(() => new coop.Event(), (event, promises) => {
      for (let i = 0; i < promises.length; i++) promises[i] = event.wait();
    }),
    // A locked mutex whose `waitForUnlock()` waiters an unlock wakes.
    "async-mutex": measure(() => {
      const mutex = new Mutex();
      mutex.acquire();
      return { wait: () => mutex.waitForUnlock(), set: () => mutex.release() };
    }, (event, promises) => {
      for (let i = 0; i < promises.length; i++) promises[i] = event.wait();
    }),
    [RAW]: measure(() => new RawEvent(), (event, promises) => {
      for (let i = 0; i < promises.length; i++) promises[i] = event.wait();
    }),
    [FLOOR]: measure(() => ({ wait: floor, set: noop }), (event, promises) => {
      for (let i = 0; i < promises.length; i++) promises[i] = event.wait();
    }),
  };
}

function timedWaits({ coop, peers }, withSignal) {
  const { Mutex, withTimeout } = peers.asyncMutex;
  const AwaitLock = peers.AwaitLock;
  const TIMEOUT = 1000;
  // The lock is held while the next wait starts, so every wait queues, arms
  // its timer (or listener), and is granted by the release long before the
  // timeout.
  const controller = new AbortController();
  const options = withSignal
    ? { signal: controller.signal }
    : { timeout: TIMEOUT };
  const lock = new coop.Lock();
  const raw = new RawLock();
  const mutex = withTimeout(new Mutex(), TIMEOUT);
  const awaitLock = new AwaitLock();
  const ours = timedWithGrowth(async (n) => {
    let held = await lock.acquire();
    for (let i = 0; i < n; i++) {
      const next = lock.acquire(options);
      held.release();
      held = await next;
    }
    held.release();
  });
  const impls = {
    // Also what the deadline heap still holds: a granted wait's timer must
    // leave it at once, so nothing should.
    [OURS]: async (n, env) => ({
      ...await ours(n, env),
      timersLeft: coop.IOLoop.current().pendingTimers,
    }),
    [RAW]: timedWithGrowth(async (n) => {
      await raw.acquire();
      for (let i = 0; i < n; i++) {
        const next = raw.acquire(options);
        raw.release();
        await next;
      }
      raw.release();
    }),
    [FLOOR]: timedWithGrowth(async (n) => {
      for (let i = 0; i < n; i++) await floor();
    }),
  };
  if (!withSignal) {
    impls["async-mutex"] = timedWithGrowth(async (n) => {
      let release = await mutex.acquire();
      for (let i = 0; i < n; i++) {
        const next = mutex.acquire();
        release();
        release = await next;
      }
      release();
    });
    impls["await-lock"] = timedWithGrowth(async (n) => {
      await awaitLock.acquireAsync();
      for (let i = 0; i < n; i++) {
        const next = awaitLock.acquireAsync(options);
        awaitLock.release();
        await next;
      }
      awaitLock.release();
    });
  }
  impls.signal = controller.signal;
  return impls;
}

// Queues ---------------------------------------------------------------------

// Random priorities for q3, the same for every implementation: small
// integers, so an item costs the heap nothing of its own.
const PRIORITIES = (() => {
  const priorities = new Array(1 << 18);
  let seed = 20261125;
  for (let i = 0; i < priorities.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    priorities[i] = seed % 1_000_000;
  }
  return priorities;
})();

const itemOf = (priority) =>
  priority ? (i) => PRIORITIES[i & (PRIORITIES.length - 1)] : (i) => i;

/**
 * `producers` tasks put `n` items in all and `consumers` tasks get them,
 * through one queue made per workload (as a long-lived queue is) with room
 * for `maxsize` items (0: unbounded). Each implementation is `{ put, get }`.
 */
function queueRun(make, { producers, consumers, priority }) {
  const queue = make();
  const item = itemOf(priority);
  return timed(async (n) => {
    const perProducer = Math.max(1, Math.round(n / producers));
    const perConsumer = (perProducer * producers) / consumers;
    const all = [];
    for (let p = 0; p < producers; p++) {
      all.push((async () => {
        const base = p * perProducer;
        for (let i = 0; i < perProducer; i++) await queue.put(item(base + i));
      })());
    }
    for (let c = 0; c < consumers; c++) {
      all.push((async () => {
        for (let i = 0; i < perConsumer; i++) await queue.get();
      })());
    }
    await Promise.all(all);
  });
}

/** Heap bytes per item held, by a queue of `K` small integers. */
function heapPerItem(make, put) {
  const K = 100_000;
  return (env) => {
    env.gc();
    const before = env.heap();
    const queue = make();
    for (let i = 0; i < K; i++) put(queue, i);
    env.gc();
    const bytes = (env.heap() - before) / K;
    if (queue.size !== K) throw new Error("the queue lost items");
    return bytes;
  };
}

/** Adds `bytes` (heap per queued item) to a timed result. */
function withBytes(run, bytes) {
  return async (n, env) => ({ ...await run(n, env), bytes: bytes(env) });
}

function queueWorkload({ coop, peers }, shape) {
  const { maxsize, priority } = shape;
  const Ours = priority ? coop.PriorityQueue : coop.Queue;
  const Raw = priority ? RawPriorityQueue : RawQueue;
  const impls = {
    [OURS]: withBytes(
      queueRun(() => new Ours(maxsize), shape),
      heapPerItem(() => new Ours(), (queue, i) => queue.putNowait(i)),
    ),
    [RAW]: withBytes(
      queueRun(() => new Raw(maxsize), shape),
      heapPerItem(() => new Raw(), (queue, i) => queue.put(i)),
    ),
    [FLOOR]: timed(async (n) => {
      for (let i = 0; i < n; i++) await floor();
    }),
  };
  if (priority) return impls;
  const { Channel } = peers.asyncChannel;
  impls["async-channel"] = queueRun(() => {
    const channel = new Channel(maxsize === 0 ? Infinity : maxsize);
    return { put: (x) => channel.push(x), get: () => channel.get() };
  }, shape);
  if (maxsize === 0) {
    const { AsyncQueue } = peers.esfxAsyncQueue;
    impls["@esfx/async-queue"] = queueRun(() => new AsyncQueue(), shape);
  }
  if (shape.producers === 1 && shape.consumers === 1) {
    // One producer inside the repeater's executor, one consumer: a
    // repeater is single-use and single-consumer.
    const { Repeater, FixedBuffer } = peers.repeater;
    impls["@repeaterjs/repeater"] = timed(async (n) => {
      const repeater = new Repeater(async (push, stop) => {
        for (let i = 0; i < n; i++) await push(i);
        stop();
      }, new FixedBuffer(maxsize));
      for (let i = 0; i < n; i++) await repeater.next();
      await repeater.return();
    });
  }
  return impls;
}

/**
 * 100 tasks share one reader-writer lock, 90% of their turns reading and
 * 10% writing; each holds it across one promise turn, so that readers
 * overlap and writers wait for them.
 */
function readWriteWorkload({ coop, peers }) {
  const TASKS = 100;
  const writes = (task, i) => (task * 7 + i) % 10 === 0;
  const run = (turn) => (n) => {
    const perTask = Math.max(1, Math.round(n / TASKS));
    const all = [];
    for (let task = 0; task < TASKS; task++) {
      all.push((async () => {
        for (let i = 0; i < perTask; i++) await turn(writes(task, i));
      })());
    }
    return Promise.all(all);
  };
  const AsyncRwLock = peers.asyncRwlock.RWLock;
  const CallbackRwLock = peers.rwlock;
  const RociRwLock = peers.rocicorp.RWLock;
  const impls = {
    [OURS]: () => {
      const lock = new coop.ReadWriteLock();
      return async (write) => {
        const releaser = await (write ? lock.write() : lock.read());
        await floor();
        releaser.release();
      };
    },
    "async-rwlock": () => {
      const lock = new AsyncRwLock();
      return async (write) => {
        await (write ? lock.writeLock() : lock.readLock());
        await floor();
        lock.unlock();
      };
    },
    // Callbacks, so each turn wraps its grant in a promise.
    "rwlock": () => {
      const lock = new CallbackRwLock();
      return async (write) => {
        const release = await new Promise((resolve) =>
          write ? lock.writeLock(resolve) : lock.readLock(resolve)
        );
        await floor();
        release();
      };
    },
    "@rocicorp/lock": () => {
      const lock = new RociRwLock();
      return async (write) => {
        const release = await (write ? lock.write() : lock.read());
        await floor();
        release();
      };
    },
    [RAW]: () => {
      const lock = new RawReadWriteLock();
      return async (write) => {
        if (write) {
          await lock.write();
          await floor();
          lock.releaseWrite();
        } else {
          await lock.read();
          await floor();
          lock.releaseRead();
        }
      };
    },
    [FLOOR]: () => async () => {
      await floor();
      await floor();
    },
  };
  // @rocicorp/lock needs Promise.withResolvers (Node 22 and later).
  if (typeof Promise.withResolvers !== "function") {
    delete impls["@rocicorp/lock"];
  }
  const out = {};
  for (const [name, make] of Object.entries(impls)) {
    out[name] = timed(run(make()));
  }
  return out;
}

/** A barrier of 8 parties, 8 tasks meeting at it round after round. */
function barrierWorkload({ coop }) {
  const PARTIES = 8;
  const rounds = (barrier) => (n) => {
    const perTask = Math.max(1, Math.round(n / PARTIES));
    const all = [];
    for (let task = 0; task < PARTIES; task++) {
      all.push((async () => {
        for (let i = 0; i < perTask; i++) await barrier.wait();
      })());
    }
    return Promise.all(all);
  };
  return {
    [OURS]: timed(rounds(new coop.Barrier(PARTIES))),
    [RAW]: timed(rounds(new RawBarrier(PARTIES))),
    [FLOOR]: timed(rounds({ wait: floor })),
  };
}

/**
 * A wait group per round: 10 tasks counted in with one `add(10)`, each
 * done after a promise turn, and 2 waiters; `n` counts the tasks.
 */
function waitGroupWorkload({ coop, peers }) {
  const TASKS = 10;
  const rounds = (group) => {
    const task = async () => {
      await floor();
      group.done();
    };
    return async (n) => {
      for (let done = 0; done < n; done += TASKS) {
        group.add(TASKS);
        const all = [group.wait(), group.wait()];
        for (let i = 0; i < TASKS; i++) all.push(task());
        await Promise.all(all);
      }
    };
  };
  return {
    [OURS]: timed(rounds(new coop.WaitGroup())),
    "@jpwilliams/waitgroup": timed(
      rounds(new peers.jpWaitgroup.WaitGroup()),
    ),
    [RAW]: timed(rounds(new RawWaitGroup())),
    [FLOOR]: timed(rounds({ add: noop, done: noop, wait: floor })),
  };
}

/**
 * k1: rounds of 10,000 tasks started at once, task `i` running a no-op
 * under key `i % 100`, so each key has a line of 100: the per-user lock of
 * a busy server. Every implementation removes a key once it is idle.
 */
function keyedWorkload({ coop, peers }) {
  const TASKS = 10_000;
  const KEYS = Array.from({ length: 100 }, (_, i) => `user:${i}`);
  const rounds = (task) => async (n) => {
    for (let done = 0; done < n; done += TASKS) {
      const all = new Array(TASKS);
      for (let i = 0; i < TASKS; i++) all[i] = task(KEYS[i % KEYS.length]);
      await Promise.all(all);
    }
  };
  const { Mutex } = peers.asyncMutex;
  const locks = new coop.KeyedLock();
  const asyncLock = new peers.AsyncLock();
  // A `Map<key, Mutex>` as users write it over async-mutex: made on first
  // use, deleted when the holder leaves it unlocked.
  const mutexes = new Map();
  const raw = new RawKeyedLock();
  return {
    [OURS]: timed(rounds((key) => locks.use(key, noop))),
    "async-lock": timed(rounds((key) => asyncLock.acquire(key, noop))),
    "async-mutex": timed(rounds(async (key) => {
      let mutex = mutexes.get(key);
      if (mutex === undefined) mutexes.set(key, mutex = new Mutex());
      try {
        return await mutex.runExclusive(noop);
      } finally {
        if (!mutex.isLocked()) mutexes.delete(key);
      }
    })),
    [RAW]: timed(rounds((key) => raw.use(key, noop))),
    [FLOOR]: timed(rounds(floor)),
  };
}

/**
 * Every workload: `n` is the operations per trial in a full run, `quick`
 * in a quick one.
 */
export function workloads(libs) {
  const f2 = timedWaits(libs, true);
  const signal = f2.signal;
  delete f2.signal;
  const f = timedWaits(libs, false);
  delete f.signal;
  return [
    {
      id: "a",
      title: "uncontended Lock acquire+release",
      n: 100_000,
      quick: 30_000,
      impls: lockWorkload(libs, 1),
    },
    {
      id: "b",
      title: "100 tasks contending for one Lock",
      n: 100_000,
      quick: 30_000,
      impls: lockWorkload(libs, 100),
    },
    {
      id: "c1",
      title: "Semaphore(8), 1,000 tasks acquire/release",
      n: 50_000,
      quick: 20_000,
      impls: semaphoreWorkload(libs, false),
    },
    {
      id: "c2",
      title: "Semaphore(8), 1,000 tasks through use(fn)",
      n: 50_000,
      quick: 20_000,
      impls: semaphoreWorkload(libs, true),
    },
    {
      id: "w1",
      title: "Semaphore(16), 1,000 tasks acquiring 1-8 permits",
      n: 50_000,
      quick: 20_000,
      impls: weightedWorkload(libs),
    },
    {
      id: "d1",
      title: "Condition ping-pong between two tasks",
      n: 100_000,
      quick: 30_000,
      impls: conditionPingPong(libs),
    },
    {
      id: "d2",
      title: "Lock ping-pong between two tasks",
      n: 100_000,
      quick: 30_000,
      impls: lockWorkload(libs, 2),
    },
    {
      id: "e",
      title: "Event: 100,000 waiters, then set()",
      n: 100_000,
      quick: 100_000,
      impls: eventWaiters(libs),
    },
    {
      id: "f",
      title: "acquire({ timeout: 1000 }) granted in time",
      n: 250_000,
      quick: 50_000,
      impls: f,
    },
    {
      id: "f2",
      title: "acquire({ signal }) granted, one long-lived signal",
      n: 250_000,
      quick: 50_000,
      impls: f2,
      signal,
    },
    {
      id: "r1",
      title: "ReadWriteLock, 100 tasks, 90% reads / 10% writes",
      n: 100_000,
      quick: 30_000,
      impls: readWriteWorkload(libs),
    },
    {
      id: "b1",
      title: "Barrier of 8 parties, round after round",
      n: 100_000,
      quick: 30_000,
      impls: barrierWorkload(libs),
    },
    {
      id: "g1",
      title: "WaitGroup add(10)/done()/wait() per round",
      n: 100_000,
      quick: 30_000,
      impls: waitGroupWorkload(libs),
    },
    {
      id: "k1",
      title: "KeyedLock: 10,000 tasks over 100 keys",
      n: 50_000,
      quick: 20_000,
      impls: keyedWorkload(libs),
    },
    {
      id: "q1",
      title: "Queue(64): one producer, one consumer, per item",
      n: 200_000,
      quick: 50_000,
      impls: queueWorkload(libs, {
        producers: 1,
        consumers: 1,
        maxsize: 64,
        priority: false,
      }),
    },
    {
      id: "q2",
      title: "Queue(): eight producers, eight consumers, per item",
      n: 200_000,
      quick: 50_000,
      impls: queueWorkload(libs, {
        producers: 8,
        consumers: 8,
        maxsize: 0,
        priority: false,
      }),
    },
    {
      id: "q3",
      title: "PriorityQueue(64), random priorities, one producer, one consumer",
      n: 200_000,
      quick: 50_000,
      impls: queueWorkload(libs, {
        producers: 1,
        consumers: 1,
        maxsize: 64,
        priority: true,
      }),
    },
  ];
}
