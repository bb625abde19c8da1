/**
 * Histograms with dashed min (red), mean (green) and max (blue) lines and labels, as the
 * original's `plot_histogram`, and overlays of several series on shared bins.
 */
import { fitBinWidth, histogramBins, summarize, topCount, type Bin } from "../eda/stats";
import { axis, baseLayout, MARKER_COLORS, SERIES_COLORS, type Figure, type PlotlyObject } from "./figure";

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
function markerLine(x: number, color: string, label: string, xanchor: string, y: number): { shape: PlotlyObject; annotation: PlotlyObject } {
  return {
    shape: { type: "line", x0: x, x1: x, xref: "x", y0: 0, y1: 1, yref: "paper", line: { color, width: 1.5, dash: "dash" } },
    annotation: { x, y, xref: "x", yref: "paper", text: label, showarrow: false, font: { color, size: 13 }, xanchor, yanchor: "bottom", xshift: xanchor === "left" ? 4 : xanchor === "right" ? -4 : 0, bgcolor: "rgba(255,255,255,0.8)" },
  };
}

/** min/mean/max lines; labels staggered so close lines stay legible. */
function markers(values: readonly number[]): { shapes: PlotlyObject[]; annotations: PlotlyObject[] } {
  const s = summarize(values);
  const l = markerLabels(values);
  // Min's label right of its line and max's left of it keep both inside the plot.
  const lines = [markerLine(s.min, MARKER_COLORS.min, l.min, "left", 0.93), markerLine(s.mean, MARKER_COLORS.mean, l.mean, "left", 0.86), markerLine(s.max, MARKER_COLORS.max, l.max, "right", 0.93)];
  return { shapes: lines.map((m) => m.shape), annotations: lines.map((m) => m.annotation) };
}

function xAxis(opts: HistogramOptions): PlotlyObject {
  return axis(opts.xTitle, opts.tickStep ? { tick0: 0, dtick: opts.tickStep } : {});
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
    layout: baseLayout(opts.title, {
      xaxis: xAxis(opts),
      yaxis: axis(opts.yTitle ?? "Frequency", { range: [0, topCount(bins) * 1.2] }),
      bargap: 0,
      showlegend: false,
      shapes,
      annotations,
    }),
  };
}

export interface Series {
  name: string;
  values: readonly number[];
}

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
  const lines = series.map((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    return markerLine(summarize(s.values).mean, color, `${s.name} mean: ${summarize(s.values).mean.toFixed(2)}`, i % 2 ? "right" : "left", 0.93 - 0.07 * i);
  });
  const top = series.reduce((m, s) => topCount(binsOf(s.values), m), 1);
  return {
    data: series.map((s, i) =>
      barTrace(binsOf(s.values), opts, { name: s.name, opacity: 0.55, marker: { color: SERIES_COLORS[i % SERIES_COLORS.length], line: { color: "white", width: 0.5 } } }),
    ),
    layout: baseLayout(opts.title, {
      xaxis: xAxis(opts),
      yaxis: axis(opts.yTitle ?? "Frequency", { range: [0, top * 1.2] }),
      barmode: "overlay",
      bargap: 0,
      showlegend: true,
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
      shapes: lines.map((m) => m.shape),
      annotations: lines.map((m) => m.annotation),
    }),
  };
}
