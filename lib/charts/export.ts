/**
 * Writing a figure to files: `{base}.html` always (self-contained), `{base}.png` and `{base}.svg`
 * when a renderer (Chromium) is available. Without one, only the HTML is written and the run
 * goes on (ChartRenderer.open has already said once how to get PNG/SVG).
 */
import { assertNotInput, writeFileAtomic } from "../util/atomic";
import type { ChartRenderer, RenderOptions } from "./browser";
import type { Figure } from "./figure";
import { figureHtml } from "./html";

export const FORMATS = ["html", "png", "svg"] as const;
export type Format = (typeof FORMATS)[number];

export interface ExportOptions {
  formats?: readonly Format[];
  /** null: no browser, so HTML only. */
  renderer: ChartRenderer | null;
  render?: RenderOptions;
  /** Files the figure must never overwrite (the command's inputs). */
  inputs?: readonly string[];
  plotly?: "inline" | "cdn";
  /** Where files go: written at once (default), or staged in a command's OutputSet. */
  write?: (path: string, data: string | Uint8Array) => void;
}

/** Write the figure in each requested format; returns the files written. */
export async function exportFigure(fig: Figure, base: string, opts: ExportOptions): Promise<string[]> {
  const formats = opts.formats ?? FORMATS;
  const written: string[] = [];
  const write = (path: string, data: string | Uint8Array) => {
    assertNotInput(path, opts.inputs ?? []);
    (opts.write ?? writeFileAtomic)(path, data);
    written.push(path);
  };
  if (formats.includes("html")) write(`${base}.html`, figureHtml(fig, { plotly: opts.plotly }));
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
