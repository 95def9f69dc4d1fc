/**
 * How `Lock` caps each acquire at one permit without a public member: the
 * `Semaphore` class fills this in from inside its own body, where its
 * private fields are in reach.
 *
 * @module
 */

import { cannot } from "./_check.ts";

/** Set by `Semaphore`'s static block. */
export const permitLimit: {
  set: (semaphore: object, most: number) => void;
} = { set: () => {} };

/** Checks a count of permits: a `TypeError` or `RangeError` naming it. */
export function checkPermits(
  permits: unknown,
  most: number,
  action: string,
  argument: string,
): asserts permits is number {
  if (typeof permits !== "number") {
    throw new TypeError(cannot(action, argument, "a number", permits));
  }
  if (!(Number.isSafeInteger(permits) && permits > 0)) {
    throw new RangeError(
      cannot(action, argument, "a positive integer", permits),
    );
  }
  if (permits > most) {
    throw new RangeError(cannot(action, argument, `at most ${most}`, permits));
  }
}
