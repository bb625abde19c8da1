/**
 * All or nothing for commands with several outputs (`import`, `refine --in`): each output is
 * written to a temp file beside its target (`stage`), and all are moved into place together in
 * `commit()`, after everything that can fail has run. On failure (`abort()`), SIGINT, SIGTERM or
 * exit, the temp files are removed — an interrupted run leaves no partial file at any output path.
 *
 * The API is a subset of the output-guard module's `OutputSet` being written for issue 12
 * (lib/util/outputs.ts), so that callers can switch to it by changing their import.
 */
import { mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { assertNotInput } from "./atomic";
import { UserError } from "./errors";

const liveTemps = new Set<string>();
let exitHooked = false;
let serial = 0;

function removeLiveTemps(): void {
  for (const t of liveTemps) rmSync(t, { force: true });
  liveTemps.clear();
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", removeLiveTemps);
}

/**
 * Only asynchronous work (`run`) takes over SIGINT/SIGTERM, and only while it runs: a handler
 * cannot run while synchronous work blocks the thread, and Ctrl-C must still stop that at once
 * (leaving at most a hidden temp file, never a partial output).
 */
let activeRuns = 0;
const onSignal = (signal: NodeJS.Signals) => {
  removeLiveTemps();
  process.stderr.write(`cci: interrupted (${signal}); no output written\n`);
  process.exit(signal === "SIGINT" ? 130 : 143);
};

function hookSignals(): () => void {
  if (activeRuns++ === 0) for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, onSignal);
  return () => {
    if (--activeRuns === 0) for (const s of ["SIGINT", "SIGTERM"] as const) process.off(s, onSignal);
  };
}

const TEMP_NAME = /^\..+\.cci-(\d+)-\d+\.tmp$/;
const sweptDirs = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Temp files a killed run (SIGKILL, power loss) left in `dir` — hidden, never at an output
 * path, but gigabytes on a large corpus — are removed by the next run that writes there.
 */
function sweepStaleTemps(dir: string): void {
  if (sweptDirs.has(dir)) return;
  sweptDirs.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m && Number(m[1]) !== process.pid && !isAlive(Number(m[1]))) rmSync(join(dir, name), { force: true });
  }
}

/** Remove `top` and the folders under it, all only if empty. */
function removeEmptyTree(top: string): void {
  try {
    rmdirSync(top);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOTEMPTY") return;
    // mkdir -p made top/a/b: remove the deepest empty ones first.
    for (const d of readdirSync(top, { withFileTypes: true })) if (d.isDirectory()) removeEmptyTree(join(top, d.name));
    try {
      rmdirSync(top);
    } catch {
      /* holds something: keep it */
    }
  }
}

export class OutputSet {
  private readonly staged = new Map<string, string>();
  /** Folders this set created (outermost first), removed again by `abort` when left empty. */
  private readonly madeDirs: string[] = [];

  constructor(readonly inputs: readonly string[] = []) {}

  /** A temp path to fill (e.g. with a stream); `commit()` moves it to `path`. */
  stage(path: string, _flag = "--out"): string {
    assertNotInput(path, this.inputs);
    const target = resolve(path);
    const prior = this.staged.get(target);
    if (prior) return prior;
    const dir = dirname(target);
    try {
      const made = mkdirSync(dir, { recursive: true });
      if (made) this.madeDirs.push(made);
    } catch (err) {
      throw new UserError(`${path}: cannot create its folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    sweepStaleTemps(dir);
    const temp = join(dir, `.${basename(target)}.cci-${process.pid}-${++serial}.tmp`);
    hookExit();
    liveTemps.add(temp);
    this.staged.set(target, temp);
    return temp;
  }

  /** Stage `data` for `path`. */
  write(path: string, data: string | Uint8Array, flag = "--out"): void {
    writeFileSync(this.stage(path, flag), data);
  }

  /** Move every staged file into place. */
  commit(): void {
    try {
      for (const [target, temp] of this.staged) {
        renameSync(temp, target);
        liveTemps.delete(temp);
      }
      this.staged.clear();
      this.madeDirs.length = 0;
    } finally {
      this.abort();
    }
  }

  /** Remove every temp file not yet committed. */
  abort(): void {
    for (const temp of this.staged.values()) {
      rmSync(temp, { force: true });
      liveTemps.delete(temp);
    }
    this.staged.clear();
    for (const top of this.madeDirs.splice(0).reverse()) removeEmptyTree(top);
  }

  /** Run `work` with this set; commit when it returns, abort when it throws. */
  async run<T>(work: (out: OutputSet) => Promise<T> | T): Promise<T> {
    const unhook = hookSignals();
    try {
      const result = await work(this);
      this.commit();
      return result;
    } catch (err) {
      this.abort();
      throw err;
    } finally {
      unhook();
    }
  }

  /** `run` for synchronous work. */
  runSync<T>(work: (out: OutputSet) => T): T {
    try {
      const result = work(this);
      this.commit();
      return result;
    } catch (err) {
      this.abort();
      throw err;
    }
  }
}
