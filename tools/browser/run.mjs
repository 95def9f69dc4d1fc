/**
 * Runs one test file in the page: tools/test_browser.mjs serves a page
 * with an import map, a JSON config (`{ file, skips, timeout }`) and this
 * module. It imports the file (its `Deno.test` calls register with
 * tools/browser/deno_test_shim.mjs), runs the tests one at a time in order,
 * and sets `globalThis.__coopDone` to a promise of the results, which
 * tools/test_browser.mjs reads.
 *
 * An error thrown where nothing catches it, or a rejection nothing handles,
 * fails the test that is running (as `deno test` fails it), or the file
 * when no test is. A test whose promise does not settle within `timeout`
 * ms fails, and the file goes on.
 *
 * @module
 */

import { registered } from "./deno_test_shim.mjs";

// Taken now, before any test installs a fake clock over them.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realNow = performance.now.bind(performance);

const { port1, port2 } = new MessageChannel();
const waiting = [];
port1.onmessage = () => waiting.shift()();
function nextTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    port2.postMessage(undefined);
  });
}

const config = JSON.parse(document.getElementById("config").textContent);

/** Where an uncaught error goes: the running test's list, or the file's. */
let errorsOfRunning;
const fileErrors = [];

function describe(error) {
  if (error instanceof Error) {
    const stack = error.stack ?? "";
    return stack.includes(error.message) ? stack : `${error}\n${stack}`;
  }
  try {
    return `thrown: ${String(error)}`;
  } catch {
    return "thrown: a value that cannot be turned into a string";
  }
}

function uncaught(kind, error) {
  (errorsOfRunning ?? fileErrors).push(`${kind}: ${describe(error)}`);
}

addEventListener("error", (event) => {
  event.preventDefault();
  uncaught("uncaught error", event.error ?? event.message);
});
addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  uncaught("unhandled rejection", event.reason);
});

async function runOne({ name, fn }) {
  const errors = [];
  errorsOfRunning = errors;
  const started = realNow();
  let timer;
  try {
    await Promise.race([
      (async () => await fn())(),
      new Promise((_, reject) => {
        timer = realSetTimeout(
          () => reject(new Error(`did not settle within ${config.timeout} ms`)),
          config.timeout,
        );
      }),
    ]);
  } catch (error) {
    errors.unshift(describe(error));
  } finally {
    realClearTimeout(timer);
  }
  // An unhandled rejection is reported after the microtasks of the turn
  // that left it; one message task (no timer, so no clamping and no fake
  // clock) lets it arrive while this test is still the one running.
  await nextTask();
  errorsOfRunning = undefined;
  return {
    name,
    status: errors.length === 0 ? "passed" : "failed",
    errors,
    ms: Math.round(realNow() - started),
  };
}

async function runFile() {
  try {
    await import(config.file);
  } catch (error) {
    return {
      results: [],
      fileErrors: [`the file failed to load: ${describe(error)}`],
    };
  }
  const results = [];
  for (const test of registered) {
    const reason = config.skips[test.name];
    if (reason !== undefined) {
      results.push({ name: test.name, status: "skipped", reason });
    } else {
      results.push(await runOne(test));
    }
  }
  return { results, fileErrors };
}

globalThis.__coopDone = runFile();
