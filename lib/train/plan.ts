/**
 * `cci train plan`: the chosen recipes → run bundles, each with its data, entrypoints, run.json
 * and compute plan. Pure assembly over lib/train's pieces; the CLI adds only options and output.
 */
import { existsSync } from "node:fs";
import { removeEmptyFolder } from "../util/outputs";
import { join, relative } from "node:path";
import type { Mode } from "../prompts";
import type { LoadedTokenizer, LoadOptions } from "../tokenize/load";
import { UserError } from "../util/errors";
import { progress } from "../util/progress";
import { checkReplaceable, commitBundles, discardBundles, lockRunsDir, stageBundle, tokenizerInfo, type Engine, type RunJson, type Selected, type StagedBundle, type TokenizerInfo, type BundleInput } from "./bundle";
import { checkOutputFolder, makeDirs } from "../util/output-rule";
import { assumptions, computePlan, explainSchedule, type ComputePlan } from "./compute";
import type { AdapterDtype } from "./adapter-dtype";
import type { Calibration } from "./steptime";
import { corpusFor, countedSplit, estimatedSplit, tokenizedSplit, type Corpus, type SplitData } from "./data";
import type { TokenCountCache } from "../tokenize/count-cache";
import { modelShape } from "./models";
import { DEFAULT_EOS } from "../prompts";
import { bundleReadme } from "./readme";
import { TRL_DATA_DIR, trlRows, trlYaml } from "./trl";
import { TRL_CONFIG } from "./bundle";
import type { RefineRule } from "../refine/rules";
import type { VariantRecord } from "../variant/variant";
import type { CorpusRecord } from "../variant/manifest";
import { LEGACY_TEMPLATE_FILE } from "../tokenize/legacy-templates";
import { offlineTokenizerHint } from "../env/hub";

/** The entrypoint folders every bundle carries (notes: CONTRACT-runs): training, and scoring when present. */
export function entrypointDirs(root: string): string[] {
  return [join(root, "lib", "train", "python"), join(root, "lib", "infer", "python")];
}

export interface PlanOptions {
  runsDir: string;
  mode: Mode;
  engine: Engine;
  /** Entrypoint folders copied into every bundle. */
  entrypoints: string[];
  force?: boolean;
  /** Tokenizer for a model id, or null to estimate. */
  tokenizerFor?: (modelId: string) => Promise<{ tok: LoadedTokenizer; info: TokenizerInfo } | null>;
  /** Step-time figures (`--calibration FILE`); default the shipped H200 measurement. */
  calibration?: Calibration;
  /** `--base-model DIR`: load the base from this folder (run.json's model_id) instead of the recipe's Hub id. */
  baseModel?: string;
  /** `--lr`: the recipe's learning rate replaced (experiments, the real-library test). */
  lr?: number;
  /** The variant's rule table refines the refined recipes' data (default: the faithful nine). */
  rules?: readonly RefineRule[];
  /** A corpus already refined (a `cci refine` folder): the refined recipes read it as is. */
  refined?: Corpus;
  /** Provenance recorded in every run.json: the variant and the corpus files each recipe read. */
  provenance?: { variant: VariantRecord; raw?: CorpusRecord; refined?: CorpusRecord };
  /** `--adapter-dtype`: the LoRA weights' dtype (default the original's, lib/train/adapter-dtype.ts). */
  adapterDtype?: AdapterDtype;
}

/**
 * The recipe as the bundle runs it, with the plan's overrides. The compute plan and the
 * per-model tokenizer lookup keep the recipe's own model id (its architecture facts).
 */
export function withOverrides(sel: Selected, opts: Pick<PlanOptions, "baseModel" | "lr">): Selected {
  if (opts.baseModel === undefined && opts.lr === undefined) return sel;
  return { ...sel, recipe: { ...sel.recipe, ...(opts.baseModel !== undefined ? { model_id: opts.baseModel } : {}), ...(opts.lr !== undefined ? { learning_rate: opts.lr } : {}) } };
}

export interface Planned {
  dir: string;
  run: RunJson;
  plan: ComputePlan;
}

/**
 * `--tokenizer DIR`: a tokenizer folder used for every model, or a folder holding one per model
 * id (`DIR/beomi/Solar-Ko-Recovery-11B/tokenizer.json`).
 */
