/**
 * Histograms with min, mean and max lines and labels, as the original's `plot_histogram` (in
 * colour-blind-safe colours and dashes, lib/charts/figure), and overlays of several series on shared bins.
 */
import { withPrintHints } from "./print";
import { fitBinWidth, histogramBins, summarize, topCount, type Bin } from "../eda/stats";
import { axis, baseLayout, MARKER_COLORS, MARKER_DASH, overlapColor, SERIES_COLORS, type Figure, type PlotlyObject } from "./figure";

/**
 * Where a bar sits: `value` centres bin [k, k+1) on k (integer data, width 1: the bar *is* the
 * value); `span` draws the bin across [start, end).
 */
export type BinAlign = "value" | "span";

export interface HistogramOptions {
  title: string;
  binWidth: number;
  align: BinAlign;
  xTitle: string;
  yTitle?: string;
  /** Distance between x-axis ticks (default: plotly's choice). */
  tickStep?: number;
}

/** x position of a bin's bar. */
export function binCenter(bin: Bin, align: BinAlign): number {
  return align === "value" ? bin.start : (bin.start + bin.end) / 2;
}

/** The marker labels, formatted as the original (`Mean: 21.30`). */
export function markerLabels(values: readonly number[]): { min: string; mean: string; max: string } {
  const s = summarize(values);
  return { min: `Min: ${s.min}`, mean: `Mean: ${s.mean.toFixed(2)}`, max: `Max: ${s.max}` };
}

/** A dashed vertical line across the plot at x, with its label near the top. */
function markerLine(x: number, color: string, label: string, xanchor: string, y: number, dash = "dash"): { shape: PlotlyObject; annotation: PlotlyObject } {
  return {
    shape: { type: "line", x0: x, x1: x, xref: "x", y0: 0, y1: 1, yref: "paper", line: { color, width: 1.5, dash } },
    annotation: { x, y, xref: "x", yref: "paper", text: label, showarrow: false, font: { color, size: 13 }, xanchor, yanchor: "bottom", xshift: xanchor === "left" ? 4 : xanchor === "right" ? -4 : 0, bgcolor: "rgba(255,255,255,0.8)" },
  };
}

/** min/mean/max lines; labels staggered so close lines stay legible. */
function markers(values: readonly number[]): { shapes: PlotlyObject[]; annotations: PlotlyObject[] } {
  const s = summarize(values);
  const l = markerLabels(values);
  // Min's label right of its line and max's left of it keep both inside the plot.
  const lines = [
    markerLine(s.min, MARKER_COLORS.min, l.min, "left", 0.93, MARKER_DASH.min),
    markerLine(s.mean, MARKER_COLORS.mean, l.mean, "left", 0.86, MARKER_DASH.mean),
    markerLine(s.max, MARKER_COLORS.max, l.max, "right", 0.93, MARKER_DASH.max),
  ];
  return { shapes: lines.map((m) => m.shape), annotations: lines.map((m) => m.annotation) };
}

