/**
 * Rendering chat messages through a Jinja chat template, with or without a tokenizer: the
 * same engine transformers.js uses (@huggingface/jinja, trim_blocks and lstrip_blocks on, as
 * transformers compiles templates), given the special-token strings the template reads.
 */
import { Template } from "@huggingface/jinja";
import type { ChatMessage } from "../prompts/build";

export interface SpecialTokens {
  bos_token?: string;
  eos_token?: string;
  unk_token?: string;
  pad_token?: string;
}

const compiled = new Map<string, Template>();

export function renderChat(template: string, messages: readonly ChatMessage[], tokens: SpecialTokens, addGenerationPrompt = true): string {
  let t = compiled.get(template);
  if (!t) {
    t = new Template(template);
    compiled.set(template, t);
  }
  return t.render({ messages: messages as ChatMessage[], add_generation_prompt: addGenerationPrompt, ...tokens });
}
