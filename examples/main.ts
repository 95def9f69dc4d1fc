/**
 * The demo: runs each example in turn, a blank line between their outputs.
 *
 * @module
 */

import { conditionExample } from "./condition.ts";
import { eventExample } from "./event.ts";
import { lockExample } from "./lock.ts";
import { lifoQueueExample } from "./lifo_queue.ts";
import { priorityQueueExample } from "./priority_queue.ts";
import { queueExample } from "./queue.ts";
import { semaphoreExample } from "./semaphore.ts";

const examples = [
  conditionExample,
  eventExample,
  semaphoreExample,
  lockExample,
  queueExample,
  priorityQueueExample,
  lifoQueueExample,
];

for (const [index, example] of examples.entries()) {
  if (index > 0) console.log();
  await example();
}
