/**
 * The one way cci starts and stops a child process (pip, Python entrypoints, probes, nbconvert,
 * child `cci`s). Every child runs in its own process group; SIGINT/SIGTERM/SIGHUP sent to cci
 * are forwarded to that whole group (so a kernel or data-loader worker goes too), then after a
 * bounded wait the group is SIGKILLed. A child is finished when it exits — not when its pipes
 * close, which a grandchild holding stdout can delay for ever — and what is left of its group
 * then is stopped the same way. Once cci is interrupted no further child starts, and the
 * caller ends with exit 128+signal (130 for SIGINT, 143 for SIGTERM). See lib/util/PROCESSES.md.
 * test/safety-spawn.test.ts fails where a module under lib/ imports node:child_process
 * anywhere but here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { holdSignals, releaseSignals } from "./cleanup";
import { UserError } from "./errors";
import { redactLines } from "./redact";

/** How long a stopped group gets between the forwarded signal and SIGKILL (ms); CCI_KILL_GRACE_S overrides. */
export function graceMs(): number {
  const s = Number(process.env.CCI_KILL_GRACE_S);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 10_000;
}

type Out = "inherit" | "pipe" | "ignore" | number;

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where stdout/stderr go: inherited (default), piped (captured and/or fed to onStdout/onStderr), ignored, or an fd. */
  stdout?: Out;
  stderr?: Out;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /**
   * What the child prints reaches the terminal through the one redactor (lib/util/redact.ts):
   * inherited or fd outputs are piped and relayed line by line, secrets blanked. Default true;
   * false only for a child whose output is not text for a person (none today).
   */
  redact?: boolean;
  /** Keep piped output as text in the result (its last `maxCapture` characters). Default true for "pipe". */
  capture?: boolean;
  maxCapture?: number;
  /** Stop the child (TERM, then KILL) after this long; the result says timedOut. */
  timeoutMs?: number;
  /** Called once the child has started, with its pid (a status file records it). */
  onStart?: (pid: number) => void;
  /**
   * When cci itself was interrupted while the child ran: throw ChildInterrupted (default), or
   * return the result with `interrupted` set so the caller records the outcome first.
   */
  onInterrupt?: "throw" | "return";
}

export interface ChildResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The signal cci received while the child ran (forwarded to it), if any. */
  interrupted: NodeJS.Signals | null;
  timedOut: boolean;
}

/** 128 + the signal's number, as a shell reports a process ended by it (SIGINT 130, SIGTERM 143). */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + ((constants.signals as Record<string, number>)[sig] ?? 15);
}

/** cci was told to stop while a child ran: the child is gone; exit 128+signal. */
export class ChildInterrupted extends UserError {
  constructor(readonly sig: NodeJS.Signals, what: string) {
    super(`${what}: interrupted by ${sig}; the child process and its group were stopped`, signalExitCode(sig));
    this.name = "ChildInterrupted";
  }
}

/** A child cannot be started (no such interpreter, not executable). */
export class ChildStartError extends UserError {
  constructor(readonly cmd: string, readonly code: string) {
    super(`cannot start ${cmd} (${code})`, 2);
  }
}

/** "exit code 1", "killed by SIGKILL" or "timed out (stopped after N s)": never "exit null". */
export function describeExit(r: Pick<ChildResult, "code" | "signal"> & { timedOut?: boolean }, timeoutMs?: number): string {
  if (r.timedOut) return `timed out (stopped after ${timeoutMs !== undefined ? `${Math.round(timeoutMs / 1000)} s` : "its time limit"})`;
  return r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
}

// ---------------------------------------------------------------------------------------------
// Signals: one set of handlers while any child is live.

interface Live {
  pid: number;
  stop(sig: NodeJS.Signals): void;
}

const live = new Set<Live>();
let interruptedBy: NodeJS.Signals | null = null;
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function onSignal(sig: NodeJS.Signals): void {
  const second = interruptedBy !== null;
  interruptedBy ??= sig;
  // A second signal means "now": no grace.
  for (const c of live) c.stop(second ? "SIGKILL" : sig);
}

/** Children being started or running (several at once in a batch over GPUs). */
let users = 0;

function hook(): void {
  if (users++ > 0) return;
  holdSignals(); // lib/util/cleanup.ts waits: its temp files go once the child is gone
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook(): void {
  if (--users > 0) return;
  for (const s of SIGNALS) process.off(s, onSignal);
  releaseSignals();
}

/** The signal cci received while running a child, if any: batch queues stop starting jobs. */
export function interrupted(): NodeJS.Signals | null {
  return interruptedBy;
}

/** Throw ChildInterrupted when cci has been interrupted (before starting the next piece of work). */
export function assertNotInterrupted(what: string): void {
  if (interruptedBy) throw new ChildInterrupted(interruptedBy, what);
}

/** For tests in one process: forget a past interrupt. */
export function resetInterrupted(): void {
  interruptedBy = null;
}

function killGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false; // no process left in the group
  }
}

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** TERM (or `sig`) the group, wait up to the grace for it to empty, then KILL it. */
async function stopGroup(pid: number, sig: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!killGroup(pid, sig)) return;
  const until = Date.now() + graceMs();
  while (Date.now() < until) {
    await sleep(50);
    if (!killGroup(pid, 0)) return;
  }
  killGroup(pid, "SIGKILL");
}

