/**
 * A tiny character-level tokenizer folder (tokenizer.json + tokenizer_config.json), built in code
 * from the characters of some texts. Tests use it to exercise the real loading and chat-template
 * code offline; the notebook uses it to show token counts without downloading a model.
 * One token per character (BPE without merges), plus the special tokens.
 */
import { writeOutput } from "../util/outputs";
import { join } from "node:path";
import type { Example } from "../corpus/schema";
import { buildPrompt } from "../prompts/build";
import { VARIANT_NAMES } from "../prompts/variants";
import { llama2Template } from "./legacy-templates";

export interface TinyTokenizerOptions {
  /** Texts whose characters make up the vocabulary (ASCII printable is always in). */
  texts?: readonly string[];
  /** tokenizer_config.json's tokenizer_class, e.g. LlamaTokenizer or PreTrainedTokenizerFast. */
  tokenizerClass?: string;
  /** A chat template to store in tokenizer_config.json; none by default. */
  chatTemplate?: string;
  modelMaxLength?: number;
  bos?: string;
  eos?: string;
  unk?: string;
  /** Add bos when add_special_tokens is true (as Llama's post-processor does). */
  addBos?: boolean;
}

export interface TinyTokenizerFiles {
  tokenizer: Record<string, unknown>;
  config: Record<string, unknown>;
}

const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("") + "\n\t";

export function tinyTokenizerFiles(opts: TinyTokenizerOptions = {}): TinyTokenizerFiles {
  const { bos = "<s>", eos = "</s>", unk = "<unk>", addBos = true } = opts;
  const specials = [unk, bos, eos];
  const vocab: Record<string, number> = {};
  for (const s of specials) vocab[s] = Object.keys(vocab).length;
  for (const text of [ASCII, ...(opts.texts ?? [])]) {
    for (const ch of text) if (!(ch in vocab)) vocab[ch] = Object.keys(vocab).length;
  }
  const added = specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: null,
    post_processor: addBos
      ? {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
          special_tokens: { [bos]: { id: bos, ids: [vocab[bos]], tokens: [bos] } },
        }
      : null,
    decoder: { type: "Fuse" },
    model: { type: "BPE", dropout: null, unk_token: unk, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
  const config: Record<string, unknown> = {
    tokenizer_class: opts.tokenizerClass ?? "PreTrainedTokenizerFast",
    bos_token: bos,
    eos_token: eos,
    unk_token: unk,
    add_bos_token: addBos,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: opts.modelMaxLength ?? 4096,
  };
  if (opts.chatTemplate !== undefined) config.chat_template = opts.chatTemplate;
  return { tokenizer, config };
}

/** Write the two files into `dir` (created if needed); returns `dir`. */
export function writeTinyTokenizer(dir: string, opts: TinyTokenizerOptions = {}): string {
  const { tokenizer, config } = tinyTokenizerFiles(opts);
  writeOutput(join(dir, "tokenizer.json"), JSON.stringify(tokenizer), { verbatim: true }); // a vocabulary holds arbitrary strings
  writeOutput(join(dir, "tokenizer_config.json"), JSON.stringify(config, null, 2), { verbatim: true });
  return dir;
}

/**
 * A tiny tokenizer covering every character the prompt variants produce on a corpus (so no
 * character is <unk>), with the Llama class and, as its own chat template, the Llama-2 text that
 * class had by default in transformers 4.41, unless told otherwise (a folder without a template
 * is refused unless --template legacy: lib/tokenize/load.ts).
 */
export function writeCorpusTinyTokenizer(dir: string, examples: readonly Example[], opts: TinyTokenizerOptions = {}): string {
  const texts = examples.flatMap((ex) => VARIANT_NAMES.flatMap((v) => buildPrompt(ex, v).messages.map((m) => m.content)));
  return writeTinyTokenizer(dir, { tokenizerClass: "LlamaTokenizer", chatTemplate: llama2Template(), ...opts, texts: [...(opts.texts ?? []), ...texts] });
}
