// npm links `.bin/node` to whichever of node22 and node24 it linked last.
// tools/test_all.mjs puts this .bin first on PATH (for deno and bun), where
// that link would replace the machine's Node, which `deno task test:node`
// runs as Node 20. Each pinned Node is run by its own package's bin/node.
import { lstatSync, rmSync } from "node:fs";

const link = new URL("node_modules/.bin/node", import.meta.url);
try {
  if (lstatSync(link).isSymbolicLink()) {
    rmSync(link);
    console.log("removed node_modules/.bin/node (node22 and node24 are run by path)");
  }
} catch {
  // No link: nothing to do.
}
