// Race scenarios: fast-check's scheduler releases the steps of each scenario
// in a random order, so the primitives meet the interleavings that hide lost
// wake-ups, double grants and stranded waiters. Each scenario states what
// must hold whatever the order.
//
// Replay a failure with FC_SEED (and FC_PATH, both printed on failure); run
// longer with FC_RUNS.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Condition,
  Event,
  Lock,
  type Releaser,
  Semaphore,
  TimeoutError,
  VirtualIOLoop,
  type WaitOptions,
} from "./mod.ts";
import { fcSettings } from "./_test_util.ts";

// Each scenario has few steps, so a thousand runs meet most of its orders.
const settings = () => fcSettings(1000);

/** Runs `fn` when the scheduler lets the step called `label` go. */
function step<T>(s: fc.Scheduler, label: string, fn: () => T): Promise<T> {
  return s.schedule(Promise.resolve(label), label).then(fn);
}

/**
 * Lets the scheduler release every step, including steps scheduled by
 * released ones, until nothing is left; then checks that `work` has ended,
 * so a waiter stranded by a lost wake-up fails the test instead of hanging
 * it.
 */
async function drive(
  s: fc.Scheduler,
  loop: VirtualIOLoop,
  work: Promise<unknown>[] = [],
): Promise<void> {
  let ended = false;
  Promise.allSettled(work).then(() => ended = true);
  for (let idle = 0; idle < 2;) {
    await s.waitIdle();
    await loop.advance(0);
    idle = s.count() === 0 ? idle + 1 : 0;
  }
  assert.ok(ended, "every step ended: no one was left waiting");
  await Promise.all(work);
}

/** How a promise ended, recorded without leaving a rejection unhandled. */
function outcome(promise: Promise<unknown>): { settled: string[] } {
  const record = { settled: [] as string[] };
  promise.then(
    () => record.settled.push("ok"),
    (error) =>
      record.settled.push(
        error instanceof TimeoutError ? "timeout" : `error:${error?.message}`,
      ),
  );
  return record;
}

Deno.test("Condition.notify() racing an abort wakes exactly one waiter and never the aborted one twice", async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), async (s) => {
      const loop = new VirtualIOLoop();
      const condition = new Condition({ loop });
      const controller = new AbortController();
      const a = outcome(condition.wait({ signal: controller.signal }));
      const b = outcome(condition.wait({ timeout: 100 }));
      let notified = -1;
      await drive(s, loop, [
        step(s, "abort a", () => controller.abort(new Error("gone"))),
        step(s, "notify(1)", () => notified = condition.notify(1)),
      ]);
      await loop.advance(0);
      assert.equal(notified, 1, "a live waiter was there to wake");
      assert.equal(a.settled.length, 1, "a settled once");
      if (a.settled[0] === "ok") {
        assert.deepEqual(b.settled, [], "b still waits");
        assert.equal(condition.waiters, 1);
        assert.equal(loop.pendingTimers, 1, "b's timer only");
      } else {
        assert.deepEqual(a.settled, ["error:gone"]);
        assert.deepEqual(b.settled, ["ok"], "the notify went to b");
        assert.equal(condition.waiters, 0);
        assert.equal(loop.pendingTimers, 0, "b's timer was cancelled");
      }
    }),
    settings(),
  );
});

Deno.test("Semaphore.release() racing an abort gives the permit to exactly one waiter", async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), async (s) => {
      const loop = new VirtualIOLoop();
      const semaphore = new Semaphore(0, { loop });
      const controller = new AbortController();
      const a = semaphore.acquire({ signal: controller.signal, timeout: 50 });
      const b = semaphore.acquire({ timeout: 50 });
      const ra = outcome(a);
      const rb = outcome(b);
      // Only the first abort counts; the second finds the signal aborted.
      const abort = (message: string) => () =>
        controller.abort(new Error(message));
      await drive(s, loop, [
        step(s, "abort a", abort("gone")),
        step(s, "release", () => semaphore.release()),
        step(s, "abort a again", abort("again")),
      ]);
      const reason = (controller.signal.reason as Error).message;
      await loop.advance(0);
      const granted = [...ra.settled, ...rb.settled].filter((x) => x === "ok");
      assert.equal(granted.length, 1, "one permit, one holder");
      assert.equal(semaphore.value, 0);
      assert.equal(ra.settled.length, 1, "a settled once");
      if (ra.settled[0] === "ok") {
        assert.equal(semaphore.waiters, 1);
        (await a).release();
      } else {
        assert.deepEqual(ra.settled, [`error:${reason}`]);
        (await b).release();
      }
      // Whoever held the permit gave it back or it went to the other one.
      await loop.advance(0);
      const total = ra.settled.length + rb.settled.length;
      assert.equal(total, 2, "both settled by now");
      assert.equal(semaphore.waiters, 0);
      assert.equal(loop.pendingTimers, 0, "no timer left behind");
    }),
    settings(),
  );
});

