/**
 * The faithful backend: the original's own stack scores a run bundle with our Python entrypoint
 * (python/predict.py, copied into every bundle by `cci train plan`). This side writes the
 * prompts it scores, builds its command line, and runs it; predict.py writes the prediction
 * file and the sidecar itself.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { packageRoot } from "../util/package-root";
import { toJsonl } from "../prompts/jsonl";
import { writeFileAtomic } from "../util/atomic";
import { ChildStartError, describeExit, runChild } from "../util/child";
import { UserError } from "../util/errors";
import type { RunBundle } from "./bundle";
import type { Example } from "../corpus/schema";
import { buildPrompt } from "../prompts/build";
import { promptSource, type PromptSpec, type ScoreInput } from "./inputs";

/** lib/infer/python/predict.py in this checkout. */
export const PREDICT_ENTRY = join(packageRoot(), "lib", "infer", "python", "predict.py");

/** The bundle's own copy when it has one (it travels with the bundle to the GPU machine), else ours. */
export function predictEntry(bundle?: RunBundle): string {
  const own = bundle ? join(bundle.dir, "predict.py") : undefined;
  return own && existsSync(own) ? own : PREDICT_ENTRY;
}

/** `{bundle}/predict/{split}.inputs.jsonl`: {"id", "input_ids"} per line, in split order. */
export function faithfulInputsPath(bundle: RunBundle, split: string): string {
  return join(bundle.dir, "predict", `${split}.inputs.jsonl`);
}

export function writeFaithfulInputs(path: string, inputs: readonly ScoreInput[]): void {
  writeFileAtomic(path, toJsonl(inputs.map((x) => ({ id: x.id, input_ids: x.inputIds }))));
}

/**
 * The chat messages instead of token ids: predict.py then renders and tokenizes them with the
 * Hugging Face tokenizer itself (`apply_chat_template(..., add_generation_prompt=True)`), as the
 * original did — a way to measure any tokenizer difference between transformers.js and Python.
 */
export function writeFaithfulMessages(path: string, raw: readonly Example[], spec: PromptSpec): void {
  writeFileAtomic(path, toJsonl(promptSource(raw, spec.data, spec.rules).map((ex) => ({ id: ex.id, messages: buildPrompt(ex, spec.variant, { mode: spec.mode }).messages }))));
}

export interface FaithfulArgs {
  entry: string;
  bundle: string;
  inputs: string;
  baseFile: string;
  out: string;
  answerIds: readonly number[];
  device?: string;
  /** Start over instead of resuming predict.py's journal. */
  fresh?: boolean;
  /** Prompts per forward pass (predict.py --batch-size); 1, the original, is not passed. */
  batchSize?: number;
  /** Which softmax decides (predict.py --softmax); bf16, the original's, is not passed. */
  softmax?: Softmax;
}

/**
 * The softmax that decides a faithful answer. bf16: the original's — run/test.py's
 * torch.tensor([...]) of three bf16 logits stays bf16, so ties made by bf16 rounding of the
 * probabilities go to A (SPEC §7). float64: the exact probabilities (a deviation). The sidecar
 * holds the float64 probabilities either way; {bundle}/predict/{name}.scoring.json says which decided.
 */
export const SOFTMAXES = ["bf16", "float64"] as const;
export type Softmax = (typeof SOFTMAXES)[number];

/** `--softmax`: bf16 (default) or float64, else one line. */
export function softmaxOpt(v: string | undefined): Softmax {
  if (v === undefined) return "bf16";
  if ((SOFTMAXES as readonly string[]).includes(v)) return v as Softmax;
  throw new UserError(`--softmax: expected ${SOFTMAXES.join(" or ")}, got "${v}"`);
}

/** Where predict.py records which softmax decided: beside the bundle's inputs, not among the predictions. */
export function scoringRecordPath(bundleDir: string, out: string): string {
  return join(bundleDir, "predict", `${basename(out).replace(/\.json$/i, "")}.scoring.json`);
}

export function faithfulArgv(a: FaithfulArgs): string[] {
  return [a.entry, "--bundle", a.bundle, "--inputs", a.inputs, "--base-file", a.baseFile, "--out", a.out, "--answer-ids", a.answerIds.join(","), ...(a.device ? ["--device", a.device] : []), ...(a.fresh ? ["--fresh"] : []), ...(a.batchSize && a.batchSize > 1 ? ["--batch-size", String(a.batchSize)] : []), ...(a.softmax && a.softmax !== "bf16" ? ["--softmax", a.softmax] : [])];
}

/** Run the entrypoint with the given python; its progress goes straight to our stderr. */
export async function runFaithful(python: string, argv: readonly string[], opts: { checkOnly?: boolean } = {}): Promise<void> {
  const args = opts.checkOnly ? [...argv, "--check"] : [...argv];
  const what = `${argv[0]}${opts.checkOnly ? " --check" : ""}`;
  let r;
  try {
    r = await runChild(python, args, what);
  } catch (err) {
    if (err instanceof ChildStartError) throw new UserError(`${python}: cannot run (${err.code}); pass --python PATH`);
    throw err;
  }
  // A kill (the OOM killer's SIGKILL) is named and is a failure, exit 1; its own refusals (a
  // missing stack, bad inputs) say why above and stay exit 2.
  if (r.signal) throw new UserError(`${what} failed (${describeExit(r)})`, 1);
  if (r.code !== 0) throw new UserError(`${what} failed (exit ${r.code}; its message is above)`);
}
