/**
 * Prompts → training examples exactly as the original built them (SPEC §5):
 * source = the chat template with a generation prompt, tokenized without added special tokens;
 * target tokenized with add_special_tokens=False; input_ids = source ++ target and
 * labels = -100 over the source ++ target. In train mode an example whose source is longer than
 * model_max_length is skipped, and we say which and why.
 */
import type { Category, Example } from "../corpus/schema";
import { buildPrompt, type Prompt, type PromptOptions } from "../prompts/build";
import type { VariantName } from "../prompts/variants";
import type { LoadedTokenizer } from "./load";
import { compileChatTemplate, renderChat, renderOrFail, type SpecialTokens } from "./template";

export const IGNORE_INDEX = -100;

export interface SftRow {
  id: string;
  input_ids: number[];
  labels: number[];
}

/** A prompt/completion pair a trainer can tokenize itself. */
export interface TextRow {
  id: string;
  prompt: string;
  completion: string;
}

export interface DroppedExample {
  id: string;
  category: Category;
  promptTokens: number;
  limit: number;
  reason: string;
}

/** The rendered prompt text (`apply_chat_template(..., tokenize=False, add_generation_prompt=True)`). */
export function promptText(tok: LoadedTokenizer, prompt: Prompt): string {
  return renderOrFail(
    () => tok.tokenizer.apply_chat_template(prompt.messages, { chat_template: tok.chatTemplate, add_generation_prompt: true, tokenize: false }) as string,
    `${tok.dir}: chat template (${tok.templateSource})`,
  );
}

/** Token ids of a text with no special tokens added (how apply_chat_template tokenizes its render). */
export function encodeText(tok: LoadedTokenizer, text: string): number[] {
  return tok.tokenizer.encode(text, { add_special_tokens: false });
}

export interface Encoded extends SftRow {
  text: string;
  sourceLength: number;
}

export function encodePrompt(tok: LoadedTokenizer, id: string, prompt: Prompt): Encoded {
  const text = promptText(tok, prompt);
  const source = encodeText(tok, text);
  const target = prompt.target === "" ? [] : encodeText(tok, prompt.target);
  return {
    id,
    text,
    sourceLength: source.length,
    input_ids: [...source, ...target],
    labels: [...source.map(() => IGNORE_INDEX), ...target],
  };
}

export interface SftOptions extends PromptOptions {
  /** Apply the original's train-mode rule (skip prompts longer than the limit). Default true. */
  lengthRule?: boolean;
  /** Override the tokenizer's model_max_length. */
  maxLength?: number;
}

export interface SftResult {
  rows: SftRow[];
  texts: TextRow[];
  dropped: DroppedExample[];
  limit: number;
}

/** Build the pre-tokenized rows and the text form of one variant over a corpus. */
export function sftExamples(tok: LoadedTokenizer, examples: readonly Example[], variant: VariantName, opts: SftOptions = {}, onExample: () => void = () => {}): SftResult {
  const limit = opts.maxLength ?? tok.modelMaxLength;
  const eos = opts.eos ?? tok.eosToken;
  const rows: SftRow[] = [];
  const texts: TextRow[] = [];
  const dropped: DroppedExample[] = [];
  for (const ex of examples) {
    const prompt = buildPrompt(ex, variant, { mode: opts.mode, eos });
    const enc = encodePrompt(tok, ex.id, prompt);
    onExample();
    if (opts.lengthRule !== false && enc.sourceLength > limit) {
      dropped.push({ id: ex.id, category: ex.input.category, promptTokens: enc.sourceLength, limit, reason: `prompt is ${enc.sourceLength} tokens, longer than model_max_length ${limit}` });
      continue;
    }
    rows.push({ id: enc.id, input_ids: enc.input_ids, labels: enc.labels });
    texts.push({ id: ex.id, prompt: enc.text, completion: prompt.target });
  }
  return { rows, texts, dropped, limit };
}

/** Prompt lengths in tokens (the source, as the length rule counts it) of one variant over a corpus. */
export function promptTokenLengths(tok: LoadedTokenizer, examples: readonly Example[], variant: VariantName, opts: PromptOptions = {}): number[] {
  return examples.map((ex) => encodeText(tok, promptText(tok, buildPrompt(ex, variant, { ...opts, eos: opts.eos ?? tok.eosToken }))).length);
}

/** The text form without a tokenizer: a named template and the given special tokens. */
export function textExamples(examples: readonly Example[], variant: VariantName, template: string, tokens: SpecialTokens, opts: PromptOptions = {}, source = "chat template"): TextRow[] {
  compileChatTemplate(template, source);
  return examples.map((ex) => {
    const prompt = buildPrompt(ex, variant, { ...opts, eos: opts.eos ?? tokens.eos_token });
    return { id: ex.id, prompt: renderChat(template, prompt.messages, tokens, true, `${source}: example ${ex.id}`), completion: prompt.target };
  });
}
