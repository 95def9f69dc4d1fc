/**
 * A worker for web_lock_test.ts: a Deno or browser `Worker`, or a Node
 * `worker_threads` worker. Told a lock name, a number of sections and a
 * `SharedArrayBuffer`, it runs that many critical sections under a
 * {@linkcode WebLock} and counts, in the shared memory, every time it found
 * someone else inside. It answers `"done"` or the error's text.
 *
 * @module
 */

import { WebLock } from "./web_lock.ts";

/** What the test sends. */
export interface Task {
  name: string;
  sections: number;
  /** Three Int32 cells: [inside, overlaps, sections run]. */
  memory: SharedArrayBuffer;
  mode?: "exclusive" | "shared";
}

/** The cells of {@linkcode Task.memory}. */
export const INSIDE = 0, OVERLAPS = 1, SECTIONS = 2;

async function run({ name, sections, memory, mode }: Task): Promise<void> {
  const cells = new Int32Array(memory);
  const lock = new WebLock(name);
  for (let i = 0; i < sections; i++) {
    await lock.use(async () => {
      if (Atomics.add(cells, INSIDE, 1) !== 0) Atomics.add(cells, OVERLAPS, 1);
      // Stay inside across a turn of the event loop, so another holder
      // would have the time to come in.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (Atomics.load(cells, INSIDE) !== 1) Atomics.add(cells, OVERLAPS, 1);
      Atomics.add(cells, SECTIONS, 1);
      Atomics.sub(cells, INSIDE, 1);
    }, { mode });
  }
}

interface Port {
  postMessage(message: unknown): void;
}

function serve(port: Port, listen: (on: (task: Task) => void) => void): void {
  listen((task) => {
    run(task).then(
      () => port.postMessage("done"),
      (error) => port.postMessage(String(error?.stack ?? error)),
    );
  });
}

const scope = globalThis as unknown as Port & {
  WorkerGlobalScope?: unknown;
  onmessage: ((event: { data: Task }) => void) | null;
};
if (scope.WorkerGlobalScope !== undefined) {
  serve(scope, (on) => scope.onmessage = (event) => on(event.data));
} else {
  const { parentPort } = await import("node:worker_threads");
  if (parentPort !== null) {
    serve(parentPort, (on) => parentPort.on("message", on));
  }
}
