/**
 * Writing a figure to files: `{base}.html` always (self-contained), `{base}.png` and `{base}.svg`
 * when a renderer (Chromium) is available. Without one, only the HTML is written and the run
 * goes on (ChartRenderer.open has already said once how to get PNG/SVG).
 */
import { writeFileAtomic } from "../util/atomic";
import type { ChartRenderer, RenderOptions } from "./browser";
import type { Figure } from "./figure";
import { dirname, join, relative, sep } from "node:path";
import { readFileSync } from "node:fs";
import { figureHtml, type PlotlyMode } from "./html";
import { plotlyPath } from "./plotlyjs";

export const FORMATS = ["html", "png", "svg"] as const;
export type Format = (typeof FORMATS)[number];

export interface ExportOptions {
  formats?: readonly Format[];
  /** null: no browser, so HTML only. */
  renderer: ChartRenderer | null;
  render?: RenderOptions;
  /** `shared`: link `sharedPlotly` (a plotly.min.js written once) by relative path. */
  plotly?: "inline" | "cdn" | "shared";
  /** Where files go: written at once (default), or staged in a command's OutputSet. */
  write?: (path: string, data: string | Uint8Array) => void;
  /** The shared plotly.min.js (with plotly "shared"); `sharePlotly` writes it. */
  sharedPlotly?: string;
}

export const PLOTLY_MODES = ["shared", "inline", "cdn"] as const;
export const SHARED_PLOTLY = "plotly.min.js";

/**
 * Put plotly.min.js in `dir` (for HTML charts in and below it) through `write` (a command's staged
 * writes, so it lands with the charts, all or nothing); returns its path.
 */
export function sharePlotly(dir: string, write: (path: string, data: string | Uint8Array) => void): string {
  const target = join(dir, SHARED_PLOTLY);
  write(target, readFileSync(plotlyPath()));
  return target;
}

function plotlyMode(base: string, opts: ExportOptions): PlotlyMode {
  if (opts.plotly !== "shared") return opts.plotly ?? "inline";
  if (!opts.sharedPlotly) throw new RangeError("plotly: shared needs sharedPlotly (see sharePlotly)");
  return { src: relative(dirname(base), opts.sharedPlotly).split(sep).join("/") };
}

/** Write the figure in each requested format; returns the files written. */
export async function exportFigure(fig: Figure, base: string, opts: ExportOptions): Promise<string[]> {
  const formats = opts.formats ?? FORMATS;
  const written: string[] = [];
  const write = (path: string, data: string | Uint8Array) => {
    (opts.write ?? writeFileAtomic)(path, data);
    written.push(path);
  };
  if (formats.includes("html")) write(`${base}.html`, figureHtml(fig, { plotly: plotlyMode(base, opts) }));
  if (opts.renderer) {
    if (formats.includes("png")) write(`${base}.png`, await opts.renderer.render(fig, "png", opts.render));
    if (formats.includes("svg")) write(`${base}.svg`, await opts.renderer.render(fig, "svg", opts.render));
  }
  return written;
}

/** Parse `--formats html,png` into known formats (unknown names are a user error upstream). */
export function parseFormats(list: readonly string[]): { formats: Format[]; unknown: string[] } {
  const known = new Set<string>(FORMATS);
  return { formats: FORMATS.filter((f) => list.includes(f)), unknown: list.filter((f) => !known.has(f)) };
}
