/**
 * The demo: runs each example in turn, a blank line between their outputs.
 *
 * @module
 */

import { conditionExample } from "./condition.ts";
import { eventExample } from "./event.ts";
import { lockExample } from "./lock.ts";
import { semaphoreExample } from "./semaphore.ts";

const examples = [
  conditionExample,
  eventExample,
  semaphoreExample,
  lockExample,
];

for (const [index, example] of examples.entries()) {
  if (index > 0) console.log();
  await example();
}
