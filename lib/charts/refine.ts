/** Charts of what refinement does: per-step effects by split. */
import type { RefineStats } from "../refine/refine";
import { STEP_COLUMNS, statsRows } from "../refine/run";
import { axis, baseLayout, SERIES_COLORS, type Figure } from "./figure";

/** Horizontal grouped bars: utterances each step touched, one bar per split (log scale: steps differ 100-fold). */
export function refineEffectFigure(results: readonly { split: string; stats: RefineStats }[], title = "Utterances each refinement step touched"): Figure {
  const steps = results[0] ? statsRows(results[0].stats).map((r) => String(r.step)) : [];
  return {
    data: results.map((r, i) => {
      const rows = statsRows(r.stats);
      return {
        type: "bar",
        orientation: "h",
        name: r.split,
        y: steps,
        x: rows.map((row) => row[STEP_COLUMNS.utterances]),
        text: rows.map((row) => String(row[STEP_COLUMNS.utterances])),
        textposition: "outside",
        cliponaxis: false,
        marker: { color: SERIES_COLORS[i % SERIES_COLORS.length] },
      };
    }),
    layout: baseLayout(title, {
      barmode: "group",
      // Pipeline order top to bottom.
      yaxis: axis("", { autorange: "reversed", type: "category" }),
      xaxis: axis("Utterances touched (log scale)", { type: "log" }),
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.06 },
      margin: { l: 190, r: 60, t: 100, b: 70 },
      height: 760,
    }),
  };
}
