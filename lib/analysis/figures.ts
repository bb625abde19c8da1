/**
 * Plotly figures of the ensemble analysis: pure data → `{data, layout}` in the shared chart
 * style (lib/charts/figure), shown in notebooks with lib/charts/notebook's `showFigure`.
 */
import { CATEGORY_INFO, type Category } from "../corpus/schema";
import { axis, baseLayout, SERIES_COLORS, type Figure, type PlotlyObject } from "../charts/figure";
import { withPrintHints } from "../charts/print";
import type { AccuracyRow, AgreementAnalysis } from "./analyze";
import type { SelectionStep } from "./selection";

const CHANCE = 1 / 3;
const MORE_COLORS = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"];
const color = (i: number) => [...SERIES_COLORS, ...MORE_COLORS][i % (SERIES_COLORS.length + MORE_COLORS.length)];

/**
 * A dashed horizontal line across the plot at `y`, drawn above the bars, labelled at the right:
 * inside the plot (on a white backing), or in the right margin (`outside`, which needs room there).
 */
function hline(y: number, label: string, colour = "#888", outside = false): { shape: PlotlyObject; annotation: PlotlyObject } {
  return {
    shape: { type: "line", xref: "paper", x0: 0, x1: 1, y0: y, y1: y, layer: "above", line: { color: colour, dash: "dash", width: 1.5 } },
    annotation: outside
      ? { xref: "paper", x: 1, y, xanchor: "left", yanchor: "middle", xshift: 6, text: label, showarrow: false, font: { color: colour, size: 12 } }
      : { xref: "paper", x: 1, y, xanchor: "right", yanchor: "bottom", text: label, showarrow: false, bgcolor: "rgba(255,255,255,0.85)", font: { color: colour, size: 12 } },
  };
}

/**
 * The colour scale of every agreement heatmap (share of identical answers, Cohen's κ): ColorBrewer
 * Blues, white at 0 and darker as members answer more alike, dark blue at 1. (Plotly's named
 * "Blues" runs the other way: dark at 0.)
 */
export const AGREEMENT_COLORSCALE: readonly [number, string][] = [
  [0, "#f7fbff"],
  [0.125, "#deebf7"],
  [0.25, "#c6dbef"],
  [0.375, "#9ecae1"],
  [0.5, "#6baed6"],
  [0.625, "#4292c6"],
  [0.75, "#2171b5"],
  [0.875, "#08519c"],
  [1, "#08306b"],
];

/** Pairwise agreement (share of same answers) or Cohen's kappa as an annotated heatmap, on one scale (0 white, 1 dark blue). */
export function agreementHeatmapFigure(a: AgreementAnalysis, metric: "agreement" | "cohenKappa", title: string): Figure {
  const z = a[metric];
  const n = a.names.length;
  const size = Math.max(520, 160 + 60 * n);
  const long = a.names.some((m) => m.length > 24);
  const numbered = { tickmode: "array", tickvals: a.names, ticktext: a.names.map((_, i) => String(i + 1)) };
  return {
    data: [
      {
        type: "heatmap",
        x: a.names,
        y: a.names,
        z,
        // One scale for both measures: white at 0 (no agreement; for κ, no more than chance, and
        // below it), dark blue at 1 (all answers alike). Negative κ is as white as 0; its cell says it.
        zmin: 0,
        zmax: 1,
        colorscale: AGREEMENT_COLORSCALE,
        text: z.map((row) => row.map((v) => (Number.isFinite(v) ? v.toFixed(2) : "–"))),
        texttemplate: "%{text}",
        hovertemplate: "%{y} vs %{x}: %{text}<extra></extra>",
        colorbar: { title: { text: metric === "agreement" ? "agreement" : "κ" } },
        xgap: 1,
        ygap: 1,
      },
    ],
    layout: withPrintHints(
      baseLayout(title, {
        width: size + 240,
        height: size,
        xaxis: { automargin: true, tickangle: -35 },
        yaxis: { automargin: true, autorange: "reversed" },
      }),
      // At print size long names (the recipes') become their numbers, in the order given.
      long ? { xaxis: numbered, yaxis: { ...numbered, autorange: "reversed" } } : {},
    ),
  };
}

