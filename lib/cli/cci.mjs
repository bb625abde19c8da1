#!/usr/bin/env node
// Entry point of the `cci` command. Runs the compiled bundle (dist/cci.mjs, built by `npm ci`
// through lib/cli/build.mjs) while it is up to date: every file it was built from is older than
// the build. Otherwise — no build, or lib/ edited since — it registers tsx and runs the
// TypeScript sources as they are, so the code that runs is always the code on disk.
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../../", import.meta.url);
// Where the checkout is, for files shipped beside the code (lib/util/package-root.ts): modules
// themselves never read import.meta, which tslab's CommonJS evaluation of lib/ cannot parse.
process.env.CCI_PACKAGE_ROOT = fileURLToPath(root);

function freshBuild() {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(new URL("dist/build.json", root), "utf8"));
    for (const p of inputs) if (statSync(new URL(p, root)).mtimeMs > builtAt) return false;
    return inputs.length > 0;
  } catch {
    return false; // no build, or a source it used is gone
  }
}

if (process.env.CCI_FROM_SOURCE !== "1" && freshBuild()) {
  await import(new URL("dist/cci.mjs", root).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./main.ts");
}
