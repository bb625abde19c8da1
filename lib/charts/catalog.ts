/**
 * Every chart the workspace draws, by name, for `cci chart NAME`: a table of builders over the
 * default corpus (and, for the voting charts, the CPU members' dev predictions).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadSplit, presentSplits, type Workspace } from "../corpus/locate";
import { SPLITS, type Split } from "../corpus/schema";
import { splitEda } from "../eda/split";
import { refineCorpus } from "../refine/refine";
import { quirkCounts, promptLengths, VARIANT_NAMES } from "../prompts";
import { analyzeEnsemble } from "../analysis/analyze";
import { agreementHeatmapFigure, categoryAccuracyFigure, ensembleSizeFigure } from "../analysis/figures";
import { loadMemberSet } from "../analysis/load";
import { BASELINE_MEMBERS } from "../baseline/members";
import { predictionFile } from "../ensemble/paths";
import { UserError } from "../util/errors";
import { comparisonFigure, edaFigure, EDA_ARTIFACTS, COMPARISON_ARTIFACTS, HISTOGRAMS } from "./eda";
import type { Figure } from "./figure";
import { promptLengthFigure, quirkFigure } from "./prompts";
import { refineEffectFigure } from "./refine";

export interface ChartContext {
  ws: Workspace;
  split: Split;
}

export interface ChartEntry {
  name: string;
  description: string;
  /** Whether --split chooses the data (else the chart covers train, dev and test together, or dev). */
  perSplit: boolean;
  build: (ctx: ChartContext) => Promise<Figure>;
}

const DISTINCT: readonly Split[] = ["train", "dev", "test"];

function splitData(ctx: ChartContext) {
  if (!presentSplits(ctx.ws.data).includes(ctx.split)) throw new UserError(`chart: no ${ctx.split} split in ${ctx.ws.data}`);
  return loadSplit(ctx.ws.data, ctx.split);
}

const corpusOf = (ws: Workspace) => DISTINCT.filter((s) => presentSplits(ws.data).includes(s)).flatMap((s) => loadSplit(ws.data, s));

/** The CPU members' dev predictions and their analysis; one line saying how to get them when missing. */
function devAnalysis(ws: Workspace) {
  const files = BASELINE_MEMBERS.map((m) => predictionFile(ws, m.name, "dev"));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new UserError(`chart: ${missing.length} of ${files.length} CPU members' dev predictions missing (e.g. ${missing[0]}); run \`npx cci baseline run\` first`);
  const set = loadMemberSet(files, join(ws.data, "dev.json"));
  return analyzeEnsemble(set.members, set.gold, set.categories);
}

const DESCRIPTIONS: Record<string, string> = {
  category_distribution: "questions per inference type (count and share)",
  output_distribution: "correct answer positions inference_1..3 (not test)",
  conversation_length_distribution: "turns per conversation, with min/mean/max",
  total_utterance_length_distribution: "characters per conversation, with min/mean/max",
  wordcloud: "the original's word cloud (corpus words: for your own write-up, not to publish the corpus)",
};

export const CHARTS: readonly ChartEntry[] = [
  ...EDA_ARTIFACTS.map((a) => ({
    name: a.name,
    description: DESCRIPTIONS[a.name] ?? a.name,
    perSplit: true,
    build: async (ctx: ChartContext) => {
      try {
        return await edaFigure(a.name, splitEda(ctx.split, splitData(ctx)));
      } catch (err) {
        if (err instanceof RangeError) throw new UserError(`chart: ${err.message}`);
        throw err;
      }
    },
  })),
  ...COMPARISON_ARTIFACTS.map((c) => ({
    name: c.name,
    description: `${HISTOGRAMS[c.kind].name.toLowerCase()}, raw and refined overlaid`,
    perSplit: true,
    build: async (ctx: ChartContext) => {
      const raw = splitData(ctx);
      return comparisonFigure(c.kind, splitEda(ctx.split, raw), splitEda(ctx.split, refineCorpus(raw).examples));
    },
  })),
  {
    name: "refine_steps",
    description: "utterances each refinement step changed, per split (train, dev, test)",
    perSplit: false,
    build: async ({ ws }) =>
      refineEffectFigure(DISTINCT.filter((s) => presentSplits(ws.data).includes(s)).map((split) => ({ split, stats: refineCorpus(loadSplit(ws.data, split)).stats })), "Utterances each refinement step changed"),
  },
  {
    name: "prompt_quirks",
    description: "examples each quirk of the original's prompts touches, by category",
    perSplit: false,
    build: async ({ ws }) => {
      const corpus = corpusOf(ws);
      return quirkFigure(quirkCounts(corpus), `Examples touched by each quirk, by category (${corpus.length} examples)`);
    },
  },
  {
    name: "prompt_lengths",
    description: "prompt length in characters per variant, faithful and fixed mode",
    perSplit: false,
    build: async ({ ws }) => {
      const corpus = corpusOf(ws);
      const byMode = (mode: "faithful" | "fixed") => ({ name: mode, byVariant: VARIANT_NAMES.map((variant) => ({ variant, values: promptLengths(corpus, variant, mode) })) });
      return promptLengthFigure([byMode("faithful"), byMode("fixed")], { title: `Prompt length per variant (${corpus.length} examples)`, unit: "Characters" });
    },
  },
  {
    name: "dev_accuracy_by_category",
    description: "CPU members' and votes' dev accuracy per inference type, with bootstrap intervals",
    perSplit: false,
    build: async ({ ws }) => categoryAccuracyFigure(devAnalysis(ws).accuracy, "Dev accuracy per inference type"),
  },
  {
    name: "member_kappa",
    description: "Cohen's κ between the CPU members on dev",
    perSplit: false,
    build: async ({ ws }) => agreementHeatmapFigure(devAnalysis(ws), "cohenKappa", "Cohen's κ between members (dev)"),
  },
  {
    name: "ensemble_size",
    description: "hard-vote accuracy against ensemble size (greedy selection on dev)",
    perSplit: false,
    build: async ({ ws }) => {
      const a = devAnalysis(ws);
      const best = Math.max(...a.accuracy.filter((r) => r.category === "all" && BASELINE_MEMBERS.some((m) => m.name === r.member)).map((r) => r.estimate));
      return ensembleSizeFigure(a.selection, { bestMember: best, oracle: a.oracle }, "Hard-vote accuracy vs ensemble size (dev)");
    },
  },
];

export const CHART_NAMES = CHARTS.map((c) => c.name);

export function chartEntry(name: string): ChartEntry {
  const c = CHARTS.find((x) => x.name === name);
  if (!c) throw new UserError(`chart: no chart named ${name} (\`cci chart --list\` names them: ${CHART_NAMES.join(", ")})`);
  return c;
}

export function isSplit(s: string): s is Split {
  return (SPLITS as readonly string[]).includes(s);
}

/** The figure without its title (the caption says it in a paper), top margin shrunk to match. */
export function withoutTitle(fig: Figure): Figure {
  const margin = { ...(fig.layout.margin as Record<string, number> | undefined), t: 30 };
  return { ...fig, layout: { ...fig.layout, title: { text: "" }, margin } };
}