Deno.test("Semaphore.acquire() timing out in the same turn as a timed release(): ties go in the order the timers were added", async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), async (s) => {
      const loop = new VirtualIOLoop();
      const semaphore = new Semaphore(0, { loop });
      // Who is in line, in order, and whether the release was set first.
      const order: string[] = [];
      let a!: { settled: string[] };
      let b!: { settled: string[] };
      await drive(s, loop, [
        step(s, "a waits 5 ms", () => {
          order.push("a");
          a = outcome(semaphore.acquire({ timeout: 5 }));
        }),
        step(s, "release at 5 ms", () => {
          order.push("release");
          loop.callLater(5, () => semaphore.release());
        }),
        step(s, "b waits", () => {
          order.push("b");
          b = outcome(semaphore.acquire());
        }),
      ]);
      await loop.advance(5);
      const releaseFirst = order.indexOf("release") < order.indexOf("a");
      if (releaseFirst && order.indexOf("a") < order.indexOf("b")) {
        // The release fired first, with `a` first in line: `a` holds the
        // permit and its timer is gone.
        assert.deepEqual(a.settled, ["ok"]);
        assert.deepEqual(b.settled, []);
        assert.equal(semaphore.waiters, 1);
      } else if (releaseFirst) {
        // The release fired first and went to `b`, first in line; then `a`
        // timed out.
        assert.deepEqual(a.settled, ["timeout"]);
        assert.deepEqual(b.settled, ["ok"]);
        assert.equal(semaphore.waiters, 0);
      } else {
        // `a` timed out first; the release then went to `b`.
        assert.deepEqual(a.settled, ["timeout"]);
        assert.deepEqual(b.settled, ["ok"]);
        assert.equal(semaphore.waiters, 0);
      }
      assert.equal(semaphore.value, 0, "one permit, one holder");
      assert.equal(loop.pendingTimers, 0);
    }),
    settings(),
  );
});

Deno.test("Lock.release() from inside a woken waiter hands over in FIFO order with never two holders", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.integer({ min: 2, max: 6 }),
      async (s, n) => {
        const loop = new VirtualIOLoop();
        const lock = new Lock({ loop });
        const started: number[] = [];
        const granted: number[] = [];
        let holders = 0;
        const workers = Array.from(
          { length: n },
          (_, i) =>
            step(s, `worker ${i} starts`, async () => {
              started.push(i);
              const releaser = await lock.acquire();
              holders++;
              assert.equal(holders, 1, "never two holders");
              granted.push(i);
              // Yield to the scheduler while holding, then release from this
              // continuation, some with the releaser and some with the lock.
              await step(s, `worker ${i} holds`, () => {});
              holders--;
              if (i % 2 === 0) {
                releaser.release();
                releaser.release(); // A second call does nothing.
              } else {
                lock.release(); // The releaser stays unused.
              }
            }),
        );
        await drive(s, loop, workers);
        await loop.advance(0);
        assert.deepEqual(granted, started, "FIFO");
        assert.equal(lock.locked, false);
        assert.equal(lock.waiters, 0);
      },
    ),
    settings(),
  );
});