export function tokenizerDirFor(dir: string, modelId: string): string {
  if (existsSync(join(dir, "tokenizer.json"))) return dir;
  const per = join(dir, modelId);
  if (existsSync(join(per, "tokenizer.json"))) return per;
  throw new UserError(`--tokenizer ${dir}: no tokenizer.json there nor in ${join(dir, modelId)} (\`cci train fetch --tokenizers-only\` fetches it; ${offlineTokenizerHint(dir)})`);
}

/** A loader that loads each tokenizer folder once. */
export function tokenizerLoader(dir: string, load: LoadOptions = {}): PlanOptions["tokenizerFor"] {
  const cache = new Map<string, Promise<{ tok: LoadedTokenizer; info: TokenizerInfo }>>();
  return async (modelId) => {
    const d = tokenizerDirFor(dir, modelId);
    if (!cache.has(d)) {
      cache.set(
        d,
        (async () => {
          const { loadTokenizer } = await import("../tokenize/load");
          const tok = await loadTokenizer(d, load);
          return { tok, info: tokenizerInfo(d, relative(process.cwd(), d) || ".") };
        })(),
      );
    }
    return cache.get(d)!;
  };
}

export interface RecipeData {
  selected: Selected;
  splits: { train: SplitData; dev: SplitData };
  eos: string;
  tokenizer: TokenizerInfo | null;
  plan: ComputePlan;
  /** The legacy template the rows were rendered with (`--template legacy` on a folder without one), for the bundle. */
  legacyTemplate: string | null;
}

/** One recipe's rows, tokens and compute plan, without writing anything. */
export async function prepareRecipe(sel: Selected, raw: Corpus, opts: Pick<PlanOptions, "mode" | "tokenizerFor" | "calibration" | "rules" | "refined"> & Partial<Pick<PlanOptions, "engine" | "adapterDtype">> & CountOptions, refinedCache: Map<string, Corpus> = new Map()): Promise<RecipeData> {
  const r = sel.recipe;
  const corpus = corpusFor(raw, r.data, refinedCache, opts.rules, opts.refined);
  // Counts only (charts): from the token-count cache, which loads the tokenizer only for what it lacks.
  const counts = opts.countsFor ? opts.countsFor(r.model_id) : null;
  if (counts) {
    const splits = { train: await countedSplit(counts, corpus.train, r.dataset, opts.mode), dev: await countedSplit(counts, corpus.dev, r.dataset, opts.mode) };
    return { selected: sel, splits, eos: await counts.eosToken(), tokenizer: null, plan: computePlan(r, splits.train, splits.dev, opts.calibration, { engine: opts.engine, adapterDtype: opts.adapterDtype }), legacyTemplate: null };
  }
  const loaded = opts.tokenizerFor ? await opts.tokenizerFor(r.model_id) : null;
  const bar = loaded ? progress(`tokenize ${sel.index}`, corpus.train.length + corpus.dev.length) : null;
  const split = (examples: Corpus["train"]): SplitData =>
    loaded ? tokenizedSplit(loaded.tok, examples, r.dataset, opts.mode, () => bar?.tick()) : estimatedSplit(examples, r.dataset, opts.mode, modelShape(r.model_id).chars_per_token);
  const splits = { train: split(corpus.train), dev: split(corpus.dev) };
  bar?.done();
  const legacyTemplate = loaded && loaded.tok.templateSource.startsWith("legacy") ? loaded.tok.chatTemplate : null;
  return { selected: sel, splits, eos: loaded ? loaded.tok.eosToken : DEFAULT_EOS, tokenizer: loaded?.info ?? null, plan: computePlan(r, splits.train, splits.dev, opts.calibration, { engine: opts.engine, adapterDtype: opts.adapterDtype }), legacyTemplate };
}

/** Plans that are only charted: counts from a token-count cache per model id (no token ids kept, no tokenizer loaded when all are cached). */
export interface CountOptions {
  countsFor?: (modelId: string) => TokenCountCache;
  /** Told as each recipe starts (progress lines). */
  onRecipe?: (sel: Selected) => void;
}

/** Compute plans of several recipes (the notebook's table), nothing written. */
export async function computePlans(selected: readonly Selected[], raw: Corpus, opts: Pick<PlanOptions, "mode" | "tokenizerFor" | "calibration" | "rules" | "refined"> & Partial<Pick<PlanOptions, "engine" | "adapterDtype">> & CountOptions): Promise<{ index: number; plan: ComputePlan }[]> {
  const cache = new Map<string, Corpus>();
  const out: { index: number; plan: ComputePlan }[] = [];
  for (const sel of selected) {
    opts.onRecipe?.(sel);
    out.push({ index: sel.index, plan: (await prepareRecipe(sel, raw, opts, cache)).plan });
  }
  return out;
}

