/**
 * Rendering chat messages through a Jinja chat template, with or without a tokenizer: the
 * same engine transformers.js uses (@huggingface/jinja, trim_blocks and lstrip_blocks on, as
 * transformers compiles templates), given the special-token strings the template reads.
 */
import { Template } from "@huggingface/jinja";
import type { ChatMessage } from "../prompts/build";
import { UserError } from "../util/errors";

export interface SpecialTokens {
  bos_token?: string;
  eos_token?: string;
  unk_token?: string;
  pad_token?: string;
}

const compiled = new Map<string, Template>();

const firstLine = (err: unknown) => String((err as Error).message ?? err).split("\n")[0];

/** Parse a chat template once; a malformed one is a user error naming where it came from. */
export function compileChatTemplate(template: string, source = "chat template"): Template {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (err) {
      throw new UserError(`${source}: not a valid Jinja chat template (${firstLine(err)})`);
    }
    compiled.set(template, t);
  }
  return t;
}

/** Run a render, turning a template's own failure (raise_exception, unknown filter …) into one line. */
export function renderOrFail<T>(render: () => T, source: string): T {
  try {
    return render();
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${source}: the chat template failed (${firstLine(err)})`);
  }
}

export function renderChat(template: string, messages: readonly ChatMessage[], tokens: SpecialTokens, addGenerationPrompt = true, source = "chat template"): string {
  const t = compileChatTemplate(template, source);
  return renderOrFail(() => t.render({ messages: messages as ChatMessage[], add_generation_prompt: addGenerationPrompt, ...tokens }), source);
}
