import { untilStarted, waitSuite } from "./_test_wait_suite.ts";
import assert from "node:assert/strict";
import { ReadWriteLock } from "./read_write_lock.ts";
import { ClosedError, TimeoutError } from "./errors.ts";
import { IOLoop, VirtualIOLoop } from "./ioloop.ts";
import type { Releaser } from "./semaphore.ts";
import { LOOP_KINDS } from "./_test_loops.ts";
import {
  assertNoTimers,
  assertRendered,
  error,
  microtasks,
  timeoutOf,
  watch,
  watchedSignal,
} from "./_test_util.ts";

type Mode = "read" | "write";

/** Everything observable about a lock's state, to compare in one go. */
function stateOf(lock: ReadWriteLock) {
  return {
    readers: lock.readers,
    writing: lock.writing,
    waiters: lock.waiters,
  };
}

/** The releaser a watched wait was granted. */
function releaserOf(w: { state: string; value?: unknown }): Releaser {
  assert.equal(w.state, "fulfilled");
  return w.value as Releaser;
}

// ---------------------------------------------------------------------------
// The shared wait suite, for read() and useRead(), on a lock a writer holds:
// a grant releases it, and every reader waiting goes in together. write()
// has no such grant: the next writer can only be let go by its own
// releaser, which reaches the test a turn later; so the tests below cover
// its waits.

interface Held {
  lock: ReadWriteLock;
  writer: Releaser | undefined;
}

const readSubject = {
  className: "ReadWriteLock",
  what: "ReadWriteLock.read()",
  make: (loop?: IOLoop): Held => {
    const lock = new ReadWriteLock(loop ? { loop } : undefined);
    return { lock, writer: lock.tryWrite() };
  },
  makeAvailable: (loop?: IOLoop): Held => ({
    lock: new ReadWriteLock(loop ? { loop } : undefined),
    writer: undefined,
  }),
  grant: (held: Held) => held.writer?.release(),
  grantsAll: true,
  waiters: (held: Held) => held.lock.waiters,
  primitive: (held: Held) => held.lock,
  state: (held: Held) => [stateOf(held.lock), String(held.lock)],
  close: (held: Held, reason?: unknown) => held.lock.close(reason),
};

waitSuite(Deno.test, {
  ...readSubject,
  name: "ReadWriteLock.read()",
  wait: (held, options) => held.lock.read(options),
});

waitSuite(Deno.test, {
  ...readSubject,
  name: "ReadWriteLock.useRead()",
  wait: (held, options) => untilStarted((fn) => held.lock.useRead(fn, options)),
});

// ---------------------------------------------------------------------------
// Constructor

Deno.test("new ReadWriteLock() starts unlocked with no waiters, open", () => {
  for (
    const lock of [
      new ReadWriteLock(),
      new ReadWriteLock({}),
      new ReadWriteLock(undefined),
      new ReadWriteLock({ loop: undefined }),
      new ReadWriteLock({ loop: new VirtualIOLoop() }),
    ]
  ) {
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
    assert.equal(lock.closed, false);
  }
});

Deno.test("new ReadWriteLock() throws a TypeError for options or options.loop of the wrong type", () => {
  for (const options of [5, "loop", null, false]) {
    assert.throws(
      () => new ReadWriteLock(options as never),
      error(
        TypeError,
        /^Cannot create ReadWriteLock as 'options' must be an object/,
      ),
    );
  }
  for (const loop of [{}, null, 0, IOLoop]) {
    assert.throws(
      () => new ReadWriteLock({ loop: loop as never }),
      error(
        TypeError,
        /^Cannot create ReadWriteLock as 'options\.loop' must be an IOLoop/,
      ),
    );
  }
});

// ---------------------------------------------------------------------------
// Many readers or one writer

