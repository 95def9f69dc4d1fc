/**
 * Helpers the behaviour suites share: watching how promises settle,
 * draining promise callbacks, matching errors, counting abort listeners and
 * runtime timers, and reading every inspection of a value.
 *
 * @module
 */

import assert from "node:assert/strict";
import { inspect } from "node:util";
import type fc from "fast-check";
import { TimeoutError } from "./errors.ts";
import type { TestLoop } from "./_test_loops.ts";

/** How a promise stands. */
export type State = "pending" | "fulfilled" | "rejected";

/** A promise's settlement, recorded as it happens. */
export interface Watched {
  state: State;
  value?: unknown;
  reason?: unknown;
  /** How many times a settlement handler ran: a promise settles once. */
  settlements: number;
}

/** Records how `promise` settles; also marks its rejection as handled. */
export function watch(promise: Promise<unknown>): Watched {
  const watched: Watched = { state: "pending", settlements: 0 };
  promise.then(
    (value) => {
      watched.state = "fulfilled";
      watched.value = value;
      watched.settlements++;
    },
    (reason) => {
      watched.state = "rejected";
      watched.reason = reason;
      watched.settlements++;
    },
  );
  return watched;
}

/**
 * Runs the promise callbacks already queued and those they queue, with no
 * loop turn: no timer of either loop kind can fire meanwhile.
 */
export async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await null;
}

/** How `promise` stands after promise callbacks alone, with no loop turn. */
export async function stateOf(promise: Promise<unknown>): Promise<State> {
  let state: State = "pending";
  promise.then(() => state = "fulfilled", () => state = "rejected");
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return state;
}

/** Checks an error's exact class and that its message matches. */
export function error(
  Class: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  message: RegExp | string,
): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof Class, `expected a ${Class.name}, got ${e}`);
    assert.equal(Object.getPrototypeOf(e), Class.prototype);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  };
}

/** Checks that an error is the `TimeoutError` of `what`, as `Event.wait()`. */
export function timeoutOf(what: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof TimeoutError, `expected a TimeoutError, got ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "TimeoutError");
    assert.equal(e.message, `${what} timed out`);
    return true;
  };
}

/** A signal whose abort listeners are counted while attached. */
export interface WatchedSignal {
  controller: AbortController;
  signal: AbortSignal;
  /** The abort listeners added and not removed. */
  listeners: Set<unknown>;
  /** How many abort listeners are attached. */
  live(): number;
}

/** Spies on `controller.signal`'s abort listeners. */
export function watchedSignal(
  controller: AbortController = new AbortController(),
): WatchedSignal {
  const signal = controller.signal;
  const listeners = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ) => {
    if (type === "abort") listeners.add(listener);
    add(type, listener, options);
  };
  signal.removeEventListener = (
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ) => {
    if (type === "abort") listeners.delete(listener);
    remove(type, listener, options);
  };
  return { controller, signal, listeners, live: () => listeners.size };
}

/** Runtime timers armed, as fake timers count them; 0 where none are faked. */
export function runtimeTimers(): number {
  const faked = globalThis.setTimeout as unknown as {
    clock?: { countTimers(): number };
  };
  return faked.clock?.countTimers() ?? 0;
}

/** Nothing armed: no loop timer, and under fake timers no runtime timer. */
export function assertNoTimers(t: TestLoop, label?: string): void {
  assert.equal(t.loop.pendingTimers, 0, label);
  assert.equal(runtimeTimers(), 0, label);
}

/** Every way API.md names to turn a primitive into a string, with its name. */
export function renderings(x: object): [string, string][] {
  const all: [string, string][] = [
    ["String(x)", String(x)],
    ["x.toString()", x.toString()],
    ["template literal", `${x}`],
    ["util.inspect(x)", inspect(x)],
  ];
  const deno = (globalThis as {
    Deno?: { inspect?: (value: unknown) => string };
  }).Deno;
  if (typeof deno?.inspect === "function") {
    all.push(["Deno.inspect(x)", deno.inspect(x)]);
  }
  return all;
}

/** Every string the value gives, as {@linkcode renderings} names them. */
export function inspections(x: object): string[] {
  return renderings(x).map(([, rendered]) => rendered);
}

/** Checks that every rendering of `x` is `expected`. */
export function assertRendered(x: object, expected: string): void {
  for (const [how, rendered] of renderings(x)) {
    assert.equal(rendered, expected, how);
  }
}

/**
 * fast-check settings: a fixed seed so every run of the suite is the same,
 * and `FC_SEED`, `FC_RUNS` and `FC_PATH` from the environment, on Deno, Node
 * and Bun alike, to replay a failure or run longer.
 */
export function fcSettings(defaultRuns: number): fc.Parameters<unknown> {
  const env = readFcEnv();
  return {
    seed: env.FC_SEED !== undefined ? Number(env.FC_SEED) : 20261125,
    numRuns: env.FC_RUNS !== undefined ? Number(env.FC_RUNS) : defaultRuns,
    ...(env.FC_PATH !== undefined
      ? { path: env.FC_PATH, endOnFailure: true }
      : {}),
  };
}

function readFcEnv(): Record<string, string | undefined> {
  const g = globalThis as {
    process?: { env: Record<string, string | undefined> };
    Deno?: { env?: { get(key: string): string | undefined } };
  };
  const read = (key: string) =>
    g.Deno?.env ? g.Deno.env.get(key) : g.process?.env[key];
  try {
    return {
      FC_SEED: read("FC_SEED"),
      FC_RUNS: read("FC_RUNS"),
      FC_PATH: read("FC_PATH"),
    };
  } catch {
    return {}; // No permission to read the environment: use the defaults.
  }
}
