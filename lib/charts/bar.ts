/** Bar charts labelled with count and percentage, as the original's `plot_distribution`. */
import type { CountRow } from "../eda/stats";
import { axis, baseLayout, SERIES_COLORS, type Figure } from "./figure";
import { withPrintHints } from "./print";

export interface BarOptions {
  title: string;
  xTitle?: string;
  yTitle?: string;
  /** Hover text per key (e.g. the category's official term). */
  hover?: (key: string) => string;
}

/** `count` over `percent%` above each bar (percent to 2 decimals, as the original). */
export function barLabel(row: CountRow): string {
  return `${row.count}<br>${row.percent.toFixed(2)}%`;
}

export function labelledBarFigure(rows: readonly CountRow[], opts: BarOptions): Figure {
  const top = Math.max(1, ...rows.map((r) => r.count));
  return {
    data: [
      {
        type: "bar",
        x: rows.map((r) => r.key),
        y: rows.map((r) => r.count),
        text: rows.map(barLabel),
        textposition: "outside",
        // Plotly shrinks a label wider than its bar (under 8 pt at print size on the real corpus's counts): keep the font size.
        constraintext: "none",
        cliponaxis: false,
        marker: { color: SERIES_COLORS[0] },
        hovertext: rows.map((r) => (opts.hover ? opts.hover(r.key) : r.key)),
        hovertemplate: "%{hovertext}<br>%{y} (%{customdata:.2f}%)<extra></extra>",
        customdata: rows.map((r) => r.percent),
      },
    ],
    layout: withPrintHints(
      baseLayout(opts.title, {
        xaxis: axis(opts.xTitle ?? "", { type: "category" }),
        // Headroom for the two-line labels above the tallest bar.
        yaxis: axis(opts.yTitle ?? "Count", { range: [0, top * 1.18] }),
        showlegend: false,
        bargap: 0.35,
      }),
      // A short plot at print size: the labels' two lines need more of it.
      { yaxis: { range: [0, top * 1.5] } },
    ),
  };
}
