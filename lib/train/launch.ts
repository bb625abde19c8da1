/**
 * Launch one planned run on this machine: the faithful entrypoint as an argv array (never a
 * shell string) under the given Python, its output kept in `train.log` (secrets redacted),
 * `metrics.jsonl` followed into a progress display, the outcome in `status.json`.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { delimiter, join } from "node:path";
import cliProgress from "cli-progress";
import { writeFileAtomic } from "../util/atomic";
import { UserError } from "../util/errors";
import { RUN_OUTPUTS, TRAIN_PY_ENGINES, readRunJson, shown } from "./bundle";
import { parseMetrics, runState, type MetricsLine } from "./status";
import { redactText, secretValues } from "../util/redact";
import { openRecord, removeOutput } from "../util/outputs";
import { alive } from "../util/cleanup";
import { assertNotInterrupted, ChildStartError, interrupted as interruptedSignal, runChild, signalExitCode } from "../util/child";

export const LOG = "train.log";

export interface LaunchOptions {
  python: string;
  force?: boolean;
  /** Environment of the child (default: this process's). Secrets stay in it, never in files. */
  env?: NodeJS.ProcessEnv;
  /** How often metrics.jsonl is read, in ms. */
  pollMs?: number;
  /** Lines of the log shown when a run fails. */
  tailLines?: number;
  /** Progress as plain lines with this prefix (several runs side by side), never a bar. */
  linePrefix?: string;
}

export interface LaunchResult {
  name: string;
  outcome: "done" | "failed" | "skipped";
  exitCode: number | null;
  steps: number;
  /** The log's last lines, when the run failed. */
  tail: string[];
  /** The signal that ended the trainer, when one did (SIGKILL from the OOM killer, SIGINT …). */
  signal?: string | null;
}

