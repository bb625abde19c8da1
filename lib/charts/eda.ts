/**
 * The EDA's charts (SPEC §3) as a table: one entry per artifact, each building a figure from a
 * split's statistics. File names are `{split}_{artifact}`; titles follow the original's.
 */
import { CATEGORY_INFO, type Category, type Split } from "../corpus/schema";
import type { SplitEda } from "../eda/split";
import { labelledBarFigure } from "./bar";
import type { Figure } from "./figure";
import { withPrintHints } from "./print";
import { histogramFigure, overlayHistogramFigure, type HistogramOptions } from "./histogram";
import { layoutWordCloud, wordCloudFigure, type CloudOptions } from "./wordcloud";

export const SPLIT_LABELS: Record<Split, string> = { train: "Train", dev: "Dev", "train+dev": "Train+Dev", test: "Test" };

/** Which corpus a chart shows: the raw files or the refined ones. */
export type Variant = "raw" | "refined";

/** "909 examples": examples (questions), not distinct conversations — several share one. */
export function examplesNote(n: number): string {
  return `${n} example${n === 1 ? "" : "s"}`;
}

/** `Name (Train Data)` as the original, `, refined` for refined data, and a subtitle of sizes. */
export function chartTitle(name: string, split: Split, variant: Variant, n: number, note = ""): string {
  return `${name} (${SPLIT_LABELS[split]} Data${variant === "refined" ? ", refined" : ""})<br><sup>${examplesNote(n)}${note}</sup>`;
}

/** The two per-conversation histograms: turns (bin width 1) and characters (bin width 50). */
export const HISTOGRAMS = {
  conversation_length: { name: "Conversation Length Distribution", binWidth: 1, tickStep: 1, align: "value", xTitle: "Turns per conversation", values: (s: SplitEda) => s.turns },
  total_utterance_length: { name: "Total Utterance Length Distribution", binWidth: 50, tickStep: 100, align: "span", xTitle: "Characters per conversation (Unicode code points)", values: (s: SplitEda) => s.chars },
} as const;

function histogram(kind: keyof typeof HISTOGRAMS, s: SplitEda, variant: Variant): Figure {
  const h = HISTOGRAMS[kind];
  const opts: HistogramOptions = { title: chartTitle(h.name, s.split, variant, s.examples), binWidth: h.binWidth, tickStep: h.tickStep, align: h.align, xTitle: h.xTitle };
  return histogramFigure(h.values(s), opts);
}

function categoryTick(c: string): string {
  const info = CATEGORY_INFO.get(c as Category);
  return info ? `${c}<br>(${info.english})` : c;
}

function categoryFigure(s: SplitEda, variant: Variant): Figure {
  const fig = labelledBarFigure(s.categories, {
    title: chartTitle("Category Distribution", s.split, variant, s.examples),
    xTitle: "Inference type",
    hover: (c) => {
      const info = CATEGORY_INFO.get(c as Category);
      return info ? `${info.officialTerm}: ${info.definition}` : c;
    },
  });
  const tickvals = s.categories.map((r) => r.key);
  const xaxis = { ...(fig.layout.xaxis as object), tickmode: "array", tickvals, ticktext: s.categories.map((r) => categoryTick(r.key)) };
  // At print size the Korean names alone, level (a caption translates them).
  return { ...fig, layout: withPrintHints({ ...fig.layout, xaxis }, { xaxis: { tickvals, ticktext: tickvals } }) };
}

export interface EdaArtifact {
  name: string;
  /** null: this chart does not apply to the split (answers of test). */
  build: (s: SplitEda, variant: Variant, cloud?: CloudOptions) => Figure | null | Promise<Figure | null>;
}

/** The per-split charts, in the original's order. */
export const EDA_ARTIFACTS: readonly EdaArtifact[] = [
  { name: "category_distribution", build: (s, v) => categoryFigure(s, v) },
  {
    name: "output_distribution",
    build: (s, v) => (s.answers ? labelledBarFigure(s.answers, { title: chartTitle("Output Distribution", s.split, v, s.examples), xTitle: "Correct inference" }) : null),
  },
  { name: "conversation_length_distribution", build: (s, v) => histogram("conversation_length", s, v) },
  { name: "total_utterance_length_distribution", build: (s, v) => histogram("total_utterance_length", s, v) },
  {
    name: "wordcloud",
    build: async (s, v, cloud) => wordCloudFigure(await layoutWordCloud(s.words, cloud), chartTitle("Word Cloud", s.split, v, s.examples, ` · ${s.words.length} distinct tokens`), cloud),
  },
];

/** Raw-vs-refined overlays of one split: how refinement shifts turns and lengths. */
export const COMPARISON_ARTIFACTS: readonly { name: string; kind: keyof typeof HISTOGRAMS }[] = [
  { name: "conversation_length_raw_vs_refined", kind: "conversation_length" },
  { name: "total_utterance_length_raw_vs_refined", kind: "total_utterance_length" },
];

export function comparisonFigure(kind: keyof typeof HISTOGRAMS, raw: SplitEda, refined: SplitEda): Figure {
  const h = HISTOGRAMS[kind];
  return overlayHistogramFigure(
    [
      { name: "raw", values: h.values(raw) },
      { name: "refined", values: h.values(refined) },
    ],
    { title: `${h.name}: raw vs refined (${SPLIT_LABELS[raw.split]} Data)<br><sup>${examplesNote(raw.examples)}</sup>`, binWidth: h.binWidth, tickStep: h.tickStep, align: h.align, xTitle: h.xTitle },
  );
}

/** One EDA chart by artifact name (for notebooks): `await edaFigure("wordcloud", train)`. */
export async function edaFigure(name: string, s: SplitEda, variant: Variant = "raw", cloud?: CloudOptions): Promise<Figure> {
  const artifact = EDA_ARTIFACTS.find((a) => a.name === name);
  if (!artifact) throw new RangeError(`no EDA chart ${name} (charts: ${EDA_ARTIFACTS.map((a) => a.name).join(", ")})`);
  const fig = await artifact.build(s, variant, cloud);
  if (!fig) throw new RangeError(`${name} does not apply to ${s.split} (it has no answers)`);
  return fig;
}
