/**
 * Print sizes for a paper: a chart laid out at its printed size (inches × 96 CSS px), every
 * font at the printed point size (pt × 96/72 px), and a PNG scale that gives at least 300 dpi.
 * Pure: options in, a size and a re-styled figure out (`cci chart --column`, `--width-in`).
 */
import { UserError } from "../util/errors";
import type { TextBox } from "./browser";
import type { Figure, PlotlyObject } from "./figure";

/** CSS pixels per inch (the browser's, and so Plotly's, layout unit). */
export const PX_PER_IN = 96;
/** Points per inch. */
export const PT_PER_IN = 72;
/** The least print resolution the PNG gets. */
export const MIN_DPI = 300;

/** Column widths of a two-column paper (IEEE/ACM-style: 3.5 in single, 7.16 in across both). */
export const COLUMNS = { single: 3.5, double: 7.16 } as const;
export type Column = keyof typeof COLUMNS;
export const COLUMN_NAMES = Object.keys(COLUMNS) as Column[];

/** Height over width when none is given. */
export const PRINT_ASPECT = 0.68;
/** Font size when none is given (a caption-sized 8 pt). */
export const PRINT_FONT_PT = 8;
/** Titles this much larger than the rest. */
export const TITLE_RATIO = 1.2;

/** Upper bounds of the options (a PNG side stays under Chromium's 32767 px at 300 dpi). */
export const PRINT_LIMITS = { "--width-in": 40, "--height-in": 40, "--font-pt": 36 } as const;
export const MIN_FONT_PT = 4;

export interface PrintOptions {
  column?: string;
  widthIn?: number | string;
  heightIn?: number | string;
  fontPt?: number | string;
}

export interface PrintSpec {
  widthIn: number;
  heightIn: number;
  fontPt: number;
  /** The column preset it came from, if any. */
  column?: Column;
}

/** A number of the option, or undefined; `min` inclusive when given (fonts), else above 0. */
function numberOption(flag: keyof typeof PRINT_LIMITS, v: number | string | undefined, min?: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : v.trim() === "" ? NaN : Number(v);
  const low = min === undefined ? !(n > 0) : !(n >= min);
  if (!Number.isFinite(n) || low || n > PRINT_LIMITS[flag]) throw new UserError(`chart: ${flag} ${v}: expected a number ${min === undefined ? "above 0" : `from ${min}`} up to ${PRINT_LIMITS[flag]}`);
  return n;
}

/**
 * The print size the options ask for, or null when none is given (the screen layout stays).
 * `aspect` is the chart's own height/width for presets (default PRINT_ASPECT). One UserError
 * line for anything wrong: an unknown column, a bad number, --column with --width-in.
 */
export type PrintAspect = number | Partial<Record<Column, number>>;

