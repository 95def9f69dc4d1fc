#!/usr/bin/env node
/**
 * Builds what JSR serves npm users (`npx jsr add`, `bunx jsr add`): one
 * ESM `.js` and one `.d.ts` per module, relative imports rewritten from
 * `.ts` to `.js`, nothing bundled, plus a `package.json` whose `exports`
 * mirror `deno.json`'s, so `@coop/locks/semaphore` resolves as it would
 * from JSR's npm tarball.
 *
 *     node tools/build_npm.mjs [outDir]          # default .tmp/npm
 *     node tools/build_npm.mjs --tests [--target=esnext] [outDir]
 *                                                # default .tmp/npm-test
 *
 * Files are rewritten only when their content changes, each by rename, and
 * stale ones removed, so a run reading .tmp/npm while another rebuilds it
 * sees whole files.
 *
 * `--tests` also transpiles every test file `deno test` would find (by
 * glob), with the helpers and examples they import, keeping their relative
 * layout, so Node and Bun can run the very test files Deno runs. The code
 * is down-levelled to ES2022, which Node 20 parses (`using` becomes a
 * try/finally over `Symbol.dispose`). Each test file gets one line
 * prepended, importing `Deno` (just `Deno.test`) from
 * tools/deno_test_shim.mjs.
 *
 * The transpiler is TypeScript's own, pinned in package.json. Type errors
 * in the library modules under @types/node are printed as warnings; test
 * files are emitted without a type check (Deno checks them).
 *
 * @module
 */

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Module files are the repo-root `.ts` files JSR publishes; tests are not. */
const isTest = (name) =>
  name.endsWith("_test.ts") || /^_test_.*\.ts$/.test(name);

function rootTs(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .sort()
    .map((name) => join(dir, name));
}

/** The compiler options both builds share. */
const BASE_OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // A Node user's environment: the globals (AbortSignal, setTimeout,
  // setImmediate) come from @types/node, as they would for them.
  lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
  types: ["node"],
  rewriteRelativeImportExtensions: true,
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  strict: true,
  skipLibCheck: true,
  removeComments: false,
  newLine: ts.NewLineKind.LineFeed,
  rootDir: ROOT,
};

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnosticsWithColorAndContext(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => "\n",
  });
}

/**
 * Writes a file only if its content changed, by rename so that a reader
 * (the benchmark importing .tmp/npm, another run) never sees half a file.
 */
function writeIfChanged(path, content) {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  if (existsSync(path) && readFileSync(path).equals(bytes)) return;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

/** Removes the files under `dir` that the build did not write. */
function prune(dir, keep, base = dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) prune(path, keep, base);
    // A `*.<pid>.tmp` file is another run's write in flight: see writeIfChanged.
    else if (
      !keep.has(relative(base, path)) && !/\.\d+\.tmp$/.test(entry.name)
    ) {
      rmSync(path, { force: true });
    }
  }
}

/** `./x.ts` → `./x.js`; other specifiers unchanged. */
function rewriteSpecifier(specifier) {
  return /^\.\.?\//.test(specifier)
    ? specifier.replace(/\.([mc]?)ts$/, ".$1js")
    : specifier;
}

/**
 * `rewriteRelativeImportExtensions` rewrites the `.js` output only; the
 * declarations would still say `from "./ioloop.ts"`, which a Node
 * TypeScript user's compiler rejects. JSR's typings say `./ioloop.js`.
 */
function rewriteDeclarationImports(context) {
  const { factory } = context;
  const literal = (node) =>
    node && ts.isStringLiteral(node) &&
      rewriteSpecifier(node.text) !== node.text
      ? factory.createStringLiteral(rewriteSpecifier(node.text))
      : undefined;
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const spec = literal(node.moduleSpecifier);
      if (spec) {
        return factory.updateImportDeclaration(
          node,
          node.modifiers,
          node.importClause,
          spec,
          node.attributes,
        );
      }
    } else if (ts.isExportDeclaration(node)) {
      const spec = literal(node.moduleSpecifier);
      if (spec) {
        return factory.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          spec,
          node.attributes,
        );
      }
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
    ) {
      const spec = literal(node.argument.literal);
      if (spec) {
        return factory.updateImportTypeNode(
          node,
          factory.createLiteralTypeNode(spec),
          node.attributes,
          node.qualifier,
          node.typeArguments,
          node.isTypeOf,
        );
      }
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (node) => ts.visitNode(node, visit);
}

/** Emits `rootNames` (and what they import) into `outDir`; returns the files written. */
function emit(rootNames, outDir, { declaration, check, prelude, target }) {
  const options = { ...BASE_OPTIONS, outDir, declaration };
  if (target !== undefined) options.target = target;
  if (!check) options.noCheck = true;
  const program = ts.createProgram({ rootNames, options });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) =>
    check || d.category === ts.DiagnosticCategory.Error && d.code < 2000 // syntax only
  );
  if (check && diagnostics.length > 0) {
    // JSR does not type-check against Node's globals either; the consumer
    // check (tools/consumer) is what proves the typings a user sees.
    process.stderr.write(formatDiagnostics(diagnostics));
    process.stderr.write(
      `build_npm: warning: ${diagnostics.length} type error(s) in the modules under @types/node\n`,
    );
  }
  const written = [];
  const result = program.emit(
    undefined,
    (fileName, text) => {
      writeIfChanged(fileName, (prelude?.(fileName) ?? "") + text);
      written.push(relative(outDir, fileName));
    },
    undefined,
    false,
    { afterDeclarations: [rewriteDeclarationImports] },
  );
  if (result.emitSkipped) {
    process.stderr.write(formatDiagnostics(result.diagnostics));
    throw new Error("build_npm: emit skipped");
  }
  return written.sort();
}

