#!/usr/bin/env node
/**
 * `deno task test:browser`: the library as JSR serves it to npm users,
 * tested in a real browser: headless Chromium (Debian's `chromium`,
 * installed by tools/chromium.mjs when absent), driven by the pinned
 * `playwright-core`, which never downloads a browser of its own here.
 *
 * 1. Builds .tmp/npm (the package) and .tmp/npm-test-browser: the modules,
 *    examples and every `*_test.ts`, as for Node 24 (`esnext`: Chromium runs
 *    `using` natively).
 * 2. Bundles, with esbuild, the few packages the tests import into
 *    .tmp/browser-deps as ES modules: `node:assert/strict` (the `assert`
 *    package, browserify's port of Node's), `node:util`'s `inspect` (the
 *    `node-inspect-extracted` package, Node's own, which honours
 *    `util.inspect.custom` as Node does), `@sinonjs/fake-timers` and
 *    `fast-check`. `node:child_process` and
 *    `node:process` are stubs that only let a file load
 *    (tools/browser/node_*.mjs); the tests that use them are skipped.
 * 3. Serves the repo's .tmp builds and tools/browser from 127.0.0.1 on an
 *    ephemeral port (node:http; nothing else is served), and opens one page
 *    per test file. The page's import map gives those bare imports and puts
 *    tools/browser/deno_test_shim.mjs in place of tools/deno_test_shim.mjs;
 *    tools/browser/run.mjs runs the file's tests one at a time.
 * 4. Runs tools/consumer/consumer.mjs (a plain-JavaScript user's file) in a
 *    page whose import map resolves `@coop/locks` to the built package, as
 *    the package's `exports` say.
 *
 * Ends with `N passed, N failed`; exits non-zero on any failure.
 *
 * @module
 */

import { createServer } from "node:http";
import { readFileSync, statSync } from "node:fs";
import { extname, join, normalize, relative, sep } from "node:path";
import { build as esbuild } from "esbuild";
import { ensureChromium } from "./chromium.mjs";
import { build, prepareConsumer, ROOT, Tally } from "./_runtime_suite.mjs";

// playwright-core downloads nothing on install; this keeps any of its
// helpers from trying at run time either.
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = "1";
const { chromium } = await import("playwright-core");

/** How long one test may take before it fails: minutes, for a busy machine. */
const TEST_TIMEOUT_MS = 300_000;

const DEPS = join(ROOT, ".tmp", "browser-deps");
const BROWSER = join(ROOT, "tools", "browser");

/** The bare imports of the tests, each an entry module for esbuild. */
const BUNDLES = {
  "node:assert/strict": {
    file: "node_assert_strict.js",
    source: `import assert from "assert";\nexport default assert.strict;\n`,
  },
  "node:util": {
    file: "node_util.js",
    source:
      `import { inspect } from "node-inspect-extracted";\nexport { inspect };\nexport default { inspect };\n`,
  },
  "@sinonjs/fake-timers": {
    file: "fake_timers.js",
    source: `import FakeTimers from "@sinonjs/fake-timers";
export default FakeTimers;
export const { withGlobal, timers, createClock, install } = FakeTimers;
`,
  },
  "fast-check": {
    file: "fast_check.js",
    source:
      `import fc from "fast-check";\nexport default fc;\nexport * from "fast-check";\n`,
  },
};

/** Files the page imports as they are: no bundling needed. */
const STUBS = {
  "node:child_process": "/tools/browser/node_child_process.mjs",
  "node:process": "/tools/browser/node_process.mjs",
};

/** Bundles each bare import into .tmp/browser-deps; returns the import map's entries. */
async function bundleDeps() {
  const imports = { ...STUBS };
  for (const [specifier, { file, source }] of Object.entries(BUNDLES)) {
    await esbuild({
      stdin: { contents: source, resolveDir: ROOT, loader: "js" },
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      outfile: join(DEPS, file),
      logLevel: "warning",
      // util reads NODE_DEBUG at load; a page has no environment.
      define: { "process.env.NODE_DEBUG": "undefined" },
    });
    imports[specifier] = `/.tmp/browser-deps/${file}`;
  }
  return imports;
}

const TYPES = {
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".html": "text/html",
  ".map": "application/json",
};

/** What the server serves from the repo: the builds and the page's own files. */
const SERVED = [".tmp/npm/", ".tmp/npm-test-browser/", ".tmp/browser-deps/"]
  .map((dir) => join(ROOT, dir))
  .concat(
    [".tmp/consumer-browser/"].map((dir) => join(ROOT, dir)),
    [BROWSER + sep],
  );

/** A page: the import map, a JSON config, and one inline module. */
function page(importMap, config, module) {
  // `<` escaped, so no string in them can close the script element.
  const json = (value) => JSON.stringify(value).replaceAll("<", "\\u003c");
  return `<!doctype html>
<meta charset="utf-8">
<title>@coop/locks tests</title>
<link rel="icon" href="data:,">
<script type="importmap">${json({ imports: importMap })}</script>
<script type="application/json" id="config">${json(config)}</script>
<script type="module">${module}</script>
`;
}

/**
 * Sent with everything served: a cross-origin-isolated page (and its
 * workers) has `SharedArrayBuffer`, which web_lock_test.ts's workers count
 * in. Everything is served from the one origin, so nothing is blocked.
 */