Deno.test("Condition.notify() inside a waiter's continuation wakes the next in line, each once and in order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.integer({ min: 1, max: 6 }),
      async (s, n) => {
        const loop = new VirtualIOLoop();
        const condition = new Condition({ loop });
        const waited: number[] = [];
        const woke: number[] = [];
        const waiters = Array.from(
          { length: n },
          (_, i) =>
            step(s, `waiter ${i}`, async () => {
              waited.push(i);
              await condition.wait(i % 2 ? { timeout: 1000 } : undefined);
              woke.push(i);
              condition.notify();
            }),
        );
        // The first notify comes at a random moment among the waits: the
        // chain it starts wakes whoever is in line by then.
        let first = -1;
        await drive(s, loop, [
          step(s, "notify", () => first = condition.notify()),
        ]);
        assert.equal(first, woke.length > 0 ? 1 : 0, "notify() count");
        // Whoever came after the chain ended is woken the same way.
        if (condition.waiters > 0) assert.equal(condition.notify(), 1);
        await drive(s, loop, waiters);
        assert.deepEqual(woke, waited, "each woke once, in order");
        assert.equal(condition.waiters, 0);
        assert.equal(loop.pendingTimers, 0, "timers of the woken are gone");
      },
    ),
    settings(),
  );
});

Deno.test("Condition.waitFor() with notifies racing the predicate's changes resolves once with the first truthy value", async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), async (s) => {
      const loop = new VirtualIOLoop();
      const condition = new Condition({ loop });
      const items: string[] = [];
      let calls = 0;
      const waiting = condition.waitFor(() => {
        calls++;
        return items.shift();
      }, { timeout: 100 });
      const result = outcome(waiting);
      const pushed: string[] = [];
      const push = (item: string) => () => {
        pushed.push(item);
        items.push(item);
      };
      await drive(s, loop, [
        step(s, "notify early", () => condition.notify()),
        step(s, "push job", push("job")),
        step(s, "notify", () => condition.notify()),
        step(s, "push other", push("other")),
        step(s, "notify late", () => condition.notify()),
      ]);
      // If every notify came before the first push, it still waits, as one
      // waiter; one more notify must find the value.
      if (result.settled.length === 0) {
        assert.equal(condition.waiters, 1);
        assert.equal(condition.notify(), 1);
        await loop.advance(0);
      }
      assert.deepEqual(result.settled, ["ok"]);
      assert.equal(await waiting, pushed[0], "the first value pushed");
      assert.deepEqual(items, [pushed[1]], "one value taken, once");
      assert.ok(calls >= 2, "checked before and after a wake-up");
      assert.equal(condition.waiters, 0);
      assert.equal(loop.pendingTimers, 0);
    }),
    settings(),
  );
});

Deno.test("Semaphore.use() whose functions throw or reject in random order keeps the bound and gives every permit back", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.constantFrom("return", "throw", "reject"), {
        minLength: 1,
        maxLength: 8,
      }),
      async (s, permits, endings) => {
        const loop = new VirtualIOLoop();
        const semaphore = new Semaphore(permits, { loop });
        let running = 0;
        let most = 0;
        const calls = endings.map((ending, i) =>
          semaphore.use(async () => {
            running++;
            most = Math.max(most, running);
            await step(s, `use ${i} works`, () => {});
            running--;
            if (ending === "throw") throw new Error(`throw ${i}`);
            if (ending === "reject") {
              return Promise.reject(new Error(`reject ${i}`));
            }
            return i;
          })
        );
        const all = Promise.allSettled(calls);
        await drive(s, loop, [all]);
        const results = await all;
        results.forEach((r, i) => {
          if (endings[i] === "return") {
            assert.deepEqual(r, { status: "fulfilled", value: i });
          } else {
            assert.equal(r.status, "rejected");
            assert.equal(
              (r as PromiseRejectedResult).reason.message,
              `${endings[i]} ${i}`,
              "the caller gets fn's own error",
            );
          }
        });
        assert.ok(most <= permits, "never more holders than permits");
        assert.equal(semaphore.value, permits, "every permit back");
        assert.equal(semaphore.waiters, 0);
      },
    ),
    settings(),
  );
});

Deno.test("Event.clear() right after set() wakes everyone already waiting and no one who comes later", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
      async (s, withOptions) => {
        const loop = new VirtualIOLoop();
        const event = new Event({ loop });
        const before: { settled: string[] }[] = [];
        const after: { settled: string[] }[] = [];
        let pulsed = false;
        const withTimeout: boolean[] = [];
        await drive(s, loop, [
          ...withOptions.map((options, i) =>
            step(s, `wait ${i}`, () => {
              const record = outcome(
                event.wait(options ? { timeout: 10 } : undefined),
              );
              (pulsed ? after : before).push(record);
              if (pulsed) withTimeout.push(options);
            })
          ),
          step(s, "set(); clear()", () => {
            event.set();
            event.clear();
            pulsed = true;
          }),
        ]);
        await loop.advance(0);
        assert.equal(event.isSet(), false);
        for (const r of before) assert.deepEqual(r.settled, ["ok"]);
        for (const r of after) assert.deepEqual(r.settled, []);
        assert.equal(event.waiters, after.length);
        await loop.advance(10);
        after.forEach((r, i) =>
          assert.deepEqual(r.settled, withTimeout[i] ? ["timeout"] : [])
        );
      },
    ),
    settings(),
  );
});