Deno.test("ReadWriteLock.read() lets any number of readers in at once while no writer holds", async () => {
  const lock = new ReadWriteLock();
  const readers = [
    watch(lock.read()),
    watch(lock.read({})),
    watch(lock.read({ timeout: 0 })),
    watch(lock.read({ signal: new AbortController().signal })),
  ];
  assert.deepEqual(stateOf(lock), { readers: 4, writing: false, waiters: 0 });
  await microtasks();
  assert.ok(readers.every((w) => w.state === "fulfilled"));
  for (const w of readers) releaserOf(w).release();
  assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
});

Deno.test("ReadWriteLock.write() gets in at once only when nothing is held and no one waits", async () => {
  const lock = new ReadWriteLock();
  const writer = await lock.write();
  assert.deepEqual(stateOf(lock), { readers: 0, writing: true, waiters: 0 });
  const second = watch(lock.write());
  const reader = watch(lock.read());
  await microtasks();
  assert.equal(second.state, "pending");
  assert.equal(reader.state, "pending");
  assert.equal(lock.waiters, 2);
  writer.release();
  await microtasks();
  assert.equal(second.state, "fulfilled");
  assert.equal(reader.state, "pending");
  assert.deepEqual(stateOf(lock), { readers: 0, writing: true, waiters: 1 });
  releaserOf(second).release();
  await microtasks();
  assert.equal(reader.state, "fulfilled");
  assert.deepEqual(stateOf(lock), { readers: 1, writing: false, waiters: 0 });
});

Deno.test("ReadWriteLock.write() waits for every reader that holds to release", async () => {
  const lock = new ReadWriteLock();
  const a = await lock.read();
  const b = await lock.read();
  const writer = watch(lock.write());
  a.release();
  await microtasks();
  assert.equal(writer.state, "pending");
  assert.deepEqual(stateOf(lock), { readers: 1, writing: false, waiters: 1 });
  b.release();
  assert.deepEqual(stateOf(lock), { readers: 0, writing: true, waiters: 0 });
  await microtasks();
  assert.equal(writer.state, "fulfilled");
});

Deno.test("ReadWriteLock: a waiting writer holds back every reader that comes after it", async () => {
  const lock = new ReadWriteLock();
  const reader = await lock.read();
  const writer = watch(lock.write());
  const later = [watch(lock.read()), watch(lock.read({ timeout: 100 }))];
  assert.equal(lock.tryRead(), undefined);
  await microtasks();
  assert.ok(later.every((w) => w.state === "pending"));
  assert.deepEqual(stateOf(lock), { readers: 1, writing: false, waiters: 3 });
  reader.release();
  await microtasks();
  assert.equal(writer.state, "fulfilled");
  assert.ok(later.every((w) => w.state === "pending"));
  releaserOf(writer).release();
  await microtasks();
  assert.ok(later.every((w) => w.state === "fulfilled"));
  assert.deepEqual(stateOf(lock), { readers: 2, writing: false, waiters: 0 });
});

Deno.test("ReadWriteLock: when the lock frees, every reader at the head goes in together, up to the first writer", async () => {
  const lock = new ReadWriteLock();
  const writer = await lock.write();
  const order: string[] = [];
  const wait = (mode: Mode, name: string) =>
    lock[mode]().then((releaser) => {
      order.push(name);
      return releaser;
    });
  const r1 = wait("read", "r1");
  const r2 = wait("read", "r2");
  const r3 = wait("read", "r3");
  const w2 = wait("write", "w2");
  const r4 = wait("read", "r4");
  const w3 = wait("write", "w3");
  assert.equal(lock.waiters, 6);
  writer.release();
  assert.deepEqual(stateOf(lock), { readers: 3, writing: false, waiters: 3 });
  const heads = await Promise.all([r1, r2, r3]);
  assert.deepEqual(order, ["r1", "r2", "r3"]);
  heads[0].release();
  heads[1].release();
  await microtasks();
  assert.deepEqual(order, ["r1", "r2", "r3"]);
  heads[2].release();
  (await w2).release();
  assert.deepEqual(stateOf(lock), { readers: 1, writing: false, waiters: 1 });
  (await r4).release();
  (await w3).release();
  assert.deepEqual(order, ["r1", "r2", "r3", "w2", "r4", "w3"]);
  assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
});

