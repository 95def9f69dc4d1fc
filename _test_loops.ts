/**
 * The two kinds of loop every behaviour suite runs on: a
 * {@linkcode VirtualIOLoop}, and the runtime-timer `IOLoop` under
 * `@sinonjs/fake-timers` faking exactly what `@std/testing/time`'s
 * `FakeTime` fakes. Passing a suite on both proves that the default loop
 * reads the clock and the timer functions at call time.
 *
 * @module
 */

import FakeTimers from "@sinonjs/fake-timers";
import { IOLoop, VirtualIOLoop } from "./ioloop.ts";

/** What `FakeTime` from `@std/testing/time` fakes, and nothing else. */
export const FAKED = [
  "Date",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
] as const;

/** A loop under test, with the means to move its time. */
export interface TestLoop extends Disposable {
  /** The loop; give it to primitives as `{ loop }` or make it current. */
  readonly loop: IOLoop;
  /** Moves time forward `ms`, firing due timers and their promise callbacks. */
  advance(ms: number): Promise<void>;
  /** Runs every queued promise callback without moving time. */
  settle(): Promise<void>;
}

/** A way to make a {@linkcode TestLoop}. */
export interface LoopKind {
  readonly name: string;
  /** Makes a fresh loop (current, too, until disposed). */
  create(): TestLoop;
}

/** `VirtualIOLoop`: virtual time starting at 0. */
export const virtualLoop: LoopKind = {
  name: "VirtualIOLoop",
  create() {
    const loop = new VirtualIOLoop();
    IOLoop.setCurrent(loop);
    return {
      loop,
      advance: (ms) => loop.advance(ms),
      settle: () => loop.advance(0),
      [Symbol.dispose]() {
        IOLoop.setCurrent(undefined);
      },
    };
  },
};

/**
 * The runtime-timer loop, `new IOLoop()`, under fake timers whose clock
 * starts at 1,000,000 ms, made current until disposed.
 */
export const fakeTimersLoop: LoopKind = {
  name: "IOLoop under fake timers",
  create() {
    const clock = FakeTimers.install({
      now: 1_000_000,
      toFake: [...FAKED],
    });
    const loop = new IOLoop();
    IOLoop.setCurrent(loop);
    return {
      loop,
      advance: async (ms) => {
        await clock.tickAsync(ms);
      },
      settle: async () => {
        await clock.tickAsync(0);
      },
      [Symbol.dispose]() {
        IOLoop.setCurrent(undefined);
        clock.uninstall();
      },
    };
  },
};

/** Both kinds: run each behaviour suite once per entry. */
export const LOOP_KINDS: readonly LoopKind[] = [virtualLoop, fakeTimersLoop];
