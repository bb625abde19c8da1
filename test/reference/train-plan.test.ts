/**
 * CI-only: `cci train plan`'s time on the real corpus (../shared) against the H200 measurement,
 * and the aggregates test/fixtures/train/real-workloads.json ships re-derived from the corpus.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selectRecipes } from "../../lib/train/bundle";
import { loadRunCorpus } from "../../lib/train/data";
import { computePlans, tokenizerLoader } from "../../lib/train/plan";
import { H200_MEASUREMENT } from "../../lib/train/steptime-h200";
import { hasShared, importedCorpus } from "./shared";

const LLAMA3 = join(__dirname, "..", "..", "node_modules", "@lenml", "tokenizer-llama3", "models");

describe.skipIf(!hasShared)("train plan on the real corpus against the H200 measurement", () => {
  it("gives every bf16 recipe's training hours within 25 % of the measured ones, and the fixture's workloads", async () => {
    const corpus = loadRunCorpus(await importedCorpus());
    const plans = await computePlans(selectRecipes("all"), corpus, { mode: "faithful", tokenizerFor: tokenizerLoader(LLAMA3) });
    const fixture = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "train", "real-workloads.json"), "utf8")).workloads;
    expect(plans.length).toBe(11);
    for (const { plan } of plans) {
      expect(plan.trainingTokens).toBe(fixture[plan.name].trainingTokens);
      expect(plan.devTokensPerEpoch).toBe(fixture[plan.name].devTokens);
      const measured = H200_MEASUREMENT.recipes![plan.name].train_h;
      const ratio = plan.time.trainS / plan.time.fourBitFactor / 3600 / measured;
      expect(ratio, plan.name).toBeGreaterThan(0.75);
      expect(ratio, plan.name).toBeLessThan(1.25);
      if (!plan.load_in_4bit) expect(plan.time.fourBitFactor).toBe(1);
    }
  });
});
