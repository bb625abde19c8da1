/** The plotly.js bundle we render with: its source (for self-contained HTML) and its CDN twin. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "../corpus/locate";

let cached: { path: string; version: string } | undefined;

function bundle(): { path: string; version: string } {
  if (!cached) {
    // Resolved from the checkout (lib/ is compiled as ESM by tsx and as CommonJS by tslab).
    const req = createRequire(join(repoRoot(), "package.json"));
    const path = req.resolve("plotly.js-dist-min");
    const version = (JSON.parse(readFileSync(join(path, "..", "package.json"), "utf8")) as { version: string }).version;
    cached = { path, version };
  }
  return cached;
}

/** Path of plotly.min.js. */
export function plotlyPath(): string {
  return bundle().path;
}

let source: string | undefined;

/** The minified bundle, safe to inline in a <script> element. */
export function plotlySource(): string {
  source ??= readFileSync(plotlyPath(), "utf8").replace(/<\/script/gi, "<\\/script");
  return source;
}

/** The same version on plotly's CDN (for notebook outputs, which should stay small). */
export function plotlyCdnUrl(): string {
  return `https://cdn.plot.ly/plotly-${bundle().version}.min.js`;
}
