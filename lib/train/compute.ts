/**
 * The compute plan of a recipe: examples kept and dropped by the length rule, optimizer steps
 * (transformers 4.41's arithmetic, lib/train/schedule.ts), tokens, a GPU memory estimate, and
 * time from measured per-micro-step costs (lib/train/steptime.ts: the H200 measurement shipped
 * in lib/train/steptime-h200.ts, or a `cci train calibrate` file). 6·N·T at an assumed
 * utilisation is kept only for comparison. Every assumption is named here and printed.
 */
import type { ExampleLength, SplitData } from "./data";
import { linearShapes, loraParameterCount, modelShape, parameterCounts, CHARS_PER_TOKEN_SOURCE } from "./models";
import { COMMON_TRAINING, type Recipe } from "./recipes";
import { engineSchedule, type Schedule } from "./schedule";
import { adapterDtypeOf, BYTES, DEFAULT_ADAPTER_DTYPE, type AdapterDtype, type AdapterDtypeRule } from "./adapter-dtype";
import { FIXED_ASSUMPTIONS, loadSeconds, parallelWall, type Schedule as GpuSchedule } from "./steptime-fixed";
import { H200_MEASUREMENT } from "./steptime-h200";
import { GPU_NAMES, GPU_TABLE, QLORA_SLOWDOWN, SCALING_ASSUMPTION, gpuOf, recipeTime, scaledSeconds, type Calibration, type GpuName, type RecipeTime, type Workload } from "./steptime";

/** Dense bf16 tensor-core peak (FLOP/s) and memory (GiB) of the GPUs the plan prices (lib/train/steptime.ts). */
export const GPUS = GPU_TABLE;
export type { GpuName };
export { QLORA_SLOWDOWN };

/** Model FLOPs utilisation the old 6·N·T estimate assumed (kept for comparison only: the H200 measured 2–16 %). */
export const UTILISATION = 0.3;
const GiB = 1024 ** 3;
/** Bytes per parameter of NF4 with double quantisation (4 bits + ~0.127 bits of block constants). */
export const NF4_BYTES = (4 + 0.127) / 8;
/** CUDA context, allocator fragmentation and kernels' workspaces. */
export const OVERHEAD_GIB = 2;

export const ASSUMPTIONS: readonly string[] = [
  "steps: the engine's Trainer loop replayed (schedule.loop), batch 1, one process: transformers 4.41's for faithful, modern and fast (max_steps = ceil(epochs · max(kept // 64, 1)); windows carry across epochs, training stops at max_steps); transformers ≥ 4.46's for trl (max_steps = ceil(epochs · ceil(kept / 64)); every epoch's last partial window updates)",
  "time: measured seconds per batch-1 micro-step (forward+backward, LoRA, gradient checkpointing) fitted as fixed + per-token · L per base shape, summed over the examples forwarded; + AdamW per update; evaluation: each epoch's dev examples at the measured batch-1 prompt-forward time",
  `4-bit bases: no 4-bit measurement exists (no bitsandbytes on the H200), so the bf16 figure of the same shape × ${QLORA_SLOWDOWN} (assumed: NF4 dequantises every weight on every use)`,
  SCALING_ASSUMPTION,
  "fast engine (expected, not measured end-to-end): the same sequences at the measured batch-8 cost per sequence (train_b8), same optimizer steps; every fitted line is flat below its shortest measured length (no extrapolation downwards)",
  ...FIXED_ASSUMPTIONS,
  `for comparison only: 6 · N · T training FLOPs + 2 · N · T_dev per evaluation at ${UTILISATION} utilisation of the bf16 peak (what the plan used before; ${4}–${7}× optimistic on the H200)`,
  "weights: bf16 2 bytes/param; 4-bit: decoder linear layers NF4 + double quant (≈0.52 bytes/param), embeddings, lm_head and norms kept in bf16",
  "LoRA weights, gradients and AdamW's two moments in the adapter's dtype (adapterDtype; lib/train/adapter-dtype.ts): original = PEFT 0.11.1's rule, bf16 (2 bytes) on a bf16 layer and on every lm_head, fp32 (4 bytes) on a 4-bit layer; fp32 = 4 bytes throughout",
  "activations at the longest kept example L with gradient checkpointing: per layer the checkpointed hidden state (2·L·h bytes), one layer recomputed in full (L·h·34 + 5·heads·L² bytes), logits in fp32 (3 copies of L·vocab·4 bytes)",
  `overhead ${OVERHEAD_GIB} GiB (CUDA context, fragmentation)`,
];

/** The extra assumption of a plan made without a tokenizer. */
export const ESTIMATE_ASSUMPTION = `without a tokenizer, token counts are estimates: characters of the Llama-2-template prompt ÷ characters per token from ${CHARS_PER_TOKEN_SOURCE}; the length rule cannot be applied (none dropped)`;