Deno.test("Lock.use() with a function that throws, racing waiters with timeouts, leaves the lock free and the error with the caller", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }),
      async (s, timeouts) => {
        const loop = new VirtualIOLoop();
        const lock = new Lock({ loop });
        const failing = lock.use(async () => {
          await step(s, "holder works", () => {});
          throw new Error("boom");
        });
        const failed = assert.rejects(failing, { message: "boom" });
        const waiters = timeouts.map((timeout, i) =>
          step(s, `waiter ${i}`, () =>
            lock.acquire({ timeout }).then(
              (releaser: Releaser) => {
                releaser.release();
                return "ok";
              },
              (error) => {
                assert.ok(error instanceof TimeoutError);
                return "timeout";
              },
            ))
        );
        const tick = step(s, "time passes", () => loop.advance(2));
        await drive(s, loop, [failed, tick]);
        await loop.runUntilIdle();
        const ends = await Promise.all(waiters);
        for (const end of ends) assert.ok(end === "ok" || end === "timeout");
        assert.equal(lock.locked, false);
        assert.equal(lock.waiters, 0);
        assert.equal(loop.pendingTimers, 0);
      },
    ),
    settings(),
  );
});

// ---------------------------------------------------------------------------
// close() racing a grant, an abort and a deadline in the same turn: each
// waiter settles exactly once, by whichever came first; a grant made before
// the close is kept; nothing is left behind.

/** A primitive on which every wait queues until a grant. */
interface Racer {
  wait(options?: WaitOptions): Promise<unknown>;
  /** Lets the first waiter in (every waiter, for an Event). */
  grant(): void;
  close(reason?: unknown): void;
  readonly waiters: number;
}

/** A Racer over `x`, which has `close()` and `waiters` of its own. */
function racer(
  x: { close(reason?: unknown): void; readonly waiters: number },
  wait: (options?: WaitOptions) => Promise<unknown>,
  grant: () => void,
): Racer {
  return {
    wait,
    grant,
    close: (reason) => x.close(reason),
    get waiters() {
      return x.waiters;
    },
  };
}

const CLOSABLES: {
  name: string;
  make(loop: VirtualIOLoop): Racer;
  all?: boolean;
}[] = [
  {
    name: "Semaphore",
    make: (loop) => {
      const x = new Semaphore(0, { loop });
      return racer(x, (o) => x.acquire(o), () => x.release());
    },
  },
  {
    name: "Lock",
    make: (loop) => {
      const x = new Lock({ loop });
      x.tryAcquire();
      // Once unlocked, with no one left to hand it to, a grant has nothing
      // to do.
      return racer(x, (o) => x.acquire(o), () => x.locked && x.release());
    },
  },
  {
    name: "Condition",
    make: (loop) => {
      const x = new Condition({ loop });
      return racer(x, (o) => x.wait(o), () => x.notify());
    },
  },
  {
    name: "Event",
    make: (loop) => {
      const x = new Event({ loop });
      return racer(x, (o) => x.wait(o), () => x.set());
    },
    all: true,
  },
];

type RaceEvent = "grant" | "close" | "abort" | "deadline";

/** What each of the three waiters must end with, events taken in order. */
function expectedEndings(events: RaceEvent[], all: boolean): string[] {
  // a: plain, first in line; b: aborted by `abort`; c: timed by `deadline`.
  const line = ["a", "b", "c"];
  const ending = new Map<string, string>();
  let closed = false;
  const leave = (who: string, how: string) => {
    if (!line.includes(who)) return;
    line.splice(line.indexOf(who), 1);
    ending.set(who, how);
  };
  for (const event of events) {
    if (event === "grant" && !closed) {
      for (const who of line.splice(0, all ? line.length : 1)) {
        ending.set(who, "ok");
      }
    } else if (event === "close" && !closed) {
      closed = true;
      for (const who of line.splice(0)) ending.set(who, "closed");
    } else if (event === "abort") leave("b", "aborted");
    else if (event === "deadline") leave("c", "timeout");
  }
  return ["a", "b", "c"].map((who) => ending.get(who) ?? "pending");
}