/** Reads deno.json's `exports` as `{ "./semaphore": "./semaphore.ts", ... }`. */
function denoJson() {
  return JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
}

function toJs(path) {
  return path.replace(/\.ts$/, ".js");
}

function toDts(path) {
  return path.replace(/\.ts$/, ".d.ts");
}

/** The npm-side package.json: name, version, ESM, and `exports` per subpath. */
function packageJson(deno) {
  const exports = {};
  for (const [subpath, file] of Object.entries(deno.exports)) {
    exports[subpath] = { types: toDts(file), default: toJs(file) };
  }
  return {
    name: deno.name,
    version: deno.version,
    license: deno.license,
    type: "module",
    sideEffects: false,
    exports,
  };
}

/** Builds the package as JSR would serve it to npm users. */
export function buildPackage(outDir = join(ROOT, ".tmp/npm")) {
  outDir = resolve(outDir);
  const deno = denoJson();
  const entries = Object.values(deno.exports).map((file) => join(ROOT, file));
  const written = emit(entries, outDir, { declaration: true, check: true });
  writeIfChanged(
    join(outDir, "package.json"),
    JSON.stringify(packageJson(deno), null, 2) + "\n",
  );
  const extras = ["README.md", "LICENSE"].filter((f) =>
    existsSync(join(ROOT, f))
  );
  for (const extra of extras) {
    writeIfChanged(join(outDir, extra), readFileSync(join(ROOT, extra)));
  }
  prune(outDir, new Set([...written, "package.json", ...extras]));
  const leaked = written.filter((f) =>
    f.includes("/") || isTest(f.replace(/\.(d\.ts|js)$/, ".ts"))
  );
  if (leaked.length > 0) {
    throw new Error(`build_npm: unexpected files in the package: ${leaked}`);
  }
  return { outDir, files: written };
}

const SHIM = join(ROOT, "tools", "deno_test_shim.mjs");

function relativeSpecifier(fromDir, to) {
  const path = relative(fromDir, to).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

/**
 * Every test file the runtimes should run, found as `deno test` finds them:
 * `*_test.ts`, `*.test.ts` and `test.ts` anywhere in the repo, minus
 * deno.json's `exclude` (and `test.exclude`), `.git` and `node_modules`.
 */
export function testFiles() {
  const deno = denoJson();
  const excluded = [...(deno.exclude ?? []), ...(deno.test?.exclude ?? [])]
    .map((path) => resolve(ROOT, path));
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (excluded.includes(path)) continue;
      if (entry.isDirectory()) {
        if (entry.name !== ".git" && entry.name !== "node_modules") walk(path);
      } else if (/(^|[._])test\.ts$/.test(entry.name)) {
        found.push(path);
      }
    }
  };
  walk(ROOT);
  return found.sort();
}

/**
 * The targets a test build takes: `es2022` down-levels `using` to a
 * try/finally over `Symbol.dispose` (Node 20 and 22 cannot parse it);
 * `esnext` keeps `using` and `await using` as written, for the runtimes
 * that run them natively (Node 24, Chromium).
 */
export const TEST_TARGETS = {
  es2022: ts.ScriptTarget.ES2022,
  esnext: ts.ScriptTarget.ESNext,
};

/**
 * Builds the modules, the tests and the examples together, for Node, Bun
 * and the browser, down-levelled to `target` (a key of
 * {@linkcode TEST_TARGETS}).
 */
export function buildTests(
  outDir = join(ROOT, ".tmp/npm-test"),
  { target = "es2022" } = {},
) {
  if (!(target in TEST_TARGETS)) {
    throw new Error(`build_npm: unknown test target ${target}`);
  }
  outDir = resolve(outDir);
  const roots = [
    ...rootTs(ROOT),
    ...rootTs(join(ROOT, "examples")),
    ...testFiles(),
  ];
  const written = emit([...new Set(roots)], outDir, {
    declaration: false,
    check: false,
    target: TEST_TARGETS[target],
    // `Deno` in a test file is the shim's, imported, not a global: the
    // library under test must see Node's or Bun's globals as a user's
    // program does (ioloop.ts looks for `globalThis.Deno`).
    prelude: (fileName) =>
      fileName.endsWith("_test.js")
        ? `import { Deno } from ${
          JSON.stringify(relativeSpecifier(dirname(fileName), SHIM))
        };\n`
        : "",
  });
  // Bare imports (@sinonjs/fake-timers, fast-check) resolve from the repo's
  // node_modules, as the build lives under the repo.
  writeIfChanged(
    join(outDir, "package.json"),
    JSON.stringify({ type: "module", private: true }) + "\n",
  );
  prune(outDir, new Set([...written, "package.json"]));
  const tests = written.filter((f) => f.endsWith("_test.js"));
  return { outDir, files: written, tests };
}

if (
  process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  const args = process.argv.slice(2);
  const tests = args.includes("--tests");
  const target = args.find((a) => a.startsWith("--target="))?.slice(9);
  const outArg = args.find((a) => !a.startsWith("--"));
  const { outDir, files } = tests
    ? buildTests(outArg, { target })
    : buildPackage(outArg);
  console.log(
    `build_npm: ${files.length} files in ${
      relative(process.cwd(), outDir) || "."
    }`,
  );
}
