// The token-count cache behind `cci chart`'s four Llama-3 charts (lib/tokenize/count-cache.ts):
// counts equal a fresh tokenization, a second opening reads them from disk instead of counting,
// another tokenizer (or template) gets its own file, and the counts-only split gives the plan the
// same lengths and drops as the tokenizing one.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

  it("counts what the tokenizer counts, then reads them back from disk without counting", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const dir = scratch();
    const first = TokenCountCache.open(tok, dir);
    const variant = VARIANT_NAMES[0];
    const counted = examples.map((ex) => first.promptLength(buildPrompt(ex, variant, { eos: tok.eosToken })));
    expect(counted).toEqual(promptTokenLengths(tok, examples, variant));
    expect(first.misses).toBe(examples.length);
    first.save();
    expect(readdirSync(dir)).toEqual([`${tokenizerHash(tok)}.json`]);

    const second = TokenCountCache.open(tok, dir);
    const again = examples.map((ex) => second.promptLength(buildPrompt(ex, variant, { eos: tok.eosToken })));
    expect(again).toEqual(counted);
    expect([second.hits, second.misses]).toEqual([examples.length, 0]);
  }, 120_000);

  it("keys by the tokenizer: another chat template is another file; a damaged file is recounted", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const other = { ...tok, chatTemplate: `${tok.chatTemplate}{# changed #}` };
    expect(tokenizerHash(other)).not.toBe(tokenizerHash(tok));
    const dir = scratch();
    const c = TokenCountCache.open(tok, dir);
    writeFileSync(c.file, "{ not json");
    const reopened = TokenCountCache.open(tok, dir);
    reopened.promptLength(buildPrompt(examples[0], "Baseline", { eos: tok.eosToken }));
    expect(reopened.misses).toBe(1);
    expect(tokenCacheDir("/repo", {})).toBe(join("/repo", ".cache", "token-counts"));
    expect(tokenCacheDir("/repo", { CCI_TOKEN_CACHE: "/elsewhere" })).toBe("/elsewhere");
  }, 120_000);

  it("countedSplit gives the plan tokenizedSplit's lengths and drops", async () => {
    const tok = await loadTokenizer(LLAMA3);
    const short = { ...tok, modelMaxLength: 300 }; // some sample prompts are longer: the length rule drops them
    const cache = TokenCountCache.open(short, scratch());
    for (const variant of ["CustomRefDataset", "SystemRefOfficialTermDataset"] as const) {
      const a = tokenizedSplit(short, examples, variant, "faithful");
      const b = countedSplit(cache, examples, variant, "faithful");
      expect(b.lengths).toEqual(a.lengths);
      expect(b.dropped).toEqual(a.dropped);
      expect(b.counted).toBe("tokenizer");
    }
    expect(tokenizedSplit(short, examples, "CustomRefDataset", "faithful").dropped.length).toBeGreaterThan(0);
  }, 120_000);
});
