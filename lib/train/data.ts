/**
 * A recipe's training data (SPEC §4–§6): the prompt variant's rows for train and dev, on the raw
 * corpus or on the faithful refinement of it, and — with a tokenizer — the pre-tokenized rows
 * and per-example token counts the compute plan needs.
 */
import type { Example } from "../corpus/schema";
import { loadSplit } from "../corpus/locate";
import { buildPrompts, DEFAULT_EOS, type Mode, type PromptRow } from "../prompts";
import { FAITHFUL_RULES, type RefineRule } from "../refine/rules";
import { refineCorpus } from "../refine/refine";
import { legacyTemplate } from "../tokenize/legacy-templates";
import type { LoadedTokenizer } from "../tokenize/load";
import type { TokenCountCache } from "../tokenize/count-cache";
import { encodePrompt, type SftRow } from "../tokenize/sft";
import { renderChat } from "../tokenize/template";
import type { Recipe } from "./recipes";

/** The two splits a run reads: train to learn, dev to evaluate every epoch. */
export const RUN_SPLITS = ["train", "dev"] as const;
export type RunSplit = (typeof RUN_SPLITS)[number];

export interface Corpus {
  train: Example[];
  dev: Example[];
}

export function loadRunCorpus(dir: string): Corpus {
  return { train: loadSplit(dir, "train"), dev: loadSplit(dir, "dev") };
}

/**
 * Raw, or refined by the rule table (default the original's nine: byte-identical to `cci refine`'s
 * output). `refined`: a corpus already refined (a `cci refine` folder), used as is, never refined again.
 */
export function corpusFor(raw: Corpus, data: Recipe["data"], cache: Map<string, Corpus> = new Map(), rules: readonly RefineRule[] = FAITHFUL_RULES, refined?: Corpus): Corpus {
  if (data === "raw") return raw;
  if (refined) return refined;
  const hit = cache.get(data);
  if (hit) return hit;
  const made = { train: refineCorpus(raw.train, rules).examples, dev: refineCorpus(raw.dev, rules).examples };
  cache.set(data, made);
  return made;
}

/** Token counts of one example: the prompt (what the length rule measures) and prompt + target. */
export interface ExampleLength {
  id: string;
  prompt: number;
  total: number;
  /** Target tokens (the positions that carry a label). */
  target: number;
}

export interface SplitData {
  rows: PromptRow[];
  /** Pre-tokenized rows the original's trainer received (kept examples only); null without a tokenizer. */
  tokens: SftRow[] | null;
  lengths: ExampleLength[];
  /** Whether `lengths` are real token counts or character-based estimates. */
  counted: "tokenizer" | "estimate";
  /** Ids dropped by the length rule (prompt tokens > model_max_length). */
  dropped: string[];
  limit: number | null;
}

/** With a tokenizer: real rows, ids and counts, and the train-mode length rule (SPEC §5). */
export function tokenizedSplit(tok: LoadedTokenizer, examples: readonly Example[], variant: Recipe["dataset"], mode: Mode, onExample: () => void = () => {}): SplitData {
  const rows = buildPrompts(examples, variant, { mode, eos: tok.eosToken });
  const tokens: SftRow[] = [];
  const lengths: ExampleLength[] = [];
  const dropped: string[] = [];
  const limit = tok.modelMaxLength;
  for (const row of rows) {
    const enc = encodePrompt(tok, row.id, row);
    onExample();
    lengths.push({ id: row.id, prompt: enc.sourceLength, total: enc.input_ids.length, target: enc.input_ids.length - enc.sourceLength });
    if (enc.sourceLength > limit) {
      dropped.push(row.id);
      continue;
    }
    tokens.push({ id: enc.id, input_ids: enc.input_ids, labels: enc.labels });
  }
  return { rows, tokens, lengths, counted: "tokenizer", dropped, limit: Number.isFinite(limit) ? limit : null };
}

/**
 * The counts of tokenizedSplit (same rows, lengths and length rule) without the token ids, from a
 * token-count cache (which loads the tokenizer only for what it lacks): for plans that are
 * charted, not written as bundles.
 */
export async function countedSplit(cache: TokenCountCache, examples: readonly Example[], variant: Recipe["dataset"], mode: Mode, onExample: () => void = () => {}): Promise<SplitData> {
  const rows = buildPrompts(examples, variant, { mode, eos: await cache.eosToken() });
  const limit = await cache.modelMaxLength();
  await cache.prepare(rows, { targets: true });
  const lengths: ExampleLength[] = [];
  const dropped: string[] = [];
  for (const row of rows) {
    const prompt = cache.promptLength(row);
    const target = cache.targetLength(row.target);
    onExample();
    lengths.push({ id: row.id, prompt, total: prompt + target, target });
    if (prompt > limit) dropped.push(row.id);
  }
  return { rows, tokens: null, lengths, counted: "tokenizer", dropped, limit: Number.isFinite(limit) ? limit : null };
}

/**
 * Without a tokenizer: the rows with the original models' eos (`</s>`), and token counts
 * estimated from the characters of the prompt rendered with the Llama-2 template (the
 * transformers 4.41 fallback for a Llama tokenizer without a chat template) at the model's
 * characters-per-token ratio. No length rule can be applied: nothing is dropped.
 */
export function estimatedSplit(examples: readonly Example[], variant: Recipe["dataset"], mode: Mode, charsPerToken: number): SplitData {
  const rows = buildPrompts(examples, variant, { mode, eos: DEFAULT_EOS });
  const template = legacyTemplate("llama2");
  const lengths = rows.map((row) => {
    const prompt = Math.ceil([...renderChat(template, row.messages, { bos_token: "<s>", eos_token: DEFAULT_EOS })].length / charsPerToken);
    const target = Math.ceil([...row.target].length / charsPerToken);
    return { id: row.id, prompt, total: prompt + target, target };
  });
  return { rows, tokens: null, lengths, counted: "estimate", dropped: [], limit: null };
}