/**
 * Plan the recipes into bundles, all or nothing: every bundle is staged beside its place first,
 * then all are moved in together (an old bundle is replaced only once every new one is ready);
 * one planner per runs folder at a time. `onRecipe` is told of each once all are in place.
 */
export async function planRecipes(selected: readonly Selected[], raw: Corpus, opts: PlanOptions, onRecipe: (p: Planned) => void = () => {}): Promise<Planned[]> {
  checkOutputFolder(opts.runsDir);
  // Each recipe's corpus: the raw one, or the refined one (given already refined, or refined here).
  const reads = new Set(selected.map((s) => (s.recipe.data === "refined" && opts.refined ? "refined" : "raw")));
  for (const which of reads) {
    const c = which === "refined" ? opts.refined! : raw;
    for (const split of ["train", "dev"] as const)
      if (c[split].length === 0) throw new UserError(`${split}.json: no examples; a training run needs a labelled ${split} split (${split === "dev" ? "evaluated every epoch" : "the rows it trains on"})`);
  }
  // Refused before any work: a folder that is no bundle, a run still training, a started run without --force.
  for (const sel of selected) checkReplaceable(join(opts.runsDir, sel.recipe.name), opts.force);
  const refinedCache = new Map<string, Corpus>();
  const made = makeDirs(opts.runsDir);
  const unlock = lockRunsDir(opts.runsDir);
  const staged: StagedBundle[] = [];
  const out: Planned[] = [];
  try {
    for (const recipeSel of selected) {
      const { splits, eos, tokenizer, plan, legacyTemplate } = await prepareRecipe(recipeSel, raw, opts, refinedCache);
      const sel = withOverrides(recipeSel, opts);
      const r = sel.recipe;
      // A bundle of 0 rows trains nothing: say so now, not on the GPU machine.
      for (const split of ["train", "dev"] as const) {
        const kept = splits[split].rows.length - splits[split].dropped.length;
        if (kept <= 0) throw new UserError(`recipe ${sel.index} (${r.name}): ${split}: no rows left (${splits[split].rows.length} rows, ${splits[split].dropped.length} dropped by the length rule); nothing to train on`);
      }
      const tokenized = splits.train.tokens !== null;
      const extra: Record<string, string> = {
        "compute.json": `${JSON.stringify({ ...plan, explanation: explainSchedule(plan.schedule), assumptions: assumptions(plan.counted, opts.calibration) }, null, 2)}\n`,
        "README.md": bundleReadme(sel, opts.engine, plan, tokenized),
      };
      // train.py hands it to a tokenizer without a template: the ids it trains on are the ones bundled.
      if (legacyTemplate !== null) extra[LEGACY_TEMPLATE_FILE] = legacyTemplate;
      if (opts.engine === "trl") {
        extra[TRL_CONFIG] = trlYaml(r, tokenized);
        extra[`${TRL_DATA_DIR}/train.jsonl`] = trlRows(splits.train, eos);
        extra[`${TRL_DATA_DIR}/dev.jsonl`] = trlRows(splits.dev, eos);
      }
      const provenance: BundleInput["provenance"] = opts.provenance
        ? { variant: opts.provenance.variant, corpus: { data: r.data, refined_by: r.data === "raw" ? null : opts.refined ? "cci refine" : "train plan", files: r.data === "refined" && opts.provenance.refined ? opts.provenance.refined : opts.provenance.raw ?? null } }
        : undefined;
      const s = stageBundle(opts.runsDir, { selected: sel, mode: opts.mode, engine: opts.engine, adapterDtype: opts.adapterDtype, eos, splits, tokenizer, entrypoints: opts.entrypoints, extra, provenance }, opts.force);
      staged.push(s);
      out.push({ dir: s.dir, run: s.run, plan });
    }
    commitBundles(staged, opts.force);
  } catch (err) {
    discardBundles(staged);
    unlock();
    // The folders this plan made, when nothing else landed in them.
    for (const d of made.reverse()) removeEmptyFolder(d); // not empty: left
    throw err;
  }
  unlock();
  out.forEach(onRecipe);
  return out;
}
