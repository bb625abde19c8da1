/**
 * CI-only: `cci train plan` on the real corpus (../shared) against the H200 measurement, and the
 * aggregates test/fixtures/train/real-workloads.json ships, re-derived from the corpus.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RECIPES } from "../../lib/train/recipes";
import { H200_MEASUREMENT } from "../../lib/train/steptime-h200";
import { hasShared, importedCorpus } from "./shared";

const ROOT = join(__dirname, "..", "..");
const LLAMA3 = join(ROOT, "node_modules", "@lenml", "tokenizer-llama3", "models");

describe.skipIf(!hasShared)("cci train plan on the real corpus against the H200 measurement", () => {
  it("gives every bf16 recipe's training hours within 25 % of the measured ones, says how 4-bit was estimated, and matches the fixture's workloads", async () => {
    const data = await importedCorpus();
    const runs = mkdtempSync(join(tmpdir(), "cci-ref-plan-"));
    try {
      const r = spawnSync(process.execPath, [join(ROOT, "lib", "cli", "cci.mjs"), "train", "plan", "--recipe", "all", "--out", runs, "--data", data, "--tokenizer", LLAMA3], { encoding: "utf8", cwd: ROOT, timeout: 300_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/4-bit bases: no 4-bit measurement exists .* × 1\.5/);
      expect(r.stderr).toMatch(/GPUs without a measurement: from the nearest measured one/);
      const fixture = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "train", "real-workloads.json"), "utf8")).workloads;
      for (const recipe of RECIPES) {
        const plan = JSON.parse(readFileSync(join(runs, recipe.name, "compute.json"), "utf8"));
        expect(plan.trainingTokens, recipe.name).toBe(fixture[recipe.name].trainingTokens);
        expect(plan.devTokensPerEpoch, recipe.name).toBe(fixture[recipe.name].devTokens);
        const ratio = plan.time.trainS / plan.time.fourBitFactor / 3600 / H200_MEASUREMENT.recipes![recipe.name].train_h;
        expect(ratio, recipe.name).toBeGreaterThan(0.75);
        expect(ratio, recipe.name).toBeLessThan(1.25);
        expect(plan.time.fourBitFactor, recipe.name).toBe(recipe.load_in_4bit ? 1.5 : 1);
      }
    } finally {
      rmSync(runs, { recursive: true, force: true });
    }
  });
});
