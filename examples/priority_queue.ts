/**
 * Tornado's `PriorityQueue` example, in TypeScript: `[priority, data]`
 * entries come out lowest priority first, printed as Python prints tuples.
 *
 * @module
 */

import { PriorityQueue } from "../mod.ts";

/** Runs the example, handing each line of output to `print`. */
// deno-lint-ignore require-await
export async function priorityQueueExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  const queue = new PriorityQueue<[number, string]>();
  queue.put([1, "medium-priority item"]);
  queue.put([0, "high-priority item"]);
  queue.put([10, "low-priority item"]);

  const show = ([priority, data]: [number, string]) =>
    `(${priority}, '${data}')`;
  print(show(queue.getNowait()));
  print(show(queue.getNowait()));
  print(show(queue.getNowait()));
}
