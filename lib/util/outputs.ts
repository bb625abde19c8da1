/**
 * Every path a command writes passes one rule, and a command's outputs land all or nothing.
 *
 * The rule (`checkOutputFile`): an output is never one of the command's inputs (same path,
 * through symlinks, or the same inode), never a folder, never something that is not a regular
 * file unless it can be streamed to (a character device such as /dev/null, or a FIFO) — a device
 * or FIFO is never renamed over — and its folder can be created: no parent that is a file, no
 * read-only folder, no pseudo file system (/proc, /sys: procfs answers ENOENT to mkdir, and
 * Node's recursive mkdir then retries the parent forever at 100 % CPU; `makeDirs` walks the
 * path itself and stops).
 *
 * All or nothing (`OutputSet`): a command stages each output in a temp file beside its target
 * and moves them all into place in `commit()`, after everything that can fail has run. On
 * failure (`abort()`), SIGINT, SIGTERM or exit, the temp files and the folders made for them
 * are removed. Streaming writers (large corpora) take a temp path with `stage()` and write it
 * themselves.
 */
import { accessSync, chmodSync, closeSync, mkdtempSync, readdirSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, statfsSync, writeFileSync, writeSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "./errors";

/** One line for a failed file-system call on `path` (the user's spelling). */
export function fsError(err: unknown, path: string, doing = "cannot write"): Error {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  const reason = e.code ? (REASONS[e.code] ?? e.code) : undefined;
  return reason ? new UserError(`${path}: ${doing} (${reason})`) : (err as Error);
}

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a parent is a file, not a folder",
  EISDIR: "is a folder",
  ENOENT: "no such file or folder",
  EEXIST: "already exists",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many levels of symbolic links",
  EPIPE: "the reader closed the pipe",
  ENXIO: "no reader on the other side",
  EXDEV: "crosses file systems",
  EIO: "input/output error",
  EBUSY: "busy",
  EMFILE: "too many open files",
};

type Kind = "file" | "folder" | "char-device" | "block-device" | "fifo" | "socket" | "broken-link" | "missing";

const KIND_TEXT: Record<Kind, string> = {
  file: "a file",
  folder: "a folder",
  "char-device": "a character device",
  "block-device": "a block device",
  fifo: "a FIFO (named pipe)",
  socket: "a socket",
  "broken-link": "a broken symbolic link",
  missing: "missing",
};

function kindOfStats(s: Stats): Kind {
  if (s.isFile()) return "file";
  if (s.isDirectory()) return "folder";
  if (s.isCharacterDevice()) return "char-device";
  if (s.isBlockDevice()) return "block-device";
  if (s.isFIFO()) return "fifo";
  return "socket";
}

/** What is at `path`, following symlinks. */
function kindOf(path: string): Kind {
  try {
    return kindOfStats(statSync(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      try {
        if (lstatSync(path).isSymbolicLink()) return "broken-link";
      } catch {
        /* nothing there */
      }
      return "missing";
    }
    if (code === "ENOTDIR") return "missing";
    throw err;
  }
}

/** Kernel file systems that hold no user files (statfs magic numbers, linux/magic.h). */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: "procfs",
  0x62656572: "sysfs",
  0x27e0eb: "cgroup",
  0x63677270: "cgroup2",
  0x64626720: "debugfs",
  0x74726163: "tracefs",
  0x73636673: "securityfs",
  0x62656570: "configfs",
  0x6165676c: "pstore",
  0xcafe4a11: "bpf",
  0x42494e4d: "binfmt_misc",
};

function pseudoFs(folder: string): string | undefined {
  try {
    return PSEUDO_FS[Number(statfsSync(folder).type)];
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `path` that exists, or an error naming what blocks the way. */
function nearestFolder(path: string, shown: string): string {
  for (let cur = resolve(path); ; cur = dirname(cur)) {
    const k = kindOf(cur);
    if (k === "folder") return cur;
    if (k !== "missing") throw new UserError(`${shown}: cannot create the folder: ${cur} is ${KIND_TEXT[k]}, not a folder`);
    if (dirname(cur) === cur) throw new UserError(`${shown}: cannot create the folder: no existing folder above it`);
  }
}

/** Refuse folders where files cannot be made: pseudo file systems and read-only folders. */
function assertWritableFolder(folder: string, shown: string): void {
  const fs = pseudoFs(folder);
  if (fs) throw new UserError(`${shown}: cannot write under ${folder} (${fs}, a kernel file system, holds no files)`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw new UserError(`${shown}: cannot write in ${folder} (permission denied)`);
  }
}

/**
 * `mkdir -p` that always ends: walks up to the nearest existing folder, checks it, then creates
 * each missing level with a plain mkdir. Returns the folders it created, outermost first.
 */
export function makeDirs(dir: string, shown = dir): string[] {
  const abs = resolve(dir);
  const top = nearestFolder(abs, shown);
  if (top === abs) return [];
  assertWritableFolder(top, shown);
  const missing: string[] = [];
  for (let cur = abs; cur !== top; cur = dirname(cur)) missing.unshift(cur);
  const made: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      made.push(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && kindOf(d) === "folder") continue;
      throw fsError(err, shown, "cannot create the folder");
    }
  }
  return made;
}

