/**
 * What every run folder holds right now: planned / running / failed / done, from status.json
 * (written by the launcher and by train.py itself, so cluster runs report too) and metrics.jsonl.
 */
import { alive } from "../util/cleanup";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export type RunState = "planned" | "running" | "failed" | "done";

export interface MetricsLine {
  step: number;
  epoch: number | null;
  loss: number | null;
  eval_loss: number | null;
  learning_rate: number | null;
  grad_norm: number | null;
  tokens: number | null;
  elapsed: number | null;
  max_steps?: number | null;
}

export interface StatusFile {
  state: "running" | "failed" | "done";
  pid?: number;
  host?: string;
  exit_code?: number | null;
  error?: string;
}

/** metrics.jsonl's complete lines (a line being written is left for the next read). */
export function parseMetrics(text: string): MetricsLine[] {
  const lines = text.split("\n");
  lines.pop(); // incomplete or empty tail
  const out: MetricsLine[] = [];
  for (const l of lines) {
    if (!l.trim()) continue;
    try {
      const v: unknown = JSON.parse(l);
      // Only objects with a numeric step count: `null`, arrays or hand-edited lines are skipped.
      if (typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as MetricsLine).step === "number") out.push(v as MetricsLine);
    } catch {
      // a torn line from a killed run: skip it
    }
  }
  return out;
}

export function readMetrics(dir: string): MetricsLine[] {
  const p = join(dir, "metrics.jsonl");
  return existsSync(p) ? parseMetrics(readFileSync(p, "utf8")) : [];
}

export function readStatus(dir: string): StatusFile | null {
  const p = join(dir, "status.json");
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as StatusFile;
  } catch {
    return null;
  }
}


export function runState(dir: string): RunState {
  const s = readStatus(dir);
  // `trl sft` writes no status.json: its saved adapter is what says it finished.
  if (!s) return existsSync(join(dir, "adapter", "adapter_config.json")) ? "done" : "planned";
  // A "running" run of this machine whose process is gone died without saying so.
  if (s.state === "running" && s.host === hostname() && s.pid !== undefined && !alive(s.pid)) return "failed";
  return s.state;
}

export interface RunSummary {
  name: string;
  state: RunState;
  step: number | null;
  maxSteps: number | null;
  lastLoss: number | null;
  /** Evaluation loss after each epoch, in order. */
  evalLoss: number[];
}

export function summarizeRun(dir: string, name: string): RunSummary {
  const m = readMetrics(dir);
  const steps = m.filter((l) => l.loss !== null && l.loss !== undefined);
  const last = steps[steps.length - 1];
  return {
    name,
    state: runState(dir),
    step: last?.step ?? null,
    maxSteps: m.find((l) => typeof l.max_steps === "number")?.max_steps ?? null,
    lastLoss: last?.loss ?? null,
    evalLoss: m.filter((l) => typeof l.eval_loss === "number").map((l) => l.eval_loss as number),
  };
}

/** Every bundle (a folder with run.json) under the runs folder, sorted by run.json's index. */
export function runFolders(runsDir: string): { dir: string; name: string; index: number }[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((f) => !f.startsWith(".") && statSync(join(runsDir, f)).isDirectory() && existsSync(join(runsDir, f, "run.json")))
    .map((f) => {
      let index = 99;
      try {
        index = JSON.parse(readFileSync(join(runsDir, f, "run.json"), "utf8")).index ?? 99;
      } catch {
        // unreadable run.json: listed last; `cci train status` says planned
      }
      return { dir: join(runsDir, f), name: f, index };
    })
    .sort((a, b) => a.index - b.index || a.name.localeCompare(b.name));
}
