/**
 * The step-time model: how long a recipe's training takes, from measured per-micro-step times
 * instead of 6·N·T at an assumed utilisation. A measurement (or a `cci train calibrate` file)
 * holds, per base shape and sequence length L, the seconds of one batch-1 forward+backward; the
 * model fits `fixed + perToken · L` to them and sums it over the examples the Trainer forwards.
 * Batch-1 LoRA at these shapes is overhead-bound (the H200 figures are flat from 256 to 1536
 * tokens), so the fixed part dominates; the fit keeps whatever slope a calibration shows.
 */
import { UserError } from "../util/errors";
import type { ModelShape } from "./models";
import { MODEL_SHAPES, modelShape, parameterCounts } from "./models";

/** One sequence length's training figures (the measurement format). */
export interface TrainPoint {
  micro_s: number;
  opt_s?: number;
  peak_GiB?: number | null;
  mfu_vs_989T?: number;
}

/** One base shape's figures, keyed by length (as strings: JSON keys). */
export interface ShapeMeasurement {
  params: number;
  lora_params?: number;
  lora_dtype?: string;
  build_s?: number;
  /** The shape actually built (benchmark.py writes it; a `--tiny` override shows here). */
  shape?: Partial<Pick<ModelShape, "hidden_size" | "intermediate_size" | "num_hidden_layers" | "num_attention_heads" | "num_key_value_heads" | "vocab_size">>;
  tiny?: boolean;
  /** True when the base was really loaded 4-bit for the measurement. */
  quantized_4bit?: boolean;
  train: Record<string, TrainPoint>;
  score_b1?: Record<string, number>;
  score_b16?: Record<string, number>;
  /** Seconds per sequence of a batch-8 forward+backward. */
  train_b8?: Record<string, number>;
}

/** A measurement or calibration file: ../shared/measurements/h200-lora-throughput.json's shape. */
export interface Calibration {
  provenance?: { gpu?: string; stack?: string; date?: string; method?: string; source?: string };
  device: string;
  torch?: string;
  transformers?: string;
  peft?: string;
  date?: string;
  shapes: Record<string, ShapeMeasurement>;
  /** Per-recipe hours the measurement itself computed (the probe), where present. */
  recipes?: Record<string, { model: string; train_h: number; eval_h: number; tokens_per_s?: number }>;
}

/** time = fixedS + perTokenS · max(L, minL): flat below the shortest measured length (no extrapolation downwards). */
export interface Line {
  fixedS: number;
  perTokenS: number;
  minL: number;
}

/** Seconds of `count` sequences of `tokens` in all at one line (linear, so the mean length is enough). */
export function lineSeconds(line: Line, count: number, tokens: number): number {
  if (count === 0) return 0;
  const mean = Math.max(tokens / count, line.minL);
  return count * (line.fixedS + line.perTokenS * mean);
}

/**
 * Least squares over (L, seconds). A negative slope is noise around a flat curve (the H200
 * figures dip and rise by ±15 %), so it is clamped to 0 and the fixed cost becomes the mean.
 */
export function fitLine(points: readonly (readonly [number, number])[]): Line {
  if (points.length === 0) throw new RangeError("fitLine: no points");
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  const minL = Math.min(...points.map((p) => p[0]));
  const slope = sxx > 0 ? points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx : 0;
  if (slope <= 0) return { fixedS: my, perTokenS: 0, minL };
  const fixed = my - slope * mx;
  // a positive slope with a negative intercept would price short sequences below zero
  return fixed >= 0 ? { fixedS: fixed, perTokenS: slope, minL } : { fixedS: 0, perTokenS: points.reduce((a, p) => a + p[1], 0) / points.reduce((a, p) => a + p[0], 0), minL };
}

const pointsOf = (table: Record<string, number>): [number, number][] => Object.entries(table).map(([L, s]) => [Number(L), s]);

/** The fitted lines of one shape's measurement. */
export interface ShapeModel {
  micro: Line;
  /** Median optimizer step (AdamW over the LoRA weights), seconds. */
  optS: number;
  score: Line | null;
  /** Batch-8 training, per sequence. */
  batched8: Line | null;
}

