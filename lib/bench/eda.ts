/**
 * Benchmark case of the EDA stage: `cci eda` as a user runs it on the real corpus — raw and
 * refined, every split, every chart in HTML, PNG and SVG (one headless Chromium), the CSVs.
 * Peak memory is the Node process's; Chromium's own processes are not counted.
 */
import { removeOutput } from "../util/outputs";
import { join } from "node:path";
import type { BenchCase } from "./bench";

export const EDA_CASE_NAME = "eda";

export const edaCase: BenchCase = {
  name: EDA_CASE_NAME,
  run: async (ctx) => {
    const out = join(ctx.work, "x1-eda");
    removeOutput(out);
    // x1-data and x1-refined come from the first case (run before any other).
    return [await ctx.cci(EDA_CASE_NAME, "eda", ["eda", "--data", join(ctx.work, "x1-data"), "--refined", join(ctx.work, "x1-refined"), "--out", out])];
  },
};
