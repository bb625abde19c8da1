/**
 * What every run folder holds right now: planned / running / failed / done, from status.json
 * (written by the launcher and by train.py itself, so cluster runs report too) and metrics.jsonl.
 */
import { alive } from "../util/cleanup";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UserError } from "../util/errors";

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

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * One metrics line as the fields status and launch read: an object with a numeric step; every
 * other field a finite number or null. Anything else (`null`, `"x"`, `{"loss": "nan"}`) is no line.
 */
export function metricsLine(v: unknown): MetricsLine | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const step = num(o.step);
  if (step === null) return null;
  const line: MetricsLine = {
    step,
    epoch: num(o.epoch),
    loss: num(o.loss),
    eval_loss: num(o.eval_loss),
    learning_rate: num(o.learning_rate),
    grad_norm: num(o.grad_norm),
    tokens: num(o.tokens),
    elapsed: num(o.elapsed),
  };
  if ("max_steps" in o) line.max_steps = num(o.max_steps);
  return line;
}

/** metrics.jsonl's complete lines (a line being written is left for the next read). */
export function parseMetrics(text: string): MetricsLine[] {
  const lines = text.split("\n");
  lines.pop(); // incomplete or empty tail
  const out: MetricsLine[] = [];
  for (const l of lines) {
    if (!l.trim()) continue;
    try {
      const m = metricsLine(JSON.parse(l));
      if (m) out.push(m); // a line of another shape (null, a string) is not a metrics line
    } catch {
      // a torn line from a killed run: skip it
    }
  }
  return out;
}

export function readMetrics(dir: string): MetricsLine[] {
  const p = join(dir, "metrics.jsonl");
  try {
    return statSync(p).isFile() ? parseMetrics(readFileSync(p, "utf8")) : [];
  } catch {
    return [];
  }
}

export function readStatus(dir: string): StatusFile | null {
  const p = join(dir, "status.json");
  let v: unknown;
  try {
    if (!statSync(p).isFile()) return null;
    v = JSON.parse(readFileSync(p, "utf8"));
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (o.state !== "running" && o.state !== "failed" && o.state !== "done") return null;
  return o as unknown as StatusFile;
}

/**
 * Seconds since the epoch when process `pid` started (Linux /proc), or undefined. A pid alive now
 * but started after the status was written is another process that reused the number.
 */
function startedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]); // field 22 of stat(5): starttime, in clock ticks after boot
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(btime) ? btime + ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a "running" status of this machine still has its process: a live pid that started before the status was written. */
function stillRunning(s: StatusFile & { time?: unknown }): boolean {
  const pid = s.pid;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0 || !alive(pid)) return false;
  const since = startedAt(pid);
  return !(typeof s.time === "number" && since !== undefined && since > s.time + 5);
}

export function runState(dir: string): RunState {
  const s = readStatus(dir);
  // `trl sft` writes no status.json: its saved adapter is what says it finished.
  if (!s) return existsSync(join(dir, "adapter", "adapter_config.json")) ? "done" : "planned";
  // A "running" run of this machine whose process is gone died without saying so; one with no
  // usable pid can never be checked and would lock the run forever, so it is not running either.
  if (s.state === "running" && (s.host === undefined || s.host === hostname()) && !stillRunning(s)) return "failed";
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

/** Every bundle (a folder with run.json) under the runs folder, sorted by run.json's index; links that dangle or loop are skipped. */
export function runFolders(runsDir: string): { dir: string; name: string; index: number }[] {
  let names: string[];
  try {
    if (!statSync(runsDir).isDirectory()) throw new UserError(`${runsDir}: is a file, not a runs folder; give --runs DIR`);
    names = readdirSync(runsDir);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    throw new UserError(`${runsDir}: cannot read the runs folder (${code ?? (err as Error).message})`);
  }
  const isBundle = (d: string) => {
    try {
      return statSync(d).isDirectory() && statSync(join(d, "run.json")).isFile();
    } catch {
      return false; // a dangling link, a loop, no run.json
    }
  };
  return names
    .filter((f) => !f.startsWith(".") && isBundle(join(runsDir, f)))
    .map((f) => {
      let index = 99;
      try {
        const i = JSON.parse(readFileSync(join(runsDir, f, "run.json"), "utf8"))?.index;
        if (typeof i === "number" && Number.isFinite(i)) index = i;
      } catch {
        // unreadable run.json: listed last; `cci train status` says planned
      }
      return { dir: join(runsDir, f), name: f, index };
    })
    .sort((a, b) => a.index - b.index || a.name.localeCompare(b.name));
}
