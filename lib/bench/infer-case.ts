/**
 * The `npm run bench` case for scoring throughput. Kept apart from the measurement itself
 * (infer.ts), which loads onnxruntime and onnx-proto: `cci` imports every case at start-up.
 */
import { join } from "node:path";
import type { BenchCase } from "./bench";

/** Scoring throughput: onnx batched vs one by one, the openai client at concurrency 1/8/32. */
export const INFER_CASE_NAME = "infer";

/** Where the measured throughput is kept (committed: notebook 05 shows it). */
export const INFER_RESULTS = ["reports", "bench-infer.json"] as const;

/** The `npm run bench` case: one `cci serve bench` process (wall time and peak memory measured by the harness). */
export const inferCase: BenchCase = {
  name: INFER_CASE_NAME,
  run: async (ctx) => [await ctx.cci(INFER_CASE_NAME, "scoring throughput", ["serve", "bench", "--out", join(ctx.root, ...INFER_RESULTS)])],
};