Deno.test("ReadWriteLock: readers ahead of a waiting writer are not held back by it", async () => {
  const lock = new ReadWriteLock();
  const writer = await lock.write();
  const early = [watch(lock.read()), watch(lock.read())];
  const waitingWriter = watch(lock.write());
  writer.release();
  await microtasks();
  assert.ok(early.every((w) => w.state === "fulfilled"));
  assert.equal(waitingWriter.state, "pending");
  for (const w of early) releaserOf(w).release();
  await microtasks();
  assert.equal(waitingWriter.state, "fulfilled");
});

// ---------------------------------------------------------------------------
// tryRead() and tryWrite()

Deno.test("ReadWriteLock.tryRead() and tryWrite() take the lock when they can, and never wait", () => {
  const lock = new ReadWriteLock();
  const reader = lock.tryRead();
  assert.ok(reader);
  assert.ok(lock.tryRead());
  assert.equal(lock.readers, 2);
  assert.equal(lock.tryWrite(), undefined);
  assert.equal(lock.waiters, 0);
  const other = new ReadWriteLock();
  const writer = other.tryWrite();
  assert.ok(writer);
  assert.equal(other.tryWrite(), undefined);
  assert.equal(other.tryRead(), undefined);
  assert.deepEqual(stateOf(other), { readers: 0, writing: true, waiters: 0 });
  writer.release();
  assert.ok(other.tryWrite());
});

Deno.test("ReadWriteLock.tryRead() and tryWrite() never barge past anyone waiting", async () => {
  const lock = new ReadWriteLock();
  const reader = await lock.read();
  const writer = watch(lock.write());
  // Readers hold: a reader could share, but a writer waits.
  assert.equal(lock.tryRead(), undefined);
  assert.equal(lock.tryWrite(), undefined);
  reader.release();
  await microtasks();
  const granted = releaserOf(writer);
  const reading = watch(lock.read());
  granted.release();
  // The reader was handed the lock at the release: no gap to barge into.
  assert.equal(lock.tryWrite(), undefined);
  assert.deepEqual(stateOf(lock), { readers: 1, writing: false, waiters: 0 });
  await microtasks();
  releaserOf(reading).release();
  assert.ok(lock.tryWrite());
});

// ---------------------------------------------------------------------------
// Releasers

for (const mode of ["read", "write"] as const) {
  Deno.test(`ReadWriteLock.${mode}()'s Releaser releases once, and a second call does nothing`, async () => {
    const lock = new ReadWriteLock();
    const releaser = await lock[mode]();
    const other = mode === "read" ? await lock.read() : undefined;
    releaser.release();
    releaser.release();
    releaser[Symbol.dispose]();
    assert.equal(lock.readers, other === undefined ? 0 : 1);
    assert.equal(lock.writing, false);
    other?.release();
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
  });

  Deno.test(`ReadWriteLock.${mode}(): using _ = await ${mode}() releases at the end of the block`, async () => {
    const lock = new ReadWriteLock();
    {
      using _held = await lock[mode]();
      assert.equal(lock.readers + Number(lock.writing), 1);
    }
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
  });
}

Deno.test("ReadWriteLock: a release returns before the woken functions resume, waiters already dropped", async () => {
  const lock = new ReadWriteLock();
  const writer = await lock.write();
  let returned = false;
  const seen: [boolean, number][] = [];
  const waiter = async (mode: Mode, options?: object) => {
    const releaser = await lock[mode](options);
    seen.push([returned, lock.waiters]);
    return releaser;
  };
  const done = [
    waiter("read"),
    waiter("read", { timeout: 100 }),
    waiter("write"),
  ];
  writer.release();
  returned = true;
  assert.equal(lock.waiters, 1);
  const [a, b] = await Promise.all(done.slice(0, 2));
  assert.deepEqual(seen, [[true, 1], [true, 1]]);
  returned = false;
  a.release();
  b.release();
  returned = true;
  (await done[2]).release();
  assert.deepEqual(seen[2], [true, 0]);
});

