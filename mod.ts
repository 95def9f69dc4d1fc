/**
 * Synchronization primitives for async functions that share one thread:
 * {@linkcode Condition}, {@linkcode Event}, {@linkcode Semaphore},
 * {@linkcode BoundedSemaphore} and {@linkcode Lock}, modelled on Tornado's
 * `tornado.locks`; {@linkcode Queue}, {@linkcode PriorityQueue} and
 * {@linkcode LifoQueue} from `tornado.queues`; {@linkcode ReadWriteLock},
 * {@linkcode KeyedLock}, {@linkcode Barrier} and {@linkcode WaitGroup}; and
 * {@linkcode WebLock}, which reaches across workers and tabs. All run over
 * an {@linkcode IOLoop} that keeps time exactly and lets tests run on
 * virtual time.
 *
 * Every wait takes a `deadline`, a `timeout` or an `AbortSignal`; waiters
 * are served first in, first out, one that gives up leaves at once, and
 * `close()` (a queue's `shutdown()`) ends every wait for a server that
 * shuts down.
 *
 * ```ts
 * import { Lock, TimeoutError } from "@coop/locks";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * using _held = await lock.acquire();
 * await assert.rejects(lock.acquire({ timeout: 0 }), TimeoutError);
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./ioloop.ts";
export * from "./condition.ts";
export * from "./event.ts";
export * from "./semaphore.ts";
export * from "./lock.ts";
export * from "./wait_group.ts";
export * from "./read_write_lock.ts";
export * from "./barrier.ts";
export * from "./keyed_lock.ts";
export * from "./queue.ts";
export * from "./web_lock.ts";
