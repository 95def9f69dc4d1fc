import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  Semaphore,
  TimeoutError,
} from "./mod.ts";
import { TimeoutError as TimeoutErrorFromErrors } from "./errors.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import type { IOLoop } from "./ioloop.ts";

// Every wait the library times, each made to wait forever unless it times
// out, with the message API.md's "Settled details" gives it.
const TIMED_WAITS: ReadonlyArray<{
  message: string;
  start(loop: IOLoop, options: { timeout: number }): Promise<unknown>;
}> = [
  {
    message: "Condition.wait() timed out",
    start: (loop, options) => new Condition({ loop }).wait(options),
  },
  {
    message: "Condition.waitFor() timed out",
    start: (loop, options) =>
      new Condition({ loop }).waitFor(() => false, options),
  },
  {
    message: "Event.wait() timed out",
    start: (loop, options) => new Event({ loop }).wait(options),
  },
  {
    message: "Semaphore.acquire() timed out",
    start: (loop, options) => new Semaphore(0, { loop }).acquire(options),
  },
  {
    message: "BoundedSemaphore.acquire() timed out",
    start: (loop, options) =>
      new BoundedSemaphore(0, { loop }).acquire(options),
  },
  {
    message: "Lock.acquire() timed out",
    start: (loop, options) => {
      const lock = new Lock({ loop });
      lock.tryAcquire();
      return lock.acquire(options);
    },
  },
  {
    message: "IOLoop.run() timed out",
    start: (loop, options) => loop.run(() => new Promise(() => {}), options),
  },
];

Deno.test("TimeoutError is a class whose instances are Errors named TimeoutError", () => {
  assert.equal(typeof TimeoutError, "function");
  const error = new TimeoutError("Thing.wait() timed out");
  assert.ok(error instanceof TimeoutError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "TimeoutError");
  assert.equal(error.message, "Thing.wait() timed out");
  assert.equal(String(error), "TimeoutError: Thing.wait() timed out");
  assert.equal(Object.getPrototypeOf(TimeoutError), Error);
});

Deno.test("TimeoutError without a message has an empty message and its name", () => {
  const error = new TimeoutError();
  assert.equal(error.message, "");
  assert.equal(error.name, "TimeoutError");
  assert.equal(String(error), "TimeoutError");
});

Deno.test("TimeoutError has a stack, as any Error", () => {
  const error = new TimeoutError("x");
  assert.equal(typeof error.stack, "string");
  assert.match(error.stack!, /TimeoutError/);
});

Deno.test("TimeoutError from errors.ts is the one mod.ts exports", () => {
  assert.equal(TimeoutErrorFromErrors, TimeoutError);
});

Deno.test("TimeoutError does not match other errors under instanceof", () => {
  assert.ok(!(new Error("timed out") instanceof TimeoutError));
  assert.ok(!(new RangeError("x") instanceof TimeoutError));
});

for (const kind of LOOP_KINDS) {
  for (const { message, start } of TIMED_WAITS) {
    Deno.test(`${kind.name}: ${message.split(" ")[0]} rejects with TimeoutError "${message}" past the timeout`, async () => {
      using t = kind.create();
      const seen: unknown[] = [];
      const waiting = start(t.loop, { timeout: 50 }).then(
        () => assert.fail("resolved"),
        (error) => seen.push(error),
      );
      await t.advance(49);
      assert.equal(seen.length, 0);
      await t.advance(1);
      await waiting;
      const [settled] = seen;
      assert.ok(settled instanceof TimeoutError);
      assert.ok(settled instanceof Error);
      assert.equal(settled.name, "TimeoutError");
      assert.equal(settled.message, message);
      assert.equal(t.loop.pendingTimers, 0);
    });

    Deno.test(`${kind.name}: ${message.split(" ")[0]} rejects at once with TimeoutError "${message}" for timeout 0`, async () => {
      using t = kind.create();
      const error = await start(t.loop, { timeout: 0 }).then(
        () => assert.fail("resolved"),
        (error) => error,
      );
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.message, message);
      assert.equal(t.loop.pendingTimers, 0);
    });

    Deno.test(`${kind.name}: ${message.split(" ")[0]} gives each timed-out wait its own TimeoutError`, async () => {
      using t = kind.create();
      const first = start(t.loop, { timeout: 10 }).catch((error) => error);
      const second = start(t.loop, { timeout: 10 }).catch((error) => error);
      const atOnce = start(t.loop, { timeout: 0 }).catch((error) => error);
      const atOnceAgain = start(t.loop, { timeout: 0 }).catch((error) => error);
      await t.advance(10);
      const errors = await Promise.all([first, second, atOnce, atOnceAgain]);
      for (const error of errors) {
        assert.ok(error instanceof TimeoutError);
        assert.equal(error.message, message);
      }
      assert.equal(new Set(errors).size, 4);
    });
  }
}