// ---------------------------------------------------------------------------
// Timeouts and aborts

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: ReadWriteLock serves readers and writers in the order they started waiting, whatever options each passed`, async () => {
    using t = kind.create();
    const lock = new ReadWriteLock();
    const controller = new AbortController();
    const log: string[] = [];
    const waiter = async (mode: Mode, name: string, options?: object) => {
      const releaser = await lock[mode](options);
      log.push(name);
      await Promise.resolve();
      releaser.release();
    };
    const writer = await lock.write();
    const done = [
      waiter("write", "w1", { timeout: 1000 }),
      waiter("read", "r1"),
      waiter("read", "r2", { signal: controller.signal }),
      waiter("write", "w2", { deadline: { seconds: 5 } }),
      waiter("write", "w3"),
      waiter("read", "r3", {}),
    ];
    writer.release();
    await Promise.all(done);
    assert.deepEqual(log, ["w1", "r1", "r2", "w2", "w3", "r3"]);
    assertNoTimers(t);
  });

  for (const mode of ["read", "write"] as const) {
    Deno.test(`${kind.name}: ReadWriteLock.${mode}() rejects with its TimeoutError at the timeout, leaving the line and taking nothing`, async () => {
      using t = kind.create();
      const lock = new ReadWriteLock();
      const writer = await lock.write();
      const timed = watch(lock[mode]({ timeout: 100 }));
      const plain = watch(lock.read());
      await t.advance(99);
      assert.equal(timed.state, "pending");
      await t.advance(1);
      assert.ok(timeoutOf(`ReadWriteLock.${mode}()`)(timed.reason));
      assert.equal(lock.waiters, 1);
      assertNoTimers(t);
      writer.release();
      await t.settle();
      assert.equal(plain.state, "fulfilled");
      assert.deepEqual(stateOf(lock), {
        readers: 1,
        writing: false,
        waiters: 0,
      });
    });

    Deno.test(`${kind.name}: ReadWriteLock.${mode}() with a deadline already passed succeeds at once when it can get in, and rejects at once otherwise`, async () => {
      using t = kind.create();
      const free = new ReadWriteLock();
      for (
        const options of [{ timeout: 0 }, { deadline: t.loop.time() }, {
          timeout: -1,
        }]
      ) {
        const granted = watch(free[mode](options));
        await microtasks();
        releaserOf(granted).release();
        const busy = new ReadWriteLock();
        busy.tryWrite();
        const refused = watch(busy[mode](options));
        assert.equal(busy.waiters, 0);
        assertNoTimers(t);
        await microtasks();
        assert.ok(timeoutOf(`ReadWriteLock.${mode}()`)(refused.reason));
      }
    });

    Deno.test(`${kind.name}: ReadWriteLock.${mode}() rejects with the signal's reason when it aborts, and with an already-aborted signal at once even when free`, async () => {
      using t = kind.create();
      const lock = new ReadWriteLock();
      const free = watch(lock[mode]({ signal: AbortSignal.abort("before") }));
      assert.deepEqual(stateOf(lock), {
        readers: 0,
        writing: false,
        waiters: 0,
      });
      const writer = await lock.write();
      const { controller, signal, live } = watchedSignal();
      const aborted = watch(lock[mode]({ signal, timeout: 100 }));
      assert.equal(live(), 1);
      controller.abort("stop");
      assert.equal(live(), 0);
      assert.equal(lock.waiters, 0);
      assertNoTimers(t);
      await t.settle();
      assert.equal(free.reason, "before");
      assert.equal(aborted.reason, "stop");
      writer.release();
      assert.deepEqual(stateOf(lock), {
        readers: 0,
        writing: false,
        waiters: 0,
      });
    });

    Deno.test(`${kind.name}: ReadWriteLock.${mode}() ignores an abort or a timeout after the grant`, async () => {
      using t = kind.create();
      const lock = new ReadWriteLock();
      const writer = await lock.write();
      const { controller, signal, live } = watchedSignal();
      const waiting = watch(lock[mode]({ signal, timeout: 10 }));
      writer.release();
      assert.equal(live(), 0);
      assertNoTimers(t);
      controller.abort("late");
      await t.advance(10);
      assert.equal(waiting.settlements, 1);
      releaserOf(waiting).release();
      assert.deepEqual(stateOf(lock), {
        readers: 0,
        writing: false,
        waiters: 0,
      });
    });
  }

  Deno.test(`${kind.name}: ReadWriteLock: when a writer at the head times out while readers hold, the readers behind it go in at once`, async () => {
    using t = kind.create();
    const lock = new ReadWriteLock();
    const reader = await lock.read();
    const writer = watch(lock.write({ timeout: 10 }));
    const behind = [watch(lock.read()), watch(lock.read({ timeout: 100 }))];
    const nextWriter = watch(lock.write());
    const last = watch(lock.read());
    await t.advance(10);
    assert.ok(timeoutOf("ReadWriteLock.write()")(writer.reason));
    assert.ok(behind.every((w) => w.state === "fulfilled"));
    assert.equal(nextWriter.state, "pending");
    assert.equal(last.state, "pending");
    assert.deepEqual(stateOf(lock), { readers: 3, writing: false, waiters: 2 });
    assertNoTimers(t);
    reader.release();
    for (const w of behind) releaserOf(w).release();
    await t.settle();
    assert.equal(nextWriter.state, "fulfilled");
  });

  Deno.test(`${kind.name}: ReadWriteLock: when a writer at the head is aborted while readers hold, the readers behind it go in at once`, async () => {
    using t = kind.create();
    const lock = new ReadWriteLock();
    const reader = await lock.read();
    const controller = new AbortController();
    const writer = watch(lock.write({ signal: controller.signal }));
    const behind = watch(lock.read());
    controller.abort("changed my mind");
    assert.deepEqual(stateOf(lock), { readers: 2, writing: false, waiters: 0 });
    await t.settle();
    assert.equal(writer.reason, "changed my mind");
    assert.equal(behind.state, "fulfilled");
    reader.release();
    releaserOf(behind).release();
  });

  Deno.test(`${kind.name}: ReadWriteLock: a writer at the head that gives up while a writer holds lets no one in`, async () => {
    using t = kind.create();
    const lock = new ReadWriteLock();
    const writer = await lock.write();
    const timed = watch(lock.write({ timeout: 10 }));
    const reader = watch(lock.read());
    await t.advance(10);
    assert.ok(timeoutOf("ReadWriteLock.write()")(timed.reason));
    assert.equal(reader.state, "pending");
    assert.deepEqual(stateOf(lock), { readers: 0, writing: true, waiters: 1 });
    writer.release();
    await t.settle();
    assert.equal(reader.state, "fulfilled");
  });
}

