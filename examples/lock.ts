/**
 * A `Lock` example: two tasks each read a balance, wait, and write it back.
 * Holding the lock across the wait keeps either update from being lost.
 *
 * @module
 */

import { IOLoop, Lock } from "../mod.ts";

/** Runs the example, handing each line of output to `print`. */
export async function lockExample(
  print: (line: string) => void = console.log,
): Promise<void> {
  const loop = IOLoop.current();
  const nextTurn = () =>
    new Promise<void>((resolve) => loop.addCallback(resolve));
  const lock = new Lock();
  let balance = 100;

  async function deposit(name: string, amount: number) {
    // Do something holding the lock.
    await lock.use(async () => {
      print(`${name} holds the lock`);
      const read = balance;
      await nextTurn();
      balance = read + amount;
      print(`${name} deposited ${amount}, balance ${balance}`);
    });
  }

  await Promise.all([deposit("Alice", 50), deposit("Bob", 25)]);
  print(`Final balance ${balance}`);
}