/** Accuracy per category (and overall) of each member, with bootstrap intervals and the chance line. */
export function categoryAccuracyFigure(rows: readonly AccuracyRow[], title: string, members?: readonly string[]): Figure {
  const names = members ?? [...new Set(rows.map((r) => r.member))];
  const cats = [...new Set(rows.map((r) => r.category))];
  const label = (c: Category | "all") => (c === "all" ? "all" : `${c}<br>(${CATEGORY_INFO.get(c)!.english})`);
  // Horizontal: categories down the page, the members' bars side by side within each, so that a
  // paper's column (3.5 in) holds 9 members × 6 categories with the labels level.
  const chance = vline(CHANCE, "chance 33 %", "#444");
  return {
    data: names.map((m, i) => {
      const mine = cats.map((c) => rows.find((r) => r.member === m && r.category === c));
      return {
        type: "bar",
        orientation: "h",
        name: m,
        y: cats.map(label),
        x: mine.map((r) => r?.estimate ?? null),
        error_x: { type: "data", symmetric: false, array: mine.map((r) => (r ? r.high - r.estimate : 0)), arrayminus: mine.map((r) => (r ? r.estimate - r.low : 0)), thickness: 1, width: 2 },
        customdata: mine.map((r) => (r ? [r.low, r.high, r.n] : [null, null, 0])),
        hovertemplate: `${m}<br>%{y}: %{x:.1%} (95 % CI %{customdata[0]:.1%}–%{customdata[1]:.1%}, n = %{customdata[2]})<extra></extra>`,
        marker: { color: color(i) },
      };
    }),
    layout: withPrintHints(baseLayout(title, {
      barmode: "group",
      bargap: 0.18,
      bargroupgap: 0,
      // Pipeline order top to bottom ("all" first), the members in legend order within each group.
      yaxis: axis("", { type: "category", autorange: "reversed", tickangle: 0 }),
      xaxis: axis("accuracy (95 % bootstrap CI); dashed: chance, 33 %", { range: [0, 1.05], tickformat: ".0%" }),
      shapes: [chance.shape],
      annotations: [chance.annotation],
      legend: { orientation: "h", y: -0.1, yanchor: "top", x: 0, traceorder: "normal", itemwidth: 30, tracegroupgap: 0 },
      height: 1000,
      margin: { l: 150, r: 30, t: 80, b: 160 },
      // At print size the Korean names alone (a caption translates them).
      // The chance line's label would meet the title above a short plot: the axis title names it.
    }), { yaxis: { tickmode: "array", tickvals: cats.map(label), ticktext: cats.map(String), autorange: "reversed" }, annotations: [] as unknown as PlotlyObject }),
  };
}

/** A dashed vertical line at `x` from bottom to top, labelled above the plot. */
function vline(x: number, label: string, colour = "#888"): { shape: PlotlyObject; annotation: PlotlyObject } {
  return {
    shape: { type: "line", yref: "paper", y0: 0, y1: 1, x0: x, x1: x, layer: "above", line: { color: colour, dash: "dash", width: 1.5 } },
    annotation: { yref: "paper", y: 1, x, xanchor: "center", yanchor: "bottom", text: label, showarrow: false, font: { color: colour, size: 12 } },
  };
}

/** Hard-vote accuracy as greedy forward selection adds members, against the best member, the oracle and chance. */
export function ensembleSizeFigure(steps: readonly SelectionStep[], refs: { bestMember: number; oracle: number }, title: string): Figure {
  const lines = [hline(refs.oracle, `oracle (any member right) ${(100 * refs.oracle).toFixed(1)} %`, SERIES_COLORS[2]), hline(refs.bestMember, `best member ${(100 * refs.bestMember).toFixed(1)} %`, SERIES_COLORS[1]), hline(CHANCE, "chance 33 %")];
  return {
    data: [
      {
        type: "scatter",
        mode: "lines+markers",
        x: steps.map((s) => s.size),
        y: steps.map((s) => s.accuracy),
        text: steps.map((s) => `+${s.added}`),
        hovertemplate: "%{x} members: %{y:.1%}<br>%{text}<extra></extra>",
        marker: { color: SERIES_COLORS[0], size: 8 },
        line: { color: SERIES_COLORS[0] },
        name: "hard vote of the selected members",
      },
    ],
    layout: withPrintHints(baseLayout(title, {
      // Each step's added member under its tick: labels that never overlap, at any width.
      xaxis: axis("members in the vote (greedy forward selection: the member each step adds)", {
        range: [0.5, steps.length + 0.5],
        tickvals: steps.map((s) => s.size),
        ticktext: steps.map((s) => `${s.size}<br><span style="font-size:11px">+${s.added}</span>`),
      }),
      yaxis: axis("hard-vote accuracy", { range: [0, 1.05], tickformat: ".0%" }),
      shapes: lines.map((l) => l.shape),
      annotations: lines.map((l) => l.annotation),
      showlegend: false,
      margin: { l: 70, r: 40, t: 80, b: 100 },
    }), { yaxis: { range: [0, 1.15] } }), // room above 100 % for a reference line's label in a short plot
  };
}