export function resolvePrint(opts: PrintOptions, aspect: PrintAspect = PRINT_ASPECT): PrintSpec | null {
  const { column } = opts;
  const widthIn = numberOption("--width-in", opts.widthIn, 1);
  const heightIn = numberOption("--height-in", opts.heightIn, 0.5);
  const fontPt = numberOption("--font-pt", opts.fontPt, MIN_FONT_PT);
  if (column === undefined && widthIn === undefined && heightIn === undefined && fontPt === undefined) return null;
  if (column !== undefined && !(COLUMN_NAMES as string[]).includes(column)) throw new UserError(`chart: --column ${column}: expected ${COLUMN_NAMES.join(" or ")}`);
  if (column !== undefined && widthIn !== undefined) throw new UserError(`chart: --column ${column} sets the width (${COLUMNS[column as Column]} in); give --column or --width-in, not both`);
  if (column === undefined && widthIn === undefined) throw new UserError("chart: --height-in and --font-pt need a width: give --column single|double or --width-in");
  const w = widthIn ?? COLUMNS[column as Column];
  const a = typeof aspect === "number" ? aspect : ((column ? aspect[column as Column] : undefined) ?? (w <= COLUMNS.single ? aspect.single : aspect.double) ?? PRINT_ASPECT);
  return { widthIn: w, heightIn: heightIn ?? round2(w * a), fontPt: fontPt ?? PRINT_FONT_PT, ...(column ? { column: column as Column } : {}) };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export interface PrintPixels {
  /** Layout size in CSS px. */
  width: number;
  height: number;
  /** Font size in CSS px (titles: titlePx). */
  fontPx: number;
  titlePx: number;
  /** PNG pixels per CSS px: ceil(300 dpi / 96 px per inch). */
  scale: number;
  /** The PNG's resolution at the printed size. */
  dpi: number;
}

/** Layout px = inches × 96, font px = pt × 96/72, scale = ceil(300/96) = 4 (so the PNG is at least 300 dpi at the printed size: 384). */
export function printPixels(spec: PrintSpec): PrintPixels {
  const width = Math.round(spec.widthIn * PX_PER_IN);
  const height = Math.round(spec.heightIn * PX_PER_IN);
  const fontPx = (spec.fontPt * PX_PER_IN) / PT_PER_IN;
  // Whole pixels per CSS px: the width rounded to px and back never drops under 300 dpi.
  const scale = Math.ceil(MIN_DPI / PX_PER_IN);
  return { width, height, fontPx: round2(fontPx), titlePx: round2(fontPx * TITLE_RATIO), scale, dpi: Math.floor((width * scale) / spec.widthIn) };
}

const FONT_KEY = /font$/i;

/** Every `size` in a font object (font, tickfont, textfont, …) set to `px`; inline `font-size:Npx` too; <sup> subtitles at full size. */
function restyle(v: unknown, px: number, key = ""): unknown {
  if (typeof v === "string") return v.replace(/font-size:\s*\d+(\.\d+)?px/g, `font-size:${px}px`).replace(/<\/?sup>/g, "").replace(/<\/?sub>/g, "");
  if (Array.isArray(v)) return v.map((x) => restyle(x, px, key));
  if (v === null || typeof v !== "object") return v;
  const out: PlotlyObject = {};
  for (const [k, x] of Object.entries(v as PlotlyObject)) {
    if (!(FONT_KEY.test(k) && x && typeof x === "object" && !Array.isArray(x))) {
      out[k] = restyle(x, px, k);
      continue;
    }
    const size = (x as PlotlyObject).size;
    // Sizes per point (a word cloud laid out for this size) stay, raised to px at least.
    out[k] = { ...(restyle(x, px, k) as PlotlyObject), size: Array.isArray(size) ? size.map((z) => Math.max(px, Number(z))) : px };
  }
  return out;
}

const AXIS_KEY = /^[xy]axis\d*$/;
const BR = /<br\s*\/?>/i;

/** A rough width in em of a line of text (Hangul and other wide letters 1 em, the rest 0.6 em). */
export function emWidth(line: string): number {
  let w = 0;
  for (const ch of line.replace(/<[^>]*>/g, "")) w += /[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(ch) ? 1 : 0.6;
  return w;
}

/** A rough width of a label at `px` (its widest line). */
const textWidth = (text: string, px: number) => Math.max(...text.split(BR).map(emWidth)) * px;

/**
 * Break each line of a Plotly text at spaces so no line is wider than `maxPx` at `px` (a word
 * longer than that stays whole, or with `hyphens` is broken after its "-" and "_" too).
 */
export function wrapText(text: string, maxPx: number, px: number, hyphens = false): string {
  return text
    .split(BR)
    .map((line) => {
      const out: string[] = [];
      let cur = "";
      const words = line.split(" ").flatMap((w) => (hyphens && emWidth(w) * px > maxPx ? w.split(/(?<=[-_])/) : [w]));
      for (const word of words) {
        const glue = cur === "" || /[-_]$/.test(cur) ? "" : " ";
        const next = `${cur}${glue}${word}`;
        if (cur && emWidth(next) * px > maxPx) {
          out.push(cur);
          cur = word;
        } else cur = next;
      }
      out.push(cur);
      return out.join("<br>");
    })
    .join("<br>");
}

/** `layout.meta.print`: what a figure changes at print size (e.g. short tick labels), merged one level deep into the layout. */
export interface PrintHints {
  [layoutKey: string]: PlotlyObject;
}

/** A figure's layout with print hints to apply at print sizes (printFigure). */
export function withPrintHints(layout: PlotlyObject, hints: PrintHints): PlotlyObject {
  const meta = (layout.meta as PlotlyObject | undefined) ?? {};
  return { ...layout, meta: { ...meta, print: { ...(meta.print as PrintHints | undefined), ...hints } } };
}

/** Short names of the prompt variants for tick labels at print size (a caption spells them out). */
export function shortVariant(name: string): string {
  if (name === "Baseline") return "Base";
  return name
    .replace(/^Refined_/, "R·")
    .replace(/Dataset$/, "")
    .replace(/^CustomRef/, "CR")
    .replace(/^SystemRef/, "SR")
    .replace(/OfficialTerm/, "-OT")
    .replace(/Definition/, "-Def")
    .replace(/Instruction/, "-Ins");
}

/**
 * A heatmap at print size: cell labels at the print font when they fit in a cell (else none:
 * the colour and the colour bar say it), colour bar as thick as a line of text, its title upright beside it.
 */
function printHeatmap(t: PlotlyObject, p: PrintPixels): PlotlyObject {
  const cols = Array.isArray(t.x) ? t.x.length : 1;
  const rows = Array.isArray(t.y) ? t.y.length : 1;
  // The plot is at most about half the figure's width once names and the colour bar have their room.
  const cellW = (p.width * 0.5) / cols;
  const cellH = (p.height * 0.6) / rows;
  const labels = Array.isArray(t.text) ? (t.text as unknown[]).flat().map(String) : [];
  const widest = Math.max(0, ...labels.map((l) => emWidth(l) * p.fontPx));
  const fits = widest <= cellW * 0.85 && p.fontPx * 1.2 <= cellH;
  const cb = (t.colorbar as PlotlyObject | undefined) ?? {};
  const out: PlotlyObject = { ...t, colorbar: { thickness: Math.round(p.fontPx), ...cb, tickfont: { size: p.fontPx }, title: { ...(cb.title as PlotlyObject), side: "right", font: { size: p.fontPx } } } };
  if (fits) out.textfont = { ...(t.textfont as PlotlyObject), size: p.fontPx };
  else delete out.texttemplate;
  return out;
}

/**
 * The figure at print size: laid out at width × height px, every font at fontPx (titles at
 * titlePx), margins small and grown by Plotly's automargin so labels are not cut, legends under
 * the plot (where a horizontal legend above would hit the title).
 */
export function printFigure(fig: Figure, spec: PrintSpec): Figure {
  const p = printPixels(spec);
  const layout = restyle(fig.layout, p.fontPx) as PlotlyObject;
  const meta = layout.meta as PlotlyObject | undefined;
  const hints = (meta?.print as PrintHints | undefined) ?? {};
  if (meta) {
    const { print: _print, ...rest } = meta;
    if (Object.keys(rest).length) layout.meta = rest;
    else delete layout.meta;
  }
  const data = (restyle(fig.data, p.fontPx) as PlotlyObject[]).map((t) => {
    // Legend names wrapped to the figure's width (run names are long).
    const named = typeof t.name === "string" ? { ...t, name: wrapText(t.name, p.width * 0.8, p.fontPx, true) } : t;
    return t.type === "heatmap" ? printHeatmap(named, p) : named;
  });
  if (!layout.xaxis) layout.xaxis = { automargin: true };
  if (!layout.yaxis) layout.yaxis = { automargin: true };
  for (const k of Object.keys(layout)) {
    if (!AXIS_KEY.test(k)) continue;
    const ax = layout[k] as PlotlyObject;
    // Log axes: labels at the powers of ten only (Plotly's 2 and 5 between them print smaller).
    const log = ax.type === "log" && ax.dtick === undefined && ax.tickvals === undefined ? { dtick: 1 } : {};
    const t = ax.title as PlotlyObject | undefined;
    // Axis titles wrapped to the plot's side; tick labels level, or upright when they do not fit (their boxes never cross then).
    const side = k.startsWith("x") ? p.width * 0.85 : p.height * 0.45;
    // A parenthesis that does not fit (an explanation for the screen) is left to the caption.
    const text = typeof t?.text === "string" ? (textWidth(t.text, p.fontPx) > side ? t.text.replace(/\s*\([^()]*\)\s*$/, "") : t.text) : undefined;
    const title = { ...t, ...(text !== undefined ? { text: wrapText(text, side, p.fontPx) } : {}), standoff: Math.round(p.fontPx / 2) };
    layout[k] = { ...ax, ...log, tickangle: "auto", autotickangles: [0, 90], ...hints[k], automargin: true, title };
  }
  for (const [k, v] of Object.entries(hints)) if (!AXIS_KEY.test(k)) layout[k] = v && typeof v === "object" && !Array.isArray(v) ? { ...(layout[k] as PlotlyObject), ...v } : v;
  const title = layout.title as PlotlyObject | undefined;
  const hasTitle = typeof title?.text === "string" && title.text.trim() !== "";
  // Labels of lines near the plot's top (a histogram's min/mean/max) hang from the top, one line
  // apart in the order they were stacked, instead of standing on a height that pokes above a short plot.
  const tops = ((layout.annotations as PlotlyObject[] | undefined) ?? []).filter((a) => a.yref === "paper" && a.xref !== "paper" && a.yanchor === "bottom" && Number(a.y) >= 0.5 && Number(a.y) < 1);
  const levels = [...new Set(tops.map((a) => Number(a.y)))].sort((a, b) => b - a);
  if (tops.length) layout.annotations = (layout.annotations as PlotlyObject[]).map((a) => (tops.includes(a) ? { ...a, y: 1, yanchor: "top", yshift: -levels.indexOf(Number(a.y)) * Math.round(p.fontPx * 1.5) - 2 } : a));
  // Notes right of the plot (x ≥ 1, anchored left) need that margin; Plotly does not grow it.
  const notes = (layout.annotations as PlotlyObject[] | undefined) ?? [];
  const right = Math.max(8, ...notes.filter((a) => a.xref === "paper" && Number(a.x) >= 1 && a.xanchor === "left").map((a) => textWidth(String(a.text), p.fontPx) + Number(a.xshift ?? 0) + 4));
  const gap = Math.round(p.fontPx / 2);
  layout.width = p.width;
  layout.height = p.height;
  layout.autosize = false;
  layout.font = { ...(layout.font as PlotlyObject), size: p.fontPx };
  // A pinned figure (autosize false: a word cloud placed in pixels) was built for this size and keeps its margins.
  const pinned = fig.layout.autosize === false;
  if (!pinned) layout.margin = { l: gap, r: Math.ceil(right), t: hasTitle ? gap : gap + 4, b: gap, pad: 0, autoexpand: true };
  // Above the plot, growing the top margin to fit its lines (with yref container and yanchor top
  // Plotly places a multi-line title partly above the image).
  if (hasTitle) layout.title = { ...title, text: wrapText(String(title!.text), p.width - 4 * gap, p.titlePx), font: { ...(title!.font as PlotlyObject), size: p.titlePx }, automargin: !pinned, yref: "paper", y: 1, yanchor: "bottom", pad: { t: gap, b: gap } };
  if (layout.showlegend !== false && data.filter((t) => t.showlegend !== false && t.name !== undefined).length > 1) {
    // Under the plot, centred, as wide as the figure: Plotly grows the bottom margin for it.
    layout.legend = { ...(layout.legend as PlotlyObject), orientation: "h", x: 0.5, xanchor: "center", xref: "container", y: 0, yanchor: "bottom", yref: "container", itemwidth: 30, tracegroupgap: 0, font: { size: p.fontPx } };
  }
  return { data, layout };
}

/** A text box of a drawn figure (ChartRenderer.textBoxes). */
export type DrawnText = TextBox;

/**
 * What is wrong with a drawn figure at print size: texts outside the image, texts overlapping
 * (by more than `tol` px each way), fonts smaller than `minFontPx`. Empty: nothing. A text's box
 * is its line box, about 0.15 em taller than its letters above and below: the default tolerance,
 * a quarter of the font size, lets boxes touch where the letters do not.
 */
export function layoutProblems(drawn: { width: number; height: number; texts: readonly DrawnText[] }, minFontPx: number, tol = 0.25 * minFontPx): string[] {
  const out: string[] = [];
  const name = (t: DrawnText) => JSON.stringify(t.text.length > 40 ? `${t.text.slice(0, 40)}…` : t.text);
  for (const t of drawn.texts) {
    if (t.x < -tol || t.y < -tol || t.x + t.w > drawn.width + tol || t.y + t.h > drawn.height + tol)
      out.push(`${name(t)} cut: box ${t.x.toFixed(1)},${t.y.toFixed(1)} ${t.w.toFixed(1)}×${t.h.toFixed(1)} outside ${drawn.width}×${drawn.height}`);
    if (t.fontPx < minFontPx - 0.01) out.push(`${name(t)} at ${t.fontPx.toFixed(2)} px, under ${minFontPx.toFixed(2)} px`);
  }
  const ts = drawn.texts;
  for (let i = 0; i < ts.length; i++)
    for (let j = i + 1; j < ts.length; j++) {
      const a = ts[i];
      const b = ts[j];
      const dx = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      if (dx > tol && dy > tol) out.push(`${name(a)} overlaps ${name(b)} (${dx.toFixed(1)}×${dy.toFixed(1)} px)`);
    }
  return out;
}
