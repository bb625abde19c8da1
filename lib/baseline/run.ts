/**
 * Train the CPU members on train and write, for each, its model and resolved config under
 * `${results}/baseline/{member}/`, and its predictions in the original's form (with a
 * probabilities sidecar) for dev (`predictions/dev/`) and test (`predictions/`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Workspace } from "../corpus/locate";
import { loadSplit } from "../corpus/locate";
import { ANSWERS, type Answer, type Example } from "../corpus/schema";
import { predictionFile } from "../ensemble/paths";
import { writePrediction, type WriteSink } from "../ensemble/predictions";
import { UserError } from "../util/errors";
import { argmax, hardVote, softVote } from "../ensemble/vote";
import { refineCorpus } from "../refine/refine";
import { ruleNames, type RefineRule } from "../refine/rules";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic";
import { FAITHFUL_VARIANT, variantContentDigest, variantRecord, type Variant, type VariantRecord } from "../variant/variant";
import { corpusRecord } from "../variant/manifest";
import { provenancePath, provenanceText } from "../variant/provenance";
import { accuracy } from "../analysis/metrics";
import { selectMembers, type MemberSpec } from "./members";
import { fitModel, loadModel, predictModel, saveModel, type Model } from "./model";

export interface BaselineOptions {
  /** Corpus folder with train.json, dev.json, test.json. */
  data: string;
  /** Results folder (models in baseline/, predictions in predictions/). */
  results: string;
  /** Member names (default: all). */
  members?: readonly string[];
  /** Called as each member starts a phase. */
  onMember?: (member: string, phase: "train" | "predict") => void;
  /** Where model and prediction files go: written at once (default) or staged in a command's OutputSet. */
  write?: WriteSink;
  /** The variant: its rule table refines the refined members' input (default: faithful). Recorded in config.json and beside each prediction. */
  variant?: Variant;
}

/** Training needs examples, every one with its answer. */
export function assertTrainable(train: readonly Example[], file: string): void {
  if (train.length === 0) throw new UserError(`${file}: no examples; the members need a labelled train split`);
  const blank = train.find((e) => e.output === "");
  if (blank) throw new UserError(`${file}: example ${blank.id}: output: empty; the members train on answers, so the train split must be labelled`);
}

export function workspaceOptions(ws: Workspace, members?: readonly string[]): BaselineOptions {
  return { data: ws.data, results: ws.results, members };
}

export function modelDir(results: string, member: string): string {
  return join(results, "baseline", member);
}

/** The corpus a member reads: raw, or refined with the rules (default the faithful ones, SPEC §2). */
export function prepareInput(examples: readonly Example[], input: MemberSpec["input"], rules?: readonly RefineRule[]): Example[] {
  return input === "refined" ? refineCorpus(examples, rules).examples : [...examples];
}

export interface TrainedRow {
  member: string;
  input: string;
  features: number;
  trainAccuracy: number;
  seconds: number;
}

/** Fit each member on train and save model.json and config.json. */
export function trainMembers(opts: BaselineOptions): { models: Model[]; rows: TrainedRow[] } {
  const train = loadSplit(opts.data, "train");
  assertTrainable(train, join(opts.data, "train.json"));
  // Validate the splits prediction will read now, so a bad one fails before any training.
  for (const split of ["dev", "test"] as const) if (existsSync(join(opts.data, `${split}.json`))) loadSplit(opts.data, split);
  const models: Model[] = [];
  const rows: TrainedRow[] = [];
  const variant = opts.variant ?? FAITHFUL_VARIANT;
  for (const spec of selectMembers(opts.members)) {
    opts.onMember?.(spec.name, "train");
    const t0 = performance.now();
    const model = fitModel(spec, prepareInput(train, spec.input, variant.rules));
    const config = {
      member: spec,
      corpus: { folder: opts.data, split: "train", examples: train.length, refinement: spec.input === "refined" ? ruleNames(variant.rules) : null, sha256: corpusRecord(opts.data, [join(opts.data, "train.json")]).files },
      variant: variantRecord(variant),
      featureGroups: model.encoder.groups,
      dimension: model.fit.dimension,
      denseFeatures: model.encoder.dense.length,
      vocabulary: model.encoder.vocabulary.length,
      fit: model.fit,
    };
    saveModel(modelDir(opts.results, spec.name), model, config, opts.write);
    models.push(model);
    rows.push({ member: spec.name, input: spec.input, features: model.fit.dimension, trainAccuracy: model.fit.trainAccuracy, seconds: (performance.now() - t0) / 1000 });
  }
  return { models, rows };
}