/**
 * Run `cmd args` to completion under the rules above. Resolves with how it ended (a non-zero
 * exit is the caller's to judge); throws ChildStartError when it cannot start and
 * ChildInterrupted when cci was interrupted (unless onInterrupt: "return").
 */
export async function runChild(cmd: string, args: readonly string[], what: string, options: ChildOptions = {}): Promise<ChildResult> {
  assertNotInterrupted(what);
  const { opts, relays } = redacted(options);
  const piped = (o: Out | undefined) => o === "pipe";
  const stdio: ["ignore", Out, Out] = ["ignore", opts.stdout ?? "inherit", opts.stderr ?? "inherit"];
  const max = opts.maxCapture ?? 1 << 20;
  const capture = opts.capture ?? true;
  const text = { out: "", err: "" };
  let child: ChildProcess;
  hook();
  const entry: Live = { pid: 0, stop: () => {} };
  try {
    child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio, detached: true, shell: false });
  } catch (err) {
    unhook();
    throw new ChildStartError(cmd, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
  const started = await new Promise<NodeJS.ErrnoException | null>((ok) => {
    child.once("spawn", () => ok(null));
    child.once("error", (e) => ok(e));
  });
  if (started || child.pid === undefined) {
    unhook();
    throw new ChildStartError(cmd, started?.code ?? started?.message ?? "no pid");
  }
  const pid = child.pid;
  let killTimer: NodeJS.Timeout | undefined;
  let timedOut = false;
  entry.pid = pid;
  entry.stop = (sig) => {
    killGroup(pid, sig);
    if (sig !== "SIGKILL" && !killTimer) killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs());
  };
  live.add(entry);
  // A signal that arrived while the child was being started still reaches it.
  if (interruptedBy) entry.stop(interruptedBy);
  opts.onStart?.(pid);
  const timeout =
    opts.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          entry.stop("SIGTERM");
        }, opts.timeoutMs)
      : undefined;
  const feed = (key: "out" | "err", cb?: (c: Buffer) => void) => (chunk: Buffer) => {
    if (capture) text[key] = (text[key] + chunk.toString("utf8")).slice(-max);
    cb?.(chunk);
  };
  if (piped(stdio[1])) child.stdout!.on("data", feed("out", opts.onStdout));
  if (piped(stdio[2])) child.stderr!.on("data", feed("err", opts.onStderr));
  const closed = new Promise<void>((ok) => child.once("close", () => ok()));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok) => child.once("exit", (c, s) => ok([c, s])));
  clearTimeout(timeout);
  clearTimeout(killTimer);
  // Whatever of its group outlived it (a grandchild holding the pipes) is stopped too; then the
  // pipes' last bytes are read, within a bound (a process that left the group may hold them).
  await stopGroup(pid);
  live.delete(entry);
  unhook();
  await Promise.race([closed, sleep(2000)]);
  child.stdout?.destroy();
  child.stderr?.destroy();
  for (const r of relays) r.end();
  const result: ChildResult = { code, signal, stdout: text.out, stderr: text.err, interrupted: interruptedBy, timedOut };
  if (interruptedBy && (opts.onInterrupt ?? "throw") === "throw") throw new ChildInterrupted(interruptedBy, what);
  return result;
}

/** Whether a command runs (exit 0) with the given arguments, within `timeoutMs`. */
export async function commandWorks(cmd: string, args: string[], timeoutMs = 30_000): Promise<boolean> {
  try {
    const r = await runChild(cmd, args, cmd, { stdout: "ignore", stderr: "ignore", timeoutMs });
    return r.code === 0 && !r.timedOut;
  } catch (err) {
    if (err instanceof ChildStartError) return false;
    throw err;
  }
}

/**
 * Options with inherited/fd outputs turned into pipes relayed through the redactor to the stream
 * they would have reached (fd 1 → stdout, fd 2 or inherited stderr → stderr).
 */
function redacted(options: ChildOptions): { opts: ChildOptions; relays: { end: () => void }[] } {
  if (options.redact === false) return { opts: options, relays: [] };
  const opts: ChildOptions = { ...options };
  const relays: { end: () => void }[] = [];
  for (const key of ["stdout", "stderr"] as const) {
    const out = options[key];
    if (out !== undefined && out !== "inherit" && out !== 1 && out !== 2) continue;
    const target = out === 1 ? process.stdout : out === 2 ? process.stderr : key === "stdout" ? process.stdout : process.stderr;
    const relay = redactLines((t) => target.write(t));
    relays.push(relay);
    const cbKey = key === "stdout" ? "onStdout" : "onStderr";
    const prev = options[cbKey];
    opts[key] = "pipe";
    opts[cbKey] = (chunk: Buffer) => {
      relay.write(chunk);
      prev?.(chunk);
    };
  }
  return { opts, relays };
}