// ---------------------------------------------------------------------------
// useRead() and useWrite()

for (const mode of ["read", "write"] as const) {
  const use = mode === "read" ? "useRead" : "useWrite";

  Deno.test(`ReadWriteLock.${use}() runs fn holding the lock, resolves with its result, and releases`, async () => {
    const lock = new ReadWriteLock();
    const seen = await lock[use](() => stateOf(lock));
    assert.deepEqual(seen, {
      readers: mode === "read" ? 1 : 0,
      writing: mode === "write",
      waiters: 0,
    });
    assert.equal(await lock[use](() => Promise.resolve("async")), "async");
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
  });

  Deno.test(`ReadWriteLock.${use}() releases when fn throws or rejects, and passes the error on`, async () => {
    const lock = new ReadWriteLock();
    await assert.rejects(
      lock[use](() => {
        throw new Error("sync");
      }),
      { message: "sync" },
    );
    await assert.rejects(
      lock[use](() => Promise.reject(new Error("async"))),
      { message: "async" },
    );
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
  });

  Deno.test(`ReadWriteLock.${use}() waits with options and does not call fn when it times out`, async () => {
    const loop = new VirtualIOLoop();
    const lock = new ReadWriteLock({ loop });
    const writer = await lock.write();
    let ran = false;
    const using = watch(lock[use](() => ran = true, { timeout: 10 }));
    await loop.advance(10);
    assert.ok(timeoutOf(`ReadWriteLock.${mode}()`)(using.reason));
    assert.equal(ran, false);
    writer.release();
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
  });

  Deno.test(`ReadWriteLock.${use}() rejects with a TypeError for an fn that is not a function, taking nothing`, async () => {
    const lock = new ReadWriteLock();
    for (const [fn, shown] of [[undefined, "undefined"], [42, "42"]] as const) {
      await assert.rejects(
        lock[use](fn as never),
        error(
          TypeError,
          `Cannot call ReadWriteLock.${use}() as 'fn' must be a function: current value is ${shown}`,
        ),
      );
    }
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
  });
}