/** How a finished trainer is described: "exit code 1", or "killed by SIGKILL" (never "exit 128"). */
export function exitDescription(r: Pick<LaunchResult, "exitCode" | "signal">): string {
  return r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`;
}

/** Values of environment variables that look secret, to be blanked out of the log (the one redactor's list). */
export { secretValues } from "../util/redact";

/** `text` through the one redactor, with the trainer's environment's secrets. */
export function redact(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets);
}

/** A progress display fed by metrics lines: a bar on a terminal, one line per step otherwise. */
interface RunProgress {
  update(line: MetricsLine): void;
  done(): void;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
}

function eta(line: MetricsLine, total: number): string {
  if (!line.elapsed || !line.step || !total) return "?";
  return fmtDuration((line.elapsed / line.step) * (total - line.step));
}

function runProgress(name: string, plannedTotal: number, prefix?: string): RunProgress {
  let total = plannedTotal;
  const say = (s: string) => process.stderr.write(`${prefix ?? ""}${s}\n`);
  if (!process.stderr.isTTY || prefix !== undefined) {
    return {
      update(l) {
        total = l.max_steps ?? total;
        if (typeof l.eval_loss === "number") say(`train: ${name}: epoch ${l.epoch?.toFixed(2)} eval_loss ${l.eval_loss.toFixed(4)}`);
        else if (typeof l.loss === "number") say(`train: ${name}: step ${l.step}/${total} loss ${l.loss.toFixed(4)} ETA ${eta(l, total)}`);
      },
      done() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${name.slice(0, 40)} [{bar}] {value}/{total} loss {loss} eval {eval} ETA {left}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { loss: "-", eval: "-", left: "?" });
  let evalLoss = "-";
  return {
    update(l) {
      if (l.max_steps && l.max_steps !== total) bar.setTotal((total = l.max_steps));
      if (typeof l.eval_loss === "number") evalLoss = l.eval_loss.toFixed(4);
      bar.update(l.step, { loss: typeof l.loss === "number" ? l.loss.toFixed(4) : "-", eval: evalLoss, left: eta(l, total) });
    },
    done: () => bar.stop(),
  };
}

/** Reads the lines appended to a file since the last call. */
function follower(path: string): () => MetricsLine[] {
  let offset = 0;
  let pending = "";
  return () => {
    if (!existsSync(path)) return [];
    const size = statSync(path).size;
    if (size < offset) offset = 0; // truncated (the trainer starts the file afresh)
    if (size === offset) return [];
    const fd = openSync(path, "r");
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const text = pending + buf.toString("utf8");
    const cut = text.lastIndexOf("\n") + 1;
    pending = text.slice(cut);
    // Only objects with a numeric step: a `null` or hand-edited line must not stop the launcher
    // (and orphan the trainer it follows).
    return parseMetrics(text.slice(0, cut)).filter((l): l is MetricsLine => isMetricsLine(l));
  };
}

function isMetricsLine(l: unknown): l is MetricsLine {
  return typeof l === "object" && l !== null && !Array.isArray(l) && typeof (l as MetricsLine).step === "number" && Number.isFinite((l as MetricsLine).step);
}

/**
 * Can this interpreter be started at all (an executable file, or a name found on PATH)? Checked
 * before anything of a previous run (its adapter above all) is deleted.
 */
function interpreterProblem(python: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = python.includes("/") ? [python] : (env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(d, python));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, constants.X_OK);
        return null;
      }
    } catch {
      // not this one
    }
  }
  return python.includes("/") ? (existsSync(python) ? "not an executable file" : "no such file") : "not found on PATH";
}

/**
 * One launcher per run: `launch.lock` is created exclusively (O_EXCL), so two launches of the
 * same run cannot both pass the "not running" check and train side by side. A lock whose pid is
 * gone (a launcher killed with SIGKILL) is taken over.
 */
function takeLock(dir: string): () => void {
  const path = join(dir, "launch.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const lock = openRecord(path, "wx");
      lock.write(`${process.pid}\n`);
      lock.close();
      return () => removeOutput(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new UserError(`${shown(dir)}: already being launched (launch.lock, pid ${pid}); wait for it or stop it first`);
      removeOutput(path); // stale: its launcher is gone
    }
  }
  throw new UserError(`${shown(dir)}: cannot take launch.lock`);
}

function plannedSteps(dir: string): number {
  try {
    return JSON.parse(readFileSync(join(dir, "compute.json"), "utf8")).schedule.maxSteps ?? 0;
  } catch {
    return 0;
  }
}

function writeStatus(dir: string, status: Record<string, unknown>): void {
  writeFileAtomic(join(dir, "status.json"), `${JSON.stringify({ ...status, host: hostname(), time: Date.now() / 1000 })}\n`);
}

export async function launchRun(dir: string, opts: LaunchOptions): Promise<LaunchResult> {
  const run = readRunJson(dir);
  if (!TRAIN_PY_ENGINES.includes(run.engine)) throw new UserError(`${shown(dir)}: a ${run.engine} bundle; run \`${run.argv.join(" ")}\` in it (launch drives train.py: the faithful, modern and fast engines)`);
  const state = runState(dir);
  if (state === "done" && !opts.force) return { name: run.name, outcome: "skipped", exitCode: null, steps: 0, tail: [] };
  if (state === "running") throw new UserError(`${shown(dir)}: already running (status.json); wait for it or stop it first`);
  const env = opts.env ?? process.env;
  // Before anything of a previous run (its adapter above all) is deleted: does the interpreter start?
  const problem = interpreterProblem(opts.python, env);
  if (problem) throw new UserError(`--python ${opts.python}: ${problem}; nothing of ${shown(dir)} was changed`);
  const unlock = takeLock(dir);
  try {
    // Checked again under the lock: another launcher may have finished this run meanwhile.
    const now = runState(dir);
    if (now === "done" && !opts.force && state !== "done") return { name: run.name, outcome: "skipped", exitCode: null, steps: 0, tail: [] };
    if (now === "running") throw new UserError(`${shown(dir)}: already running (status.json); wait for it or stop it first`);
    return await runLocked(dir, run, opts, env);
  } finally {
    unlock();
  }
}

