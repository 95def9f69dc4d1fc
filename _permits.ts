/**
 * How `Lock` caps each acquire at one permit without a public member: the
 * `Semaphore` class fills this in from inside its own body, where its
 * private fields are in reach.
 *
 * @module
 */

/** Set by `Semaphore`'s static block. */
export const permitLimit: {
  set: (semaphore: object, most: number) => void;
} = { set: () => {} };