export interface MemberPredictions {
  member: string;
  split: "dev" | "test";
  answers: Answer[];
  probs: number[][];
  file: string;
}

/** Predict dev and test with saved (or given) models and write the prediction files. */
export function predictMembers(opts: BaselineOptions, models?: readonly Model[]): MemberPredictions[] {
  const specs = selectMembers(opts.members);
  const variant = opts.variant ?? FAITHFUL_VARIANT;
  const loaded = models ?? specs.map((s) => loadModel(modelDir(opts.results, s.name)));
  // Saved models predict with the variant they were trained on: flags asking for another are refused.
  if (!models) for (const s of specs) checkModelVariant(modelDir(opts.results, s.name), variant);
  const out: MemberPredictions[] = [];
  for (const split of ["dev", "test"] as const) {
    if (!existsSync(join(opts.data, `${split}.json`))) continue;
    const raw = loadSplit(opts.data, split);
    const byInput = { raw, refined: undefined as Example[] | undefined };
    for (const model of loaded) {
      opts.onMember?.(model.spec.name, "predict");
      const input = model.spec.input === "refined" ? (byInput.refined ??= prepareInput(raw, "refined", variant.rules)) : raw;
      const probs = predictModel(model, input);
      const answers = probs.map((p) => ANSWERS[argmax(p)]);
      const file = predictionFile({ results: opts.results }, model.spec.name, split);
      // The prediction is the raw file with outputs filled, whatever input the member read (SPEC §7).
      writePrediction(file, raw, answers, probs, opts.write);
      (opts.write ?? writeFileAtomic)(provenancePath(file), provenanceText({ variant: variantRecord(variant), corpus: corpusRecord(opts.data, [join(opts.data, `${split}.json`)]), member: model.spec.name, input: model.spec.input }));
      out.push({ member: model.spec.name, split, answers, probs, file });
    }
  }
  return out;
}

/** A saved model's variant (config.json; faithful when it predates variants) must be the one asked for. */
function checkModelVariant(dir: string, variant: Variant): void {
  let recorded: VariantRecord | undefined;
  try {
    recorded = (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { variant?: VariantRecord }).variant;
  } catch {
    return; // no config: loadModel already vouched for the model
  }
  const rec = recorded ?? variantRecord(FAITHFUL_VARIANT);
  if (variantContentDigest(rec) !== variantContentDigest(variant))
    throw new UserError(`${join(dir, "config.json")}: trained on variant ${rec.name}; the flags ask for ${variant.name}: train it again with the flags (cci baseline run), or drop them`);
}

export interface DevRow {
  member: string;
  devAccuracy: number;
}

/** Dev accuracy of each member and of their hard (SPEC §7) and soft votes. */
export function devAccuracy(dev: readonly Example[], predictions: readonly MemberPredictions[]): DevRow[] {
  const members = predictions.filter((p) => p.split === "dev");
  if (members.length === 0 || dev.some((e) => e.output === "")) return [];
  const gold = dev.map((e) => e.output as Answer);
  const rows = members.map((m) => ({ member: m.member, devAccuracy: accuracy(m.answers, gold) }));
  const hard = gold.map((_, i) => hardVote(members.map((m) => m.answers[i])));
  const soft = gold.map((_, i) => ANSWERS[softVote(members.map((m) => m.probs[i]))]);
  return [...rows, { member: "hard vote (all)", devAccuracy: accuracy(hard, gold) }, { member: "soft vote (all)", devAccuracy: accuracy(soft, gold) }];
}

/** Train, then predict: the whole CPU pipeline for the members. */
export function runBaseline(opts: BaselineOptions): { trained: TrainedRow[]; predictions: MemberPredictions[]; dev: DevRow[] } {
  const { models, rows } = trainMembers(opts);
  const predictions = predictMembers(opts, models);
  const dev = existsSync(join(opts.data, "dev.json")) ? devAccuracy(loadSplit(opts.data, "dev"), predictions) : [];
  return { trained: rows, predictions, dev };
}
