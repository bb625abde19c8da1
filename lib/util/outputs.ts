/**
 * A command's outputs land all or nothing. A command stages each output in a temp file beside
 * its target (`OutputSet.write`, or `stage()` for a streaming writer that fills the temp path
 * itself) and moves them all into place in `commit()`, after everything that can fail has run.
 * Every path passes the rule of `output-rule.ts` against the command's inputs as it is declared
 * or staged. On failure (`abort()`), SIGINT, SIGTERM or exit, the temp files and the folders
 * made for them are removed (`cleanup.ts`).
 *
 *   const outputs = new OutputSet(inputs);          // or openOutputs(IO.command(…)) in lib/cli
 *   outputs.declare(out);                           // bad paths fail before any work
 *   await outputs.run(async () => {
 *     outputs.write(out, text);                     // or: stream into outputs.stage(out)
 *   });                                             // commit on success, abort on a throw
 */
import { chmodSync, closeSync, constants, fstatSync, mkdtempSync, openSync, readSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { UserError } from "./errors";
import { canonical, checkOutputFile, checkOutputFolder, fsError, makeDirs, type GuardOptions, type OutputTarget } from "./output-rule";
import { STAGED_TEMP, settle, sweepStale, trackDirs, trackFolder, trackTemp, untrackDir, untrackFolder, untrackTemp, yieldToSignals } from "./cleanup";

export { checkOutputFile, checkOutputFolder, fsError, makeDirs, sameFile, type GuardOptions, type OutputTarget } from "./output-rule";
export { yieldToSignals } from "./cleanup";

/** A scratch folder (in `near`, default the system temp folder), removed by `dispose()`, on failure, signals and exit. */
export function tempFolder(near = tmpdir(), shown = near): { path: string; dispose: () => void } {
  makeDirs(near, shown);
  sweepStale(near, /^\.cci-(\d+)-[A-Za-z0-9]{6}$/);
  let path: string;
  try {
    path = mkdtempSync(join(near, `.cci-${process.pid}-`));
  } catch (err) {
    throw fsError(err, shown, "cannot create a scratch folder");
  }
  trackFolder(path);
  return {
    path,
    dispose: () => {
      rmSync(path, { recursive: true, force: true });
      untrackFolder(path);
      settle();
    },
  };
}

interface Staged extends OutputTarget {
  temp: string;
}

let serial = 0;

/**
 * A command's outputs, staged and then moved into place together. Every path goes through
 * `checkOutputFile` against the set's inputs and against the other outputs of the set.
 */
export class OutputSet {
  private readonly staged = new Map<string, Staged>();
  private readonly declared = new Map<string, string>();
  private readonly folders = new Map<string, string>();
  private readonly madeDirs: string[] = [];
  private readonly removals: string[] = [];

  constructor(readonly inputs: readonly string[] = []) {}

  /** Check an output before any work (so a bad path fails first); two flags naming one file are refused. */
  declare(path: string, flag = "--out"): OutputTarget {
    const t = checkOutputFile(path, { inputs: this.inputs, flag });
    const key = t.stream ? `stream:${t.target}` : canonical(t.target);
    const prior = this.declared.get(key);
    if (prior !== undefined && prior !== flag) throw new UserError(`${path}: ${prior} and ${flag} name the same file; give each its own`);
    const folder = this.folders.get(key);
    if (folder !== undefined) throw new UserError(`${path}: ${flag} names the ${folder} folder; give it a file name of its own`);
    this.declared.set(key, flag);
    return t;
  }

  /** Check an output folder before any work. */
  declareFolder(dir: string, flag = "--out"): void {
    checkOutputFolder(dir, { flag });
    this.folders.set(canonical(dir), flag);
  }

  /** A temp path to fill (e.g. with a stream); `commit()` moves it to `path`. */
  stage(path: string, flag = "--out"): string {
    const t = checkOutputFile(path, { inputs: this.inputs, flag });
    const prior = this.staged.get(t.target);
    if (prior) return prior.temp;
    const dir = t.stream ? tmpdir() : dirname(t.target);
    if (!t.stream) {
      const made = makeDirs(dir, path);
      this.madeDirs.push(...made);
      trackDirs(made);
    }
    sweepStale(dir, STAGED_TEMP); // what a killed run (of any output in this folder) left behind
    const temp = join(dir, `.${basename(t.target)}.cci-${process.pid}-${++serial}.tmp`);
    trackTemp(temp);
    this.staged.set(t.target, { ...t, temp });
    return temp;
  }

  /**
   * Stage a file already written elsewhere (on the same file system as `path`'s folder) as the
   * content of `path`: `commit()` renames it into place.
   */
  adopt(path: string, file: string, flag = "--out"): void {
    const temp = this.stage(path, flag);
    try {
      renameSync(file, temp);
    } catch (err) {
      throw fsError(err, path);
    }
  }

  /** Delete `path` at commit (a stale companion of an output, e.g. the sidecar of a vote that now has none). */
  remove(path: string, flag = "--out"): void {
    const t = checkOutputFile(path, { inputs: this.inputs, flag });
    if (!t.stream) this.removals.push(t.target);
  }

  /** Stage `data` for `path`. */
  write(path: string, data: string | Uint8Array, flag = "--out"): void {
    const temp = this.stage(path, flag);
    try {
      writeFileSync(temp, data);
    } catch (err) {
      throw fsError(err, path);
    }
  }

  /** The paths staged so far, in order. */
  get paths(): string[] {
    return [...this.staged.values()].map((s) => s.path);
  }

  /** Move every staged file into place (streamed into devices and FIFOs). */
  commit(): void {
    try {
      for (const s of this.staged.values()) {
        if (s.stream) streamInto(s.temp, s.target, s.path);
        else {
          try {
            keepMode(s.temp, s.target);
            renameSync(s.temp, s.target);
          } catch (err) {
            throw fsError(err, s.path);
          }
        }
        untrackTemp(s.temp);
      }
      for (const r of this.removals.splice(0)) rmSync(r, { force: true });
      for (const d of this.madeDirs) untrackDir(d);
      this.madeDirs.length = 0;
      this.staged.clear();
    } finally {
      this.abort();
    }
  }

  /** Remove every temp file not yet committed, and the folders made for them when empty. */
  abort(): void {
    for (const s of this.staged.values()) {
      rmSync(s.temp, { force: true });
      untrackTemp(s.temp);
    }
    this.staged.clear();
    this.removals.length = 0;
    for (const d of this.madeDirs.splice(0).reverse()) {
      untrackDir(d);
      try {
        rmdirSync(d);
      } catch {
        /* holds something else now: keep it */
      }
    }
    settle();
  }

  /** `run` for synchronous work (notebooks and the report refine this way): commit when it returns, abort when it throws. */
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

  /** Run `work` with this set; commit when it returns, abort when it throws (or is interrupted). */
  async run<T>(work: (out: OutputSet) => Promise<T> | T): Promise<T> {
    try {
      const result = await work(this);
      await yieldToSignals(); // an interrupt that came during the work wins over the commit
      this.commit();
      return result;
    } catch (err) {
      this.abort();
      throw err;
    }
  }
}

/** A file replaced keeps its permissions (a read-only or shared file stays so). */
function keepMode(temp: string, target: string): void {
  try {
    chmodSync(temp, statSync(target).mode & 0o7777);
  } catch {
    /* a new file: the umask's mode */
  }
}

/** Copy a staged temp file into a device or FIFO, in chunks. */
function streamInto(temp: string, target: string, shown: string): void {
  let src: number | undefined;
  let dst: number | undefined;
  try {
    src = openSync(temp, "r");
    dst = openSync(target, constants.O_WRONLY | constants.O_APPEND);
    const size = fstatSync(src).size;
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, size)));
    for (let done = 0; done < size; ) {
      const n = readSync(src, buf, 0, buf.length, done);
      if (n === 0) break;
      for (let off = 0; off < n; ) off += writeSync(dst, buf, off, n - off);
      done += n;
    }
  } catch (err) {
    throw fsError(err, shown);
  } finally {
    if (src !== undefined) closeSync(src);
    if (dst !== undefined) closeSync(dst);
    rmSync(temp, { force: true });
  }
}

/** Write one file all or nothing, through the rule (the single-output case of OutputSet). */
export function writeOutput(path: string, data: string | Uint8Array, opts: GuardOptions = {}): void {
  const set = new OutputSet(opts.inputs);
  try {
    set.write(path, data, opts.flag);
    set.commit();
  } catch (err) {
    set.abort();
    throw err;
  }
}