/** Where the times come from: the shipped measurement or a calibration file. */
export function timeSource(cal: Calibration = H200_MEASUREMENT): string {
  const p = cal.provenance;
  const stack = p?.stack ?? [cal.torch && `torch ${cal.torch}`, cal.transformers && `transformers ${cal.transformers}`, cal.peft && `PEFT ${cal.peft}`].filter(Boolean).join(", ");
  const tiny = Object.values(cal.shapes).some((s) => s.tiny) ? "; TINY shape override: not the recipes' shapes" : "";
  return `times measured on ${p?.gpu ?? cal.device} (${stack}${p?.date ?? cal.date ? `, ${p?.date ?? cal.date}` : ""})${tiny}`;
}

export function assumptions(counted: "tokenizer" | "estimate", cal: Calibration = H200_MEASUREMENT): string[] {
  const source = cal === H200_MEASUREMENT ? `${timeSource(cal)}: lib/train/steptime-h200.ts` : `${timeSource(cal)}: the calibration file; GPU columns ${gpuOf(cal.device) ? "scaled from it" : "from the shipped H200 measurement"}`;
  return [source, ...ASSUMPTIONS, counted === "tokenizer" ? "token counts: the planning tokenizer's, per example (prompt by the chat template, target without special tokens)" : ESTIMATE_ASSUMPTION];
}

export interface MemoryEstimate {
  weightsGiB: number;
  loraGiB: number;
  optimizerGiB: number;
  activationsGiB: number;
  overheadGiB: number;
  totalGiB: number;
}

