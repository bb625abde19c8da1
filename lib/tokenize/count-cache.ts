/**
 * Token counts of prompts kept on disk between runs, for the charts that count Llama-3 tokens of
 * the whole corpus (`cci chart prompt_token_lengths`, training_hours/_wall/_memory): counting
 * takes tens of seconds a chart; a second run reads them back. One JSON file per tokenizer, named
 * by the hash of its files and chat template; an entry per prompt, keyed by the hash of its
 * messages (the text the template renders) or of its target. Nothing else is stored: changing the
 * corpus, the prompt code or the tokenizer changes the keys, never a stale count.
 * The folder (.cache/token-counts under the checkout, CCI_TOKEN_CACHE elsewhere) is git-ignored.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Prompt } from "../prompts";
import { writeFileAtomic } from "../util/atomic";
import type { LoadedTokenizer } from "./load";
import { encodeText, promptText } from "./sft";

export const TOKEN_CACHE_ENV = "CCI_TOKEN_CACHE";

/** The cache folder: CCI_TOKEN_CACHE, else .cache/token-counts in the checkout. */
export function tokenCacheDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[TOKEN_CACHE_ENV] || join(root, ".cache", "token-counts");
}

const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

/** What makes a tokenizer count as it does: its files' bytes and the chat template it renders with. */
export function tokenizerHash(tok: LoadedTokenizer): string {
  const h = createHash("sha256");
  for (const f of readdirSync(tok.dir).filter((f) => /\.(json|jinja|model)$/.test(f)).sort()) {
    const p = join(tok.dir, f);
    if (!statSync(p).isFile()) continue;
    h.update(`${f}\0`).update(readFileSync(p)).update("\0");
  }
  return h.update(tok.chatTemplate).digest("hex").slice(0, 24);
}

interface CacheFile {
  tokenizer: string;
  counts: Record<string, number>;
}

/** Prompt and target token counts of one tokenizer, read from and saved to the cache folder. */
export class TokenCountCache {
  private readonly counts: Map<string, number>;
  private added = 0;
  hits = 0;
  misses = 0;

  private constructor(
    readonly tok: LoadedTokenizer,
    readonly file: string,
    counts: Record<string, number>,
  ) {
    this.counts = new Map(Object.entries(counts));
  }

  static open(tok: LoadedTokenizer, dir: string): TokenCountCache {
    const file = join(dir, `${tokenizerHash(tok)}.json`);
    let counts: Record<string, number> = {};
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
        if (parsed && typeof parsed.counts === "object") counts = parsed.counts;
      } catch {
        counts = {}; // a damaged cache is recounted, never trusted
      }
    }
    return new TokenCountCache(tok, file, counts);
  }

  private get(key: string, count: () => number): number {
    const known = this.counts.get(key);
    if (typeof known === "number") {
      this.hits++;
      return known;
    }
    this.misses++;
    const n = count();
    this.counts.set(key, n);
    this.added++;
    return n;
  }

  /** Tokens of the prompt as the chat template renders it (with the generation prompt). */
  promptLength(prompt: Prompt): number {
    return this.get(`p:${sha(JSON.stringify(prompt.messages))}`, () => encodeText(this.tok, promptText(this.tok, prompt)).length);
  }

  /** Tokens of the target (no special tokens added). */
  targetLength(target: string): number {
    if (target === "") return 0;
    return this.get(`t:${sha(target)}`, () => encodeText(this.tok, target).length);
  }

  /** Write the counts back when any were added (atomically: a concurrent run's file is replaced whole). */
  save(): void {
    if (this.added === 0) return;
    const body: CacheFile = { tokenizer: this.tok.dir, counts: Object.fromEntries(this.counts) };
    writeFileAtomic(this.file, `${JSON.stringify(body)}\n`);
    this.added = 0;
  }
}
