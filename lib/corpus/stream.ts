/**
 * Streaming corpus reading: bytes in (a file or a zip entry, chunk by chunk) → batches of
 * elements → a caller's work on each batch (parse + check, refine…) → results in file order.
 * Memory holds a few batches, whatever the file's size. The work may run on worker threads
 * (`streamCorpus` with an async `work`); results are still consumed in order, so the first
 * error reported is the first in the file and outputs keep the input's order.
 */
import { assertReadableInput } from "../util/output-rule";
import { closeSync, createReadStream, openSync, readSync, statSync } from "node:fs";
import { ArrayScanner, ScanError } from "./scan";
import { Batcher, IdCheck, type Batch } from "./elements";
import { UserError } from "../util/errors";
import { progress } from "../util/progress";

export interface BatchOutcome {
  /** Ids of the batch's examples, in order (checked for duplicates across the file). */
  ids: string[];
}

/** Where the array's content begins and ends, for splicing files without parsing them again. */
export interface ScanSummary {
  examples: number;
  bytes: number;
  /** Offset just after the opening `[`. */
  openEnd: number;
  /** Offset just after the last example. */
  lastEnd: number;
}

export interface StreamOptions {
  /** Batch size in bytes of input. */
  batchBytes?: number;
  /** Called with every chunk read (e.g. to copy the bytes elsewhere, or tick a progress bar). */
  onChunk?: (chunk: Buffer) => void;
}

const CHUNK = 1 << 20;
const MiB = 1 << 20;

/** A progress bar over a file's bytes, in MiB (silent when stderr is not a terminal). */
export function byteProgress(label: string, bytes: number): { chunk(c: Buffer): void; done(): void } {
  const bar = progress(`${label} (MiB)`, Math.ceil(bytes / MiB));
  let seen = 0;
  let shown = 0;
  return {
    chunk(c: Buffer) {
      seen += c.length;
      const now = Math.floor(seen / MiB);
      if (now > shown) bar.tick(now - shown);
      shown = now;
    },
    done: () => bar.done(),
  };
}

export function scanError(file: string, err: unknown): unknown {
  if (!(err instanceof ScanError)) return err;
  return err.problem.startsWith("looks like") || err.problem.startsWith("expected a JSON array")
    ? new UserError(`${file}: ${err.problem}`)
    : new UserError(`${file}: not valid JSON (${err.problem} at byte ${err.offset})`);
}

/** One line for a file that cannot be read. */
export function readError(path: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder" : code === "EACCES" ? "permission denied" : (code ?? (err as Error).message);
  return new UserError(`${path}: cannot read (${why})`);
}

/** Size of a file to read, or one line saying why it cannot be read. */
export function inputSize(path: string): number {
  assertReadableInput(path); // never a device or socket: /dev/zero would never end
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" });
    size = st.size;
  } catch (err) {
    throw readError(path, err);
  }
  return size;
}

/** Read a corpus file synchronously, batch by batch. */
export function streamFileSync<R extends BatchOutcome>(path: string, work: (b: Batch) => R, onResult: (r: R) => void, opts: StreamOptions = {}): ScanSummary {
  inputSize(path);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw readError(path, err);
  }
  try {
    return streamChunksSync(readChunksSync(fd), path, work, onResult, opts);
  } finally {
    closeSync(fd);
  }
}

function* readChunksSync(fd: number): Iterable<Buffer> {
  for (;;) {
    // A fresh buffer per read: a pending element may still point into the previous one.
    const chunk = Buffer.allocUnsafe(CHUNK);
    const n = readSync(fd, chunk, 0, CHUNK, null);
    if (n === 0) return;
    yield chunk.subarray(0, n);
  }
}

/** The synchronous reader over any chunks (one whole buffer included). */
export function streamChunksSync<R extends BatchOutcome>(chunks: Iterable<Buffer>, file: string, work: (b: Batch) => R, onResult: (r: R) => void, opts: StreamOptions = {}): ScanSummary {
  const batcher = new Batcher(file, opts.batchBytes);
  const ids = new IdCheck();
  const handle = (b: Batch | undefined) => {
    if (!b) return;
    const r = work(b);
    ids.add(r.ids, file);
    onResult(r);
  };
  const scanner = new ArrayScanner((el, off) => handle(batcher.add(el, off)));
  try {
    for (const chunk of chunks) {
      opts.onChunk?.(chunk);
      scanner.push(chunk);
    }
    scanner.end();
    handle(batcher.flush());
  } catch (err) {
    throw scanError(file, err);
  }
  return { examples: scanner.count, bytes: scanner.offset, openEnd: scanner.openEnd, lastEnd: scanner.lastEnd };
}

export interface AsyncStreamOptions extends StreamOptions {
  /** Batches in flight at once (work started, result not yet consumed). */
  inflight?: number;
}

/**
 * Read a corpus from chunks, running `work` on batches with up to `inflight` at once (worker
 * threads make that parallel); `onResult` sees the results in file order.
 */
export async function streamCorpus<R extends BatchOutcome>(
  source: AsyncIterable<Buffer>,
  file: string,
  work: (b: Batch) => Promise<R> | R,
  onResult: (r: R) => void,
  opts: AsyncStreamOptions = {},
): Promise<ScanSummary> {
  const batcher = new Batcher(file, opts.batchBytes);
  const ids = new IdCheck();
  const ready: Batch[] = [];
  const scanner = new ArrayScanner((el, off) => {
    const b = batcher.add(el, off);
    if (b) ready.push(b);
  });
  const limit = Math.max(1, opts.inflight ?? 1);
  const queue: Promise<R>[] = [];
  const consume = async () => {
    const r = await queue.shift()!;
    ids.add(r.ids, file);
    onResult(r);
  };
  const start = async (b: Batch) => {
    const p = Promise.resolve().then(() => work(b));
    p.catch(() => {}); // consumed (and rethrown) in order by `consume`
    queue.push(p);
    while (queue.length >= limit) await consume();
  };
  try {
    for await (const chunk of source) {
      opts.onChunk?.(chunk);
      scanner.push(chunk);
      for (const b of ready.splice(0)) await start(b);
    }
    scanner.end();
    const last = batcher.flush();
    if (last) await start(last);
    while (queue.length > 0) await consume();
  } catch (err) {
    throw scanError(file, err);
  }
  return { examples: scanner.count, bytes: scanner.offset, openEnd: scanner.openEnd, lastEnd: scanner.lastEnd };
}

/** A file's bytes as chunks, for `streamCorpus`. */
export function fileChunks(path: string): AsyncIterable<Buffer> {
  inputSize(path);
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  return (async function* () {
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      throw readError(path, err);
    }
  })();
}
