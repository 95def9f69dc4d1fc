import assert from "node:assert/strict";
import { Event } from "./event.ts";
import { IOLoop, VirtualIOLoop } from "./ioloop.ts";
import {
  assertRendered,
  error,
  inspections,
  microtasks,
  watch,
} from "./_test_util.ts";
import { waitSuite } from "./_test_wait_suite.ts";

// ---------------------------------------------------------------------------
// The shared wait suite

waitSuite(Deno.test, {
  name: "Event.wait()",
  make: (loop) => new Event({ loop }),
  makeAvailable: (loop) => {
    const event = new Event({ loop });
    event.set();
    return event;
  },
  wait: (event, options) => event.wait(options),
  grant: (event) => event.set(),
  grantsAll: true,
  waiters: (event) => event.waiters,
  close: (event, reason) => event.close(reason),
});

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new Event() starts clear with no waiters", () => {
  for (
    const event of [
      new Event(),
      new Event({}),
      new Event(undefined),
      new Event({ loop: undefined }),
      new Event({ loop: new VirtualIOLoop() }),
    ]
  ) {
    assert.equal(event.isSet(), false);
    assert.equal(event.waiters, 0);
  }
});

Deno.test("new Event() throws a TypeError when options is not an object", () => {
  for (
    const [options, shown] of [
      [5, "5"],
      ["loop", '"loop"'],
      [null, "null"],
      [false, "false"],
    ] as const
  ) {
    assert.throws(
      () => new Event(options as never),
      error(
        TypeError,
        `Cannot create Event as 'options' must be an object: current value is ${shown}`,
      ),
    );
  }
});

Deno.test("new Event() throws a TypeError when options.loop is not an IOLoop", () => {
  for (const loop of [{}, null, 0, "loop", IOLoop, { time: () => 0 }]) {
    assert.throws(
      () => new Event({ loop: loop as never }),
      error(
        TypeError,
        /^Cannot create Event as 'options\.loop' must be an IOLoop/,
      ),
    );
  }
});

// ---------------------------------------------------------------------------
// isSet, set, clear

Deno.test("Event.isSet() follows set() and clear()", () => {
  const event = new Event();
  assert.equal(event.isSet(), false);
  assert.equal(event.set(), undefined);
  assert.equal(event.isSet(), true);
  assert.equal(event.clear(), undefined);
  assert.equal(event.isSet(), false);
  event.clear();
  assert.equal(event.isSet(), false);
});

Deno.test("Event.set() wakes every waiter", async () => {
  const event = new Event();
  const controller = new AbortController();
  const waiting = [
    watch(event.wait()),
    watch(event.wait()),
    watch(event.wait({ signal: controller.signal })),
    watch(event.wait({ timeout: Infinity })),
    watch(event.wait({})),
    watch(event.wait()),
  ];
  assert.equal(event.waiters, 6);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "pending"));
  event.set();
  assert.equal(event.waiters, 0);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.ok(waiting.every((w) => w.value === undefined));
});

Deno.test("Event.set() twice is harmless", async () => {
  const event = new Event();
  const waiting = watch(event.wait());
  event.set();
  event.set();
  assert.equal(event.isSet(), true);
  assert.equal(event.waiters, 0);
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
  assert.equal(waiting.settlements, 1);
  const later = watch(event.wait());
  event.set();
  await microtasks();
  assert.equal(later.state, "fulfilled");
  assert.equal(String(event), "<Event set>");
});

Deno.test("Event.clear() makes later waits wait again", async () => {
  const event = new Event();
  event.set();
  await event.wait();
  event.clear();
  const waiting = watch(event.wait());
  const withOptions = watch(event.wait({}));
  await microtasks();
  assert.equal(waiting.state, "pending");
  assert.equal(withOptions.state, "pending");
  assert.equal(event.waiters, 2);
  event.set();
  await microtasks();
  assert.equal(waiting.state, "fulfilled");
  assert.equal(withOptions.state, "fulfilled");
});

Deno.test("Event.clear() wakes and rejects nobody", async () => {
  const event = new Event();
  const waiting = [watch(event.wait()), watch(event.wait({}))];
  event.clear();
  assert.equal(event.waiters, 2);
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "pending"));
  event.set();
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
});

Deno.test("Event.set() then clear() in one turn still wakes those who waited", async () => {
  const event = new Event();
  const waiting = [
    watch(event.wait()),
    watch(event.wait({ signal: new AbortController().signal })),
  ];
  event.set();
  event.clear();
  await microtasks();
  assert.ok(waiting.every((w) => w.state === "fulfilled"));
  assert.equal(event.isSet(), false);
  const later = watch(event.wait());
  await microtasks();
  assert.equal(later.state, "pending");
  event.set();
  await microtasks();
  assert.equal(later.state, "fulfilled");
});

// ---------------------------------------------------------------------------
// Closing: what an Event adds to the shared suite's checks

Deno.test("Event.set() and clear() still change the flag once closed, and wake no one", async () => {
  const event = new Event();
  const waiting = watch(event.wait());
  event.close("closed");
  assertRendered(event, "<Event clear closed>");
  event.set();
  assert.equal(event.isSet(), true);
  assertRendered(event, "<Event set closed>");
  await microtasks();
  assert.equal(waiting.reason, "closed");
  assert.equal(waiting.settlements, 1);
  const later = watch(event.wait());
  event.clear();
  assert.equal(event.isSet(), false);
  assertRendered(event, "<Event clear closed>");
  event.set();
  await microtasks();
  assert.equal(later.reason, "closed");
  assert.equal(event.waiters, 0);
});

// ---------------------------------------------------------------------------
// Inspection

Deno.test("Event.toString() and inspection show <Event clear> and <Event set>", async () => {
  const event = new Event();
  for (const shown of inspections(event)) assert.equal(shown, "<Event clear>");
  const waiting = event.wait();
  for (const shown of inspections(event)) assert.equal(shown, "<Event clear>");
  event.set();
  for (const shown of inspections(event)) assert.equal(shown, "<Event set>");
  event.clear();
  for (const shown of inspections(event)) assert.equal(shown, "<Event clear>");
  await waiting;
});

// ---------------------------------------------------------------------------
// Types

Deno.test("Event.wait() resolves with nothing and takes WaitOptions", async () => {
  const event = new Event();
  event.set();
  const nothing: void = await event.wait({ deadline: { seconds: 1 } });
  assert.equal(nothing, undefined);
  // @ts-expect-error: deadline is a number or a DurationLike.
  await assert.rejects(event.wait({ deadline: "soon" }), TypeError);
  // @ts-expect-error: isSet() takes no argument and returns a boolean.
  const set: string = event.isSet();
  assert.equal(set, true);
});