// ---------------------------------------------------------------------------
// close()

Deno.test("ReadWriteLock.close() rejects every waiter at once, in order, with one ClosedError naming the lock", async () => {
  const loop = new VirtualIOLoop();
  const lock = new ReadWriteLock({ loop });
  const writer = await lock.write();
  const { signal, live } = watchedSignal();
  const order: number[] = [];
  const waiting = [
    lock.read(),
    lock.write({ timeout: 10 }),
    lock.read({ signal }),
    lock.write(),
  ].map((promise, i) =>
    promise.then(
      () => assert.fail("granted after close"),
      (e) => {
        order.push(i);
        return e;
      },
    )
  );
  lock.close();
  assert.equal(lock.closed, true);
  assert.equal(lock.waiters, 0);
  assert.equal(loop.pendingTimers, 0);
  assert.equal(live(), 0);
  const reasons = await Promise.all(waiting);
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.ok(reasons[0] instanceof ClosedError);
  assert.equal(reasons[0].message, "ReadWriteLock is closed");
  assert.ok(reasons.every((r) => r === reasons[0]));
  // What is held stays held, and its releaser still works.
  assert.equal(lock.writing, true);
  writer.release();
  assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
});

Deno.test("ReadWriteLock.close(reason) rejects with the reason, falsy ones too", async () => {
  for (const reason of [new Error("down"), "down", 0, null, false, ""]) {
    const lock = new ReadWriteLock();
    lock.tryWrite();
    const waiting = watch(lock.read());
    lock.close(reason);
    await microtasks();
    assert.equal(waiting.reason, reason);
    await assert.rejects(lock.write(), (e) => e === reason);
  }
});

Deno.test("ReadWriteLock after close(): every wait rejects at once even while free, tryRead()/tryWrite() return undefined", async () => {
  const loop = new VirtualIOLoop();
  const lock = new ReadWriteLock({ loop });
  const reader = lock.tryRead()!;
  lock.close("closed");
  lock.close("ignored");
  for (const mode of ["read", "write"] as const) {
    for (const options of [undefined, {}, { timeout: 0 }, { timeout: 100 }]) {
      const waiting = watch(lock[mode](options));
      assert.equal(lock.waiters, 0);
      assert.equal(loop.pendingTimers, 0);
      await microtasks();
      assert.equal(waiting.reason, "closed");
    }
  }
  assert.equal(lock.tryRead(), undefined);
  reader.release();
  assert.equal(lock.tryRead(), undefined);
  assert.equal(lock.tryWrite(), undefined);
  assertRendered(lock, "<ReadWriteLock [unlocked] closed>");
});

// ---------------------------------------------------------------------------
// Inspection

