/**
 * Turns the `deadline` and `timeout` a caller gives into one absolute time
 * on a loop's clock, checking them on the way. Each function takes `what`,
 * the method being called (as `Semaphore.acquire()`), and builds the error
 * message from it only when it throws: a wait that passes its checks builds
 * no string.
 *
 * @module
 */

import { cannot } from "./_check.ts";
import type { DurationLike } from "./ioloop.ts";

/** The clock a deadline is read on, read only when a duration needs it. */
interface Clock {
  time(): number;
}

const MS_PER_UNIT: ReadonlyArray<readonly [keyof DurationLike, number]> = [
  ["days", 86_400_000],
  ["hours", 3_600_000],
  ["minutes", 60_000],
  ["seconds", 1000],
  ["milliseconds", 1],
  ["microseconds", 1e-3],
  ["nanoseconds", 1e-6],
];

// Calendar units have no fixed length in milliseconds.
const CALENDAR_UNITS = ["years", "months", "weeks"] as const;

/** The length of a `DurationLike` in milliseconds. */
export function durationToMs(
  duration: object,
  what: string,
  argument: string,
): number {
  const fields = duration as Record<string, unknown>;
  let total = 0;
  for (const [unit, ms] of MS_PER_UNIT) {
    total += fieldValue(fields, unit, what, argument) * ms;
  }
  // Every field's type is checked before any calendar field's value.
  const calendar = CALENDAR_UNITS.map((unit) =>
    fieldValue(fields, unit, what, argument)
  );
  for (const [i, unit] of CALENDAR_UNITS.entries()) {
    if (calendar[i] !== 0) {
      throw new RangeError(
        cannot(
          `call ${what}`,
          `${argument}.${unit}`,
          "zero, as calendar units have no fixed length",
          calendar[i],
        ),
      );
    }
  }
  return total;
}

function fieldValue(
  fields: Record<string, unknown>,
  unit: string,
  what: string,
  argument: string,
): number {
  const value = fields[unit];
  if (value === undefined) return 0;
  if (typeof value !== "number") {
    throw new TypeError(
      cannot(`call ${what}`, `${argument}.${unit}`, "a number", value),
    );
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(
      cannot(`call ${what}`, `${argument}.${unit}`, "a finite number", value),
    );
  }
  return value;
}

/**
 * The absolute time meant by a `Deadline`: a number is already absolute, a
 * `DurationLike` counts from `clock.time()`. `Infinity` means never.
 */
export function resolveDeadline(
  deadline: unknown,
  clock: Clock,
  what: string,
  argument: string,
): number {
  if (typeof deadline === "number") {
    if (Number.isNaN(deadline)) {
      throw new RangeError(
        cannot(`call ${what}`, argument, "a number other than NaN", deadline),
      );
    }
    return deadline;
  }
  return clock.time() +
    relative(deadline, what, argument, "a number or a DurationLike");
}

/**
 * The absolute time meant by a relative `timeout`, a number of milliseconds
 * or a `DurationLike`. `Infinity` means never.
 */
export function resolveTimeout(
  timeout: unknown,
  now: number,
  what: string,
  argument: string,
): number {
  if (typeof timeout === "number") {
    if (Number.isNaN(timeout)) {
      throw new RangeError(
        cannot(`call ${what}`, argument, "a number other than NaN", timeout),
      );
    }
    return now + timeout;
  }
  return now +
    relative(
      timeout,
      what,
      argument,
      "a number of milliseconds or a DurationLike",
    );
}

function relative(
  value: unknown,
  what: string,
  argument: string,
  rule: string,
): number {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(cannot(`call ${what}`, argument, rule, value));
  }
  return durationToMs(value, what, argument);
}
