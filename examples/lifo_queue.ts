/**
 * Tornado's `LifoQueue` example, in TypeScript: the item put last comes out
 * first.
 *
 * @module
 */

import { LifoQueue } from "../mod.ts";

/** Runs the example, handing each line of output to `print`. */
// deno-lint-ignore require-await
export async function lifoQueueExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  const queue = new LifoQueue<number>();
  queue.put(3);
  queue.put(2);
  queue.put(1);

  print(String(queue.getNowait()));
  print(String(queue.getNowait()));
  print(String(queue.getNowait()));
}
