import assert from "node:assert/strict";
import { conditionExample } from "./examples/condition.ts";
import { eventExample } from "./examples/event.ts";
import { lockExample } from "./examples/lock.ts";
import { semaphoreExample } from "./examples/semaphore.ts";

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