export function shapeModel(m: ShapeMeasurement): ShapeModel {
  const micro = fitLine(Object.entries(m.train).map(([L, p]) => [Number(L), p.micro_s]));
  // the first length's opt_s includes AdamW's state allocation; the median skips it
  const opts = Object.values(m.train).map((p) => p.opt_s).filter((x): x is number => typeof x === "number").sort((a, b) => a - b);
  return {
    micro,
    optS: opts.length ? opts[Math.floor(opts.length / 2)] : 0,
    score: m.score_b1 && Object.keys(m.score_b1).length ? fitLine(pointsOf(m.score_b1)) : null,
    batched8: m.train_b8 && Object.keys(m.train_b8).length ? fitLine(pointsOf(m.train_b8)) : null,
  };
}

const SHAPE_KEYS = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "vocab_size"] as const;
const sameShape = (a: ModelShape, b: ModelShape) => SHAPE_KEYS.every((k) => a[k] === b[k]);

/** Which measured entry prices a base, and how it was chosen. */
export interface EntryChoice {
  key: string;
  entry: ShapeMeasurement;
  /** Multiplier on every time (1 unless scaled from another shape by parameters). */
  scale: number;
  how: string;
}

/**
 * The entry for a base: its own; else one of the same shape; else the nearest by parameter
 * count, every time scaled by the parameter ratio (an assumption the plan prints).
 */
export function chooseEntry(cal: Calibration, modelId: string): EntryChoice {
  const own = cal.shapes[modelId];
  const target = modelShape(modelId);
  if (own) {
    const built = own.shape;
    const differs = built && SHAPE_KEYS.some((k) => built[k] !== undefined && built[k] !== target[k]);
    return { key: modelId, entry: own, scale: 1, how: differs ? `measured at an overridden shape (${SHAPE_KEYS.map((k) => `${k} ${built![k]}`).join(", ")}), not ${modelId}'s` : "measured" };
  }
  const known = Object.keys(cal.shapes).filter((k) => k in MODEL_SHAPES);
  const same = known.find((k) => sameShape(modelShape(k), target));
  if (same) return { key: same, entry: cal.shapes[same], scale: 1, how: `same shape as ${same} (measured)` };
  const n = parameterCounts(target).total;
  const keys = Object.keys(cal.shapes);
  if (keys.length === 0) throw new RangeError(`calibration from ${cal.device} has no shapes`);
  const nearest = keys.reduce((a, b) => (Math.abs(Math.log(cal.shapes[b].params / n)) < Math.abs(Math.log(cal.shapes[a].params / n)) ? b : a));
  // A --tiny stand-in's times say nothing about a real base: scaling them by the parameter
  // ratio (×12,000) is like with unlike.
  if (cal.shapes[nearest].tiny) throw new UserError(`calibration: ${modelId} was not measured, and ${nearest}'s entry is a --tiny stand-in (not scaled to another base); calibrate ${modelId} itself, or plan without --calibration`);
  const scale = n / cal.shapes[nearest].params;
  return { key: nearest, entry: cal.shapes[nearest], scale, how: `not measured: ${nearest}'s times × ${scale.toFixed(2)} (parameter ratio)` };
}

/** What the Trainer forwards: counts and tokens (from the compute plan). */
export interface Workload {
  /** Training micro-steps (examples forwarded, all epochs). */
  microSteps: number;
  trainingTokens: number;
  optimizerSteps: number;
  /** Dev examples and tokens of one evaluation, and how many evaluations run. */
  devExamples: number;
  devTokens: number;
  evaluations: number;
  load_in_4bit: boolean;
}

/** Assumed, not measured: bitsandbytes NF4 dequantises every weight on every use. */
export const QLORA_SLOWDOWN = 1.5;
/** Without a scoring measurement, a prompt-only forward is taken as a third of a forward+backward. */
const FORWARD_SHARE = 1 / 3;

export interface RecipeTime {
  device: string;
  entry: string;
  how: string;
  /** Mean seconds per training micro-step (bf16, before the 4-bit factor). */
  microStepS: number;
  /** Training split into the fitted line's fixed and per-token parts (4-bit factor applied). */
  trainFixedS: number;
  trainTokenS: number;
  optimizerS: number;
  evalS: number;
  /** The factor applied for a 4-bit base measured in bf16 (1 when not applied). */
  fourBitFactor: number;
  /** trainFixedS + trainTokenS + optimizerS. */
  trainS: number;
  /** Expected training time at 8 sequences per micro-step (the fast engine), from train_b8; null without it. */
  fastTrainS: number | null;
}

