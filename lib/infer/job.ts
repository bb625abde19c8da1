/**
 * What `cci predict` scores, settled once before any backend runs: the recipe (from its run
 * bundle) or a variant with a tokenizer, the split, the prompts' token ids and the answer ids,
 * and where the prediction goes.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defaultWorkspace, type Workspace } from "../corpus/locate";
import { loadCorpus } from "../corpus/load";
import type { Example } from "../corpus/schema";
import { predictionFile } from "../ensemble/paths";
import type { Mode, VariantName } from "../prompts/variants";
import { RECIPES } from "../train/recipes";
import { UserError } from "../util/errors";
import { bundleTokenizerDir, checkAgainstTrainingTokens, readBundle, type RunBundle } from "./bundle";
import { answerIdList, scoreInputs, type PromptSpec, type ScoreInput } from "./inputs";
import { promptsHash } from "./journal";
import { FAITHFUL_VARIANT, variantContentDigest, variantFromRecord, type Variant, type VariantRecord } from "../variant/variant";

export const PREDICT_SPLITS = ["dev", "test"] as const;
export type PredictSplit = (typeof PREDICT_SPLITS)[number];

export interface JobRequest {
  recipe?: string;
  variant?: VariantName;
  mode?: Mode;
  data?: "raw" | "refined";
  /** Tokenizer folder; with --recipe, overrides the bundle's. */
  tokenizer?: string;
  /** Prediction name without a recipe (default: the variant). */
  name?: string;
  split: PredictSplit;
  /** Corpus folder holding {split}.json (default: the workspace's). */
  dataDir?: string;
  /** Results folder (default: the workspace's); the prediction goes to predictions[/dev]/{name}.json. */
  resultsDir?: string;
  out?: string;
  runsDir: string;
  /** "legacy": a tokenizer without a template renders with transformers 4.41's class default (without it, such a tokenizer is refused). */
  template?: "legacy";
  /** The refinement variant the flags asked for (--rules, --disable, …); with --recipe it must match the bundle's. */
  refine?: Variant;
}

export interface PredictJob {
  name: string;
  split: PredictSplit;
  baseFile: string;
  raw: Example[];
  spec: PromptSpec;
  tokenizerDir: string;
  inputs: ScoreInput[];
  answerIds: [number, number, number];
  out: string;
  bundle?: RunBundle;
  /** Base model, for the record (from the bundle or the recipe table). */
  modelId?: string;
  promptsHash: string;
  /** Prompts found identical to the bundle's training token file (data/{split}.tokens.jsonl); 0 when it has none. */
  checkedAgainstTraining: number;
  /** The split whose training tokens were compared (dev stands in for test, which has none). */
  checkedSplit: PredictSplit;
  /** The refinement variant the prompts were rendered with (the bundle's, or the flags'). */
  refineVariant: Variant;
}

/** Where the prediction of `name` on `split` goes: `{results}/predictions/{name}.json`, dev under `predictions/dev/`. */
export function defaultOut(results: string, name: string, split: PredictSplit): string {
  return predictionFile({ results } as Pick<Workspace, "results">, name, split);
}

export async function prepareJob(req: JobRequest, onExample: () => void = () => {}): Promise<PredictJob> {
  const ws = defaultWorkspace();
  const dataDir = req.dataDir ?? ws.data;
  const baseFile = join(dataDir, `${req.split}.json`);
  if (!existsSync(baseFile)) throw new UserError(`${baseFile}: no such file (--data DIR must hold ${req.split}.json)`);
  let bundle: RunBundle | undefined;
  let spec: PromptSpec;
  let tokenizerDir = req.tokenizer;
  let name: string;
  let modelId: string | undefined;
  let refineVariant: Variant;
  if (req.recipe) {
    if (req.variant) throw new UserError("--recipe and --variant exclude each other (a recipe fixes its variant)");
    bundle = readBundle(req.runsDir, req.recipe);
    const rec = bundle.run.variant as VariantRecord | undefined;
    refineVariant = rec ? variantFromRecord(rec, join(bundle.dir, "run.json")) : FAITHFUL_VARIANT;
    if (req.refine && variantContentDigest(req.refine) !== variantContentDigest(refineVariant))
      throw new UserError(`${bundle.dir}: planned with variant ${refineVariant.name}; the variant flags ask for ${req.refine.name}: a bundle fixes its variant (drop the flags, or plan the variant with \`cci train plan\`)`);
    spec = { variant: bundle.run.custom_dataset, mode: bundle.run.mode, data: bundle.run.data, rules: refineVariant.rules };
    tokenizerDir ??= bundleTokenizerDir(bundle);
    if (!tokenizerDir) throw new UserError(`${bundle.dir}: no tokenizer in ${bundle.run.save_dir}/ and none named in run.json; pass --tokenizer DIR`);
    name = req.recipe;
    modelId = bundle.run.model_id;
  } else {
    if (!req.variant) throw new UserError("predict needs --recipe NAME, or --variant V --tokenizer DIR");
    if (!tokenizerDir) throw new UserError("--variant needs --tokenizer DIR (the prompts are scored as token ids)");
    refineVariant = req.refine ?? FAITHFUL_VARIANT;
    spec = { variant: req.variant, mode: req.refine?.prompts ?? req.mode ?? "faithful", data: req.data ?? "raw", rules: refineVariant.rules };
    name = req.name ?? req.variant;
    modelId = RECIPES.find((r) => r.name === name)?.model_id;
  }
  const raw = loadCorpus(baseFile);
  // transformers.js takes seconds to import: only now that the input is known to be good.
  const { loadTokenizer } = await import("../tokenize/load");
  const tok = await loadTokenizer(tokenizerDir, { template: req.template });
  const answerIds = answerIdList(tok);
  const inputs = scoreInputs(tok, raw, spec, onExample);
  let checkedAgainstTraining = bundle ? checkAgainstTrainingTokens(bundle, req.split, inputs) : 0;
  let checkedSplit: PredictSplit = req.split;
  // Test has no training tokens to compare with: the scoring tokenizer renders the bundle's dev
  // prompts instead, which must be the ids trained on — a planning/scoring tokenizer or template
  // mismatch is refused on test as on dev, before anything is scored.
  const devFile = join(dataDir, "dev.json");
  if (bundle && checkedAgainstTraining === 0 && req.split !== "dev" && existsSync(devFile) && existsSync(join(bundle.dir, "data", "dev.tokens.jsonl"))) {
    checkedAgainstTraining = checkAgainstTrainingTokens(bundle, "dev", scoreInputs(tok, loadCorpus(devFile), spec));
    checkedSplit = "dev";
  }
  const out = req.out ?? defaultOut(req.resultsDir ?? ws.results, name, req.split);
  return { name, split: req.split, baseFile, raw, spec, tokenizerDir: tok.dir, inputs, answerIds, out, bundle, modelId, promptsHash: promptsHash(inputs), checkedAgainstTraining, checkedSplit, refineVariant };
}
