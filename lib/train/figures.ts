/** Figures of the training stage: the compute plan per recipe, and loss curves from metrics.jsonl. */
import { axis, baseLayout, SERIES_COLORS, type Figure } from "../charts/figure";
import { withPrintHints } from "../charts/print";
import { GPUS, type ComputePlan } from "./compute";
import type { MetricsLine } from "./status";

/** Short label of a recipe: its number and name without the data prefix clutter. */
const label = (index: number, name: string) => `${index}. ${name.replace(/Dataset-/, " · ").replace(/-(Q?LoRA)_/, " $1 ")}`;

/**
 * Bars over the eleven recipes: long category labels below, legend on top. At print size the
 * ticks are the recipes' numbers (the recipe table names them).
 */
function recipeBarsLayout(title: string, barmode: "group" | "stack", yTitle: string, plans: readonly { index: number; plan: ComputePlan }[]) {
  const x = plans.map((p) => label(p.index, p.plan.name));
  return withPrintHints(baseLayout(title, {
    barmode,
    xaxis: axis("", { type: "category", tickangle: -30, automargin: true }),
    yaxis: axis(yTitle, { rangemode: "tozero", automargin: true }),
    legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.02, yanchor: "bottom" },
    margin: { l: 70, r: 40, t: 140, b: 220 },
  }), { xaxis: { tickmode: "array", tickvals: x, ticktext: plans.map((p) => String(p.index)), title: { text: "recipe (numbered as in the recipe table)" } } });
}

/** GPU-hours per recipe on each GPU (grouped bars) — the step-time model. */
export function gpuHoursFigure(plans: readonly { index: number; plan: ComputePlan }[], title: string): Figure {
  return {
    data: Object.keys(GPUS).map((g, i) => ({
      type: "bar",
      name: g,
      x: plans.map((p) => label(p.index, p.plan.name)),
      y: plans.map((p) => +p.plan.gpuHours[g as keyof typeof GPUS].toFixed(3)),
      text: plans.map((p) => p.plan.gpuHours[g as keyof typeof GPUS].toFixed(2)),
      textposition: "outside",
      marker: { color: SERIES_COLORS[i] },
    })),
    layout: recipeBarsLayout(title, "group", "GPU-hours (step-time model)", plans),
  };
}

/** Estimated peak memory per recipe, stacked by component, against the A100's 40 GB. */
export function memoryFigure(plans: readonly { index: number; plan: ComputePlan }[], title: string): Figure {
  const parts = [
    ["weights", "weightsGiB"],
    ["LoRA weights + gradients", "loraGiB"],
    ["AdamW state", "optimizerGiB"],
    ["activations (longest example)", "activationsGiB"],
    ["overhead", "overheadGiB"],
  ] as const;
  const x = plans.map((p) => label(p.index, p.plan.name));
  const a100 = GPUS["A100-40GB"].memoryGiB;
  return {
    data: [
      ...parts.map(([name, key], i) => ({
        type: "bar",
        name,
        x,
        y: plans.map((p) => +p.plan.memory[key].toFixed(2)),
        marker: { color: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"][i] },
      })),
    ],
    layout: {
      ...recipeBarsLayout(title, "stack", "GiB (estimate)", plans),
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: a100, y1: a100, line: { color: "black", dash: "dash", width: 2 } }],
      annotations: [{ xref: "paper", x: 1, y: a100, xanchor: "right", yanchor: "bottom", text: `A100 40GB: ${a100} GiB`, showarrow: false }],
    },
  };
}

/** Training loss per step and evaluation loss per epoch, one colour per run. */
export function lossFigure(runs: readonly { name: string; metrics: readonly MetricsLine[] }[], title: string): Figure {
  const data = runs.flatMap((r, i) => {
    const color = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79"][i % 11];
    const steps = r.metrics.filter((m) => typeof m.loss === "number");
    const evals = r.metrics.filter((m) => typeof m.eval_loss === "number");
    return [
      { type: "scatter", mode: "lines", name: `${r.name} (train)`, x: steps.map((m) => m.step), y: steps.map((m) => m.loss), line: { color } },
      { type: "scatter", mode: "lines+markers", name: `${r.name} (eval)`, x: evals.map((m) => m.step), y: evals.map((m) => m.eval_loss), line: { color, dash: "dot" } },
    ];
  });
  return {
    data,
    layout: baseLayout(title, {
      xaxis: axis("optimizer step"),
      yaxis: axis("loss", { rangemode: "tozero" }),
      legend: { orientation: "v", font: { size: 10 } },
    }),
  };
}

/** Per recipe: the H200 measurement's training hours, the plan's (bf16, and with the 4-bit factor), the old 6·N·T and the fast engine's expectation. */
export function timeFigure(plans: readonly { index: number; plan: ComputePlan }[], measured: Record<string, { train_h: number }>, title: string): Figure {
  const x = plans.map((p) => label(p.index, p.plan.name));
  const series: [string, (p: ComputePlan) => number | null][] = [
    ["probe projection, H200 micro-steps × 2,816 (bf16)", (p) => measured[p.name]?.train_h ?? null],
    ["plan, bf16", (p) => p.time.trainS / p.time.fourBitFactor / 3600],
    ["plan, as launched (4-bit × 1.5)", (p) => p.time.trainS / 3600],
    ["old 6·N·T at 30 % (H100)", (p) => p.flopHours["H100-80GB"]],
    ["fast engine (expected)", (p) => (p.time.fastTrainS === null ? null : p.time.fastTrainS / 3600)],
  ];
  const colors = ["#222222", "#1f77b4", "#aec7e8", "#d62728", "#2ca02c"];
  return {
    data: series.map(([name, f], i) => ({ type: "bar", name, x, y: plans.map((p) => { const v = f(p.plan); return v === null ? null : +v.toFixed(3); }), marker: { color: colors[i] } })),
    layout: recipeBarsLayout(title, "group", "training hours (H200 unless named)", plans),
  };
}

/** Wall hours on 1/4/8 GPUs: batch 1 against the fast engine's expectation. */
export function wallFigure(rows: readonly Record<string, string | number>[], title: string): Figure {
  const x = rows.map((r) => `${r["H200 GPUs"]} GPU${r["H200 GPUs"] === 1 ? "" : "s"}`);
  return {
    data: [
      { type: "bar", name: "batch 1 (faithful, modern)", x, y: rows.map((r) => r["batch 1 (faithful, modern) wall h"]), text: rows.map((r) => String(r["batch 1 (faithful, modern) wall h"])), textposition: "outside", marker: { color: SERIES_COLORS[0] } },
      { type: "bar", name: "fast engine (expected)", x, y: rows.map((r) => r["fast engine wall h (expected)"]), text: rows.map((r) => String(r["fast engine wall h (expected)"])), textposition: "outside", marker: { color: SERIES_COLORS[2] } },
    ],
    layout: baseLayout(title, { barmode: "group", xaxis: axis("", { type: "category" }), yaxis: axis("wall hours, downloads included", { rangemode: "tozero" }), legend: { orientation: "h", x: 0.5, xanchor: "center", y: 1.02, yanchor: "bottom" } }),
  };
}
