/** Figures of the prompt stage: prompt-length distributions per variant, quirk counts by category. */
import { CATEGORIES } from "../corpus/schema";
import type { QuirkCountRow } from "../prompts/quirks";
import { axis, baseLayout, SERIES_COLORS, type Figure } from "./figure";

export interface LengthSeries {
  /** Legend entry, e.g. "faithful" or "fixed". */
  name: string;
  /** Values per variant (x axis), in the order given. */
  byVariant: { variant: string; values: readonly number[] }[];
}

/** Box plots of prompt lengths, one box per variant and series (grouped). */
export function promptLengthFigure(series: readonly LengthSeries[], opts: { title: string; unit: string }): Figure {
  return {
    data: series.map((s, i) => ({
      type: "box",
      name: s.name,
      x: s.byVariant.flatMap((v) => v.values.map(() => v.variant)),
      y: s.byVariant.flatMap((v) => [...v.values]),
      boxmean: true,
      marker: { color: SERIES_COLORS[i % SERIES_COLORS.length], size: 3 },
      boxpoints: "outliers",
    })),
    layout: baseLayout(opts.title, {
      boxmode: "group",
      xaxis: axis("", { type: "category", tickangle: -20 }),
      yaxis: axis(opts.unit, { rangemode: "tozero" }),
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.06 },
      margin: { l: 70, r: 40, t: 100, b: 120 },
    }),
  };
}

/** Stacked bars: for each variant and quirk, the examples it touches in each category. */
export function quirkFigure(rows: readonly QuirkCountRow[], title: string): Figure {
  const x = rows.map((r) => `${r.variant}<br>${r.quirk}`);
  return {
    data: CATEGORIES.map((c, i) => ({
      type: "bar",
      name: `${c.category} (${c.english})`,
      x,
      y: rows.map((r) => r[c.category]),
      marker: { color: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"][i] },
    })),
    layout: baseLayout(title, {
      barmode: "stack",
      xaxis: axis("", { type: "category", tickangle: -25 }),
      yaxis: axis("Examples"),
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.06 },
      margin: { l: 70, r: 40, t: 100, b: 170 },
    }),
  };
}
