import assert from "node:assert/strict";
import { conditionExample } from "./examples/condition.ts";
import { eventExample } from "./examples/event.ts";
import { lockExample } from "./examples/lock.ts";
import { semaphoreExample } from "./examples/semaphore.ts";
import { lifoQueueExample } from "./examples/lifo_queue.ts";
import { priorityQueueExample } from "./examples/priority_queue.ts";
import { queueExample } from "./examples/queue.ts";

async function linesOf(
  example: (print: (line: string) => void) => Promise<void>,
): Promise<string[]> {
  const lines: string[] = [];
  await example((line) => lines.push(line));
  return lines;
}

Deno.test("Condition example prints Tornado's output line for line", async () => {
  assert.deepEqual(await linesOf(conditionExample), [
    "I'll wait right here",
    "About to notify",
    "Done notifying",
    "I'm done waiting",
  ]);
});

Deno.test("Event example prints Tornado's output line for line", async () => {
  assert.deepEqual(await linesOf(eventExample), [
    "Waiting for event",
    "About to set the event",
    "Not waiting this time",
    "Done",
  ]);
});

Deno.test("Semaphore example prints Tornado's output line for line", async () => {
  assert.deepEqual(await linesOf(semaphoreExample), [
    "Worker 0 is working",
    "Worker 1 is working",
    "Worker 0 is done",
    "Worker 2 is working",
    "Worker 1 is done",
    "Worker 2 is done",
  ]);
});

Deno.test("Lock example serializes the two deposits", async () => {
  assert.deepEqual(await linesOf(lockExample), [
    "Alice holds the lock",
    "Alice deposited 50, balance 150",
    "Bob holds the lock",
    "Bob deposited 25, balance 175",
    "Final balance 175",
  ]);
});

Deno.test("Queue example prints Tornado's output line for line", async () => {
  assert.deepEqual(await linesOf(queueExample), [
    "Put 0",
    "Put 1",
    "Doing work on 0",
    "Put 2",
    "Doing work on 1",
    "Put 3",
    "Doing work on 2",
    "Put 4",
    "Doing work on 3",
    "Doing work on 4",
    "Done",
  ]);
});

Deno.test("PriorityQueue example prints Tornado's output line for line", async () => {
  assert.deepEqual(await linesOf(priorityQueueExample), [
    "(0, 'high-priority item')",
    "(1, 'medium-priority item')",
    "(10, 'low-priority item')",
  ]);
});

Deno.test("LifoQueue example prints Tornado's output line for line", async () => {
  assert.deepEqual(await linesOf(lifoQueueExample), ["1", "2", "3"]);
});
