/**
 * Critical sections under a {@linkcode WebLock} that count, in shared
 * memory, every time they find someone else inside: web_lock_test.ts runs
 * them in this thread and in workers. Loaded as a worker (a Deno or browser
 * `Worker`, or a Node `worker_threads` worker), the module runs the
 * {@linkcode Task} it is sent and answers `"done"` or the error's text.
 *
 * @module
 */

import { WebLock } from "./web_lock.ts";

/** What the test sends. */
export interface Task {
  name: string;
  sections: number;
  /** Three Int32 cells: how many are inside, overlaps seen, sections run. */
  memory: SharedArrayBuffer;
}

/** The cells of {@linkcode Task.memory}. */
export const INSIDE = 0, OVERLAPS = 1, SECTIONS = 2;

/** Runs `sections` critical sections, one after the other. */
export async function runSections(
  { name, sections, memory }: Task,
): Promise<void> {
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
    });
  }
}

interface Port {
  postMessage(message: unknown): void;
}

function answer(port: Port, task: Task): void {
  runSections(task).then(
    () => port.postMessage("done"),
    (error) => port.postMessage(String(error?.stack ?? error)),
  );
}

const scope = globalThis as unknown as Port & {
  WorkerGlobalScope?: unknown;
  process?: { versions?: { node?: string } };
  onmessage: ((event: { data: Task }) => void) | null;
};
if (scope.WorkerGlobalScope !== undefined) {
  scope.onmessage = (event) => answer(scope, event.data);
} else if (typeof scope.process?.versions?.node === "string") {
  const { parentPort } = await import("node:worker_threads");
  parentPort?.on("message", (task: Task) => answer(parentPort, task));
}
