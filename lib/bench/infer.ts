/**
 * Benchmark of the scoring backends, in one process (`cci serve bench`, run by `npm run bench`):
 *  - onnx: examples/s of batched against one-by-one scoring on a mid-size causal LM built here
 *    (the tiny-model graph with hidden layers, a larger vocabulary and width), on random prompts
 *    of mixed length — exported two ways: logits at every position (what older exports return),
 *    and at the last position only (`num_logits_to_keep`);
 *  - openai: examples/s of the client at concurrency 1, 8 and 32 against a local stand-in server
 *    with a fixed service time per request (which serves requests side by side, so the ratios
 *    measure the client's concurrency and overhead, not a real server's batching).
 * Each setting counts its fastest of a few runs; results are reported as ratios to the first setting
 * of each backend. Benchmarks measure; they never assert.
 */
import { tempFolder } from "../util/outputs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import seedrandom from "seedrandom";
import type { Scorer } from "../infer/backend";
import type { ScoreInput } from "../infer/inputs";
import { onnxScorer } from "../infer/onnx";
import { openaiScorer } from "../infer/openai";
import { startStandIn } from "../infer/standin";
import { tinyModelWeights, writeTinyModel } from "../infer/tiny-model";

export interface InferBenchOptions {
  /** ONNX model size. */
  vocab?: number;
  hidden?: number;
  layers?: number;
  /** Prompt lengths are uniform in [minTokens, maxTokens]. */
  minTokens?: number;
  maxTokens?: number;
  onnxExamples?: number;
  batchSizes?: number[];
  openaiExamples?: number;
  serviceMs?: number;
  concurrencies?: number[];
  /** Each setting runs this many times; the fastest counts (a shared machine adds noise, never speed). */
  repeats?: number;
  seed?: string;
}

export const INFER_BENCH_DEFAULTS: Required<InferBenchOptions> = {
  vocab: 8000,
  hidden: 128,
  layers: 2,
  minTokens: 200,
  maxTokens: 400,
  onnxExamples: 256,
  batchSizes: [1, 4, 16],
  openaiExamples: 256,
  serviceMs: 20,
  concurrencies: [1, 8, 32],
  repeats: 3,
  seed: "cci-infer-bench",
};

export interface ThroughputRow {
  backend: "onnx (all positions)" | "onnx (last position)" | "openai";
  setting: string;
  examples: number;
  seconds: number;
  examplesPerSecond: number;
  /** examples/s relative to the backend's first setting (one-by-one, concurrency 1). */
  ratio: number;
}

export interface InferBenchResult {
  settings: Required<InferBenchOptions>;
  rows: ThroughputRow[];
}

function randomPrompts(n: number, o: Required<InferBenchOptions>): ScoreInput[] {
  const rng = seedrandom(o.seed);
  return Array.from({ length: n }, (_, i) => {
    const len = o.minTokens + Math.floor(rng() * (o.maxTokens - o.minTokens + 1));
    return { id: `bench-${i + 1}`, inputIds: Array.from({ length: len }, () => 3 + Math.floor(rng() * (o.vocab - 3))) };
  });
}

/** The fastest of `repeats` runs, each with a fresh scorer (built before its clock starts). */
async function fastest(repeats: number, make: () => Scorer | Promise<Scorer>, inputs: readonly ScoreInput[]): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) best = Math.min(best, await timed(await make(), inputs));
  return best;
}

async function timed(scorer: Scorer, inputs: readonly ScoreInput[]): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  await scorer.score(inputs, () => n++);
  const seconds = (performance.now() - t0) / 1000;
  await scorer.close?.();
  if (n !== inputs.length) throw new Error(`bench: ${scorer.describe} scored ${n} of ${inputs.length}`);
  return seconds;
}

function withRatios(rows: Omit<ThroughputRow, "ratio">[]): ThroughputRow[] {
  return rows.map((r) => {
    const first = rows.find((x) => x.backend === r.backend)!;
    return { ...r, examplesPerSecond: +r.examplesPerSecond.toFixed(2), seconds: +r.seconds.toFixed(3), ratio: +(r.examplesPerSecond / first.examplesPerSecond).toFixed(2) };
  });
}

export async function inferThroughput(options: InferBenchOptions = {}): Promise<InferBenchResult> {
  const o = { ...INFER_BENCH_DEFAULTS, ...options };
  const rows: Omit<ThroughputRow, "ratio">[] = [];
  const answerIds = [0, 1, 2];

  const scratch = tempFolder();
  const dir = scratch.path;
  try {
    const weights = tinyModelWeights(o.vocab, o.hidden, o.seed, 0.05, { layers: o.layers });
    const prompts = randomPrompts(o.onnxExamples, o);
    const exports = [
      { backend: "onnx (all positions)" as const, dir: writeTinyModel(join(dir, "all"), weights) },
      { backend: "onnx (last position)" as const, dir: writeTinyModel(join(dir, "last"), weights, { lastOnly: true }) },
    ];
    for (const { backend, dir: modelDir } of exports) {
      // One warm-up pass so first-run allocation is not timed (sessions are built before timing).
      await timed(await onnxScorer(modelDir, answerIds, { batchSize: 1 }), prompts.slice(0, 2));
      for (const batchSize of o.batchSizes) {
        const seconds = await fastest(o.repeats, () => onnxScorer(modelDir, answerIds, { batchSize }), prompts);
        rows.push({ backend, setting: batchSize === 1 ? "one by one" : `batch ${batchSize}`, examples: prompts.length, seconds, examplesPerSecond: prompts.length / seconds });
      }
    }
  } finally {
    scratch.dispose();
  }

  const prompts = randomPrompts(o.openaiExamples, o);
  const server = await startStandIn({ serviceMs: o.serviceMs, logprobs: (_p, ids) => ids.map((_, k) => -1 - k), idleMs: 120_000 });
  try {
    for (const concurrency of o.concurrencies) {
      const seconds = await fastest(o.repeats, () => openaiScorer({ url: server.url, model: "bench", answerIds, concurrency }), prompts);
      rows.push({ backend: "openai", setting: `concurrency ${concurrency}`, examples: prompts.length, seconds, examplesPerSecond: prompts.length / seconds });
    }
  } finally {
    await server.close();
  }
  return { settings: o, rows: withRatios(rows) };
}
