/**
 * The one rule every output path passes (`checkOutputFile`, `checkOutputFolder`): an output is
 * never one of the command's inputs (same path, through symlinks, or the same inode), never a
 * folder, never something that is not a regular file unless it can be streamed to (a character
 * device such as /dev/null, or a FIFO) — a device or FIFO is never renamed over — and its folder
 * can be created: no parent that is a file, no read-only folder, no kernel file system (/proc,
 * /sys: procfs answers ENOENT to mkdir of a child, and Node's recursive mkdir then retries the
 * parent forever at 100 % CPU; `makeDirs` walks the path itself and stops).
 */
import { accessSync, constants, lstatSync, mkdirSync, realpathSync, statSync, statfsSync, type Stats } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { UserError } from "./errors";
import { repoRoot } from "./repo-root";

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

/** Whether `path` is the folder `dir` or lies under it (by name, as given; no symlinks followed). */
export function isInside(dir: string, path: string): boolean {
  const r = relative(resolve(dir), resolve(path));
  return r === "" || (r !== ".." && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/** Where a path points, for comparing files that may not exist yet. */
export function canonical(path: string): string {
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
  /** The permission bits the file gets (e.g. 0o755 for a script); an existing file with others is refused, never changed. */
  mode?: number;
  /** Only `cci import` writes into the corpus folder. */
  allowCorpus?: boolean;
}

/**
 * The corpus folders of this checkout: resource/data (the imported competition corpus) and
 * resource/sample (the committed sample), symlinks resolved. No command but `import` writes there.
 */
export function corpusFolders(): string[] {
  const cwd = process.cwd();
  if (corpusCache?.cwd !== cwd) {
    let dirs: string[] = [];
    try {
      const root = repoRoot();
      dirs = [join(root, "resource", "data"), join(root, "resource", "sample")];
    } catch {
      /* outside any checkout: no corpus folder to protect */
    }
    corpusCache = { cwd, dirs };
  }
  return corpusCache.dirs.map(canonical); // canonical each time: resource/data may become a symlink meanwhile
}
let corpusCache: { cwd: string; dirs: string[] } | undefined;

/** The corpus folder `path` lies in (through symlinks), if any. */
export function corpusFolderOf(path: string): string | undefined {
  const c = canonical(path);
  return corpusFolders().find((dir) => isInside(dir, c));
}

function assertNotCorpus(path: string, flag: string, allow?: boolean): void {
  if (allow) return;
  const dir = corpusFolderOf(path);
  if (dir) throw new UserError(`${path}: inside the corpus folder ${dir}; only \`cci import\` writes there — choose another ${flag}`);
}

/** The descriptor a path names (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N): written through directly, whatever it is (a socket cannot be opened by path). */
export function fdAlias(path: string): number | undefined {
  const p = resolve(path);
  if (p === "/dev/stdout") return 1;
  if (p === "/dev/stderr") return 2;
  const m = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(p);
  return m ? Number(m[1]) : undefined;
}

/** A path a stream is written through even when it resolves to a regular file (/dev/stdout redirected to a file). */
function isDevPath(path: string): boolean {
  return isInside("/dev", path) && !isInside("/dev/shm", path);
}

/** The single rule every output path passes (see the module comment). */
export function checkOutputFile(path: string, opts: GuardOptions = {}): OutputTarget {
  const flag = opts.flag ?? "--out";
  if (path.trim() === "") throw new UserError(`${flag}: empty path`);
  for (const input of opts.inputs ?? []) {
    if (sameFile(path, input))
      throw new UserError(`${path}: refusing to write over the input file${resolve(input) === resolve(path) ? "" : ` ${input}`}; choose another ${flag}`);
  }
  assertNotCorpus(path, flag, opts.allowCorpus);
  const k = kindOf(path);
  if (fdAlias(path) !== undefined && k !== "missing" && k !== "broken-link") return { path, target: resolve(path), stream: true };
  if (isDevPath(path) && (k === "file" || k === "missing")) {
    // /dev/stdout redirected to a file is still a stream; a new name beside a device (/dev/null.probs.json) is refused.
    if (k === "file") return { path, target: resolve(path), stream: true };
    throw new UserError(`${path}: /dev holds devices, not files; ${flag} needs a regular file, or a device such as /dev/null alone (no files beside it)`);
  }
  switch (k) {
    case "file": {
      if (opts.mode !== undefined) {
        const now = statSync(path).mode & 0o7777;
        if (now !== opts.mode)
          throw new UserError(`${path}: exists with mode ${now.toString(8)}; writing it would make it ${opts.mode.toString(8)} — remove it or choose another ${flag}`);
      }
      return { path, target: realpathSync(path), stream: false };
    }
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
export function checkOutputFolder(dir: string, opts: Pick<GuardOptions, "flag" | "allowCorpus"> = {}): void {
  const flag = opts.flag ?? "--out";
  assertNotCorpus(dir, flag, opts.allowCorpus);
  const k = kindOf(dir);
  if (k === "folder") return assertWritableFolder(resolve(dir), dir);
  if (k !== "missing") throw new UserError(`${dir}: is ${KIND_TEXT[k]}, not a folder; ${flag} needs a folder`);
  assertWritableFolder(nearestFolder(dir, dir), dir);
}

/**
 * An input must be something that ends: a regular file, or a pipe (`<(…)`, a FIFO). A device
 * such as /dev/zero never ends and /dev/random never stops; reading one would fill memory.
 */
export function assertReadableInput(path: string): void {
  let k: Kind;
  try {
    k = kindOf(path);
  } catch {
    return; // the read reports it
  }
  if (k === "char-device" || k === "block-device" || k === "socket") throw new UserError(`${path}: is ${KIND_TEXT[k]}, not a file to read`);
}
