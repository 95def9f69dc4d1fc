/**
 * Error messages in one format: the action, the argument, the rule and the
 * value, as `Cannot create Semaphore as 'value' must be a non-negative
 * integer: current value is -1`.
 *
 * @module
 */

/** Renders a rejected value for an error message without running user code. */
export function show(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return "a function";
    case "object":
      if (value === null) return "null";
      return Array.isArray(value) ? "an array" : "an object";
    default:
      return String(value);
  }
}

/** Builds the message for a broken rule. */
export function cannot(
  action: string,
  argument: string,
  rule: string,
  value: unknown,
): string {
  return `Cannot ${action} as '${argument}' must be ${rule}: current value is ${
    show(value)
  }`;
}

/** A `TypeError` unless `value` is a number. */
export function checkNumber(
  value: unknown,
  action: string,
  argument: string,
): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(cannot(action, argument, "a number", value));
  }
}