async function runLocked(dir: string, run: ReturnType<typeof readRunJson>, opts: LaunchOptions, env: NodeJS.ProcessEnv): Promise<LaunchResult> {
  // After an interrupt no run starts (and none of a previous run's outputs is deleted).
  assertNotInterrupted(`train: ${run.name}`);
  for (const f of RUN_OUTPUTS) removeOutput(join(dir, f));

  const secrets = secretValues(env);
  const [, ...args] = run.argv; // argv[0] is the interpreter placeholder
  const log = openRecord(join(dir, LOG), "w");
  const logWrite = (s: string) => log.write(redact(s, secrets));
  logWrite(`# cci train launch: ${[opts.python, ...args].join(" ")}\n# in ${dir}\n`);

  const progress = runProgress(run.name, plannedSteps(dir), opts.linePrefix);
  const follow = follower(join(dir, "metrics.jsonl"));
  let steps = 0;
  const pump = () => {
    for (const l of follow()) {
      progress.update(l);
      if (typeof l.loss === "number") steps = l.step;
    }
  };

  // Whole lines only, so a secret split across two chunks is still found.
  const buffers = { out: "", err: "" };
  const onData = (key: "out" | "err") => (chunk: Buffer) => {
    const text = buffers[key] + chunk.toString("utf8");
    const cut = text.lastIndexOf("\n") + 1;
    buffers[key] = text.slice(cut);
    if (cut) logWrite(text.slice(0, cut));
  };
  const timer = setInterval(pump, opts.pollMs ?? 250);
  // The trainer in its own process group (lib/util/child.ts): Ctrl-C or a scheduler's SIGTERM to
  // the launcher reaches the trainer and its workers, and the launcher waits for it to end. The
  // run is over when the trainer exits, not when its pipes close (a grandchild may hold them).
  let exitCode: number | null;
  let signal: NodeJS.Signals | null;
  let interrupted: NodeJS.Signals | null = null;
  try {
    const r = await runChild(opts.python, args, `train: ${run.name}`, {
      cwd: dir,
      env,
      stdout: "pipe",
      stderr: "pipe",
      capture: false,
      onStdout: onData("out"),
      onStderr: onData("err"),
      onStart: (pid) => writeStatus(dir, { state: "running", pid, python: opts.python }),
      onInterrupt: "return",
    });
    [exitCode, signal, interrupted] = [r.code, r.signal, r.interrupted];
    if (interrupted) logWrite(`# cci train launch: ${interrupted} received, the trainer was stopped\n`);
  } catch (err) {
    if (!(err instanceof ChildStartError)) throw err;
    logWrite(`cci: cannot start ${opts.python}: ${err.code}\n`);
    [exitCode, signal, interrupted] = [127, null, interruptedSignal()];
  }
  clearInterval(timer);
  for (const k of ["out", "err"] as const) if (buffers[k]) logWrite(`${buffers[k]}\n`);
  pump();
  progress.done();
  logWrite(`# ${exitDescription({ exitCode, signal })}\n`);
  log.close();
  // Decided by the trainer's exit: one that finished (exit 0) as the signal came is done, and
  // its adapter is kept — a relaunch would otherwise delete it.
  const ok = exitCode === 0;
  writeStatus(dir, { state: ok ? "done" : "failed", exit_code: exitCode, ...(signal ? { signal } : {}), ...(interrupted ? { interrupted } : {}), python: opts.python });
  const tail = ok ? [] : readFileSync(join(dir, LOG), "utf8").trimEnd().split("\n").slice(-(opts.tailLines ?? 20));
  if (interrupted) throw new InterruptedError(run.name, interrupted, ok);
  return { name: run.name, outcome: ok ? "done" : "failed", exitCode, steps, tail, signal };
}

/** The launcher itself was told to stop: the trainer has ended and status.json says failed. */
export class InterruptedError extends UserError {
  constructor(name: string, readonly sig: NodeJS.Signals, finished = false) {
    super(
      finished
        ? `train: ${name}: interrupted by ${sig} as the trainer finished (exit code 0); status.json says done`
        : `train: ${name}: interrupted by ${sig}; the trainer was stopped and status.json says failed (relaunch to start it again)`,
      signalExitCode(sig),
    );
  }
}
