/**
 * Load a Hugging Face tokenizer folder (tokenizer.json + tokenizer_config.json) offline and
 * settle which chat template it renders with, by one rule every command shares (export-sft,
 * train plan, predict; train.py and predict.py follow the bundle it leads to): the folder's own
 * template; else, when asked for with `--template legacy`, the legacy default of its tokenizer
 * class, as transformers 4.41 (the original's) rendered it (SPEC §5); else a refusal in one line
 * naming that remedy. Never a silent fallback: a folder saved by a newer transformers whose
 * template file went missing would otherwise be trained and scored with the wrong prompts, and
 * today's transformers refuses such a tokenizer outright.
 */
import type { PreTrainedTokenizer } from "@huggingface/transformers";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../util/errors";
import { legacyTemplate, legacyTemplateName, type LegacyTemplateName } from "./legacy-templates";

export interface LoadedTokenizer {
  dir: string;
  tokenizer: PreTrainedTokenizer;
  tokenizerClass: string | undefined;
  chatTemplate: string;
  /** Where the template came from: its own file or config entry, or the class's legacy default. */
  templateSource: "chat_template.jinja" | "chat_template.json" | "tokenizer_config" | `legacy default (${LegacyTemplateName})`;
  /** tokenizer_config.json's model_max_length; Infinity when absent (transformers' "very large"). */
  modelMaxLength: number;
  eosToken: string;
}

const REQUIRED = ["tokenizer.json", "tokenizer_config.json"];

function readConfig(dir: string): Record<string, unknown> {
  const path = join(dir, "tokenizer_config.json");
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** The config's own template: a string, or the "default" of a list of named templates. */
function configTemplate(config: Record<string, unknown>): string | undefined {
  const t = config.chat_template;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return (t as { name?: string; template?: string }[]).find((x) => x.name === "default")?.template;
  return undefined;
}

/**
 * The folder's own chat template, where transformers looks for it: `chat_template.jinja` (how
 * transformers >= 4.43 saves it, and wins over the rest), `chat_template.json`
 * ({"chat_template": …}), then tokenizer_config.json's entry (a string or named templates).
 */
function ownTemplate(dir: string, config: Record<string, unknown>): { text: string; source: LoadedTokenizer["templateSource"] } | undefined {
  const jinja = join(dir, "chat_template.jinja");
  if (existsSync(jinja)) return { text: readFileSync(jinja, "utf8"), source: "chat_template.jinja" };
  const json = join(dir, "chat_template.json");
  if (existsSync(json)) {
    let t: unknown;
    try {
      t = (JSON.parse(readFileSync(json, "utf8")) as Record<string, unknown>).chat_template;
    } catch (err) {
      throw new UserError(`${json}: not valid JSON (${(err as Error).message})`);
    }
    const text = configTemplate({ chat_template: t });
    if (text !== undefined) return { text, source: "chat_template.json" };
  }
  const text = configTemplate(config);
  return text === undefined ? undefined : { text, source: "tokenizer_config" };
}

export interface LoadOptions {
  /**
   * "legacy": a folder without a template of its own renders with transformers 4.41's class
   * default, as the original did. Without it such a folder is refused.
   */
  template?: "legacy";
}

/** The one line said for a folder without a chat template when --template legacy was not given. */
export function noTemplateMessage(folder: string, tokenizerClass: string | undefined): string {
  return `${folder}: no chat template (no chat_template.jinja, chat_template.json or tokenizer_config.json entry); add --template legacy to render with transformers 4.41's default for ${tokenizerClass ?? "its class"} (${legacyTemplateName(tokenizerClass)}), as the original did, or give the model's own tokenizer folder`;
}

/** The largest tokenizer file read (the biggest real tokenizer.json are tens of MiB). */
export const MAX_TOKENIZER_FILE = 256 * 1024 * 1024;

/**
 * Every file the loader may read is a regular file of bounded size: a tokenizer.json linked to
 * /dev/zero (or a FIFO) would otherwise be read until memory runs out.
 */
function checkTokenizerFiles(dir: string, shownDir: string): void {
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json") && !f.endsWith(".model") && !f.endsWith(".txt") && !f.endsWith(".jinja")) continue;
    let st;
    try {
      st = statSync(join(dir, f));
    } catch {
      continue; // a dangling link the loader will not find either
    }
    if (st.isDirectory()) continue;
    if (!st.isFile()) throw new UserError(`${join(shownDir, f)}: not a regular file (a device or pipe); a tokenizer folder holds files`);
    if (st.size > MAX_TOKENIZER_FILE) throw new UserError(`${join(shownDir, f)}: ${Math.round(st.size / 2 ** 20)} MiB, larger than any tokenizer file (limit ${MAX_TOKENIZER_FILE / 2 ** 20} MiB)`);
  }
}

export async function loadTokenizer(folder: string, opts: LoadOptions = {}): Promise<LoadedTokenizer> {
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${folder}: no such tokenizer folder`);
  for (const f of REQUIRED) if (!existsSync(join(dir, f))) throw new UserError(`${folder}: missing ${f} (a tokenizer folder needs ${REQUIRED.join(" and ")})`);
  checkTokenizerFiles(dir, folder);
  const config = readConfig(dir);
  // The template rule first: a refusal costs no tokenizer load.
  const tokenizerClass = typeof config.tokenizer_class === "string" ? config.tokenizer_class : undefined;
  const own = ownTemplate(dir, config);
  const legacy = legacyTemplateName(tokenizerClass);
  if (own === undefined && opts.template !== "legacy") throw new UserError(noTemplateMessage(folder, tokenizerClass));
  // Loaded here, not at the top: transformers.js takes ~0.1 s to import, which every `cci` start would pay.
  const { AutoTokenizer, env } = await import("@huggingface/transformers");
  // Offline only: never reach for the Hub, never write a cache.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  let tokenizer: PreTrainedTokenizer;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  } catch (err) {
    throw new UserError(`${folder}: cannot load the tokenizer (${(err as Error).message.split("\n")[0]})`);
  }
  const limit = config.model_max_length;
  const eosToken = tokenizer.eos_token;
  if (!eosToken) throw new UserError(`${folder}: tokenizer_config.json: eos_token: missing (the targets end in it)`);
  return {
    dir,
    tokenizer,
    tokenizerClass,
    chatTemplate: own?.text ?? legacyTemplate(legacy, config.use_default_system_prompt === true),
    templateSource: own?.source ?? `legacy default (${legacy})`,
    modelMaxLength: typeof limit === "number" && Number.isFinite(limit) ? limit : Infinity,
    eosToken,
  };
}
