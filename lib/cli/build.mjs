#!/usr/bin/env node
/**
 * The start-up build: bundles the `cci` command (and its refinement worker) into dist/ as plain
 * JavaScript, so a `cci` call does not transpile TypeScript first (~0.35 s saved per call).
 * Run first by `npm test`, `npm run report`, `npm run bench`, `npm run notebooks`, and by `npm run build`
 * (not by `npm ci`: .npmrc sets ignore-scripts, see there).
 *
 * dist/build.json lists every file the bundles were made from and when; lib/cli/cci.mjs runs
 * the bundle only while none of them is newer, else the TypeScript sources through tsx — so
 * someone editing lib/ never runs stale code. Notebooks and vitest import the sources directly.
 */
import { build } from "esbuild";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dist = join(root, "dist");
const staging = join(root, `.dist-${process.pid}.tmp`);

// Packages left outside the bundle: native code, or large and loaded only when a command needs
// them (the rest — commander, yauzl, iconv-lite… — is bundled: resolving them one by one costs
// more at start-up than reading them in one file).
const EXTERNAL = [
  "@huggingface/transformers",
  "onnxruntime-node",
  "@napi-rs/canvas",
  "d3-cloud",
  "playwright-core",
  "danfojs-node",
  "tslab",
  "plotly.js-dist-min",
  "esbuild",
  "tsx",
  "subset-font", // WebAssembly found through __dirname, which an ES module bundle lacks
  "onnx-proto",
];

const builtAt = Date.now();
rmSync(staging, { recursive: true, force: true });
try {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cci: "lib/cli/main.ts", "refine-worker": "lib/refine/worker.ts", "ablate-worker": "lib/ablate/worker.ts" },
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // Code reached only through a dynamic import() goes to a chunk of its own, loaded when a
    // command needs it; without splitting, its packages' imports would be hoisted into start-up.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    external: EXTERNAL,
    // The bundle knows it is one (lib/refine/pool.ts then starts dist/refine-worker.mjs).
    define: { "process.env.CCI_BUNDLED": '"1"' },
    // Bundled CommonJS packages call require(); give the ES module one.
    banner: { js: 'import { createRequire as __cciCreateRequire } from "node:module"; const require = __cciCreateRequire(import.meta.url);' },
    metafile: true,
    logLevel: "warning",
  });
  // The lock files too: npm keeps packages' own (old) file times, so an install is seen by its
  // rewrite of node_modules/.package-lock.json, not by the bundled files themselves.
  const locks = ["package.json", "package-lock.json", "node_modules/.package-lock.json"].filter((p) => existsSync(join(root, p)));
  const inputs = [...Object.keys(result.metafile.inputs).map((p) => relative(root, join(root, p))), ...locks];
  writeFileSync(join(staging, "build.json"), `${JSON.stringify({ builtAt, inputs }, null, 1)}\n`);
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dirname(dist), { recursive: true });
  renameSync(staging, dist);
  process.stderr.write(`cci build: dist/ from ${inputs.length} files\n`);
} catch (err) {
  rmSync(staging, { recursive: true, force: true });
  // A failed build is not fatal: cci runs the TypeScript sources instead.
  process.stderr.write(`cci build: failed (${err.message.split("\n")[0]}); cci will run the TypeScript sources through tsx\n`);
}
