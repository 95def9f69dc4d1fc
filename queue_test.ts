import assert from "node:assert/strict";
import {
  IOLoop,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  TimeoutError,
  VirtualIOLoop,
} from "./mod.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import { queueHooks } from "./_queue_hooks.ts";
import { waitSuite } from "./_test_wait_suite.ts";
import {
  assertNoTimers,
  assertRendered,
  error,
  microtasks,
  stateOf,
  timeoutOf,
  watch,
  watchedSignal,
} from "./_test_util.ts";

const CLASSES = [Queue, PriorityQueue, LifoQueue] as const;
type AnyQueue = Queue<number>;

/** Takes every item queued, without waiting. */
function drain<T>(queue: Queue<T>): T[] {
  const items: T[] = [];
  while (!queue.isEmpty()) items.push(queue.getNowait());
  return items;
}

/** The order each class gives back 1, 3, 2 in (Tornado's and asyncio's test_order). */
const ORDER_OF_1_3_2 = new Map<unknown, number[]>([
  [Queue, [1, 3, 2]],
  [PriorityQueue, [1, 2, 3]],
  [LifoQueue, [2, 3, 1]],
]);

// ---------------------------------------------------------------------------
// The shared behaviour suite, for get(), put() and join(). Queue's waits
// stand for its subclasses', which differ only in the order of the items
// (the tests below, the model test and the hostile rows run every class).

for (const Class of [Queue]) {
  const name = Class.name;
  const withLoop = (loop?: IOLoop) => loop === undefined ? undefined : { loop };
  const shutDown = {
    close: (queue: Queue<number>) => queue.shutdown(),
    closeReasons: false,
    closedError: (e: unknown) =>
      e instanceof QueueShutDown && e.message === `${name} is shut down`,
    closedMarker: " shutdown",
  };
  // No fixture on which get() succeeds at once: the suite would have a
  // later get() reject there after the close, but a shutdown that is not
  // immediate leaves the items to be got, and an immediate one removes
  // them, which the inspection string shows. The tests above cover it.
  waitSuite(Deno.test, {
    name: `${name}.get()`,
    make: (loop) => new Class<number>(0, withLoop(loop)),
    wait: (queue, options) => queue.get(options),
    grant: (queue) => queue.putNowait(0),
    waiters: (queue) => queue.getters,
    ...shutDown,
  });
  waitSuite(Deno.test, {
    name: `${name}.put()`,
    make: (loop) => {
      const queue = new Class<number>(1, withLoop(loop));
      queue.putNowait(0);
      return queue;
    },
    makeAvailable: (loop) => new Class<number>(1, withLoop(loop)),
    wait: (queue, options) => queue.put(1, options),
    // A get frees the slot and admits the first putter's item.
    grant: (queue) => {
      if (queue.putters > 0) queue.getNowait();
    },
    waiters: (queue) => queue.putters,
    ...shutDown,
  });
  waitSuite(Deno.test, {
    name: `${name}.join()`,
    make: (loop) => {
      const queue = new Class<number>(0, withLoop(loop));
      queue.putNowait(0);
      return queue;
    },
    makeAvailable: (loop) => new Class<number>(0, withLoop(loop)),
    wait: (queue, options) => queue.join(options),
    grant: (queue) => {
      if (queue.unfinishedTasks > 0) queue.taskDone();
    },
    grantsAll: true,
    waiters: (queue) => queueHooks.joiners(queue),
  });
}

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new Queue() is unbounded, empty and idle, and so are its subclasses", () => {
  for (const Class of CLASSES) {
    for (
      const queue of [
        new Class(),
        new Class(0),
        new Class(0, {}),
        new Class(undefined, { loop: undefined }),
        new Class(-0, { loop: new VirtualIOLoop() }),
      ]
    ) {
      assert.ok(Object.is(queue.maxsize, 0));
      assert.equal(queue.size, 0);
      assert.equal(queue.isEmpty(), true);
      assert.equal(queue.isFull(), false);
      assert.equal(queue.getters, 0);
      assert.equal(queue.putters, 0);
      assert.equal(queue.unfinishedTasks, 0);
      assert.equal(queue.isShutDown(), false);
    }
  }
});

Deno.test("new Queue() refuses a maxsize that is not a non-negative safe integer (Tornado takes 1.3; we do not)", () => {
  for (const Class of CLASSES) {
    for (const maxsize of [null, "2", true, 2n, {}]) {
      assert.throws(
        () => new Class(maxsize as never),
        error(TypeError, /^Cannot create \w+ as 'maxsize' must be a number/),
      );
    }
    for (const maxsize of [-1, 1.3, NaN, Infinity, 2 ** 53]) {
      assert.throws(
        () => new Class(maxsize),
        error(
          RangeError,
          new RegExp(
            `^Cannot create ${Class.name} as 'maxsize' must be a non-negative integer: current value is`,
          ),
        ),
      );
    }
  }
  assert.throws(
    () => new Queue(-1),
    error(
      RangeError,
      "Cannot create Queue as 'maxsize' must be a non-negative integer: current value is -1",
    ),
  );
});

Deno.test("new Queue() refuses options that are not an object with an IOLoop", () => {
  for (const Class of CLASSES) {
    for (const options of [5, "loop", null]) {
      assert.throws(
        () => new Class(0, options as never),
        error(
          TypeError,
          `Cannot create ${Class.name} as 'options' must be an object: current value is ${
            options === null ? "null" : JSON.stringify(options)
          }`,
        ),
      );
    }
    for (const loop of [{}, null, IOLoop]) {
      assert.throws(
        () => new Class(0, { loop: loop as never }),
        error(TypeError, /'options\.loop' must be an IOLoop/),
      );
    }
  }
});

Deno.test("new PriorityQueue() refuses a compare option that is not a function", () => {
  for (const compare of [null, 1, "<", {}]) {
    assert.throws(
      () => new PriorityQueue(0, { compare: compare as never }),
      error(
        TypeError,
        /^Cannot create PriorityQueue as 'options\.compare' must be a function/,
      ),
    );
  }
});

