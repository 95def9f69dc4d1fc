/**
 * A `node --test` reporter: one line per test file's failures with the
 * error, and at the end `node --test: N passed, N failed`, which
 * tools/test_node.mjs reads. A test file that fails to load counts as one
 * failed test, as Node reports it.
 *
 * @module
 */

import { inspect } from "node:util";

export default async function* reporter(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    const { type, data } = event;
    if (type === "test:pass" && data.nesting === 0 && !data.skip) {
      passed++;
    } else if (type === "test:fail" && data.nesting === 0) {
      failed++;
      const error = data.details?.error;
      const cause = error?.cause ?? error;
      yield `FAIL ${data.name}\n${indent(inspect(cause, { depth: 4 }))}\n`;
    } else if (type === "test:stderr" || type === "test:stdout") {
      yield data.message;
    }
  }
  yield `node --test: ${passed} passed, ${failed} failed\n`;
}

function indent(text) {
  return text.split("\n").map((line) => `    ${line}`).join("\n");
}