export function recipeTime(w: Workload, modelId: string, cal: Calibration): RecipeTime {
  const c = chooseEntry(cal, modelId);
  const m = shapeModel(c.entry);
  const q = w.load_in_4bit && !c.entry.quantized_4bit ? QLORA_SLOWDOWN : 1;
  const k = c.scale * q;
  const trainFixedS = w.microSteps * m.micro.fixedS * k;
  const trainTokenS = (lineSeconds(m.micro, w.microSteps, w.trainingTokens) - w.microSteps * m.micro.fixedS) * k;
  const optimizerS = w.optimizerSteps * m.optS * c.scale;
  const score = m.score ?? { fixedS: m.micro.fixedS * FORWARD_SHARE, perTokenS: m.micro.perTokenS * FORWARD_SHARE, minL: m.micro.minL };
  const evalS = w.evaluations * lineSeconds(score, w.devExamples, w.devTokens) * k;
  const fastTrainS = m.batched8 ? lineSeconds(m.batched8, w.microSteps, w.trainingTokens) * k + optimizerS : null;
  return {
    device: cal.device,
    entry: c.key,
    how: c.how,
    microStepS: w.microSteps ? (lineSeconds(m.micro, w.microSteps, w.trainingTokens) * c.scale) / w.microSteps : 0,
    trainFixedS,
    trainTokenS,
    optimizerS,
    evalS,
    fourBitFactor: q,
    trainS: trainFixedS + trainTokenS + optimizerS,
    fastTrainS,
  };
}

/** GPUs the plan prices: bf16 dense peak (FLOP/s, data sheets) and memory in GiB. */
export const GPU_TABLE = {
  "A100-40GB": { peakFlops: 312e12, memoryGiB: 40, pattern: /A100(?!.*80)/i },
  "A100-80GB": { peakFlops: 312e12, memoryGiB: 80, pattern: /A100.*80/i },
  "H100-80GB": { peakFlops: 989e12, memoryGiB: 80, pattern: /H100/i },
  H200: { peakFlops: 989e12, memoryGiB: 140, pattern: /H200/i },
} as const;
export type GpuName = keyof typeof GPU_TABLE;
export const GPU_NAMES = Object.keys(GPU_TABLE) as GpuName[];

/** The table's GPU a device string names (`torch.cuda.get_device_name`), or null (a CPU, an unknown card). */
export function gpuOf(device: string): GpuName | null {
  return GPU_NAMES.find((g) => GPU_TABLE[g].pattern.test(device)) ?? null;
}

/**
 * A recipe's training + evaluation seconds on another GPU: the fixed (overhead-bound) part as
 * measured — kernel launches and Python, not FLOPs, set it — and the per-token part × the
 * ratio of bf16 peaks. An assumption, printed with the plan.
 */
export function scaledSeconds(t: RecipeTime, from: GpuName, to: GpuName): number {
  const r = GPU_TABLE[from].peakFlops / GPU_TABLE[to].peakFlops;
  return t.trainFixedS + t.optimizerS + t.evalS + t.trainTokenS * r;
}

export const SCALING_ASSUMPTION =
  "GPUs without a measurement: from the nearest measured one (by bf16 peak), the fixed per-micro-step cost unchanged (batch-1 LoRA is launch/overhead-bound: the H200 curve is flat in length) and the per-token part × the ratio of bf16 peaks (A100 312, H100 989, H200 989 TFLOPS); H100 = H200 under this rule, though its memory bandwidth is lower";

/** The nearest measured GPU to a target (by bf16 peak). */
export function nearestGpu(measured: readonly GpuName[], to: GpuName): GpuName {
  return measured.reduce((a, b) => (Math.abs(Math.log(GPU_TABLE[b].peakFlops / GPU_TABLE[to].peakFlops)) < Math.abs(Math.log(GPU_TABLE[a].peakFlops / GPU_TABLE[to].peakFlops)) ? b : a));
}
