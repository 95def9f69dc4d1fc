// A plain-JavaScript user's file on Node or Bun, importing @coop/locks as
// `npx jsr add @coop/locks` / `bunx jsr add @coop/locks` installs it.
// tools/test_node.mjs and tools/test_bun.mjs run it from .tmp/consumer-<runtime>,
// where node_modules/@coop/locks links to the build in .tmp/npm.

import assert from "node:assert/strict";
import * as root from "@coop/locks";
import { Lock } from "@coop/locks/lock";
import { Semaphore } from "@coop/locks/semaphore";

assert.deepEqual(Object.keys(root).sort(), [
  "BoundedSemaphore",
  "Condition",
  "Event",
  "IOLoop",
  "Lock",
  "Semaphore",
  "TimeoutError",
  "VirtualIOLoop",
]);
assert.equal(Lock, root.Lock);

const lock = new Lock();
const order = [];
await Promise.all([1, 2, 3].map((n) =>
  lock.use(async () => {
    order.push(n);
    await Promise.resolve();
    order.push(n);
  })
));
assert.deepEqual(order, [1, 1, 2, 2, 3, 3]);

const semaphore = new Semaphore(1);
const releaser = await semaphore.acquire();
await assert.rejects(semaphore.acquire({ timeout: 0 }), root.TimeoutError);
releaser[Symbol.dispose]();
assert.equal(String(semaphore), "<Semaphore [unlocked,value:1]>");

console.log("consumer.mjs: ok");
