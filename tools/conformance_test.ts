/**
 * The runtime conformance suite: what users on Deno, Bun and Node must all
 * see, written once and run unchanged on each (`deno task test`,
 * `deno task test:node`, `deno task test:bun`). Every primitive's core
 * behaviours on both loops, `using`, the runtime's own inspector, and the
 * default loop on the runtime's real timers. The seed examples' exact
 * output is checked by examples_test.ts, which runs on all three too.
 *
 * @module
 */

import assert from "node:assert/strict";
import { inspect } from "node:util";
import { LOOP_KINDS } from "../_test_loops.ts";
import {
  BoundedSemaphore,
  Condition,
  Event,
  IOLoop,
  Lock,
  type Releaser,
  Semaphore,
  TimeoutError,
  type WaitOptions,
} from "../mod.ts";

/** The runtime these tests run on, as a user would tell it. */
function runtime(): string {
  const g = globalThis as {
    Bun?: { version: string };
    Deno?: { version?: { deno: string } };
    process?: { versions?: { node?: string } };
  };
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.Deno?.version) return `Deno ${g.Deno.version.deno}`;
  return `Node ${g.process?.versions?.node}`;
}

/**
 * One primitive as the suite drives it: something to wait on, made
 * unavailable, and a way to let the first waiter through.
 */
interface Primitive {
  name: string;
  /** A fresh primitive that makes every wait queue. */
  create(): {
    wait(options?: WaitOptions): Promise<unknown>;
    /** Lets the first waiter through (all of them, for an Event). */
    grant(): void;
    /** What a woken waiter does when done, so the next can go. */
    done(value: unknown): void;
    readonly waiters: number;
  };
}

function permits(name: string, make: () => Semaphore): Primitive {
  return {
    name,
    create() {
      const semaphore = make();
      const held = semaphore.tryAcquire()!;
      return {
        wait: (options) => semaphore.acquire(options),
        grant: () => held.release(),
        done: (releaser) => (releaser as Releaser).release(),
        get waiters() {
          return semaphore.waiters;
        },
      };
    },
  };
}

const PRIMITIVES: Primitive[] = [
  {
    name: "Condition",
    create() {
      const condition = new Condition();
      return {
        wait: (options) => condition.wait(options),
        grant: () => void condition.notify(),
        done: () => void condition.notify(),
        get waiters() {
          return condition.waiters;
        },
      };
    },
  },
  {
    name: "Event",
    create() {
      const event = new Event();
      return {
        wait: (options) => event.wait(options),
        grant: () => event.set(),
        done: () => {},
        get waiters() {
          return event.waiters;
        },
      };
    },
  },
  permits("Semaphore", () => new Semaphore(1)),
  permits("BoundedSemaphore", () => new BoundedSemaphore(1)),
  permits("Lock", () => new Lock()),
];

const WAIT_NAME: Record<string, string> = {
  Condition: "Condition.wait()",
  Event: "Event.wait()",
  Semaphore: "Semaphore.acquire()",
  BoundedSemaphore: "BoundedSemaphore.acquire()",
  Lock: "Lock.acquire()",
};

for (const kind of LOOP_KINDS) {
  for (const primitive of PRIMITIVES) {
    const wait = WAIT_NAME[primitive.name];

    Deno.test(`${kind.name}: ${wait} resumes waiters first in, first out on ${runtime()}`, async () => {
      using t = kind.create();
      const p = primitive.create();
      const order: number[] = [];
      const all = [0, 1, 2, 3].map((n) =>
        p.wait().then((value) => {
          order.push(n);
          p.done(value);
        })
      );
      assert.equal(p.waiters, 4);
      p.grant();
      // Wake-ups are asynchronous: no one has resumed yet.
      assert.deepEqual(order, []);
      await Promise.all(all);
      await t.settle();
      assert.deepEqual(order, [0, 1, 2, 3]);
      assert.equal(p.waiters, 0);
    });

    Deno.test(`${kind.name}: ${wait} rejects with TimeoutError past its timeout and leaves the line on ${runtime()}`, async () => {
      using t = kind.create();
      const p = primitive.create();
      // Settles to what it rejected with, so nothing goes unhandled while
      // time moves and a wrong outcome fails this test alone.
      const outcome = p.wait({ timeout: 10 }).then(() => "resolved", (e) => e);
      await t.advance(9);
      assert.equal(p.waiters, 1);
      await t.advance(1);
      const error = await outcome;
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.name, "TimeoutError");
      assert.equal(error.message, `${wait} timed out`);
      assert.equal(p.waiters, 0);
      assert.equal(t.loop.pendingTimers, 0);
      // What it was waiting for goes to the next waiter, not to it.
      const next = p.wait();
      p.grant();
      p.done(await next);
    });

    Deno.test(`${kind.name}: ${wait} rejects with the AbortSignal's reason and leaves the line on ${runtime()}`, async () => {
      using t = kind.create();
      const p = primitive.create();
      const controller = new AbortController();
      const reason = new Error("stop");
      const outcome = p.wait({ signal: controller.signal, timeout: 1000 })
        .then(() => "resolved", (e) => e);
      assert.equal(p.waiters, 1);
      controller.abort(reason);
      assert.equal(p.waiters, 0);
      assert.equal(t.loop.pendingTimers, 0);
      assert.equal(await outcome, reason);
      const early = new AbortController();
      early.abort(reason);
      await assert.rejects(
        p.wait({ signal: early.signal }),
        (error) => error === reason,
      );
      assert.equal(p.waiters, 0);
    });
  }

  for (
    const [name, make] of [
      ["Semaphore", () => new Semaphore(1)],
      ["BoundedSemaphore", () => new BoundedSemaphore(1)],
      ["Lock", () => new Lock()],
    ] as const
  ) {
    Deno.test(`${kind.name}: ${name}'s Releaser releases at the end of a \`using\` block and by Symbol.dispose on ${runtime()}`, async () => {
      using _t = kind.create();
      const semaphore: Semaphore = make();
      {
        using _held = await semaphore.acquire();
        assert.equal(semaphore.value, 0);
      }
      assert.equal(semaphore.value, 1);
      const held = await semaphore.acquire();
      assert.equal(typeof held[Symbol.dispose], "function");
      held[Symbol.dispose]();
      held[Symbol.dispose]();
      assert.equal(semaphore.value, 1);
    });
  }
}

