/** Figures of the prompt stage: prompt-length distributions per variant, quirk counts by category. */
import { max, mean, median, min, quantile } from "simple-statistics";
import { CATEGORIES } from "../corpus/schema";
import type { QuirkCountRow } from "../prompts/quirks";
import { axis, baseLayout, SERIES_COLORS, type Figure } from "./figure";
import { shortVariant, withPrintHints } from "./print";

export interface LengthSeries {
  /** Legend entry, e.g. "faithful" or "fixed". */
  name: string;
  /** Values per variant (x axis), in the order given. */
  byVariant: { variant: string; values: readonly number[] }[];
}

/**
 * Box plots of prompt lengths, one box per variant and series (grouped). The boxes are drawn
 * from precomputed quartiles (whiskers at min and max), so a figure carries aggregates only
 * and stays small however large the corpus.
 */
export function promptLengthFigure(series: readonly LengthSeries[], opts: { title: string; unit: string; limit?: { value: number; label: string } }): Figure {
  const limit = opts.limit;
  const stat = (f: (v: number[]) => number) => (s: LengthSeries) => s.byVariant.map((v) => (v.values.length ? f([...v.values]) : NaN));
  return {
    data: series.map((s, i) => ({
      type: "box",
      name: s.name,
      x: s.byVariant.map((v) => v.variant),
      q1: stat((v) => quantile(v, 0.25))(s),
      median: stat(median)(s),
      q3: stat((v) => quantile(v, 0.75))(s),
      lowerfence: stat(min)(s),
      upperfence: stat(max)(s),
      mean: stat(mean)(s),
      boxpoints: false,
      marker: { color: SERIES_COLORS[i % SERIES_COLORS.length] },
    })),
    layout: withPrintHints(baseLayout(opts.title, {
      boxmode: "group",
      xaxis: axis("", { type: "category", tickangle: -20 }),
      yaxis: axis(`${opts.unit} (box: quartiles, whiskers: min and max, dashed: mean)`, { rangemode: "tozero" }),
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.06 },
      margin: { l: 70, r: 40, t: 100, b: 120 },
      // A length limit the text discusses (notebook 03: 1,024 tokens), as a labelled line.
      ...(limit
        ? {
            shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: limit.value, y1: limit.value, layer: "above", line: { color: "#000", dash: "dash", width: 1.5 } }],
            annotations: [{ xref: "paper", x: 1, y: limit.value, xanchor: "right", yanchor: "bottom", text: limit.label, showarrow: false, bgcolor: "rgba(255,255,255,0.85)", font: { color: "#000", size: 12 } }],
          }
        : {}),
    }), { xaxis: variantTicks(series.flatMap((s) => s.byVariant.map((v) => v.variant))) }),
  };
}

/** Short variant names under the ticks at print size (CR-OT for CustomRefOfficialTermDataset, …). */
function variantTicks(labels: readonly string[], short: (l: string) => string = shortVariant) {
  const vals = [...new Set(labels)];
  return { tickmode: "array", tickvals: vals, ticktext: vals.map(short) };
}

const QUIRK_SHORT: Record<string, string> = { "josa-overwrite": "josa", "wrong-particle": "particle", "double-eos": "eos" };

/** Stacked bars: for each variant and quirk, the examples it touches in each category. */
export function quirkFigure(rows: readonly QuirkCountRow[], title: string): Figure {
  const x = rows.map((r) => `${r.variant}<br>${r.quirk}`);
  return {
    data: CATEGORIES.map((c, i) => ({
      type: "bar",
      name: `${c.category} (${c.english})`,
      x,
      y: rows.map((r) => r[c.category]),
      marker: { color: [...SERIES_COLORS, "#56B4E9"][i % (SERIES_COLORS.length + 1)] },
    })),
    layout: withPrintHints(baseLayout(title, {
      barmode: "stack",
      xaxis: axis("", { type: "category", tickangle: -25 }),
      yaxis: axis("Examples"),
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.06, traceorder: "normal" },
      margin: { l: 70, r: 40, t: 100, b: 170 },
    }), { xaxis: variantTicks(x, (l) => { const [v, q] = l.split("<br>"); return `${shortVariant(v)} ${QUIRK_SHORT[q] ?? q}`; }) }),
  };
}
