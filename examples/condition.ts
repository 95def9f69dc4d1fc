/**
 * Tornado's `Condition` example, in TypeScript: the waiter resumes only
 * after the notifier has finished, because wake-ups are asynchronous.
 *
 * @module
 */

import { Condition } from "../mod.ts";

/** Runs the example, handing each line of output to `print`. */
export async function conditionExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  const condition = new Condition();

  async function waiter() {
    print("I'll wait right here");
    await condition.wait();
    print("I'm done waiting");
  }

  // deno-lint-ignore require-await
  async function notifier() {
    print("About to notify");
    condition.notify();
    print("Done notifying");
  }

  // Wait for waiter() and notifier() in parallel.
  await Promise.all([waiter(), notifier()]);
}
