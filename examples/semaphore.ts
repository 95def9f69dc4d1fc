/**
 * Tornado's `Semaphore` example, in TypeScript: three workers share a
 * resource that only two may use at a time.
 *
 * @module
 */

import { IOLoop, Semaphore } from "../mod.ts";

/** Runs the example, handing each line of output to `print`. */
export async function semaphoreExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  const loop = IOLoop.current();
  const nextTurn = () =>
    new Promise<void>((resolve) => loop.addCallback(resolve));

  // For reliable output, the resource finishes one use at a time, two loop
  // turns apart, in the order the uses began.
  const finishers: (() => void)[] = [];
  function useSomeResource(): Promise<void> {
    if (finishers.length === 0) void simulator();
    return new Promise((resolve) => finishers.push(resolve));
  }
  async function simulator() {
    for (let used = 0; used < 3; used++) {
      await nextTurn();
      await nextTurn();
      finishers[used]();
    }
  }

  const semaphore = new Semaphore(2);

  async function worker(id: number) {
    const releaser = await semaphore.acquire();
    try {
      print(`Worker ${id} is working`);
      await useSomeResource();
    } finally {
      print(`Worker ${id} is done`);
      releaser.release();
    }
  }

  // Join all workers.
  await Promise.all([worker(0), worker(1), worker(2)]);
}