for (const closable of CLOSABLES) {
  Deno.test(`${closable.name}.close() racing a grant, an abort and a deadline at the same time: each waiter settles once, by whichever came first`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const loop = new VirtualIOLoop();
        const x = closable.make(loop);
        const controller = new AbortController();
        const listeners = new Set<unknown>();
        const signal = controller.signal;
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = (type: string, listener: never) => {
          listeners.add(listener);
          add(type, listener);
        };
        signal.removeEventListener = (type: string, listener: never) => {
          listeners.delete(listener);
          remove(type, listener);
        };
        const reason = new Error("closed");
        const record = (promise: Promise<unknown>) => {
          const settled: string[] = [];
          promise.then(
            () => settled.push("ok"),
            (e) =>
              settled.push(
                e === reason
                  ? "closed"
                  : e === "stop"
                  ? "aborted"
                  : e instanceof TimeoutError
                  ? "timeout"
                  : `error:${e}`,
              ),
          );
          return settled;
        };
        const a = record(x.wait());
        const b = record(x.wait({ signal, timeout: 1000 }));
        // Each step arms its timer for 5 ms when the scheduler lets it go,
        // so they fire at the same time in a random order; `c` waits when
        // its step goes, its deadline armed then.
        const events: RaceEvent[] = [];
        let c: string[] = [];
        const at5 = (event: RaceEvent, action: () => void) => () =>
          loop.callAt(5, () => {
            events.push(event);
            action();
          });
        await drive(s, loop, [
          step(s, "grant", at5("grant", () => x.grant())),
          step(s, "close", at5("close", () => x.close(reason))),
          step(s, "abort", at5("abort", () => controller.abort("stop"))),
          step(s, "c waits until 5 ms", () => {
            c = record(x.wait({ deadline: 5 }));
            // Its timer fires when the deadline passes, among the others.
            loop.callAt(5, () => events.push("deadline"));
          }),
        ]);
        await loop.advance(5);
        const expected = expectedEndings(events, closable.all ?? false);
        const got = [a, b, c].map((settled) => settled.join(",") || "pending");
        assert.deepEqual(got, expected, `events ${events.join(", ")}`);
        // Nothing is left behind, and nothing settles again later.
        await loop.advance(1000);
        assert.deepEqual([a, b, c].map((settled) => settled.length), [1, 1, 1]);
        assert.equal(x.waiters, 0);
        assert.equal(loop.pendingTimers, 0);
        assert.equal(listeners.size, 0, "no abort listener left");
      }),
      settings(),
    );
  });

  Deno.test(`${closable.name}.close() racing a grant and an abort within one callback keeps what was granted first`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(["grant", "close", "abort"] as RaceEvent[], {
          minLength: 3,
          maxLength: 3,
        }),
        async (events) => {
          const loop = new VirtualIOLoop();
          const x = closable.make(loop);
          const controller = new AbortController();
          const reason = new Error("closed");
          const endings: string[][] = [[], [], []];
          const waits = [
            x.wait({ timeout: 10 }),
            x.wait({ signal: controller.signal }),
            x.wait(),
          ];
          waits.forEach((promise, i) =>
            promise.then(
              () => endings[i].push("ok"),
              (e) =>
                endings[i].push(
                  e === reason ? "closed" : e === "stop" ? "aborted" : `${e}`,
                ),
            )
          );
          loop.callLater(1, () => {
            for (const event of events) {
              if (event === "grant") x.grant();
              else if (event === "close") x.close(reason);
              else controller.abort("stop");
            }
          });
          await loop.advance(1);
          // The same rules as above, with `c` a plain waiter: no deadline.
          const expected = expectedEndings(events, closable.all ?? false)
            .map((ending) => ending === "pending" ? "closed" : ending);
          assert.deepEqual(endings.map((e) => e.join(",")), expected);
          await loop.advance(100);
          assert.deepEqual(endings.map((e) => e.length), [1, 1, 1]);
          assert.equal(x.waiters, 0);
          assert.equal(loop.pendingTimers, 0);
        },
      ),
      settings(),
    );
  });
}
