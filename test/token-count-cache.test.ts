// The token-count cache behind `cci chart`'s four Llama-3 charts (lib/tokenize/count-cache.ts):
// counts equal a fresh tokenization, a second opening reads them from disk instead of counting,
// another tokenizer (or template) gets its own file, and the counts-only split gives the plan the
// same lengths and drops as the tokenizing one.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSplit } from "../lib/corpus/locate";
import { buildPrompt, VARIANT_NAMES } from "../lib/prompts";
import { TokenCountCache, tokenCacheDir, tokenizerHash } from "../lib/tokenize/count-cache";
import { loadTokenizer } from "../lib/tokenize/load";
import { promptTokenLengths } from "../lib/tokenize/sft";
import { countedSplit, tokenizedSplit } from "../lib/train/data";
import { ROOT } from "./helpers/chart-workspace";

const LLAMA3 = join(ROOT, "node_modules", "@lenml", "tokenizer-llama3", "models");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), "cci-tokcache-"));
  dirs.push(d);
  return d;
};

describe("token-count cache", () => {
  const examples = loadSplit(join(ROOT, "resource", "sample"), "dev");

  it("counts what the tokenizer counts, then reads them back from disk without loading the tokenizer", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const dir = scratch();
    let loads = 0;
    const load = async () => {
      loads++;
      return tok;
    };
    const first = TokenCountCache.open(LLAMA3, dir, load);
    const variant = VARIANT_NAMES[0];
    const prompts = examples.map((ex) => buildPrompt(ex, variant, { eos: tok.eosToken }));
    await first.prepare(prompts);
    expect(prompts.map((p) => first.promptLength(p))).toEqual(promptTokenLengths(tok, examples, variant));
    expect([first.misses, loads]).toEqual([examples.length, 1]);
    first.save();
    expect(readdirSync(dir)).toEqual([`${tokenizerHash(LLAMA3)}.json`]);

    const second = TokenCountCache.open(LLAMA3, dir, load);
    expect(await second.eosToken()).toBe(tok.eosToken);
    await second.prepare(prompts);
    expect(prompts.map((p) => second.promptLength(p))).toEqual(promptTokenLengths(tok, examples, variant));
    expect([second.hits, second.misses, loads]).toEqual([examples.length, 0, 1]);
  }, 120_000);

  it("keys by the tokenizer folder's files; a damaged file is recounted", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const copy = scratch();
    for (const f of readdirSync(LLAMA3)) writeFileSync(join(copy, f), readFileSync(join(LLAMA3, f)));
    expect(tokenizerHash(copy)).toBe(tokenizerHash(LLAMA3));
    writeFileSync(join(copy, "chat_template.jinja"), "{{ messages }}");
    expect(tokenizerHash(copy)).not.toBe(tokenizerHash(LLAMA3));
    const dir = scratch();
    const c = TokenCountCache.open(LLAMA3, dir, async () => tok);
    writeFileSync(c.file, "{ not json");
    const reopened = TokenCountCache.open(LLAMA3, dir, async () => tok);
    await reopened.prepare([buildPrompt(examples[0], "Baseline", { eos: tok.eosToken })]);
    expect(reopened.misses).toBe(1);
    expect(tokenCacheDir("/repo", {})).toBe(join("/repo", ".cache", "token-counts"));
    expect(tokenCacheDir("/repo", { CCI_TOKEN_CACHE: "/elsewhere" })).toBe("/elsewhere");
  }, 120_000);

  it("countedSplit gives the plan tokenizedSplit's lengths and drops, cold and warm", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const short = { ...tok, modelMaxLength: 300 }; // some sample prompts are longer: the length rule drops them
    const dir = scratch();
    for (const pass of ["cold", "warm"]) {
      const cache = TokenCountCache.open(LLAMA3, dir, async () => short);
      for (const variant of ["CustomRefDataset", "SystemRefOfficialTermDataset"] as const) {
        const a = tokenizedSplit(short, examples, variant, "faithful");
        const b = await countedSplit(cache, examples, variant, "faithful");
        expect(b.lengths, pass).toEqual(a.lengths);
        expect(b.dropped, pass).toEqual(a.dropped);
        expect(b.counted).toBe("tokenizer");
      }
      expect(cache.misses, pass).toBe(pass === "cold" ? cache.misses : 0);
      cache.save();
    }
    expect(tokenizedSplit(short, examples, "CustomRefDataset", "faithful").dropped.length).toBeGreaterThan(0);
  }, 120_000);
});
