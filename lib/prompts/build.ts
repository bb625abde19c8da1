/** Example → chat messages and training target, for any variant of the table. */
import type { Example } from "../corpus/schema";
import { answerText, conversationBlock, optionsBlock, referencesBlock } from "./pieces";
import { VARIANTS, renderQuestion, type Block, type Mode, type VariantName, type VariantSpec } from "./variants";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Prompt {
  messages: ChatMessage[];
  /** `"{letter}. {inference}{eos}"`, exactly the text the original tokenized as the target. */
  target: string;
}

/** A prompt with the example it came from, as `cci prompts` writes it. */
export interface PromptRow extends Prompt {
  id: string;
}

export interface PromptOptions {
  mode?: Mode;
  /** The tokenizer's eos string; the original's models use `</s>`. */
  eos?: string;
}

export const DEFAULT_EOS = "</s>";

function block(spec: VariantSpec, ex: Example, b: Block, mode: Mode): string {
  switch (b) {
    case "conversation":
      return conversationBlock(ex, spec.speakerLabel, spec.conversationFilter);
    case "references":
      return referencesBlock(ex);
    case "question":
      return renderQuestion(spec.question, ex.input.category, mode).text;
    case "options":
      return optionsBlock(ex);
  }
}

/**
 * The target text. The variants end the answer in one eos; the Baseline's trainer tokenized
 * `target + eos` on top, which faithful mode keeps (two eos, or one for a hidden answer).
 */
export function targetText(spec: VariantSpec, ex: Example, mode: Mode, eos: string): string {
  const answer = answerText(ex);
  const base = answer === "" ? "" : answer + eos;
  return spec.appendsEosTwice && mode === "faithful" ? base + eos : base;
}

export function buildPrompt(ex: Example, variant: VariantName | VariantSpec, opts: PromptOptions = {}): Prompt {
  const spec = typeof variant === "string" ? VARIANTS[variant] : variant;
  const mode = opts.mode ?? "faithful";
  const user = spec.blocks.map((b) => block(spec, ex, b, mode)).join("\n\n");
  return {
    messages: [
      { role: "system", content: spec.system },
      { role: "user", content: user },
    ],
    target: targetText(spec, ex, mode, opts.eos ?? DEFAULT_EOS),
  };
}

export function buildPrompts(examples: readonly Example[], variant: VariantName | VariantSpec, opts: PromptOptions = {}): PromptRow[] {
  return examples.map((ex) => ({ id: ex.id, ...buildPrompt(ex, variant, opts) }));
}
