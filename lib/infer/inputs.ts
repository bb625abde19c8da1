/**
 * What every backend scores: per example, the prompt's token ids (SPEC §7: the chat template with
 * the generation prompt — the source ids of §5, never the target), plus the ids of `A`, `B`, `C`.
 * Prompts are rendered from the raw split, or from its refinement for recipes trained on refined
 * data; the prediction file is always the raw split with outputs filled (SPEC §7).
 */
import type { Example } from "../corpus/schema";
import { buildPrompt } from "../prompts/build";
import type { Mode, VariantName } from "../prompts/variants";
import { refineCorpus } from "../refine/refine";
import type { RefineRule } from "../refine/rules";
import { answerTokenIds, type AnswerIds } from "../tokenize/answer-ids";
import type { LoadedTokenizer } from "../tokenize/load";
import { encodeText, promptText } from "../tokenize/sft";
import { UserError } from "../util/errors";
import { filesUnder } from "../util/protect";

export interface ScoreInput {
  id: string;
  /** The prompt's token ids (no target). */
  inputIds: number[];
}

export interface PromptSpec {
  variant: VariantName;
  mode: Mode;
  data: "raw" | "refined";
  /** The refinement variant's rule table (default: the faithful nine). */
  rules?: readonly RefineRule[];
}

/** The examples prompts are rendered from: the raw split, or its refinement by the run's rules (default the faithful ones, SPEC §2). */
export function promptSource(raw: readonly Example[], data: "raw" | "refined", rules?: readonly RefineRule[]): Example[] {
  return data === "raw" ? [...raw] : refineCorpus(raw, rules).examples;
}

/** One example's prompt ids. */
export function promptIds(tok: LoadedTokenizer, ex: Example, spec: Pick<PromptSpec, "variant" | "mode">): number[] {
  return encodeText(tok, promptText(tok, buildPrompt(ex, spec.variant, { mode: spec.mode, eos: tok.eosToken })));
}

/** Every example's prompt ids, in corpus order. */
export function scoreInputs(tok: LoadedTokenizer, raw: readonly Example[], spec: PromptSpec, onExample: () => void = () => {}): ScoreInput[] {
  return promptSource(raw, spec.data, spec.rules).map((ex) => {
    const inputIds = promptIds(tok, ex, spec);
    onExample();
    return { id: ex.id, inputIds };
  });
}

/** The three answer ids, in letter order; refuses (naming the letter) a tokenizer without one of them. */
export function answerIdList(tok: LoadedTokenizer): [number, number, number] {
  const ids: AnswerIds = answerTokenIds(tok);
  return [ids.A, ids.B, ids.C];
}

/**
 * A prediction name is one file name inside the predictions folder: not empty, no folder
 * separator, not `.`/`..`, no control character (`--name ../../../data/train` would escape).
 */
export function checkPredictionName(name: string | undefined, flag = "--name"): void {
  if (name === undefined) return;
  if (name.trim() === "") throw new UserError(`${flag}: empty name; give a prediction name such as my-run`);
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f]/.test(name) || name === "." || name === ".." || name.startsWith("."))
    throw new UserError(`${flag} ${JSON.stringify(name)}: a prediction name is a plain file name (no /, \\, leading dot or control character); use --out FILE to choose the path`);
}

/** What a prediction must never be written over: the split file, the tokenizer's files, the bundle's files (run.json, tokens, adapter). */
export function predictionInputs(job: { baseFile: string; tokenizerDir: string; bundle?: { dir: string } }): string[] {
  return [job.baseFile, ...filesUnder(job.tokenizerDir), ...filesUnder(job.bundle?.dir)];
}
