/**
 * The costs a user pays besides the training loop: downloading each base once, loading it for
 * every run, quantising it to 4 bits at load; and wall time on N GPUs running recipes in
 * parallel (one recipe per GPU, a queue over the rest), not only the serial sum.
 * Rates here are assumptions (named, printed); the H200 probe measured none of them.
 */
import { modelShape, parameterCounts } from "./models";

/** Published weights are bf16 safetensors: 2 bytes per parameter (POLAR-14B ≈ 28 GB, Solar-Ko ≈ 22 GB). */
export const WEIGHT_BYTES_PER_PARAM = 2;
/** Assumed download rate from the Hugging Face hub, bytes/s (100 MB/s). */
export const DOWNLOAD_BYTES_PER_S = 100e6;
/** Assumed rate of loading safetensors from local disk onto the GPU, bytes/s (1 GB/s). */
export const LOAD_BYTES_PER_S = 1e9;
/** Assumed bitsandbytes NF4 quantisation at load, seconds per billion parameters. */
export const QUANTIZE_S_PER_BILLION = 2;

export const FIXED_ASSUMPTIONS: readonly string[] = [
  `download: each base once (bf16 safetensors, ${WEIGHT_BYTES_PER_PARAM} bytes/param) at an assumed ${DOWNLOAD_BYTES_PER_S / 1e6} MB/s, before training (\`cci train fetch\`)`,
  `load: every run reads its base at an assumed ${LOAD_BYTES_PER_S / 1e9} GB/s; 4-bit runs add an assumed ${QUANTIZE_S_PER_BILLION} s per billion parameters of NF4 quantisation at load`,
  "wall time on N GPUs: one recipe per GPU, longest-first onto the least-loaded GPU (LPT), after the downloads; adapters' saving and Python start-up are left out",
];

export function baseBytes(modelId: string): number {
  return parameterCounts(modelShape(modelId)).total * WEIGHT_BYTES_PER_PARAM;
}

export function downloadSeconds(modelId: string): number {
  return baseBytes(modelId) / DOWNLOAD_BYTES_PER_S;
}

/** Loading (and quantising) one run's base. */
export function loadSeconds(modelId: string, load_in_4bit: boolean): number {
  const q = load_in_4bit ? (parameterCounts(modelShape(modelId)).total / 1e9) * QUANTIZE_S_PER_BILLION : 0;
  return baseBytes(modelId) / LOAD_BYTES_PER_S + q;
}

export interface Schedule {
  gpus: number;
  /** Seconds of downloading the distinct bases, once each (one link, in sequence). */
  downloadS: number;
  /** The longest queue: what the GPUs add after the downloads. */
  makespanS: number;
  /** downloadS + makespanS. */
  wallS: number;
  /** The job indices each GPU runs, in order. */
  queues: number[][];
}

/** Longest processing time first onto the least-loaded GPU (within 4/3 of optimal). */
export function parallelWall(jobSeconds: readonly number[], bases: readonly string[], gpus: number): Schedule {
  if (!Number.isInteger(gpus) || gpus < 1) throw new RangeError(`gpus: expected a whole number ≥ 1, got ${gpus}`);
  const order = jobSeconds.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const load = Array<number>(gpus).fill(0);
  const queues: number[][] = Array.from({ length: gpus }, () => []);
  for (const [s, i] of order) {
    const g = load.indexOf(Math.min(...load));
    load[g] += s;
    queues[g].push(i);
  }
  const downloadS = [...new Set(bases)].reduce((a, b) => a + downloadSeconds(b), 0);
  const makespanS = Math.max(...load);
  return { gpus, downloadS, makespanS, wallS: downloadS + makespanS, queues };
}