// ---------------------------------------------------------------------------
// Tornado's QueueBasicTest, QueueGetTest, QueuePutTest, QueueJoinTest, and
// asyncio's shutdown tests, for each class and each loop kind.

for (const kind of LOOP_KINDS) {
  for (const Class of CLASSES) {
    const name = Class.name;
    const prefix = `${kind.name}: ${name}`;
    const make = (maxsize = 0) => new Class<number>(maxsize) as AnyQueue;

    Deno.test(`${prefix} gives items back in its own order (Tornado's test_order)`, () => {
      using _t = kind.create();
      const queue = make();
      for (const item of [1, 3, 2]) queue.putNowait(item);
      assert.deepEqual(drain(queue), ORDER_OF_1_3_2.get(Class));
    });

    Deno.test(`${prefix}.put() takes effect when called; a third waits until a get frees a slot (test_maxsize)`, async () => {
      using _t = kind.create();
      const queue = make(2);
      assert.equal(queue.isEmpty(), true);
      assert.equal(queue.isFull(), false);
      const put0 = queue.put(0);
      const put1 = queue.put(1);
      assert.equal(queue.size, 2);
      assert.equal(await stateOf(put0), "fulfilled");
      assert.equal(await stateOf(put1), "fulfilled");
      assert.equal(queue.isFull(), true);
      const put2 = queue.put(2);
      assert.equal(queue.putters, 1);
      assert.equal(await stateOf(put2), "pending");
      const first = await queue.get();
      assert.equal(first, Class === LifoQueue ? 2 : 0);
      assert.equal(queue.putters, 0);
      assert.equal(await stateOf(put2), "fulfilled");
      assert.equal(queue.isFull(), true);
      assert.equal(queue.unfinishedTasks, 3);
    });

    Deno.test(`${prefix}.get() takes an item put before (test_blocking_get, test_nonblocking_get)`, async () => {
      using _t = kind.create();
      const queue = make();
      queue.putNowait(0);
      assert.equal(await queue.get(), 0);
      queue.putNowait(1);
      assert.equal(queue.getNowait(), 1);
      assert.throws(
        () => queue.getNowait(),
        error(QueueEmpty as never, `${name} is empty`),
      );
    });

    Deno.test(`${prefix}.get() with a putter waiting admits its item (test_get_with_putters)`, async () => {
      using _t = kind.create();
      const queue = make(1);
      queue.putNowait(0);
      const putting = watch(queue.put(1));
      assert.equal(await queue.get(), Class === LifoQueue ? 1 : 0);
      assert.equal(queue.size, 1);
      await microtasks();
      assert.equal(putting.state, "fulfilled");
      assert.equal(queue.getNowait(), Class === LifoQueue ? 0 : 1);
    });

    Deno.test(`${prefix}.get() waits for items that come later (test_blocking_get_wait)`, async () => {
      using t = kind.create();
      const queue = make();
      queue.putNowait(0);
      t.loop.callLater(10, () => queue.putNowait(1));
      t.loop.callLater(20, () => queue.putNowait(2));
      assert.equal(await queue.get({ timeout: 1000 }), 0);
      const second = watch(queue.get({ timeout: 1000 }));
      await t.advance(10);
      assert.equal(second.state, "fulfilled");
      assert.equal(second.value, 1);
      await t.advance(10);
      assert.equal(queue.getNowait(), 2);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.get() times out, leaves at once, and the next getter gets the item (test_get_timeout)`, async () => {
      using t = kind.create();
      const queue = make();
      const timed = watch(queue.get({ timeout: 10 }));
      const plain = watch(queue.get());
      assert.equal(queue.getters, 2);
      await t.advance(10);
      assert.equal(timed.state, "rejected");
      assert.ok(timeoutOf(`${name}.get()`)(timed.reason));
      assert.equal(queue.getters, 1);
      queue.putNowait(0);
      await microtasks();
      assert.equal(plain.value, 0);
      assert.equal(queue.unfinishedTasks, 1);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.get() with timeout 0 or a past deadline rejects at once when empty, and takes at once otherwise (test_get_zero_timeout)`, async () => {
      using t = kind.create();
      const queue = make();
      for (
        const options of [{ timeout: 0 }, { deadline: 0 }, {
          deadline: t.loop.time(),
        }, { timeout: { seconds: -1 } }]
      ) {
        const got = watch(queue.get(options));
        assert.equal(queue.getters, 0);
        assertNoTimers(t);
        assert.equal(await stateOf(Promise.resolve()), "fulfilled");
        await microtasks();
        assert.equal(got.state, "rejected");
        assert.ok(got.reason instanceof TimeoutError);
      }
      queue.putNowait(7);
      assert.equal(await queue.get({ timeout: 0 }), 7);
    });

    Deno.test(`${prefix}.get() handed an item keeps it: its timer is cleared (test_get_timeout_preempted)`, async () => {
      using t = kind.create();
      const queue = make();
      const got = watch(queue.get({ timeout: 10 }));
      await queue.put(0);
      assertNoTimers(t);
      await t.advance(20);
      assert.equal(got.state, "fulfilled");
      assert.equal(got.value, 0);
    });

    Deno.test(`${prefix}: timed-out putters leave at once (test_get_clears_timed_out_putters, live counts)`, async () => {
      using t = kind.create();
      const queue = make(1);
      const timed = Array.from(
        { length: 10 },
        (_, i) => watch(queue.put(i, { timeout: 10 })),
      );
      const plain = watch(queue.put(10));
      assert.equal(queue.putters, 10);
      await t.advance(10);
      assert.equal(queue.putters, 1);
      assert.equal(plain.state, "pending");
      const another = watch(queue.put(11));
      assert.equal(queue.putters, 2);
      assert.equal(await queue.get(), Class === LifoQueue ? 10 : 0);
      assert.equal(queue.putters, 1);
      await microtasks();
      assert.equal(timed[0].state, "fulfilled");
      for (const put of timed.slice(1)) {
        assert.equal(put.state, "rejected");
        assert.ok(timeoutOf(`${name}.put()`)(put.reason));
      }
      assert.equal(plain.state, "fulfilled");
      assert.equal(another.state, "pending");
      queue.shutdown(true);
    });

    Deno.test(`${prefix}: timed-out getters leave at once (test_get_clears_timed_out_getters, live counts)`, async () => {
      using t = kind.create();
      const queue = make();
      const timed = Array.from(
        { length: 10 },
        () => watch(queue.get({ timeout: 10 })),
      );
      const plain = watch(queue.get());
      assert.equal(queue.getters, 11);
      await t.advance(10);
      assert.equal(queue.getters, 1);
      assert.equal(plain.state, "pending");
      const another = watch(queue.get());
      assert.equal(queue.getters, 2);
      queue.putNowait(0);
      assert.equal(queue.getters, 1);
      await microtasks();
      assert.equal(plain.value, 0);
      assert.equal(another.state, "pending");
      for (const get of timed) assert.ok(get.reason instanceof TimeoutError);
      queue.shutdown();
    });

    Deno.test(`${prefix}.put() hands its item straight to the first getter (test_put_with_getters)`, async () => {
      using _t = kind.create();
      const queue = make();
      const get0 = queue.get();
      const get1 = queue.get();
      await queue.put(0);
      assert.equal(await get0, 0);
      await queue.put(1);
      assert.equal(await get1, 1);
      assert.equal(queue.size, 0);
      assert.equal(queue.unfinishedTasks, 2);
    });

    Deno.test(`${prefix}.putNowait() hands the item over at once, the getter resuming later (test_nonblocking_put_with_getters)`, async () => {
      using _t = kind.create();
      const queue = make();
      const get0 = watch(queue.get());
      const get1 = watch(queue.get());
      queue.putNowait(0);
      assert.equal(queue.getters, 1);
      assert.equal(queue.size, 0);
      assert.equal(get0.state, "pending");
      await microtasks();
      assert.equal(get0.value, 0);
      queue.putNowait(1);
      await microtasks();
      assert.equal(get1.value, 1);
    });

    Deno.test(`${prefix}.put() waits for room (test_blocking_put_wait)`, async () => {
      using t = kind.create();
      const queue = make(1);
      queue.putNowait(0);
      t.loop.callLater(10, () => queue.getNowait());
      t.loop.callLater(20, () => queue.getNowait());
      const put0 = watch(queue.put(0));
      const put1 = watch(queue.put(1));
      assert.equal(put0.state, "pending");
      await t.advance(10);
      assert.equal(put0.state, "fulfilled");
      assert.equal(put1.state, "pending");
      await t.advance(10);
      assert.equal(put1.state, "fulfilled");
    });

    Deno.test(`${prefix}.putNowait() throws QueueFull with no room and no getter (test_nonblocking_put_exception)`, () => {
      using _t = kind.create();
      const queue = make(1);
      queue.putNowait(0);
      assert.throws(
        () => queue.putNowait(1),
        error(QueueFull as never, `${name} is full`),
      );
      assert.equal(queue.size, 1);
      assert.equal(queue.unfinishedTasks, 1);
    });

    Deno.test(`${prefix}.put() that times out never enters (test_put_timeout)`, async () => {
      using t = kind.create();
      const queue = make(1);
      queue.putNowait(0);
      const timed = watch(queue.put(1, { timeout: 10 }));
      const plain = watch(queue.put(2));
      await t.advance(10);
      assert.ok(timeoutOf(`${name}.put()`)(timed.reason));
      assert.equal(queue.unfinishedTasks, 1);
      assert.equal(queue.getNowait(), Class === LifoQueue ? 2 : 0);
      assert.equal(await queue.get(), Class === LifoQueue ? 0 : 2);
      await microtasks();
      assert.equal(plain.state, "fulfilled");
      assert.equal(queue.unfinishedTasks, 2);
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.put() admitted before its deadline keeps its place (test_put_timeout_preempted)`, async () => {
      using t = kind.create();
      const queue = make(1);
      queue.putNowait(0);
      const timed = watch(queue.put(1, { timeout: 10 }));
      await queue.get();
      assertNoTimers(t);
      await t.advance(20);
      assert.equal(timed.state, "fulfilled");
      assert.equal(queue.getNowait(), Class === LifoQueue ? 0 : 1);
    });

    Deno.test(`${prefix}.put() with timeout 0 takes effect at once when it can, else rejects at once`, async () => {
      using t = kind.create();
      const queue = make(1);
      await queue.put(1, { timeout: 0 });
      const refused = watch(queue.put(2, { timeout: 0 }));
      assert.equal(queue.putters, 0);
      assertNoTimers(t);
      await microtasks();
      assert.ok(timeoutOf(`${name}.put()`)(refused.reason));
      assert.deepEqual(drain(queue), [1]);
    });

    Deno.test(`${prefix}: for await gets every item in order and ends on shutdown (test_async_for)`, async () => {
      using _t = kind.create();
      const queue = make();
      for (const item of [1, 3, 2]) queue.putNowait(item);
      queue.shutdown();
      const got: number[] = [];
      for await (const item of queue) got.push(item);
      assert.deepEqual(got, ORDER_OF_1_3_2.get(Class));
      assert.equal(queue.unfinishedTasks, 3, "for await calls no taskDone()");
    });

    // QueueJoinTest

    Deno.test(`${prefix}.taskDone() throws a RangeError when called too often, and changes nothing (test_task_done_underflow)`, () => {
      using _t = kind.create();
      const queue = make();
      assert.throws(
        () => queue.taskDone(),
        error(
          RangeError,
          `Cannot call ${name}.taskDone() as 'unfinishedTasks' must be above 0 (taskDone() called more times than items were put): current value is 0`,
        ),
      );
      queue.putNowait(1);
      queue.taskDone();
      assert.throws(() => queue.taskDone(), RangeError);
      assert.equal(queue.unfinishedTasks, 0);
      assert.equal(queue.size, 1);
    });

    Deno.test(`${prefix}.join() waits for every taskDone() (test_task_done)`, async () => {
      using t = kind.create();
      const queue = make();
      let accumulator = 0;
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => t.loop.callLater(ms, resolve));
      async function worker(id: number) {
        for (let round = 0;; round++) {
          const item = await queue.get();
          accumulator += item;
          queue.taskDone();
          await sleep(1 + ((id * 7 + round * 3) % 5));
        }
      }
      void worker(0).catch(() => {});
      void worker(1).catch(() => {});
      for (let i = 0; i < 100; i++) queue.putNowait(i);
      const joined = watch(queue.join());
      await t.advance(1000);
      assert.equal(joined.state, "fulfilled");
      assert.equal(accumulator, 4950);
      queue.shutdown();
    });

    Deno.test(`${prefix}.join() resolves when the last taskDone() returns, not when the item is got (test_task_done_delay)`, async () => {
      using _t = kind.create();
      const queue = make();
      queue.putNowait(1);
      const joined = watch(queue.join());
      await queue.get();
      await microtasks();
      assert.equal(joined.state, "pending");
      queue.taskDone();
      await microtasks();
      assert.equal(joined.state, "fulfilled");
    });

    Deno.test(`${prefix}.join() resolves at once on an idle queue (test_join_empty_queue)`, async () => {
      using t = kind.create();
      const queue = make();
      await queue.join();
      await queue.join({ timeout: 0 });
      assert.equal(await stateOf(queue.join()), "fulfilled");
      assertNoTimers(t);
    });

    Deno.test(`${prefix}.join() times out (test_join_timeout)`, async () => {
      using t = kind.create();
      const queue = make();
      queue.putNowait(0);
      const joined = watch(queue.join({ timeout: 10 }));
      await t.advance(10);
      assert.ok(timeoutOf(`${name}.join()`)(joined.reason));
      assertNoTimers(t);
    });

    Deno.test(`${prefix}: a producer and a consumer with no await between get and taskDone (test_producer_consumer)`, async () => {
      using _t = kind.create();
      const queue = make(3);
      const history: number[] = [];
      (async () => {
        for (;;) {
          history.push(await queue.get());
          queue.taskDone();
        }
      })().catch(() => {});
      for (let i = 0; i < 10; i++) await queue.put(i);
      await queue.join();
      assert.deepEqual(history, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      queue.shutdown();
    });

    // asyncio 3.13's shutdown tests

    Deno.test(`${prefix}.shutdown() on an empty queue rejects waiting and later gets and puts (test_shutdown_empty)`, async () => {
      using _t = kind.create();
      const queue = make();
      const getting = watch(queue.get());
      queue.shutdown();
      assert.equal(queue.getters, 0);
      assert.equal(queue.size, 0);
      await queue.join();
      await microtasks();
      assert.ok(getting.reason instanceof QueueShutDown);
      assert.equal((getting.reason as Error).message, `${name} is shut down`);
      await assert.rejects(queue.put(1), QueueShutDown);
      assert.throws(() => queue.putNowait(1), QueueShutDown);
      await assert.rejects(queue.get(), QueueShutDown);
      await assert.rejects(queue.get({ timeout: 10 }), QueueShutDown);
      assert.throws(() => queue.getNowait(), QueueShutDown);
      assert.equal(queue.unfinishedTasks, 0);
    });

    Deno.test(`${prefix}.shutdown() keeps the items queued for gets, rejects putters (test_shutdown_nonempty)`, async () => {
      using _t = kind.create();
      const queue = make(1);
      queue.putNowait(1);
      const joined = watch(queue.join());
      const putting = watch(queue.put(2));
      await microtasks();
      assert.equal(putting.state, "pending");
      queue.shutdown();
      assert.equal(queue.size, 1);
      assert.equal(queue.putters, 0);
      await microtasks();
      assert.ok(putting.reason instanceof QueueShutDown);
      assert.equal(await queue.get(), 1);
      await microtasks();
      assert.equal(joined.state, "pending");
      await assert.rejects(queue.put(3), QueueShutDown);
      assert.throws(() => queue.putNowait(3), QueueShutDown);
      await assert.rejects(queue.get(), QueueShutDown);
      assert.throws(() => queue.getNowait(), QueueShutDown);
      queue.taskDone();
      await microtasks();
      assert.equal(joined.state, "fulfilled");
      assert.throws(() => queue.taskDone(), RangeError);
      assert.equal(queue.unfinishedTasks, 0);
    });

    Deno.test(`${prefix}.shutdown(true) empties the queue and releases join (test_shutdown_immediate)`, async () => {
      using _t = kind.create();
      const queue = make();
      queue.putNowait(1);
      const joined = watch(queue.join());
      queue.shutdown(true);
      assert.equal(queue.size, 0);
      assert.equal(queue.unfinishedTasks, 0);
      await microtasks();
      assert.equal(joined.state, "fulfilled");
      await assert.rejects(queue.put(1), QueueShutDown);
      assert.throws(() => queue.putNowait(1), QueueShutDown);
      await assert.rejects(queue.get(), QueueShutDown);
      assert.throws(() => queue.getNowait(), QueueShutDown);
      assert.throws(() => queue.taskDone(), RangeError);
    });

    Deno.test(`${prefix}.shutdown(true) counts only the items it removed (test_shutdown_immediate_with_unfinished)`, async () => {
      using _t = kind.create();
      const queue = make();
      queue.putNowait(1);
      queue.putNowait(2);
      const joined = watch(queue.join());
      await queue.get();
      queue.shutdown(true);
      assert.equal(queue.size, 0);
      assert.equal(queue.unfinishedTasks, 1);
      await microtasks();
      assert.equal(joined.state, "pending");
      await assert.rejects(queue.get(), QueueShutDown);
      queue.taskDone();
      assert.throws(() => queue.taskDone(), RangeError);
      await microtasks();
      assert.equal(joined.state, "fulfilled");
    });

    Deno.test(`${prefix}.shutdown(true) never takes unfinishedTasks below 0`, () => {
      using _t = kind.create();
      const queue = make();
      queue.putNowait(1);
      queue.putNowait(2);
      queue.taskDone();
      queue.taskDone();
      queue.shutdown(true);
      assert.equal(queue.unfinishedTasks, 0);
      assert.equal(queue.size, 0);
    });

    Deno.test(`${prefix}.shutdown() then shutdown(true) empties; anything else repeated changes nothing (allowed transitions)`, async () => {
      using _t = kind.create();
      const queue = make();
      queue.putNowait(1);
      queue.putNowait(2);
      queue.shutdown();
      queue.shutdown();
      assert.equal(queue.size, 2);
      assert.equal(
        String(queue),
        `<${name} maxsize=0 size=2 tasks=2 shutdown>`,
      );
      queue.shutdown(true);
      assert.equal(queue.size, 0);
      assert.equal(queue.unfinishedTasks, 0);
      queue.shutdown(false);
      queue.shutdown(true);
      assert.equal(String(queue), `<${name} maxsize=0 shutdown>`);
      await assert.rejects(queue.get(), QueueShutDown);
    });

    Deno.test(`${prefix}.shutdown() rejects every waiter with one QueueShutDown, in order`, async () => {
      using t = kind.create();
      const queue = make(1);
      queue.putNowait(0);
      const order: number[] = [];
      const putters = [1, 2, 3].map((i) =>
        queue.put(i, i === 2 ? { timeout: 100 } : undefined).catch((e) => {
          order.push(i);
          return e;
        })
      );
      queue.shutdown();
      assertNoTimers(t);
      const reasons = await Promise.all(putters);
      assert.deepEqual(order, [1, 2, 3]);
      assert.ok(reasons[0] instanceof QueueShutDown);
      assert.ok(reasons.every((reason) => reason === reasons[0]));
      assert.deepEqual(drain(queue), [0]);
    });
  }
}

// ---------------------------------------------------------------------------
// Tornado's admission order

Deno.test("LifoQueue holding 1, 0 with putters of 3 then 2 gives 3, 2, 0, 1 (Tornado's LifoQueueJoinTest.test_order)", async () => {
  const queue = new LifoQueue<number>(2);
  queue.putNowait(1);
  queue.putNowait(0);
  assert.equal(queue.isFull(), true);
  const put3 = queue.put(3);
  const put2 = queue.put(2);
  assert.equal(queue.getNowait(), 3);
  assert.equal(await queue.get(), 2);
  assert.equal(queue.getNowait(), 0);
  assert.equal(await queue.get(), 1);
  assert.equal(queue.isEmpty(), true);
  await Promise.all([put3, put2]);
});

Deno.test("PriorityQueue admits waiting putters in order (Tornado's PriorityQueueJoinTest.test_order)", async () => {
  const queue = new PriorityQueue<[number, string]>(2);
  queue.putNowait([1, "a"]);
  queue.putNowait([0, "b"]);
  assert.equal(queue.isFull(), true);
  const puts = [queue.put([3, "c"]), queue.put([2, "d"])];
  assert.deepEqual(queue.getNowait(), [0, "b"]);
  assert.deepEqual(await queue.get(), [1, "a"]);
  assert.deepEqual(queue.getNowait(), [2, "d"]);
  assert.deepEqual(await queue.get(), [3, "c"]);
  assert.equal(queue.isEmpty(), true);
  await Promise.all(puts);
});

// ---------------------------------------------------------------------------
// Asynchronous wake-up, both ways

Deno.test("Queue.put() satisfied at once resumes before the getter it fed", async () => {
  const queue = new Queue<number>();
  const lines: string[] = [];
  const getter = (async () => {
    lines.push(`got ${await queue.get()}`);
  })();
  await (async () => {
    await queue.put(1);
    lines.push("put 1");
  })();
  await getter;
  assert.deepEqual(lines, ["put 1", "got 1"]);
});

Deno.test("Queue.get() satisfied at once resumes before the putter it admitted", async () => {
  const queue = new Queue<number>(1);
  queue.putNowait(0);
  const lines: string[] = [];
  const putter = (async () => {
    await queue.put(1);
    lines.push("put 1");
  })();
  await (async () => {
    lines.push(`got ${await queue.get()}`);
  })();
  await putter;
  assert.deepEqual(lines, ["got 0", "put 1"]);
});

Deno.test("Queue: woken functions resume in the order they started waiting, whatever options each passed", async () => {
  const loop = new VirtualIOLoop();
  const queue = new Queue<number>(0, { loop });
  const order: number[] = [];
  const getters = [undefined, { timeout: 100 }, {
    signal: new AbortController().signal,
  }, undefined].map((options, i) =>
    queue.get(options).then((item) => order.push(i * 10 + item))
  );
  for (let item = 0; item < 4; item++) queue.putNowait(item);
  assert.equal(queue.getters, 0);
  assert.equal(loop.pendingTimers, 0);
  await Promise.all(getters);
  assert.deepEqual(order, [0, 11, 22, 33]);
});

for (const consumerKind of ["for await", "await queue.get()"]) {
  Deno.test(`Tornado's Queue docs example prints Tornado's output exactly (consumer with ${consumerKind})`, async () => {
    const loop = new VirtualIOLoop();
    IOLoop.setCurrent(loop);
    try {
      const queue = new Queue<number>(2);
      const lines: string[] = [];
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => loop.callLater(ms, resolve));
      const consumer = async () => {
        if (consumerKind === "for await") {
          for await (const item of queue) {
            try {
              lines.push(`Doing work on ${item}`);
              await sleep(10);
            } finally {
              queue.taskDone();
            }
          }
        } else {
          for (;;) {
            const item = await queue.get();
            try {
              lines.push(`Doing work on ${item}`);
              await sleep(10);
            } finally {
              queue.taskDone();
            }
          }
        }
      };
      const producer = async () => {
        for (let item = 0; item < 5; item++) {
          await queue.put(item);
          lines.push(`Put ${item}`);
        }
      };
      const main = (async () => {
        loop.addCallback(() => void consumer().catch(() => {}));
        await producer();
        await queue.join();
        lines.push("Done");
      })();
      await loop.runUntilIdle();
      await main;
      assert.deepEqual(lines, [
        "Put 0",
        "Put 1",
        "Doing work on 0",
        "Put 2",
        "Doing work on 1",
        "Put 3",
        "Doing work on 2",
        "Put 4",
        "Doing work on 3",
        "Doing work on 4",
        "Done",
      ]);
      queue.shutdown();
    } finally {
      IOLoop.setCurrent(undefined);
    }
  });
}

// ---------------------------------------------------------------------------
// Aborts and races in the same turn: no item lost or delivered twice

Deno.test("Queue.get() aborted while another waits: the next put goes to the live one (asyncio's test_get_cancelled_race)", async () => {
  const queue = new Queue<string>();
  const { controller, signal, live } = watchedSignal();
  const first = watch(queue.get({ signal }));
  const second = watch(queue.get());
  controller.abort("gone");
  assert.equal(queue.getters, 1);
  assert.equal(live(), 0);
  queue.putNowait("a");
  await microtasks();
  assert.equal(first.reason, "gone");
  assert.equal(second.value, "a");
});

Deno.test("Queue.get() aborted after it was handed an item still fulfils with it (asyncio's test_get_cancel_drop_one_pending_reader)", async () => {
  const queue = new Queue<number>();
  const controller = new AbortController();
  const reader = watch(queue.get({ signal: controller.signal, timeout: 10 }));
  queue.putNowait(1);
  queue.putNowait(2);
  controller.abort();
  await microtasks();
  assert.equal(reader.state, "fulfilled");
  assert.equal(reader.value, 1);
  assert.equal(await queue.get(), 2);
});

Deno.test("Queue: three readers, two puts, one reader aborted: the other two get both items (test_get_cancel_drop_many_pending_readers)", async () => {
  const queue = new Queue<number>();
  const controller = new AbortController();
  const readers = [
    watch(queue.get({ signal: controller.signal })),
    watch(queue.get()),
    watch(queue.get()),
  ];
  controller.abort();
  queue.putNowait(1);
  queue.putNowait(2);
  await microtasks();
  assert.equal(readers[0].state, "rejected");
  assert.deepEqual([readers[1].value, readers[2].value], [1, 2]);
});

Deno.test("Queue.put() aborted after admission still fulfils and its item stays; aborted before, its item never enters", async () => {
  const queue = new Queue<number>(1);
  queue.putNowait(0);
  const early = new AbortController();
  const late = new AbortController();
  const admitted = watch(queue.put(1, { signal: late.signal }));
  const dropped = watch(queue.put(2, { signal: early.signal }));
  early.abort("early");
  assert.equal(queue.getNowait(), 0);
  late.abort("late");
  await microtasks();
  assert.equal(admitted.state, "fulfilled");
  assert.equal(dropped.reason, "early");
  assert.deepEqual(drain(queue), [1]);
  assert.equal(queue.unfinishedTasks, 2);
});

for (const kind of LOOP_KINDS) {
  for (const firstTimer of ["deadline", "put"]) {
    Deno.test(`${kind.name}: Queue.get()'s deadline and a put at the same time (${firstTimer} armed first): the item is got once or stays queued`, async () => {
      using t = kind.create();
      const queue = new Queue<number>();
      let got: ReturnType<typeof watch> | undefined;
      if (firstTimer === "deadline") {
        got = watch(queue.get({ timeout: 10 }));
        t.loop.callLater(10, () => queue.putNowait(1));
      } else {
        t.loop.callLater(10, () => queue.putNowait(1));
        got = watch(queue.get({ timeout: 10 }));
      }
      await t.advance(10);
      await microtasks();
      if (firstTimer === "deadline") {
        assert.ok(got.reason instanceof TimeoutError);
        assert.deepEqual(drain(queue), [1]);
      } else {
        assert.equal(got.value, 1);
        assert.equal(queue.size, 0);
      }
      assert.equal(queue.unfinishedTasks, 1);
      assertNoTimers(t);
    });

    Deno.test(`${kind.name}: Queue.put()'s deadline and a get at the same time (${firstTimer} armed first): the item enters once or never`, async () => {
      using t = kind.create();
      const queue = new Queue<number>(1);
      queue.putNowait(0);
      let putting: ReturnType<typeof watch> | undefined;
      const got: number[] = [];
      if (firstTimer === "deadline") {
        putting = watch(queue.put(1, { timeout: 10 }));
        t.loop.callLater(10, () => got.push(queue.getNowait()));
      } else {
        t.loop.callLater(10, () => got.push(queue.getNowait()));
        putting = watch(queue.put(1, { timeout: 10 }));
      }
      await t.advance(10);
      await microtasks();
      got.push(...drain(queue));
      if (firstTimer === "deadline") {
        assert.ok(putting.reason instanceof TimeoutError);
        assert.deepEqual(got, [0]);
        assert.equal(queue.unfinishedTasks, 1);
      } else {
        assert.equal(putting.state, "fulfilled");
        assert.deepEqual(got, [0, 1]);
        assert.equal(queue.unfinishedTasks, 2);
      }
      assertNoTimers(t);
    });
  }
}

Deno.test("Queue.get() and put() with an already-aborted signal reject with its reason and take or put nothing, even when they could", async () => {
  const queue = new Queue<number>(1);
  const signal = AbortSignal.abort("no");
  await assert.rejects(queue.put(1, { signal }), (e) => e === "no");
  assert.equal(queue.size, 0);
  queue.putNowait(1);
  await assert.rejects(queue.get({ signal }), (e) => e === "no");
  assert.equal(queue.size, 1);
  await assert.rejects(queue.join({ signal }), (e) => e === "no");
  assert.equal(queue.unfinishedTasks, 1);
});

Deno.test("Queue.get(), put() and join() reject bad options, never throw, and change nothing", async () => {
  const queue = new Queue<number>(1);
  for (const options of [5, null, { timeout: NaN }, { signal: {} }]) {
    const before = String(queue);
    await assert.rejects(
      queue.get(options as never),
      (e) => e instanceof TypeError || e instanceof RangeError,
    );
    await assert.rejects(
      queue.put(1, options as never),
      (e) => e instanceof TypeError || e instanceof RangeError,
    );
    await assert.rejects(
      queue.join(options as never),
      (e) => e instanceof TypeError || e instanceof RangeError,
    );
    assert.equal(String(queue), before);
    assert.equal(queue.getters + queue.putters, 0);
  }
});

// ---------------------------------------------------------------------------
// for await

Deno.test("Queue: for await ends when the queue is shut down while it waits", async () => {
  const queue = new Queue<number>();
  const got: number[] = [];
  const consuming = (async () => {
    for await (const item of queue) got.push(item);
    return "ended";
  })();
  await queue.put(1);
  await microtasks();
  assert.equal(queue.getters, 1);
  queue.shutdown();
  assert.equal(await consuming, "ended");
  assert.deepEqual(got, [1]);
});

Deno.test("Queue: for await ends after an immediate shutdown drops the rest", async () => {
  const queue = new Queue<number>();
  for (const item of [1, 2, 3]) queue.putNowait(item);
  const got: number[] = [];
  for await (const item of queue) {
    got.push(item);
    queue.shutdown(true);
  }
  assert.deepEqual(got, [1]);
});

Deno.test("Queue: break leaves no getter behind and reads no item ahead", async () => {
  const queue = new Queue<number>();
  for (const item of [1, 2, 3]) queue.putNowait(item);
  for await (const item of queue) {
    if (item === 1) break;
  }
  assert.equal(queue.getters, 0);
  assert.deepEqual(drain(queue), [2, 3]);
  const iterator = queue[Symbol.asyncIterator]();
  assert.equal(iterator[Symbol.asyncIterator](), iterator);
  assert.deepEqual(await iterator.return!(), { done: true, value: undefined });
  queue.putNowait(4);
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  assert.equal(queue.size, 1, "a returned iterator takes nothing");
});

Deno.test("Queue: an iterator's next() waits in line with plain gets, in order", async () => {
  const queue = new Queue<number>();
  const iterator = queue[Symbol.asyncIterator]();
  const a = queue.get();
  const b = iterator.next();
  const c = queue.get();
  assert.equal(queue.getters, 3);
  for (const item of [1, 2, 3]) queue.putNowait(item);
  assert.deepEqual(await Promise.all([a, b, c]), [1, {
    done: false,
    value: 2,
  }, 3]);
});

// ---------------------------------------------------------------------------
// PriorityQueue ordering

Deno.test("PriorityQueue orders numbers and bigints together, strings by code unit, arrays as Python tuples", () => {
  const numbers = new PriorityQueue<number | bigint>();
  for (const n of [3, 2n, -1, 10n ** 20n, 1.5, -0, Infinity]) {
    numbers.putNowait(n);
  }
  assert.deepEqual(drain(numbers), [-1, -0, 1.5, 2n, 3, 10n ** 20n, Infinity]);

  const strings = new PriorityQueue<string>();
  for (const s of ["b", "a", "B", "", "\u{10000}", "\uFFFF", "ab"]) {
    strings.putNowait(s);
  }
  assert.deepEqual(drain(strings), [
    "",
    "B",
    "a",
    "ab",
    "b",
    "\u{10000}",
    "\uFFFF",
  ]);

  const tuples = new PriorityQueue<unknown[]>();
  const entries = [[1, "b"], [1], [0, "z"], [1, "a", 2], [1, "a"], [[2, 1]], [
    [1, 9],
  ]];
  const arrays = new PriorityQueue<unknown[]>();
  for (const entry of entries.slice(0, 5)) tuples.putNowait(entry);
  assert.deepEqual(drain(tuples), [[0, "z"], [1], [1, "a"], [1, "a", 2], [
    1,
    "b",
  ]]);
  for (const entry of entries.slice(5)) arrays.putNowait(entry);
  assert.deepEqual(drain(arrays), [[[1, 9]], [[2, 1]]]);
});

Deno.test("PriorityQueue gives equal entries first in, first out, with and without compare", () => {
  const byPriority = new PriorityQueue<{ priority: number; name: string }>(0, {
    compare: (a, b) => a.priority - b.priority,
  });
  const names = "abcdefghijklmnopqrstuvwxyz".split("");
  names.forEach((name, i) => byPriority.putNowait({ priority: i % 3, name }));
  const got = drain(byPriority).map((entry) => entry.name);
  assert.deepEqual(got, [
    ...names.filter((_, i) => i % 3 === 0),
    ...names.filter((_, i) => i % 3 === 1),
    ...names.filter((_, i) => i % 3 === 2),
  ]);
  const same = new PriorityQueue<number[]>();
  const entries = Array.from({ length: 20 }, () => [1, 2]);
  for (const entry of entries) same.putNowait(entry);
  const out = drain(same);
  out.forEach((entry, i) => assert.equal(entry, entries[i]));
});

Deno.test("PriorityQueue refuses entries of mixed or unordered kinds, naming the position, and changes nothing", async () => {
  const queue = new PriorityQueue<unknown>();
  queue.putNowait([1, "a"]);
  const before = String(queue);
  const refusals: [unknown, ErrorConstructor, string][] = [
    [
      "x",
      TypeError,
      "'item' must be an array, as queued: current value is \"x\"",
    ],
    [
      [2, 3],
      TypeError,
      "'item[1]' must be a string, as queued: current value is 3",
    ],
    [
      [true],
      TypeError,
      "'item[0]' must be a number, bigint, string or array of them, unless the queue has a compare option: current value is true",
    ],
    [
      [NaN, "a"],
      RangeError,
      "'item[0]' must be a number other than NaN: current value is NaN",
    ],
    [
      [1, null],
      TypeError,
      "'item[1]' must be a number, bigint, string or array of them, unless the queue has a compare option: current value is null",
    ],
    [
      [1, "a", {}],
      TypeError,
      "'item[2]' must be a number, bigint, string or array of them, unless the queue has a compare option: current value is an object",
    ],
    [
      [1, ["nested"]],
      TypeError,
      "'item[1]' must be a string, as queued: current value is an array",
    ],
  ];
  for (const [item, Class, message] of refusals) {
    assert.throws(
      () => queue.putNowait(item),
      error(Class, `Cannot call PriorityQueue.putNowait() as ${message}`),
    );
    await assert.rejects(
      queue.put(item),
      error(Class, `Cannot call PriorityQueue.put() as ${message}`),
    );
    assert.equal(String(queue), before);
  }
  const cyclic: unknown[] = [1];
  cyclic.push(cyclic);
  assert.throws(
    () => new PriorityQueue().putNowait(cyclic),
    error(
      TypeError,
      "Cannot call PriorityQueue.putNowait() as 'item[1]' must be an array that does not contain itself: current value is an array",
    ),
  );
  assert.deepEqual(drain(queue), [[1, "a"]]);
  // Once the queue holds nothing, any kind may start it again.
  queue.putNowait("x");
  queue.putNowait("w");
  assert.deepEqual(drain(queue), ["w", "x"]);
  assert.throws(() => new PriorityQueue().putNowait({}), TypeError);
  assert.throws(() => new PriorityQueue().putNowait(undefined), TypeError);
});

Deno.test("PriorityQueue refuses a bad entry even when a getter waits, and the getter keeps waiting", async () => {
  const queue = new PriorityQueue<unknown>();
  const getting = watch(queue.get());
  await assert.rejects(queue.put(false), TypeError);
  assert.equal(queue.getters, 1);
  queue.putNowait(1);
  await microtasks();
  assert.equal(getting.value, 1);
});

Deno.test("PriorityQueue: a compare that throws fails the put or get that ran it, and changes nothing", async () => {
  let angry = false;
  const boom = new Error("boom");
  const queue = new PriorityQueue<number>(2, {
    compare: (a, b) => {
      if (angry) throw boom;
      return a - b;
    },
  });
  queue.putNowait(2);
  queue.putNowait(1);
  const putting = watch(queue.put(0));
  angry = true;
  assert.throws(() => queue.getNowait(), (e) => e === boom);
  await assert.rejects(queue.get(), (e) => e === boom);
  await assert.rejects(queue.get({ timeout: 5 }), (e) => e === boom);
  assert.equal(queue.size, 2);
  assert.equal(queue.putters, 1);
  assert.equal(queue.unfinishedTasks, 2);
  angry = false;
  assert.deepEqual([queue.getNowait(), queue.getNowait()], [0, 1]);
  await microtasks();
  assert.equal(putting.state, "fulfilled");
  angry = true;
  assert.throws(() => queue.putNowait(5), (e) => e === boom);
  await assert.rejects(queue.put(5), (e) => e === boom);
  angry = false;
  assert.deepEqual(drain(queue), [2]);
});

// ---------------------------------------------------------------------------
// Inspection

Deno.test("Queue renders as Tornado's repr, without items, for every class", async () => {
  for (const Class of CLASSES) {
    const name = Class.name;
    const queue = new Class<number>(2);
    assertRendered(queue, `<${name} maxsize=2>`);
    const getting = queue.get();
    assertRendered(queue, `<${name} maxsize=2 getters[1]>`);
    queue.putNowait(1);
    await getting;
    assertRendered(queue, `<${name} maxsize=2 tasks=1>`);
    queue.putNowait(2);
    queue.putNowait(3);
    const putting = queue.put(4);
    assertRendered(queue, `<${name} maxsize=2 size=2 putters[1] tasks=3>`);
    queue.shutdown();
    await putting.catch(() => {});
    assertRendered(queue, `<${name} maxsize=2 size=2 tasks=3 shutdown>`);
    assertRendered(new Class(), `<${name} maxsize=0>`);
  }
});

// ---------------------------------------------------------------------------
// Leaks

const LEAK_COUNT = 100_000;

Deno.test(`VirtualIOLoop: Queue.get() leaves nothing behind after ${LEAK_COUNT} timeouts`, async () => {
  const loop = new VirtualIOLoop();
  const queue = new Queue<number>(0, { loop });
  let rejected = 0;
  for (let i = 0; i < LEAK_COUNT; i++) {
    queue.get({ timeout: 1 + (i % 3) }).catch((e) => {
      if (e instanceof TimeoutError) rejected++;
    });
  }
  assert.equal(queue.getters, LEAK_COUNT);
  assert.equal(loop.pendingTimers, LEAK_COUNT);
  await loop.runUntilIdle();
  assert.equal(rejected, LEAK_COUNT);
  assert.equal(queue.getters, 0);
  assert.equal(loop.pendingTimers, 0);
  queue.putNowait(1);
  assert.equal(queue.size, 1);
});

Deno.test(`VirtualIOLoop: Queue.put() leaves nothing behind after ${LEAK_COUNT} timeouts`, async () => {
  const loop = new VirtualIOLoop();
  const queue = new Queue<number>(1, { loop });
  queue.putNowait(0);
  let rejected = 0;
  for (let i = 0; i < LEAK_COUNT; i++) {
    queue.put(i, { timeout: 1 + (i % 3) }).catch((e) => {
      if (e instanceof TimeoutError) rejected++;
    });
  }
  assert.equal(queue.putters, LEAK_COUNT);
  assert.equal(loop.pendingTimers, LEAK_COUNT);
  await loop.runUntilIdle();
  assert.equal(rejected, LEAK_COUNT);
  assert.equal(queue.putters, 0);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(queue.unfinishedTasks, 1);
  assert.deepEqual(drain(queue), [0]);
});
