/**
 * What a run leaves behind if it stops: the temp files and scratch folders of live outputs,
 * removed on failure, SIGINT, SIGTERM, SIGHUP and exit; and what a killed run (SIGKILL) left,
 * swept by the next one. Signal handlers are installed only while something is staged, so a
 * long computation with nothing staged still stops at once.
 */
import { readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const liveTemps = new Set<string>();
const liveDirs: string[] = [];
const liveFolders = new Set<string>();
let exitHooked = false;

function removeLive(): void {
  for (const t of liveTemps) rmSync(t, { force: true });
  liveTemps.clear();
  for (const f of liveFolders) rmSync(f, { recursive: true, force: true });
  liveFolders.clear();
  for (const d of liveDirs.splice(0).reverse()) {
    try {
      rmdirSync(d);
    } catch {
      /* not empty (someone else's file) or gone: leave it */
    }
  }
}

/** While a child runs (lib/util/child.ts) it owns the signal: it stops the child, then the command ends and the exit hook removes what is staged. */
let held = 0;

export function holdSignals(): void {
  held++;
}

export function releaseSignals(): void {
  held = Math.max(0, held - 1);
}

function onSignal(signal: NodeJS.Signals): void {
  if (held > 0) return;
  removeLive();
  process.stderr.write(`cci: interrupted (${signal}); no output written\n`);
  unhookSignals();
  // Die by the signal itself, so the parent sees an interrupted process.
  process.kill(process.pid, signal);
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let signalsHooked = false;

function hookSignals(): void {
  if (!exitHooked) {
    process.on("exit", removeLive);
    exitHooked = true;
  }
  if (signalsHooked) return;
  for (const s of SIGNALS) process.on(s, onSignal);
  signalsHooked = true;
}

/** Handlers only while temp files exist, so a long computation with nothing staged still stops at once. */
function unhookSignals(): void {
  if (!signalsHooked) return;
  for (const s of SIGNALS) process.off(s, onSignal);
  signalsHooked = false;
}

/** Drop the signal handlers once nothing is staged. */
export function settle(): void {
  if (liveTemps.size === 0 && liveFolders.size === 0) unhookSignals();
}

/** Register a temp file (removed if the run stops before it is moved into place). */
export function trackTemp(path: string): void {
  hookSignals();
  liveTemps.add(path);
}

/** A temp file moved into place or removed: no longer ours to clean. */
/** Whether `path` is a live staged temp (or lies in a live scratch folder): already passed the output rule. */
export function isStaged(path: string): boolean {
  if (liveTemps.has(path)) return true;
  for (const f of liveFolders) if (path.startsWith(`${f}/`)) return true;
  return false;
}

export function untrackTemp(path: string): void {
  liveTemps.delete(path);
}

/** Register folders made for staged files (removed, when empty, if the run stops). */
export function trackDirs(dirs: readonly string[]): void {
  liveDirs.push(...dirs);
}

export function untrackDir(dir: string): void {
  const i = liveDirs.indexOf(dir);
  if (i >= 0) liveDirs.splice(i, 1);
}

/** Register a scratch folder (removed with everything in it if the run stops). */
export function trackFolder(path: string): void {
  hookSignals();
  liveFolders.add(path);
}

export function untrackFolder(path: string): void {
  liveFolders.delete(path);
}

/**
 * Let the event loop handle a pending SIGINT/SIGTERM. Signals are only seen when the loop turns;
 * long work that awaits only resolved promises never lets it, so call this between steps.
 */
export function yieldToSignals(): Promise<void> {
  return new Promise((ok) => setImmediate(ok));
}

/** Whether a process id is alive (a temp name carries its writer's pid; a run's status file its runner's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove what a killed run (SIGKILL, power loss) left in `dir`: temp names of ours whose writer
 * is gone. Only names made by this module, only for dead pids.
 */
export function sweepStale(dir: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Every temp name `OutputSet.stage` makes (`.{name}.cci-{pid}-{n}.tmp`), whatever output it was for. */
export const STAGED_TEMP = /^\..+\.cci-(\d+)-\d+\.tmp$/;

