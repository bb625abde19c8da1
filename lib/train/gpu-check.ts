/**
 * The GPU check's inputs and its record (lib/train/python/gpu_check.py, lib/train/GPU-CHECK.md):
 * the layer shapes it builds, taken from MODEL_SHAPES so there is one table of the bases, and the
 * one JSON record it writes, read back and quoted here so that no ratio is printed that the
 * record does not hold.
 */
import { MODEL_SHAPES, type ModelShape } from "./models";

/** One random model the check builds: a layer width and vocabulary shared by one or more bases. */
export interface GpuCheckShape {
  name: string;
  bases: string[];
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  vocab_size: number;
}

const SHAPE_KEYS = ["hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads", "vocab_size"] as const;

/** The bases' distinct layer shapes (depth aside: the check builds a few layers of each). */
export function gpuCheckShapes(shapes: Record<string, ModelShape> = MODEL_SHAPES): GpuCheckShape[] {
  const out = new Map<string, GpuCheckShape>();
  for (const m of Object.values(shapes)) {
    const key = SHAPE_KEYS.map((k) => m[k]).join("/");
    const s = out.get(key);
    if (s) s.bases.push(m.model_id);
    else {
      const short = m.model_id.split("/")[1];
      out.set(key, { name: `${short} width (hidden ${m.hidden_size}, vocab ${m.vocab_size})`, bases: [m.model_id], ...Object.fromEntries(SHAPE_KEYS.map((k) => [k, m[k]])) } as GpuCheckShape);
    }
  }
  return [...out.values()];
}

/** A ratio's spread over its paired repeats, as gpu_check.py's `spread`. */
export interface Spread {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  n: number;
}

export interface GpuCheckRatio extends Spread {
  /** What was timed, in words (written by the check, quoted as is). */
  what: string;
}

/** The fields of the record (version 2) this side relies on. */
export interface GpuCheckRecord {
  kind: "cci-gpu-check";
  version: number;
  date: string;
  device: string;
  gpu: string | null;
  mode: "full" | "tiny";
  stack: Record<string, string | null>;
  checks: Record<string, boolean>;
  ratios: Record<string, GpuCheckRatio>;
  not_measured: Record<string, string>;
  pass: boolean;
  total_s: number;
}

/** The record, or a reason it is not one (thrown as a RangeError naming the field). */
export function parseGpuCheckRecord(text: string, where: string): GpuCheckRecord {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const rec = r as Partial<GpuCheckRecord>;
  if (typeof r !== "object" || r === null || rec.kind !== "cci-gpu-check") throw new RangeError(`${where}: kind: not a cci-gpu-check record`);
  if (rec.version !== 2) throw new RangeError(`${where}: version: ${String(rec.version)}, expected 2 (an older check timed whole processes; run \`cci train check-gpu\` again)`);
  for (const k of ["ratios", "not_measured", "checks", "stack"] as const) if (typeof rec[k] !== "object" || rec[k] === null) throw new RangeError(`${where}: ${k}: missing`);
  return rec as GpuCheckRecord;
}

/** "1.23× (median of 2; min 1.20, max 1.26)". */
function shownSpread(s: Spread): string {
  const f = (x: number) => x.toFixed(2);
  return s.n > 1 ? `${f(s.median)}× (median of ${s.n}; quartiles ${f(s.q1)}–${f(s.q3)}, min ${f(s.min)}, max ${f(s.max)})` : `${f(s.median)}× (one repeat)`;
}

/** Where and when a record was measured: "NVIDIA H200, torch 2.11, 2026-12-08" or the CPU rehearsal. */
export function gpuCheckSource(rec: GpuCheckRecord): string {
  const where = rec.gpu ?? `${rec.device} (no GPU)`;
  const stack = ["torch", "transformers", "peft"].map((k) => `${k} ${rec.stack[k] ?? "?"}`).join(", ");
  return `${where}, ${stack}, ${rec.date.slice(0, 10)}${rec.mode === "tiny" ? "; CPU rehearsal at toy shapes, not a GPU figure" : ""}`;
}

/**
 * The one line that quotes a ratio of the record: the value with its spread and where it was
 * measured. A ratio the record does not hold is refused (RangeError with the record's reason).
 */
export function quoteGpuRatio(rec: GpuCheckRecord, key: string): string {
  const r = rec.ratios[key];
  if (!r) {
    const why = rec.not_measured[key];
    throw new RangeError(`${key}: not measured by this check${why ? ` (${why})` : ` (the record has ${Object.keys(rec.ratios).join(", ") || "no ratios"})`}`);
  }
  return `${key}: ${shownSpread(r)} — ${gpuCheckSource(rec)}`;
}

/** Every ratio of the record as quoted lines, then what it did not measure. */
export function gpuCheckSummary(rec: GpuCheckRecord): string[] {
  return [
    ...Object.keys(rec.ratios).map((k) => quoteGpuRatio(rec, k)),
    ...Object.entries(rec.not_measured).map(([k, why]) => `${k}: not measured (${why})`),
  ];
}
