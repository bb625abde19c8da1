/**
 * A command's outputs land all or nothing. A command stages each output in a temp file beside
 * its target (`OutputSet.write`, or `stage()` for a streaming writer that fills the temp path
 * itself) and moves them all into place in `commit()`, after everything that can fail has run.
 * Every path passes the rule of `output-rule.ts` against the command's inputs as it is declared
 * or staged. On failure (`abort()`), SIGINT, SIGTERM or exit, the temp files and the folders
 * made for them are removed (`cleanup.ts`).
 *
 * This module is the one door out (lib/util/SAFETY.md): no other module of lib/ writes with fs
 * (test/output-door.test.ts). Text written here passes the redactor unless `verbatim` (corpus
 * bytes); logs, locks, journals, removals and renames have their guarded forms below.
 *
 *   const outputs = new OutputSet(inputs);          // or openOutputs(IO.command(…)) in lib/cli
 *   outputs.declare(out);                           // bad paths fail before any work
 *   await outputs.run(async () => {
 *     outputs.write(out, text);                     // or: stream into outputs.stage(out)
 *   });                                             // commit on success, abort on a throw
 */
import { appendFileSync, chmodSync, closeSync, constants, copyFileSync, fstatSync, mkdtempSync, openSync, readSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { UserError } from "./errors";
import { canonical, checkOutputFile, checkOutputFolder, corpusFolderOf, fdAlias, fsError, makeDirs, type GuardOptions, type OutputTarget } from "./output-rule";
import { redactText } from "./redact";
import { isStaged, STAGED_TEMP, settle, sweepStale, trackDirs, trackFolder, trackTemp, untrackDir, untrackFolder, untrackTemp, yieldToSignals } from "./cleanup";

export { checkOutputFile, checkOutputFolder, corpusFolderOf, fsError, makeDirs, sameFile, type GuardOptions, type OutputTarget } from "./output-rule";

/** How one file is written: the option that named it, its mode (a script's 0o755), and whether its text is written as it is. */
export interface WriteOptions {
  flag?: string;
  /** Permission bits; an existing file with other bits is refused (never changed). */
  mode?: number;
  /** Corpus-derived data written byte for byte, never through the redactor. */
  verbatim?: boolean;
}

/** A flag (as before) or WriteOptions. */
export type WriteArg = string | WriteOptions | undefined;
const writeOpts = (a: WriteArg): WriteOptions => (typeof a === "string" ? { flag: a } : (a ?? {}));
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
  mode?: number;
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

  /** `allowCorpus`: `cci import`'s set, the one writer of the corpus folder. */
  constructor(
    readonly inputs: readonly string[] = [],
    private readonly opts: { allowCorpus?: boolean } = {},
  ) {}

  private check(path: string, a: WriteArg): OutputTarget {
    const o = writeOpts(a);
    return checkOutputFile(path, { inputs: this.inputs, flag: o.flag ?? "--out", mode: o.mode, allowCorpus: this.opts.allowCorpus });
  }

  /** Check an output before any work (so a bad path fails first); two flags naming one file are refused. */
  declare(path: string, arg: WriteArg = "--out"): OutputTarget {
    const flag = writeOpts(arg).flag ?? "--out";
    const t = this.check(path, arg);
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
    checkOutputFolder(dir, { flag, allowCorpus: this.opts.allowCorpus });
    this.folders.set(canonical(dir), flag);
  }

  /** A temp path to fill (e.g. with a stream); `commit()` moves it to `path`. */
  stage(path: string, arg: WriteArg = "--out"): string {
    const t = this.check(path, arg);
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
    this.staged.set(t.target, { ...t, temp, mode: writeOpts(arg).mode });
    return temp;
  }

  /**
   * A companion file of `main` (its `.probs.json`, `.journal.jsonl`, `.config.json`): the path
   * when `main` is a file, undefined when `main` is a stream (/dev/null, /dev/stdout, a FIFO),
   * which gets no files beside it.
   */
  sidecar(main: string, companion: string): string | undefined {
    return sidecar(main, companion);
  }

  /** Open a staged temp file of `path` for writing in pieces (a streamed corpus); `commit()` moves it into place. */
  open(path: string, arg: WriteArg = "--out"): FileWriter {
    return new FileWriter(this.stage(path, arg), path);
  }

  /**
   * Stage a file already written elsewhere (on the same file system as `path`'s folder) as the
   * content of `path`: `commit()` renames it into place.
   */
  adopt(path: string, file: string, flag: WriteArg = "--out"): void {
    const temp = this.stage(path, flag);
    try {
      renameSync(file, temp);
    } catch (err) {
      throw fsError(err, path);
    }
  }

  /** Delete `path` at commit (a stale companion of an output, e.g. the sidecar of a vote that now has none). */
  remove(path: string, flag: WriteArg = "--out"): void {
    const t = this.check(path, flag);
    if (!t.stream) this.removals.push(t.target);
  }

  /** Stage `data` for `path`; text passes the redactor unless `verbatim`. */
  write(path: string, data: string | Uint8Array, arg: WriteArg = "--out"): void {
    const temp = this.stage(path, arg);
    try {
      writeFileSync(temp, typeof data === "string" && !writeOpts(arg).verbatim ? redactText(data) : data);
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
            if (s.mode !== undefined) chmodSync(s.temp, s.mode);
            else keepMode(s.temp, s.target);
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
  let owned = true;
  try {
    src = openSync(temp, "r");
    const fd = fdAlias(target);
    dst = fd ?? openSync(target, constants.O_WRONLY | constants.O_APPEND);
    if (fd !== undefined) owned = false;
    const size = fstatSync(src).size;
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, size)));
    for (let done = 0; done < size; ) {
      const n = readSync(src, buf, 0, buf.length, done);
      if (n === 0) break;
      for (let off = 0; off < n; ) off += writeAll(dst, buf, off, n - off);
      done += n;
    }
  } catch (err) {
    throw fsError(err, shown);
  } finally {
    if (src !== undefined) closeSync(src);
    if (dst !== undefined && owned) closeSync(dst);
    rmSync(temp, { force: true });
  }
}

