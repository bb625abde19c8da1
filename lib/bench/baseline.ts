/**
 * Benchmark case of the CPU ensemble: train every baseline member on the real corpus, predict
 * dev and test, then hard-vote the members' dev predictions with accuracy against dev.json.
 */
import { join } from "node:path";
import { BASELINE_MEMBER_NAMES } from "../baseline/members";
import type { BenchCase } from "./bench";

export const BASELINE_CASE_NAME = "baseline";

export const baselineCase: BenchCase = {
  name: BASELINE_CASE_NAME,
  run: async (ctx) => {
    const data = join(ctx.work, "x1-data");
    const results = join(ctx.work, "baseline-results");
    const devPredictions = BASELINE_MEMBER_NAMES.map((n) => join(results, "predictions", "dev", `${n}.json`));
    return [
      await ctx.cci(BASELINE_CASE_NAME, "baseline train", ["baseline", "train", "--data", data, "--results", results]),
      await ctx.cci(BASELINE_CASE_NAME, "baseline predict", ["baseline", "predict", "--data", data, "--results", results]),
      await ctx.cci(BASELINE_CASE_NAME, "vote (dev)", ["vote", "--gold", join(data, "dev.json"), "--out", join(results, "dev-vote.json"), ...devPredictions]),
    ];
  },
};
