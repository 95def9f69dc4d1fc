/**
 * Tornado's `Queue` example, in TypeScript: a producer and a consumer share
 * a queue of two slots, and `join()` waits until every item is processed.
 *
 * @module
 */

import { IOLoop, Queue } from "../mod.ts";

/** Runs the example, handing each line of output to `print`. */
export async function queueExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  const loop = IOLoop.current();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => loop.callLater(ms, resolve));

  const queue = new Queue<number>(2);

  async function consumer() {
    for await (const item of queue) {
      try {
        print(`Doing work on ${item}`);
        await sleep(10);
      } finally {
        queue.taskDone();
      }
    }
  }

  async function producer() {
    for (let item = 0; item < 5; item++) {
      await queue.put(item);
      print(`Put ${item}`);
    }
  }

  // Start the consumer without waiting (it ends only when the queue shuts
  // down), as Tornado's spawn_callback does.
  loop.addCallback(consumer);
  await producer(); // Wait for the producer to put all tasks.
  await queue.join(); // Wait for the consumer to finish all tasks.
  print("Done");
  queue.shutdown(); // Tornado leaves the consumer waiting; this ends it.
}