/** Every inspector the runtime has, by name. */
function inspectors(): [string, (value: unknown) => string][] {
  const g = globalThis as {
    Bun?: { inspect(value: unknown): string };
    Deno?: { inspect?(value: unknown): string };
  };
  const all: [string, (value: unknown) => string][] = [
    ["String(x)", (x) => String(x)],
    ["`${x}`", (x) => `${x}`],
    ["node:util inspect(x)", (x) => inspect(x)],
  ];
  if (typeof g.Deno?.inspect === "function") {
    all.push(["Deno.inspect(x)", (x) => g.Deno!.inspect!(x)]);
  }
  if (typeof g.Bun?.inspect === "function") {
    all.push(["Bun.inspect(x)", (x) => g.Bun!.inspect(x)]);
  }
  return all;
}

Deno.test(`Inspection gives Tornado's repr through every inspector ${runtime()} has`, async () => {
  const condition = new Condition();
  const waits = [condition.wait(), condition.wait()];
  const event = new Event();
  const lock = new Lock();
  const semaphore = new Semaphore(2);
  const cases: [unknown, string][] = [
    [new Condition(), "<Condition>"],
    [condition, "<Condition waiters[2]>"],
    [event, "<Event clear>"],
    [semaphore, "<Semaphore [unlocked,value:2]>"],
    [new BoundedSemaphore(2), "<BoundedSemaphore [unlocked,value:2]>"],
    [lock, "<Lock [unlocked]>"],
  ];
  const check = () => {
    for (const [value, expected] of cases) {
      for (const [how, show] of inspectors()) {
        assert.equal(show(value), expected, how);
      }
      // Inside a container too, where the runtime's inspector recurses.
      assert.match(
        inspect([value]),
        new RegExp(`^\\[ ${escape(expected)} \\]$`),
      );
    }
  };
  check();
  event.set();
  const held = await lock.acquire();
  const lockWaiter = lock.acquire();
  cases.splice(2, 1, [event, "<Event set>"]);
  cases.splice(5, 1, [lock, "<Lock [locked,waiters:1]>"]);
  check();
  held.release();
  (await lockWaiter).release();
  condition.notifyAll();
  await Promise.all(waits);
});

function escape(text: string): string {
  return text.replace(/[[\]().*+?^$|\\{}]/g, "\\$&");
}

Deno.test(`IOLoop.current() runs on ${runtime()}'s own timers: addCallback, run() and an already-passed deadline`, async () => {
  IOLoop.setCurrent(undefined);
  const loop = IOLoop.current();
  assert.equal(loop.constructor, IOLoop);
  const turns: string[] = [];
  const called = new Promise<void>((resolve) =>
    loop.addCallback(() => {
      turns.push("callback");
      resolve();
    })
  );
  turns.push("sync");
  await called;
  assert.deepEqual(turns, ["sync", "callback"]);
  assert.equal(
    await loop.run(() => Promise.resolve("done"), { timeout: 60_000 }),
    "done",
  );
  const lock = new Lock();
  const held = lock.tryAcquire()!;
  await assert.rejects(
    lock.acquire({ deadline: loop.time() - 1 }),
    TimeoutError,
  );
  await assert.rejects(lock.acquire({ timeout: 0 }), TimeoutError);
  assert.equal(lock.waiters, 0);
  held.release();
  assert.equal(loop.pendingTimers, 0);
});