for (const kind of LOOP_KINDS) {
  Deno.test(`${kind.name}: ReadWriteLock renders as <ReadWriteLock [unlocked]>, [read:N,waiters:N] and [write,waiters:N] everywhere`, async () => {
    using _t = kind.create();
    const lock = new ReadWriteLock();
    assertRendered(lock, "<ReadWriteLock [unlocked]>");
    const a = lock.tryRead()!;
    const b = lock.tryRead()!;
    assertRendered(lock, "<ReadWriteLock [read:2]>");
    const writing = lock.write();
    assertRendered(lock, "<ReadWriteLock [read:2,waiters:1]>");
    a.release();
    b.release();
    const writer = await writing;
    assertRendered(lock, "<ReadWriteLock [write]>");
    const waits = [lock.read(), lock.write({ timeout: 5 }), lock.read()];
    assertRendered(lock, "<ReadWriteLock [write,waiters:3]>");
    lock.close();
    assertRendered(lock, "<ReadWriteLock [write] closed>");
    writer.release();
    await Promise.allSettled(waits);
    assertRendered(lock, "<ReadWriteLock [unlocked] closed>");
  });
}

// ---------------------------------------------------------------------------
// Leaks

// The suite covers read().
for (const mode of ["write"] as const) {
  Deno.test(`VirtualIOLoop: ReadWriteLock.${mode}() leaves nothing behind after 100,000 timeouts`, async () => {
    const loop = new VirtualIOLoop();
    const lock = new ReadWriteLock({ loop });
    const writer = lock.tryWrite()!;
    const count = 100_000;
    let rejected = 0;
    for (let i = 0; i < count; i++) {
      lock[mode]({ timeout: 1 + (i % 3) }).catch((e) => {
        if (e instanceof TimeoutError) rejected++;
      });
    }
    assert.equal(lock.waiters, count);
    assert.equal(loop.pendingTimers, count);
    await loop.runUntilIdle();
    assert.equal(rejected, count);
    assert.equal(lock.waiters, 0);
    assert.equal(loop.pendingTimers, 0);
    writer.release();
    assert.deepEqual(stateOf(lock), { readers: 0, writing: false, waiters: 0 });
  });
}

// ---------------------------------------------------------------------------
// Types

Deno.test("ReadWriteLock.useRead<T>() and useWrite<T>() infer T from fn; read() and write() resolve with a Releaser", async () => {
  const lock = new ReadWriteLock();
  const n: Promise<number> = lock.useRead(() => 1);
  const s: Promise<string> = lock.useWrite(() => Promise.resolve("s"));
  // @ts-expect-error useRead() of a number-returning fn is not a Promise<string>
  const _wrong: Promise<string> = lock.useRead(() => 1);
  await _wrong;
  const releaser: Releaser = await lock.read({ deadline: { seconds: 1 } });
  releaser.release();
  // @ts-expect-error tryRead() may fail
  const _sure: Releaser = lock.tryRead();
  _sure?.release();
  assert.equal(await n, 1);
  assert.equal(await s, "s");
});

Deno.test("ReadWriteLock: a shared signal's abort rejects every waiter on it that a leaving writer did not let in", async () => {
  const lock = new ReadWriteLock();
  const reader = lock.tryRead()!;
  const controller = new AbortController();
  const { signal } = controller;
  const writer = watch(lock.write({ signal }));
  const behind = watch(lock.read({ signal }));
  const blocker = watch(lock.write());
  const last = watch(lock.read({ signal }));
  controller.abort("stop");
  assert.deepEqual(stateOf(lock), { readers: 2, writing: false, waiters: 1 });
  await microtasks();
  assert.deepEqual(
    [writer, behind, blocker, last].map((w) => w.state),
    ["rejected", "fulfilled", "pending", "rejected"],
  );
  assert.equal(last.reason, "stop");
  reader.release();
  releaserOf(behind).release();
  await microtasks();
  assert.equal(blocker.state, "fulfilled");
});
