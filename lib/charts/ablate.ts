/**
 * The ablation chart: each variant's paired difference in accuracy to the faithful corpus, with
 * its 95 % interval, one marker per member (or vote) that can change — a forest plot, so an
 * interval that crosses the zero line reads at once as "within noise".
 */
import type { AblationResult } from "../ablate/ablate";
import { axis, baseLayout, SERIES_COLORS, type Figure } from "./figure";

/** The design in a few words, for the title's second line. */
function shortDesign(r: AblationResult): string {
  const d = r.design;
  if (d.kind === "kfold") return `${d.folds}-fold cross-validation over train+dev, ${d.examples} examples`;
  return r.rows.some((x) => x.reads === "predictions") ? `paired prediction files, ${d.examples} examples` : `train → dev, ${d.examples} examples`;
}

export function ablationFigure(result: AblationResult, title?: string): Figure {
  const rows = result.rows.filter((r) => r.reads !== "raw");
  const variants = [...new Set(rows.map((r) => r.variant))];
  const members = [...new Set(rows.map((r) => r.member))];
  const span = Math.max(0.01, ...rows.flatMap((r) => [Math.abs(r.low), Math.abs(r.high)]));
  const proxy = result.rows.some((r) => r.reads === "refined");
  return {
    data: members.map((m, i) => {
      const mine = variants.map((v) => rows.find((r) => r.variant === v && r.member === m));
      return {
        type: "scatter",
        mode: "markers",
        name: m,
        orientation: "h",
        y: variants,
        x: mine.map((r) => (r ? 100 * r.diff : null)),
        error_x: { type: "data", symmetric: false, array: mine.map((r) => (r ? 100 * (r.high - r.diff) : 0)), arrayminus: mine.map((r) => (r ? 100 * (r.diff - r.low) : 0)), thickness: 1.2, width: 3 },
        customdata: mine.map((r) => (r ? [100 * r.low, 100 * r.high, r.mcnemarP, r.verdict] : [null, null, null, ""])),
        hovertemplate: `${m}<br>%{y}: %{x:+.1f} pts (95 % CI %{customdata[0]:+.1f} … %{customdata[1]:+.1f}; McNemar p %{customdata[2]:.3f}; %{customdata[3]})<extra></extra>`,
        marker: { color: SERIES_COLORS[i % SERIES_COLORS.length], size: 8, symbol: ["circle", "diamond", "square", "triangle-up"][i % 4] },
        // Members side by side within a variant's row.
        offsetgroup: m,
      };
    }),
    layout: baseLayout(title ?? `Accuracy vs the faithful corpus${proxy ? ": CPU members, a proxy (not the LLMs)" : ""}<br>${shortDesign(result)}`, {
      scattermode: "group",
      yaxis: axis("", { type: "category", autorange: "reversed" }),
      xaxis: axis("Difference in accuracy, points (95 % paired-bootstrap interval)", { range: [-105 * span, 105 * span], zeroline: true, zerolinecolor: "#444", zerolinewidth: 1.5 }),
      legend: { orientation: "h", x: 0.5, xanchor: "center", y: -0.14, yanchor: "top" },
      margin: { l: 230, r: 40, t: 100, b: 120 },
      height: Math.max(420, 140 + 48 * variants.length),
    }),
  };
}
