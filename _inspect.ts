/**
 * Makes `Deno.inspect` and Node's `util.inspect` show a class's
 * `toString()`, so all three give the same string.
 *
 * @module
 */

const INSPECT_KEYS = [
  Symbol.for("Deno.customInspect"),
  Symbol.for("nodejs.util.inspect.custom"),
];

/** Has both runtimes' inspectors print `toString()` for `Class`'s instances. */
export function inspectAsString(
  Class: { prototype: { toString(): string } },
): void {
  for (const key of INSPECT_KEYS) {
    Object.defineProperty(Class.prototype, key, {
      value(this: { toString(): string }) {
        return this.toString();
      },
      configurable: true,
      writable: true,
    });
  }
}

/** Tornado's `repr` of a semaphore or lock, with ` closed` once closed. */
export function describeLock(
  name: string,
  state: string,
  waiters: number,
  closed: boolean,
): string {
  const line = waiters > 0 ? `${state},waiters:${waiters}` : state;
  return `<${name} [${line}]${closed ? " closed" : ""}>`;
}