/** Where a path points, for comparing files that may not exist yet. */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(canonical(parent), basename(abs));
  }
}

function inode(path: string): string | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? `${s.dev}:${s.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/** Whether two paths name the same file: same place (through symlinks) or the same inode (hard links). */
export function sameFile(a: string, b: string): boolean {
  if (canonical(a) === canonical(b)) return true;
  const ia = inode(a);
  return ia !== undefined && ia === inode(b);
}

/** How an output reaches its target. */
export interface OutputTarget {
  /** The path as the user gave it. */
  path: string;
  /** The file the bytes go to (symlinks resolved, so a link keeps pointing at the new content). */
  target: string;
  /** A character device or FIFO: the bytes are streamed into it at commit, never renamed over it. */
  stream: boolean;
}

export interface GuardOptions {
  /** The command's inputs: files (or folders, whose files are then inputs too). */
  inputs?: readonly string[];
  /** The option that named this output, for the message (default --out). */
  flag?: string;
}

/** The single rule every output path passes (see the module comment). */
export function checkOutputFile(path: string, opts: GuardOptions = {}): OutputTarget {
  const flag = opts.flag ?? "--out";
  if (path.trim() === "") throw new UserError(`${flag}: empty path`);
  for (const input of opts.inputs ?? []) {
    if (sameFile(path, input))
      throw new UserError(`${path}: refusing to write over the input file${resolve(input) === resolve(path) ? "" : ` ${input}`}; choose another ${flag}`);
  }
  const k = kindOf(path);
  switch (k) {
    case "file":
      return { path, target: realpathSync(path), stream: false };
    case "char-device":
    case "fifo":
      return { path, target: resolve(path), stream: true };
    case "missing": {
      const parent = nearestFolder(dirname(resolve(path)), path);
      assertWritableFolder(parent, path);
      return { path, target: join(canonical(dirname(resolve(path))), basename(path)), stream: false };
    }
    case "folder":
      throw new UserError(`${path}: is a folder; ${flag} needs a file name`);
    default:
      throw new UserError(`${path}: is ${KIND_TEXT[k]}; refusing to write to it (give a regular file, a character device or a FIFO)`);
  }
}

/**
 * The rule for an output folder: a folder or nothing yet, under a place that takes files. (It
 * may hold inputs: each file written into it is checked against them.)
 */
export function checkOutputFolder(dir: string, opts: Pick<GuardOptions, "flag"> = {}): void {
  const flag = opts.flag ?? "--out";
  const k = kindOf(dir);
  if (k === "folder") return assertWritableFolder(resolve(dir), dir);
  if (k !== "missing") throw new UserError(`${dir}: is ${KIND_TEXT[k]}, not a folder; ${flag} needs a folder`);
  assertWritableFolder(nearestFolder(dir, dir), dir);
}

// ---------------------------------------------------------------------------------------------
// Temp files of every live OutputSet, removed on failure, SIGINT, SIGTERM and exit.

const liveTemps = new Set<string>();
const liveDirs: string[] = [];
let exitHooked = false;

const liveFolders = new Set<string>();

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

function onSignal(signal: NodeJS.Signals): void {
  removeLive();
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

function settle(): void {
  if (liveTemps.size === 0 && liveFolders.size === 0) unhookSignals();
}

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
  hookSignals();
  liveFolders.add(path);
  return {
    path,
    dispose: () => {
      rmSync(path, { recursive: true, force: true });
      liveFolders.delete(path);
      settle();
    },
  };
}

/**
 * Let the event loop handle a pending SIGINT/SIGTERM. Signals are only seen when the loop turns;
 * long work that awaits only resolved promises never lets it, so call this between steps.
 */
export function yieldToSignals(): Promise<void> {
  return new Promise((ok) => setImmediate(ok));
}

/** Whether a process id is alive (a temp name carries its writer's pid). */
function alive(pid: number): boolean {
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
function sweepStale(dir: string, pattern: RegExp): void {
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

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

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
      liveDirs.push(...made);
    }
    sweepStale(dir, new RegExp(`^\\.${escapeRe(basename(t.target))}\\.cci-(\\d+)-\\d+\\.tmp$`));
    const temp = join(dir, `.${basename(t.target)}.cci-${process.pid}-${++serial}.tmp`);
    hookSignals();
    liveTemps.add(temp);
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
        liveTemps.delete(s.temp);
      }
      for (const r of this.removals.splice(0)) rmSync(r, { force: true });
      for (const d of this.madeDirs) liveDirs.splice(liveDirs.indexOf(d), 1);
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
      liveTemps.delete(s.temp);
    }
    this.staged.clear();
    this.removals.length = 0;
    for (const d of this.madeDirs.splice(0).reverse()) {
      const i = liveDirs.indexOf(d);
      if (i >= 0) liveDirs.splice(i, 1);
      try {
        rmdirSync(d);
      } catch {
        /* holds something else now: keep it */
      }
    }
    settle();
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