const ISOLATED = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/** A static server on 127.0.0.1, ephemeral port; `pages` are generated. */
function serve(pages) {
  const server = createServer((request, response) => {
    const url = new URL(request.url, "http://127.0.0.1");
    const generated = pages(url);
    if (generated !== undefined) {
      response.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        ...ISOLATED,
      });
      response.end(generated);
      return;
    }
    const path = normalize(join(ROOT, decodeURIComponent(url.pathname)));
    const type = TYPES[extname(path)];
    if (!type || !SERVED.some((dir) => path.startsWith(dir))) {
      response.writeHead(404).end();
      return;
    }
    try {
      if (!statSync(path).isFile()) throw new Error("not a file");
      const body = readFileSync(path);
      response.writeHead(200, {
        "content-type": `${type}; charset=utf-8`,
        "cache-control": "no-store",
        ...ISOLATED,
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** `@coop/locks` and its subpaths → the built package, as its `exports` say. */
function packageImports() {
  const pkg = JSON.parse(
    readFileSync(join(ROOT, ".tmp", "npm", "package.json"), "utf8"),
  );
  const imports = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    imports[`${pkg.name}${subpath.slice(1)}`] = `/.tmp/npm/${
      target.default.replace(/^\.\//, "")
    }`;
  }
  return imports;
}

const tally = new Tally();
const tests = build(tally, "browser", { target: "esnext" });
// `deno task test:browser ioloop_test.js …` runs only the files named.
const only = process.argv.slice(2);
if (tests && only.length > 0) {
  tests.files = tests.files.filter((file) => only.includes(file));
  console.log(`only: ${tests.files.join(", ")}`);
}
let browser;
let server;

try {
  if (!tests) throw new Error("the build failed");
  const executablePath = ensureChromium();
  const deps = await bundleDeps();
  console.log(
    `bundled for the page: ${
      Object.keys(BUNDLES).join(", ")
    } (.tmp/browser-deps)`,
  );
  prepareConsumer("browser");
  const testBase = `/${relative(ROOT, tests.outDir).split(sep).join("/")}/`;
  const testMap = {
    ...deps,
    "/tools/deno_test_shim.mjs": "/tools/browser/deno_test_shim.mjs",
  };
  const consumerMap = { ...deps, ...packageImports() };

  server = await serve((url) => {
    if (url.pathname === "/__test.html") {
      const file = url.searchParams.get("file");
      return page(testMap, {
        file: `${testBase}${file}`,
        skips: tests.skips,
        timeout: TEST_TIMEOUT_MS,
      }, `import "/tools/browser/run.mjs";`);
    }
    if (url.pathname === "/__consumer.html") {
      // Done when its top-level awaits are: `load` does not wait for them.
      return page(
        consumerMap,
        {},
        `globalThis.__coopDone = import("/.tmp/consumer-browser/consumer.mjs")
  .then(() => ({ ok: true }), (error) => ({ ok: false, error: String(error?.stack ?? error) }));`,
      );
    }
    return undefined;
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  console.log(`serving .tmp builds and tools/browser at ${origin}`);

  // The flags this machine's notes give for a closed network: no
  // background requests, no component updates, no sync, no QUIC.
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  console.log(`\nChromium ${browser.version()} (${executablePath})`);

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of tests.files) {
    const started = Date.now();
    const context = await browser.newContext();
    const tab = await context.newPage();
    tab.on("console", (message) => {
      console.log(`  [page ${message.type()}] ${message.text()}`);
    });
    let outcome;
    try {
      await tab.goto(`${origin}/__test.html?file=${encodeURIComponent(file)}`);
      await tab.waitForFunction(() => globalThis.__coopDone !== undefined);
      outcome = await tab.evaluate(() => globalThis.__coopDone);
    } catch (error) {
      outcome = { results: [], fileErrors: [String(error)] };
    } finally {
      await context.close();
    }
    let filePassed = 0;
    let fileFailed = 0;
    for (const result of outcome.results) {
      if (result.status === "passed") filePassed++;
      else if (result.status === "skipped") skipped++;
      else {
        fileFailed++;
        console.log(`FAIL ${file}: ${result.name}`);
        for (const error of result.errors) console.log(indent(error));
      }
    }
    for (const error of outcome.fileErrors) {
      fileFailed++;
      console.log(`FAIL ${file}\n${indent(error)}`);
    }
    passed += filePassed;
    failed += fileFailed;
    console.log(
      `${file}: ${filePassed} passed, ${fileFailed} failed (${
        ((Date.now() - started) / 1000).toFixed(1)
      } s)`,
    );
  }
  tally.add(
    `Chromium: ${tests.files.length} test files, one page each (${skipped} skipped)`,
    passed,
    failed,
  );

  // A plain-JavaScript user's file against the built package.
  const context = await browser.newContext();
  const tab = await context.newPage();
  const logged = [];
  tab.on("console", (message) => logged.push(message.text()));
  let outcome;
  try {
    await tab.goto(`${origin}/__consumer.html`);
    await tab.waitForFunction(() => globalThis.__coopDone !== undefined);
    outcome = await tab.evaluate(() => globalThis.__coopDone);
  } catch (error) {
    outcome = { ok: false, error: String(error) };
  } finally {
    await context.close();
  }
  console.log(`consumer.mjs in the page: ${logged.join(" | ")}`);
  if (!outcome.ok) console.log(`FAIL consumer.mjs\n${indent(outcome.error)}`);
  tally.check(
    "Chromium: consumer.mjs (plain JavaScript; @coop/locks by import map)",
    outcome.ok && logged.includes("consumer.mjs: ok"),
  );
} catch (error) {
  console.log(error);
  tally.check("test:browser ran", false);
} finally {
  await browser?.close();
  server?.close();
}

tally.end();

function indent(text) {
  return String(text).split("\n").map((line) => `    ${line}`).join("\n");
}
