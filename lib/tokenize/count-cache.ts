/**
 * Token counts of prompts kept on disk between runs, for the charts that count Llama-3 tokens of
 * the whole corpus (`cci chart prompt_token_lengths`, training_hours/_wall/_memory): counting
 * (and loading the 9 MB tokenizer, itself seconds) takes tens of seconds a chart; a second run
 * reads the counts back and loads no tokenizer at all.
 *
 * One JSON file per tokenizer folder, named by the hash of every file in it and of the legacy
 * chat templates a folder without its own falls back to; an entry per prompt, keyed by the hash
 * of its messages (what the template renders) or of its target, and the tokenizer's eos and
 * length limit (what prompts and the length rule need). Changing the corpus, the prompt code or
 * the tokenizer changes the keys, never a stale count.
 * The folder (.cache/token-counts under the checkout, CCI_TOKEN_CACHE elsewhere) is git-ignored.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Prompt } from "../prompts";
import { writeFileAtomic } from "../util/atomic";
import { CHATML_TEMPLATE, GPT2_TEMPLATE, llama2Template } from "./legacy-templates";
import type { LoadedTokenizer } from "./load";
import { encodeText, promptText } from "./sft";

export const TOKEN_CACHE_ENV = "CCI_TOKEN_CACHE";
/** Bump when what a count means changes without the tokenizer's files changing. */
const FORMAT = 1;

/** The cache folder: CCI_TOKEN_CACHE, else .cache/token-counts in the checkout. */
export function tokenCacheDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[TOKEN_CACHE_ENV] || join(root, ".cache", "token-counts");
}

const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

/** What makes a tokenizer folder count as it does: its files' bytes, and the templates it may fall back to. */
export function tokenizerHash(dir: string): string {
  const h = createHash("sha256").update(`cci-token-counts ${FORMAT}\0`);
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (!statSync(p).isFile()) continue;
    h.update(`${f}\0`).update(readFileSync(p)).update("\0");
  }
  for (const t of [llama2Template(false), llama2Template(true), CHATML_TEMPLATE, GPT2_TEMPLATE]) h.update(t).update("\0");
  return h.digest("hex").slice(0, 24);
}

interface CacheFile {
  tokenizer: string;
  eosToken?: string;
  /** null: no limit (Infinity). */
  modelMaxLength?: number | null;
  counts: Record<string, number>;
}

const promptKey = (p: Prompt) => `p:${sha(JSON.stringify(p.messages))}`;
const targetKey = (t: string) => `t:${sha(t)}`;

/** Prompt and target token counts of one tokenizer folder, read from and saved to the cache folder. */
export class TokenCountCache {
  private readonly counts: Map<string, number>;
  private tok: LoadedTokenizer | undefined;
  private added = 0;
  hits = 0;
  misses = 0;

  private constructor(
    readonly dir: string,
    readonly file: string,
    private readonly load: () => Promise<LoadedTokenizer>,
    private meta: { eosToken?: string; modelMaxLength?: number | null },
    counts: Record<string, number>,
  ) {
    this.counts = new Map(Object.entries(counts));
  }

  /** The cache of the tokenizer in `dir`; `load` is called only when a count is missing. */
  static open(dir: string, cacheDir: string, load: () => Promise<LoadedTokenizer>): TokenCountCache {
    const file = join(cacheDir, `${tokenizerHash(dir)}.json`);
    let body: CacheFile = { tokenizer: dir, counts: {} };
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
        if (parsed && typeof parsed.counts === "object" && parsed.counts !== null) body = parsed;
      } catch {
        // a damaged cache is recounted, never trusted
      }
    }
    return new TokenCountCache(resolve(dir), file, load, { eosToken: body.eosToken, modelMaxLength: body.modelMaxLength }, body.counts);
  }

  private async tokenizer(): Promise<LoadedTokenizer> {
    if (!this.tok) {
      this.tok = await this.load();
      this.meta = { eosToken: this.tok.eosToken, modelMaxLength: Number.isFinite(this.tok.modelMaxLength) ? this.tok.modelMaxLength : null };
      this.added++; // the meta is new: save it
    }
    return this.tok;
  }

  /** The tokenizer's eos (prompts end their target with it); loads the tokenizer on a cold cache. */
  async eosToken(): Promise<string> {
    return this.meta.eosToken ?? (await this.tokenizer()).eosToken;
  }

  /** model_max_length (the length rule's limit; Infinity when absent). */
  async modelMaxLength(): Promise<number> {
    if (this.meta.modelMaxLength === undefined) await this.tokenizer();
    return this.meta.modelMaxLength ?? Infinity;
  }

  /** Count what the cache lacks among these prompts (loading the tokenizer only then); then promptLength/targetLength answer. */
  async prepare(prompts: readonly Prompt[], opts: { targets?: boolean } = {}): Promise<void> {
    for (const p of prompts) {
      const keys: [string, () => number][] = [[promptKey(p), () => encodeText(this.tok!, promptText(this.tok!, p)).length]];
      if (opts.targets && p.target !== "") keys.push([targetKey(p.target), () => encodeText(this.tok!, p.target).length]);
      for (const [key, count] of keys) {
        if (this.counts.has(key)) {
          this.hits++;
          continue;
        }
        await this.tokenizer();
        this.misses++;
        this.counts.set(key, count());
        this.added++;
      }
    }
  }

  private get(key: string): number {
    const n = this.counts.get(key);
    if (typeof n !== "number") throw new Error(`token-count cache: ${key} not prepared`);
    return n;
  }

  /** Tokens of the prompt as the chat template renders it (with the generation prompt); after prepare(). */
  promptLength(prompt: Prompt): number {
    return this.get(promptKey(prompt));
  }

  /** Tokens of the target (no special tokens added); after prepare(…, { targets: true }). */
  targetLength(target: string): number {
    return target === "" ? 0 : this.get(targetKey(target));
  }

  /** Write the counts back when any were added (atomically: a concurrent run's file is replaced whole). */
  save(): void {
    if (this.added === 0) return;
    const body: CacheFile = { tokenizer: this.dir, ...this.meta, counts: Object.fromEntries(this.counts) };
    writeFileAtomic(this.file, `${JSON.stringify(body)}\n`);
    this.added = 0;
  }
}