/** One write, waiting while a non-blocking descriptor (a pipe or socket on stdout) is full. */
function writeAll(fd: number, buf: Buffer, off: number, len: number): number {
  for (;;) {
    try {
      return writeSync(fd, buf, off, len);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // the reader drains it
    }
  }
}

/** Write one file all or nothing, through the rule (the single-output case of OutputSet). */
export function writeOutput(path: string, data: string | Uint8Array, opts: GuardOptions & WriteOptions = {}): void {
  const set = new OutputSet(opts.inputs, { allowCorpus: opts.allowCorpus });
  try {
    set.write(path, data, { flag: opts.flag, mode: opts.mode, verbatim: opts.verbatim });
    set.commit();
  } catch (err) {
    set.abort();
    throw err;
  }
}

/** `companion` (a sidecar of `main`: its .probs.json, .journal.jsonl), or undefined when `main` is a stream, which gets none. */
export function sidecar(main: string, companion: string): string | undefined {
  return isStream(main) ? undefined : companion;
}

/** Whether `path` is written as a stream (a character device, a FIFO, /dev/stdout): such outputs get no sidecars. */
export function isStream(path: string): boolean {
  try {
    return checkOutputFile(path).stream;
  } catch {
    return false; // the rule's own refusal comes when the path is declared
  }
}

/**
 * Open a file to fill in pieces (a streamed corpus): a temp staged by an OutputSet or inside a
 * scratch folder (already checked), or else a path that passes the rule now.
 */
export function openStaged(path: string, opts: GuardOptions = {}): FileWriter {
  if (!isStaged(path)) {
    checkOutputFile(path, opts);
    makeDirs(dirname(path), path);
  }
  return new FileWriter(path, path, "w");
}

/** A file written in pieces: a staged temp (`OutputSet.open`, `openStaged`), a log or a lock (`openRecord`). */
export class FileWriter {
  private fd: number | undefined;

  constructor(
    readonly path: string,
    private readonly shown = path,
    flags: "w" | "a" | "wx" = "w",
  ) {
    try {
      this.fd = openSync(path, flags);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw err; // "wx": a lock someone holds, the caller's to handle
      throw fsError(err, shown);
    }
  }

  /** Write bytes as they are (corpus bytes; callers redact text they make themselves). */
  write(data: string | Uint8Array): void {
    if (this.fd === undefined) throw new Error(`${this.shown}: written after close`);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (err) {
      throw fsError(err, this.shown);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}

/**
 * A file that grows while a command runs and is its record when it stops (a trainer's log, a
 * scoring journal): checked by the rule once, then opened for appending ("a"), truncated ("w")
 * or created only when absent ("wx": a lock; EEXIST is the caller's to handle). Text written
 * through `writeText` passes the redactor.
 */
export function openRecord(path: string, flags: "w" | "a" | "wx", opts: GuardOptions = {}): FileWriter & { writeText: (text: string) => void } {
  checkOutputFile(path, opts);
  makeDirs(dirname(path), path);
  const w = new FileWriter(path, path, flags);
  return Object.assign(w, { writeText: (text: string) => w.write(redactText(text)) });
}

/** Append one text record to `path` (redacted), creating it and its folder when absent. */
export function appendOutput(path: string, text: string, opts: GuardOptions = {}): void {
  checkOutputFile(path, opts);
  makeDirs(dirname(path), path);
  try {
    appendFileSync(path, redactText(text));
  } catch (err) {
    throw fsError(err, path);
  }
}

/**
 * Remove a file or folder the command made or owns (a stale journal, a scratch tree, a replaced
 * bundle, a failed venv): never inside the corpus folder, never one of `inputs`.
 */
export function removeOutput(path: string, opts: GuardOptions = {}): void {
  if (!opts.allowCorpus) {
    const corpus = corpusFolderOf(path);
    if (corpus) throw new UserError(`${path}: inside the corpus folder ${corpus}; refusing to delete it`);
  }
  for (const input of opts.inputs ?? []) if (canonical(input) === canonical(path)) throw new UserError(`${path}: refusing to delete the input ${input}`);
  rmSync(path, { recursive: true, force: true });
}

/** Rename a file or folder the command staged (a bundle's temp folder) into place; the target passes the corpus rule. */
export function renameOutput(from: string, to: string, opts: GuardOptions = {}): void {
  if (!opts.allowCorpus) {
    const corpus = corpusFolderOf(to) ?? corpusFolderOf(from);
    if (corpus) throw new UserError(`${to}: inside the corpus folder ${corpus}; choose another ${opts.flag ?? "--out"}`);
  }
  renameSync(from, to);
}

/** Copy a file into a folder the command is staging (a bundle's carried files); the target passes the rule. */
export function copyOutput(from: string, to: string, opts: GuardOptions = {}): void {
  checkOutputFile(to, { ...opts, inputs: [...(opts.inputs ?? []), from] });
  makeDirs(dirname(to), to);
  copyFileSync(from, to);
}

/** Remove an empty folder the command made (ENOTEMPTY and ENOENT are ignored: something else is there, or nothing). */
export function removeEmptyFolder(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty or gone */
  }
}