export interface ComputePlan {
  name: string;
  model_id: string;
  load_in_4bit: boolean;
  counted: "tokenizer" | "estimate";
  /** The engine whose optimizer steps `schedule` counts. */
  engine: PlanEngine;
  /** The adapter's dtype rule the memory estimate follows (run.json's adapter_dtype). */
  adapterDtype: AdapterDtypeRule;
  trainExamples: number;
  kept: number;
  dropped: number;
  devKept: number;
  schedule: Schedule;
  /** Tokens of one pass over the kept train examples. */
  tokensPerEpoch: number;
  /** Tokens forwarded in training, all epochs (the last, cut epoch pro rata). */
  trainingTokens: number;
  devTokensPerEpoch: number;
  longestTokens: number;
  parameters: number;
  loraParameters: number;
  flops: number;
  memory: MemoryEstimate;
  /** The base's shape (what `train.py --benchmark` builds) and the kept train lengths' quantiles (where it measures). */
  shape: { hidden_size: number; intermediate_size: number; num_hidden_layers: number; num_attention_heads: number; num_key_value_heads: number; vocab_size: number; tie_word_embeddings: boolean };
  lengthQuantiles: { p10: number; p50: number; p90: number; max: number };
  /** Training + evaluation time from the step-time model, on the calibration's (or the shipped measurement's) device. */
  time: RecipeTime;
  /** Loading (and 4-bit quantising) the base for this run, seconds (assumed rates). */
  loadS: number;
  /** Training + evaluation hours per GPU (the step-time model, scaled to GPUs without a measurement). */
  gpuHours: Record<GpuName, number>;
  /** The old 6·N·T estimate at UTILISATION, for comparison. */
  flopHours: Record<GpuName, number>;
  fitsA100_40GB: boolean;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const keptLengths = (s: SplitData): ExampleLength[] => {
  const dropped = new Set(s.dropped);
  return s.lengths.filter((l) => !dropped.has(l.id));
};

export function memoryEstimate(recipe: Recipe, longest: number, adapterDtype: AdapterDtypeRule = DEFAULT_ADAPTER_DTYPE): MemoryEstimate {
  const m = modelShape(recipe.model_id);
  const p = parameterCounts(m);
  const weights = recipe.load_in_4bit ? p.blockLinear * NF4_BYTES + p.unquantized * 2 : p.total * 2;
  // Bytes of the LoRA weights, module by module, in the dtype the choice gives each.
  const loraWeightBytes = linearShapes(m)
    .filter((s) => (COMMON_TRAINING.lora_target_modules as readonly string[]).includes(s.name))
    .reduce((a, s) => a + COMMON_TRAINING.lora_r * (s.in + s.out) * s.count * BYTES[adapterDtypeOf(adapterDtype, recipe.load_in_4bit, s.name)], 0);
  const L = longest;
  const h = m.hidden_size;
  const checkpoints = m.num_hidden_layers * 2 * L * h;
  const oneLayer = L * h * 34 + 5 * m.num_attention_heads * L * L;
  const logits = 3 * L * m.vocab_size * 4;
  const mem = {
    weightsGiB: weights / GiB,
    loraGiB: (loraWeightBytes * 2) / GiB, // weights + gradients (the weight's dtype)
    optimizerGiB: (loraWeightBytes * 2) / GiB, // exp_avg + exp_avg_sq (torch's AdamW keeps the parameter's dtype)
    activationsGiB: (checkpoints + oneLayer + logits) / GiB,
    overheadGiB: OVERHEAD_GIB,
  };
  return { ...mem, totalGiB: mem.weightsGiB + mem.loraGiB + mem.optimizerGiB + mem.activationsGiB + mem.overheadGiB };
}

const quantile = (sorted: readonly number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);

/** Per GPU: the step-time model on the calibration's GPU, or on the shipped H200's when the calibration ran elsewhere (a CPU). */
function hoursPerGpu(w: Workload, modelId: string, cal: Calibration): Record<GpuName, number> {
  const src = gpuOf(cal.device) ? cal : H200_MEASUREMENT;
  const from = gpuOf(src.device)!;
  const t = recipeTime(w, modelId, src);
  return Object.fromEntries(GPU_NAMES.map((g) => [g, scaledSeconds(t, from, g) / 3600])) as Record<GpuName, number>;
}

export type PlanEngine = "faithful" | "modern" | "fast" | "trl";

/** What of a plan depends on how it is run: the engine (its optimizer steps) and the adapter's dtype (memory). */
export interface PlanChoices {
  engine?: PlanEngine;
  adapterDtype?: AdapterDtype;
}

export function computePlan(recipe: Recipe, train: SplitData, dev: SplitData, cal: Calibration = H200_MEASUREMENT, choices: PlanChoices = {}): ComputePlan {
  const engine = choices.engine ?? "faithful";
  // trl: TRL's own rule, whatever was asked (bundle.ts refuses a choice there).
  const adapterDtype: AdapterDtypeRule = engine === "trl" ? "trl" : choices.adapterDtype ?? DEFAULT_ADAPTER_DTYPE;
  const m = modelShape(recipe.model_id);
  const kept = keptLengths(train);
  const devKept = keptLengths(dev);
  const schedule = engineSchedule(engine, kept.length, { epochs: COMMON_TRAINING.num_train_epochs, gradientAccumulationSteps: COMMON_TRAINING.gradient_accumulation_steps });
  const tokensPerEpoch = sum(kept.map((l) => l.total));
  const mean = kept.length ? tokensPerEpoch / kept.length : 0;
  const examplesForwarded = sum(schedule.examplesPerEpoch);
  const trainingTokens = Math.round(examplesForwarded * mean);
  const devTokensPerEpoch = sum(devKept.map((l) => l.total));
  const evals = schedule.examplesPerEpoch.length;
  const N = parameterCounts(m).total;
  const flops = 6 * N * trainingTokens + 2 * N * devTokensPerEpoch * evals;
  const longest = Math.max(0, ...kept.map((l) => l.total), ...devKept.map((l) => l.total));
  const memory = memoryEstimate(recipe, longest, adapterDtype);
  const slow = recipe.load_in_4bit ? QLORA_SLOWDOWN : 1;
  const flopHours = Object.fromEntries(GPU_NAMES.map((g) => [g, ((flops / (GPUS[g].peakFlops * UTILISATION)) * slow) / 3600])) as Record<GpuName, number>;
  const workload: Workload = {
    microSteps: examplesForwarded,
    trainingTokens,
    optimizerSteps: schedule.realSteps,
    devExamples: devKept.length,
    devTokens: devTokensPerEpoch,
    evaluations: evals,
    load_in_4bit: recipe.load_in_4bit,
  };
  const sorted = kept.map((l) => l.total).sort((a, b) => a - b);
  return {
    name: recipe.name,
    model_id: recipe.model_id,
    load_in_4bit: recipe.load_in_4bit,
    counted: train.counted,
    engine,
    adapterDtype,
    trainExamples: train.rows.length,
    kept: kept.length,
    dropped: train.dropped.length,
    devKept: devKept.length,
    schedule,
    tokensPerEpoch,
    trainingTokens,
    devTokensPerEpoch,
    longestTokens: longest,
    parameters: N,
    loraParameters: loraParameterCount(m, COMMON_TRAINING.lora_r, COMMON_TRAINING.lora_target_modules),
    flops,
    memory,
    shape: { hidden_size: m.hidden_size, intermediate_size: m.intermediate_size, num_hidden_layers: m.num_hidden_layers, num_attention_heads: m.num_attention_heads, num_key_value_heads: m.num_key_value_heads, vocab_size: m.vocab_size, tie_word_embeddings: m.tie_word_embeddings },
    lengthQuantiles: { p10: quantile(sorted, 0.1), p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), max: sorted.length ? sorted[sorted.length - 1] : 0 },
    time: recipeTime(workload, recipe.model_id, cal),
    loadS: loadSeconds(recipe.model_id, recipe.load_in_4bit),
    gpuHours: hoursPerGpu(workload, recipe.model_id, cal),
    flopHours,
    fitsA100_40GB: memory.totalGiB <= GPUS["A100-40GB"].memoryGiB,
  };
}

