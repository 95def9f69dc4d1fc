/**
 * Counts of permits and other sizes: their checks, how they are stored, and
 * how `Lock` caps each acquire at one permit without a public member (the
 * `Semaphore` class fills `permitLimit` in from inside its own body, where
 * its private fields are in reach).
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

/**
 * `n`, a safe integer, as V8 stores a small integer. A count computed in
 * floating point (`1 + (x % 8)` can be) arrives boxed, and a boxed number
 * stored in a field turns that field boxed in every semaphore and releaser
 * made afterwards, which costs every acquire an allocation.
 */
export function asSmallInteger(n: number): number {
  return n <= 0x3fffffff ? n | 0 : n;
}
