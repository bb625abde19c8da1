/**
 * Calibration files (`train.py --benchmark` → calibration.json, the measurement format of
 * lib/train/steptime.ts): reading one with a one-line error per defect, merging the per-base
 * files `cci train calibrate` collects, and the plan's time summary (serial, on N GPUs, the
 * fast engine's expected saving).
 */
import { readFileSync } from "node:fs";
import { UserError } from "../util/errors";
import { assertReadableInput } from "../util/output-rule";
import { timeSource, wallTimes, type ComputePlan } from "./compute";
import { gpuOf, type Calibration, type GpuName } from "./steptime";
import { baseBytes } from "./steptime-fixed";

const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0;

/** Check a parsed calibration; the first defect as one line naming the field. */
export function checkCalibration(c: unknown, where: string): Calibration {
  const bad = (field: string, what: string) => new UserError(`${where}: ${field}: ${what}`);
  if (!c || typeof c !== "object" || Array.isArray(c)) throw bad("(top level)", "expected an object");
  const o = c as Record<string, unknown>;
  if (typeof o.device !== "string" || !o.device) throw bad("device", "expected a device name (a string)");
  if (!o.shapes || typeof o.shapes !== "object" || Array.isArray(o.shapes)) throw bad("shapes", "expected an object of base model id → measurement");
  const shapes = o.shapes as Record<string, unknown>;
  if (Object.keys(shapes).length === 0) throw bad("shapes", "no base measured");
  for (const [id, raw] of Object.entries(shapes)) {
    const e = raw as Record<string, unknown>;
    if (!e || typeof e !== "object") throw bad(`shapes.${id}`, "expected an object");
    if (!isNum(e.params) || e.params === 0) throw bad(`shapes.${id}.params`, "expected a positive number");
    const train = e.train as Record<string, Record<string, unknown>> | undefined;
    if (!train || typeof train !== "object" || Object.keys(train).length === 0) throw bad(`shapes.${id}.train`, "expected lengths → { micro_s }");
    for (const [L, p] of Object.entries(train)) {
      if (!/^[1-9]\d*$/.test(L)) throw bad(`shapes.${id}.train`, `"${L}" is not a sequence length`);
      if (!p || !isNum(p.micro_s) || p.micro_s === 0) throw bad(`shapes.${id}.train.${L}.micro_s`, "expected seconds > 0");
    }
    for (const k of ["score_b1", "score_b16", "train_b8"]) {
      const t = e[k] as Record<string, unknown> | undefined;
      if (t === undefined) continue;
      for (const [L, s] of Object.entries(t)) if (!/^[1-9]\d*$/.test(L) || !isNum(s)) throw bad(`shapes.${id}.${k}.${L}`, "expected a length → seconds");
    }
  }
  return o as unknown as Calibration;
}

export function readCalibration(file: string): Calibration {
  assertReadableInput(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not JSON (${(e as Error).message})`);
  }
  return checkCalibration(parsed, file);
}

/** One file from several per-base benchmark runs of one machine (the first's versions). */
export function mergeCalibrations(parts: readonly Calibration[]): Calibration {
  if (parts.length === 0) throw new RangeError("mergeCalibrations: nothing to merge");
  const devices = new Set(parts.map((p) => p.device));
  if (devices.size > 1) throw new UserError(`calibration: runs on different devices (${[...devices].join(", ")}); calibrate one machine at a time`);
  const { shapes: _s, recipes: _r, ...head } = parts[0];
  return { ...head, shapes: Object.assign({}, ...parts.map((p) => p.shapes)) };
}

const hours = (s: number) => (s < 3600 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);

/** The plan's closing lines: where times come from, serial total, wall time on 1/4/8 GPUs, the fast engine's expectation. */
export function timeSummary(plans: readonly ComputePlan[], cal?: Calibration, counts: readonly number[] = [1, 4, 8]): string[] {
  if (plans.length === 0) return [];
  const device = plans[0].time.device;
  const gpu: GpuName = gpuOf(device) ?? "H200";
  const train = plans.reduce((a, p) => a + p.time.trainS + p.time.evalS, 0);
  const lines = [`time: ${timeSource(cal)}`];
  const how = new Map(plans.filter((p) => p.time.how !== "measured").map((p) => [p.model_id, p.time.how]));
  for (const [id, h] of how) lines.push(`  ${id}: ${h}`);
  if (!gpuOf(device)) lines.push(`  on ${device}: ${hours(train)} training + evaluation for ${plans.length} recipe(s); GPU figures below are from the shipped H200 measurement`);
  const walls = wallTimes(plans, gpu, counts);
  const bases = [...new Set(plans.map((p) => p.model_id))];
  lines.push(
    `  on ${gpu}: ${plans.reduce((a, p) => a + p.gpuHours[gpu], 0).toFixed(1)} GPU-hours of training + evaluation for ${plans.length} recipe(s) (${plans.filter((p) => p.load_in_4bit).length} 4-bit, estimated); download once: ${bases.length} base(s), ${(bases.reduce((a, b) => a + baseBytes(b), 0) / 1e9).toFixed(0)} GB, ${hours(walls[0].downloadS)}`,
    `  wall time (downloads + longest queue, load included): ${walls.map((w) => `${w.gpus} GPU${w.gpus > 1 ? "s" : ""} ${hours(w.wallS)}`).join(", ")}`,
  );
  const fast = plans.every((p) => p.time.fastTrainS !== null);
  if (fast) {
    const modern = plans.reduce((a, p) => a + p.time.trainS, 0);
    const f = plans.reduce((a, p) => a + p.time.fastTrainS!, 0);
    lines.push(`  fast engine (expected from the batch-8 measurement, not measured end-to-end): training ${hours(f)} instead of ${hours(modern)} on ${device} (${(modern / f).toFixed(1)}× less)`);
  }
  return lines;
}
