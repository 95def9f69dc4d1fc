/**
 * Tornado's `Event` example, in TypeScript: the second wait returns at once
 * because the event is still set.
 *
 * @module
 */

import { Event } from "../mod.ts";

/** Runs the example, handing each line of output to `print`. */
export async function eventExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  const event = new Event();

  async function waiter() {
    print("Waiting for event");
    await event.wait();
    print("Not waiting this time");
    await event.wait();
    print("Done");
  }

  // deno-lint-ignore require-await
  async function setter() {
    print("About to set the event");
    event.set();
  }

  await Promise.all([waiter(), setter()]);
}
