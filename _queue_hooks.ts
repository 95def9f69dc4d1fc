/**
 * What a `Queue` shows its own tests and nothing else: how many wait in
 * `join()`, a count its public API leaves out (Tornado's and asyncio's
 * do too). The `Queue` class fills this in from inside its own body, where
 * its private fields are in reach.
 *
 * @module
 */

/** Set by `Queue`'s static block. */
export const queueHooks: {
  joiners: (queue: object) => number;
} = { joiners: () => 0 };