/** A 1, 2 or 5 × 10^k step giving at most `ticks` ticks across `span`. */
export function niceStep(span: number, ticks: number): number {
  const raw = span / Math.max(1, ticks);
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

/** The bins' extent on x: from the first bar's edge (never below 0 for counts) to the last's. */
function binRange(bins: readonly Bin[], opts: HistogramOptions): [number, number] {
  const half = opts.align === "value" ? opts.binWidth / 2 : 0;
  const lo = bins[0] ? bins[0].start - half : 0;
  const hi = bins.length ? bins[bins.length - 1].end - half : 1;
  return [Math.max(opts.align === "value" ? -half : 0, lo), hi];
}

/** The x axis over the bins; at print size fewer ticks (about 6, level) so that they fit a column. */
function xAxis(opts: HistogramOptions, bins: readonly Bin[]): PlotlyObject {
  const range = binRange(bins, opts);
  const step = opts.tickStep ?? niceStep(range[1] - range[0], 10);
  return axis(opts.xTitle, { tick0: 0, dtick: step, range, tickangle: 0 });
}

/** Print hints of the x axis: a step giving at most 6 ticks (never finer than the screen's). */
function xPrintHints(opts: HistogramOptions, bins: readonly Bin[]): PlotlyObject {
  const range = binRange(bins, opts);
  return { dtick: Math.max(opts.tickStep ?? 0, niceStep(range[1] - range[0], 6)), tickangle: 0 };
}

function barTrace(bins: readonly Bin[], opts: HistogramOptions, extra: PlotlyObject = {}): PlotlyObject {
  return {
    type: "bar",
    x: bins.map((b) => binCenter(b, opts.align)),
    y: bins.map((b) => b.count),
    width: opts.binWidth,
    marker: { color: SERIES_COLORS[0], line: { color: "white", width: 1 } },
    customdata: bins.map((b) => (opts.align === "value" && opts.binWidth === 1 ? `${b.start}` : `${b.start}–${b.end - 1}`)),
    hovertemplate: "%{customdata}: %{y}<extra></extra>",
    ...extra,
  };
}

export function histogramFigure(values: readonly number[], options: HistogramOptions): Figure {
  const opts = { ...options, binWidth: fitBinWidth(values, options.binWidth) };
  const bins = histogramBins(values, opts.binWidth);
  const { shapes, annotations } = markers(values);
  return {
    data: [barTrace(bins, opts)],
    layout: withPrintHints(baseLayout(opts.title, {
      xaxis: xAxis(opts, bins),
      yaxis: axis(opts.yTitle ?? "Frequency", { range: [0, topCount(bins) * 1.2] }),
      bargap: 0,
      showlegend: false,
      shapes,
      annotations,
    }), { xaxis: xPrintHints(opts, bins) }),
  };
}

export interface Series {
  name: string;
  values: readonly number[];
}

/** Opacity of overlaid series (the overlap's colour follows from it). */
export const OVERLAY_OPACITY = 0.55;

/**
 * Several series on the same bins, overlaid half-transparent, each with a dashed line at its mean.
 * Bins span all series so the bars line up.
 */
export function overlayHistogramFigure(series: readonly Series[], options: HistogramOptions): Figure {
  const all = series.flatMap((s) => s.values);
  const opts = { ...options, binWidth: fitBinWidth(all, options.binWidth) };
  const grid = histogramBins(all, opts.binWidth);
  const binsOf = (values: readonly number[]) => {
    const counts = new Map(histogramBins(values, opts.binWidth).map((b) => [b.start, b.count]));
    return grid.map((b) => ({ ...b, count: counts.get(b.start) ?? 0 }));
  };
  // Each mean's label toward the side with room (rightward unless near the right edge), so none runs over the y axis.
  const [lo, hi] = binRange(grid, opts);
  const lines = series.map((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const m = summarize(s.values).mean;
    return markerLine(m, color, `${s.name} mean: ${m.toFixed(2)}`, m < lo + 0.6 * (hi - lo) ? "left" : "right", 0.93 - 0.07 * i);
  });
  const top = series.reduce((m, s) => topCount(binsOf(s.values), m), 1);
  const bars = series.map((s, i) =>
    barTrace(binsOf(s.values), opts, { name: s.name, opacity: OVERLAY_OPACITY, marker: { color: SERIES_COLORS[i % SERIES_COLORS.length], line: { color: "white", width: 0.5 } } }),
  );
  // Where two series overlap the bars show a third colour: the legend names it too.
  const overlap =
    series.length === 2
      ? [{ type: "bar", name: `${series[0].name} and ${series[1].name} overlap`, x: [null], y: [null], marker: { color: overlapColor(SERIES_COLORS[0], SERIES_COLORS[1], OVERLAY_OPACITY) }, hoverinfo: "skip", showlegend: true }]
      : [];
  return {
    data: [...bars, ...overlap],
    layout: withPrintHints(baseLayout(opts.title, {
      xaxis: xAxis(opts, grid),
      yaxis: axis(opts.yTitle ?? "Frequency", { range: [0, top * 1.2] }),
      barmode: "overlay",
      bargap: 0,
      showlegend: true,
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
      shapes: lines.map((m) => m.shape),
      annotations: lines.map((m) => m.annotation),
    }), { xaxis: xPrintHints(opts, grid) }),
  };
}