const h = (s: number) => +(s / 3600).toFixed(2);

/** One table row per plan, for printTable and the notebook. */
export function planRow(p: ComputePlan): Record<string, string | number> {
  const s = p.schedule;
  const onGpu = gpuOf(p.time.device);
  return {
    recipe: p.name,
    "4-bit": p.load_in_4bit ? "yes" : "no",
    tokens: p.counted === "tokenizer" ? "counted" : "estimated",
    "train kept": p.kept,
    dropped: p.dropped,
    "dev kept": p.devKept,
    "max_steps (scheduler)": s.maxSteps,
    "real updates": s.realSteps,
    "epochs run": s.examplesPerEpoch.length,
    "unseen in last epoch": s.unseenInLastEpoch,
    "tokens/epoch": p.tokensPerEpoch,
    "longest": p.longestTokens,
    "params (B)": +(p.parameters / 1e9).toFixed(2),
    "LoRA params (M)": +(p.loraParameters / 1e6).toFixed(1),
    "memory GiB": +p.memory.totalGiB.toFixed(1),
    "s/micro-step": +p.time.microStepS.toFixed(3),
    ...(onGpu ? {} : { [`${p.time.device} train h`]: h(p.time.trainS), [`${p.time.device} eval h`]: h(p.time.evalS) }),
    ...Object.fromEntries(GPU_NAMES.map((g) => [`${g} h`, +p.gpuHours[g].toFixed(2)])),
    "load s": Math.round(p.loadS),
    "6·N·T H100 h": +p.flopHours["H100-80GB"].toFixed(2),
  };
}

/** Wall time of some plans on 1, 4, 8… GPUs of one kind: downloads once, then the longest queue (LPT). */
export function wallTimes(plans: readonly ComputePlan[], gpu: GpuName = "H200", counts: readonly number[] = [1, 4, 8]): GpuSchedule[] {
  const jobs = plans.map((p) => p.loadS + p.gpuHours[gpu] * 3600);
  return counts.map((n) => parallelWall(jobs, plans.map((p) => p.model_id), n));
}

/** How the two step counts relate, in words. */
export function explainSchedule(s: Schedule, ga = COMMON_TRAINING.gradient_accumulation_steps, epochs = COMMON_TRAINING.num_train_epochs): string {
  if (s.loop === "transformers-4.46+")
    return (
      `${s.examples} kept examples, the loop of transformers ≥ 4.46 (what trl sft runs; not the original's 4.41): max_steps = ceil(${epochs} × ceil(${s.examples} / ${ga})) = ${s.maxSteps}. ` +
      `Each epoch is cut into windows of ${ga} with its last, partial window (${s.examples % ga || ga} examples) updating on its own; the counter restarts every epoch. ` +
      `Updates per epoch ${s.stepsPerEpoch.join(", ")}: ${s.realSteps} in all, every example seen ${s.examplesPerEpoch.length} times${s.unseenInLastEpoch ? ` (${s.unseenInLastEpoch} unseen in the last epoch)` : ""}.`
    );
  const ran = s.examplesPerEpoch.length;
  const why =
    s.examples <= ga
      ? `Each epoch's last, partial window gets its own update (is_last_step_and_steps_less_than_grad_acc), and the sample counter, never reset between epochs, also triggers one whenever it reaches a multiple of ${ga}.`
      : `An epoch's leftover ${s.examples % ga} examples roll into the next epoch's first window (the sample counter is never reset; ${s.windowsAcrossEpochs} windows span two epochs).`;
  const stop =
    `Replaying the loop: updates per epoch ${s.stepsPerEpoch.join(", ")}; training stops at update ${s.realSteps} in epoch ${ran} of ${epochs}` +
    (s.unseenInLastEpoch ? `, ${s.unseenInLastEpoch} examples of that epoch unseen` : "") +
    (ran < epochs ? `; epoch ${ran + 1}${ran + 1 < epochs ? `–${epochs}` : ""} never runs` : "") +
    ".";
  return `${s.examples} kept examples: max_steps = ceil(${epochs} × max(${s.examples} // ${ga}, 1)) = ${s.maxSteps}, the length of the warm-up + cosine schedule. ${why} ${stop}`;
}
