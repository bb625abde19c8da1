/** Charts of what refinement does: per-step effects by split. */
import type { RefineStats } from "../refine/refine";
import { STEP_COLUMNS, statsRows } from "../refine/run";
import { axis, baseLayout, SERIES_COLORS, type Figure } from "./figure";

/**
 * Where a zero is drawn on the log axis: a decade below the least count shown (at least 0.1), which is
 * also where the axis starts, so a zero is a bar of no length labelled "0" instead of no bar at all.
 */
export function logFloor(values: readonly number[]): number {
  const positive = values.filter((v) => v > 0);
  return positive.length ? Math.min(0.1, Math.min(...positive) / 10) : 0.1;
}

/**
 * Log-axis ticks from the zeros' floor: the floor is labelled "0" (a log axis has no zero; the
 * zeros' bars have no length there) and each power of ten up to `top` by its value.
 */
export function logTicks(floor: number, top: number): { tickvals: number[]; ticktext: string[] } {
  const tickvals = [floor];
  for (let v = 1; v <= top * 10; v *= 10) if (v > floor) tickvals.push(v);
  return { tickvals, ticktext: tickvals.map((v, i) => (i === 0 ? "0" : v.toLocaleString("en"))) };
}

/** Horizontal grouped bars: utterances each step touched, one bar per split (log scale: steps differ 100-fold; zeros labelled "0" at the axis start, which is ticked "0"). */
export function refineEffectFigure(results: readonly { split: string; stats: RefineStats }[], title = "Utterances each refinement step touched"): Figure {
  const steps = results[0] ? statsRows(results[0].stats).map((r) => String(r.step)) : [];
  const counts = results.map((r) => statsRows(r.stats).map((row) => Number(row[STEP_COLUMNS.utterances])));
  const floor = logFloor(counts.flat());
  const top = Math.max(1, ...counts.flat());
  return {
    data: results.map((r, i) => {
      const rows = statsRows(r.stats);
      return {
        type: "bar",
        orientation: "h",
        name: r.split,
        y: steps,
        x: counts[i].map((v) => (v > 0 ? v : floor)),
        text: rows.map((row) => String(row[STEP_COLUMNS.utterances])),
        hovertemplate: `${r.split}, %{y}: %{text}<extra></extra>`,
        textposition: "outside",
        // Plotly shrinks labels taller than their bar (to 4 pt at print size): keep them at the font size.
        constraintext: "none",
        cliponaxis: false,
        marker: { color: SERIES_COLORS[i % SERIES_COLORS.length] },
      };
    }),
    layout: baseLayout(title, {
      barmode: "group",
      // Pipeline order top to bottom.
      yaxis: axis("", { autorange: "reversed", type: "category" }),
      // From the zeros' floor to past the largest count's label (at the print font too).
      xaxis: axis("Utterances touched (log scale; 0 at the left)", { type: "log", range: [Math.log10(floor), Math.log10(top) + 0.8], tickmode: "array", ...logTicks(floor, top) }),
      bargap: 0.15,
      bargroupgap: 0,
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.06 },
      margin: { l: 190, r: 60, t: 100, b: 70 },
      height: 760,
    }),
  };
}
