/**
 * Imports the module named by its argument (relative to this file) and
 * prints how long the import took, in milliseconds. `bench/main.mjs` times
 * whole processes of this script, for `mod.ts` and for an empty module.
 *
 * @module
 */

import process from "node:process";

const start = performance.now();
await import(new URL(process.argv[2], import.meta.url).href);
console.log((performance.now() - start).toFixed(3));
