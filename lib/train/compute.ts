/**
 * The compute plan of a recipe: examples kept and dropped by the length rule, optimizer steps
 * (transformers 4.41's arithmetic, lib/train/schedule.ts), tokens, a GPU memory estimate and
 * GPU-hours from 6·N·T. Every assumption is a named constant here and is printed with the plan.
 */
import type { ExampleLength, SplitData } from "./data";
import { loraParameterCount, modelShape, parameterCounts, CHARS_PER_TOKEN_SOURCE } from "./models";
import { COMMON_TRAINING, type Recipe } from "./recipes";
import { trainerSchedule, type Schedule } from "./schedule";

/** Dense bf16 tensor-core peak, in FLOP/s (NVIDIA data sheets: A100 312 TFLOPS, H100 SXM 989 TFLOPS); memory in GiB (40,960 MiB on an A100 40GB). */
export const GPUS = {
  "A100-40GB": { peakFlops: 312e12, memoryGiB: 40 },
  "H100-80GB": { peakFlops: 989e12, memoryGiB: 80 },
} as const;
export type GpuName = keyof typeof GPUS;

/** Model FLOPs utilisation assumed for batch-1 LoRA training with gradient checkpointing. */
export const UTILISATION = 0.3;
/** Extra utilisation loss of 4-bit runs, which dequantize every weight on every use. */
export const QLORA_SLOWDOWN = 1.5;
const GiB = 1024 ** 3;
/** Bytes per parameter of NF4 with double quantisation (4 bits + ~0.127 bits of block constants). */
export const NF4_BYTES = (4 + 0.127) / 8;
/** CUDA context, allocator fragmentation and kernels' workspaces. */
export const OVERHEAD_GIB = 2;

export const ASSUMPTIONS: readonly string[] = [
  "steps: transformers 4.41 Trainer, batch 1, one process; max_steps = ceil(epochs · max(kept // 64, 1)); updates replayed from its loop (windows carry across epochs, training stops at max_steps)",
  "training FLOPs = 6 · N · T (N = all base parameters, T = training tokens forwarded); gradient checkpointing's extra forward and LoRA's skipped weight gradients are left out (they roughly cancel)",
  "evaluation FLOPs = 2 · N · T_dev per epoch",
  `GPU time = FLOPs / (peak bf16 × ${UTILISATION} utilisation); 4-bit runs ${QLORA_SLOWDOWN}× slower (dequantization); peaks: A100 312, H100 989 TFLOPS`,
  "weights: bf16 2 bytes/param; 4-bit: decoder linear layers NF4 + double quant (≈0.52 bytes/param), embeddings, lm_head and norms kept in bf16",
  "LoRA weights, gradients and AdamW's two moments: fp32 (4 bytes each) on a 4-bit base, bf16 on a bf16 base (PEFT 0.11 casts adapters to a float base's dtype)",
  "activations at the longest kept example L with gradient checkpointing: per layer the checkpointed hidden state (2·L·h bytes), one layer recomputed in full (L·h·34 + 5·heads·L² bytes), logits in fp32 (3 copies of L·vocab·4 bytes)",
  `overhead ${OVERHEAD_GIB} GiB (CUDA context, fragmentation)`,
];

/** The extra assumption of a plan made without a tokenizer. */
export const ESTIMATE_ASSUMPTION = `without a tokenizer, token counts are estimates: characters of the Llama-2-template prompt ÷ characters per token from ${CHARS_PER_TOKEN_SOURCE}; the length rule cannot be applied (none dropped)`;

export function assumptions(counted: "tokenizer" | "estimate"): string[] {
  return counted === "tokenizer" ? [...ASSUMPTIONS, "token counts: the planning tokenizer's, per example (prompt by the chat template, target without special tokens)"] : [...ASSUMPTIONS, ESTIMATE_ASSUMPTION];
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
  gpuHours: Record<GpuName, number>;
  fitsA100_40GB: boolean;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const keptLengths = (s: SplitData): ExampleLength[] => {
  const dropped = new Set(s.dropped);
  return s.lengths.filter((l) => !dropped.has(l.id));
};

export function memoryEstimate(recipe: Recipe, longest: number): MemoryEstimate {
  const m = modelShape(recipe.model_id);
  const p = parameterCounts(m);
  const weights = recipe.load_in_4bit ? p.blockLinear * NF4_BYTES + p.unquantized * 2 : p.total * 2;
  const lora = loraParameterCount(m, COMMON_TRAINING.lora_r, COMMON_TRAINING.lora_target_modules);
  const loraBytes = recipe.load_in_4bit ? 4 : 2;
  const L = longest;
  const h = m.hidden_size;
  const checkpoints = m.num_hidden_layers * 2 * L * h;
  const oneLayer = L * h * 34 + 5 * m.num_attention_heads * L * L;
  const logits = 3 * L * m.vocab_size * 4;
  const mem = {
    weightsGiB: weights / GiB,
    loraGiB: (lora * loraBytes * 2) / GiB, // weights + gradients
    optimizerGiB: (lora * loraBytes * 2) / GiB, // exp_avg + exp_avg_sq
    activationsGiB: (checkpoints + oneLayer + logits) / GiB,
    overheadGiB: OVERHEAD_GIB,
  };
  return { ...mem, totalGiB: mem.weightsGiB + mem.loraGiB + mem.optimizerGiB + mem.activationsGiB + mem.overheadGiB };
}

export function computePlan(recipe: Recipe, train: SplitData, dev: SplitData): ComputePlan {
  const m = modelShape(recipe.model_id);
  const kept = keptLengths(train);
  const devKept = keptLengths(dev);
  const schedule = trainerSchedule(kept.length, { epochs: COMMON_TRAINING.num_train_epochs, gradientAccumulationSteps: COMMON_TRAINING.gradient_accumulation_steps });
  const tokensPerEpoch = sum(kept.map((l) => l.total));
  const mean = kept.length ? tokensPerEpoch / kept.length : 0;
  const examplesForwarded = sum(schedule.examplesPerEpoch);
  const trainingTokens = Math.round(examplesForwarded * mean);
  const devTokensPerEpoch = sum(devKept.map((l) => l.total));
  const evals = schedule.examplesPerEpoch.length;
  const N = parameterCounts(m).total;
  const flops = 6 * N * trainingTokens + 2 * N * devTokensPerEpoch * evals;
  const longest = Math.max(0, ...kept.map((l) => l.total), ...devKept.map((l) => l.total));
  const memory = memoryEstimate(recipe, longest);
  const slow = recipe.load_in_4bit ? QLORA_SLOWDOWN : 1;
  const gpuHours = Object.fromEntries(Object.entries(GPUS).map(([g, spec]) => [g, (flops / (spec.peakFlops * UTILISATION)) * slow / 3600])) as Record<GpuName, number>;
  return {
    name: recipe.name,
    model_id: recipe.model_id,
    load_in_4bit: recipe.load_in_4bit,
    counted: train.counted,
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
    gpuHours,
    fitsA100_40GB: memory.totalGiB <= GPUS["A100-40GB"].memoryGiB,
  };
}

/** One table row per plan, for console.table and the notebook. */
export function planRow(p: ComputePlan): Record<string, string | number> {
  const s = p.schedule;
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
    "A100-40GB h": +p.gpuHours["A100-40GB"].toFixed(2),
    "H100 h": +p.gpuHours["H100-80GB"].toFixed(2),
  };
}

/** How the two step counts relate, in words. */
export function explainSchedule(s: Schedule, ga = COMMON_TRAINING.gradient_accumulation_steps, epochs = COMMON_TRAINING.num_train_epochs): string {
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
