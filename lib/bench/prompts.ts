/**
 * Benchmark case of the prompt stage: every variant over train+dev+test, as prompts (JSONL) and
 * as SFT data tokenized by a character-level tokenizer built over the corpus (no download).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadSplit } from "../corpus/locate";
import { writeCorpus } from "../corpus/write";
import { VARIANT_NAMES } from "../prompts/variants";
import { writeCorpusTinyTokenizer } from "../tokenize/tiny";
import type { BenchCase } from "./bench";

export const PROMPTS_CASE_NAME = "prompts";

export const promptsCase: BenchCase = {
  name: PROMPTS_CASE_NAME,
  run: (ctx) => {
    const dir = join(ctx.work, "prompts");
    const input = join(dir, "train+dev+test.json");
    const tokenizer = join(dir, "tokenizer");
    if (!existsSync(input)) {
      mkdirSync(dir, { recursive: true });
      const examples = (["train", "dev", "test"] as const).flatMap((s) => loadSplit(join(ctx.work, "x1-data"), s));
      writeCorpus(input, examples);
      writeCorpusTinyTokenizer(tokenizer, examples);
    }
    return [
      ...VARIANT_NAMES.map((v) => ctx.cci(PROMPTS_CASE_NAME, `prompts ${v}`, ["prompts", "--variant", v, input, "--out", join(dir, `${v}.jsonl`)])),
      ...VARIANT_NAMES.map((v) =>
        ctx.cci(PROMPTS_CASE_NAME, `export-sft ${v}`, ["export-sft", "--variant", v, "--tokenizer", tokenizer, input, "--out", join(dir, "sft", `${v}.jsonl`)]),
      ),
    ];
  },
};
