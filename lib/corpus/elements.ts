/**
 * Corpus examples from raw element bytes (as `scan.ts` cuts them): decode as strict UTF-8,
 * `JSON.parse`, then the shared schema check. Batches of elements are what the streaming
 * readers hand around — to worker threads as one transferable buffer.
 */
import { isUtf8 } from "node:buffer";
import type { Example } from "./schema";
import { isObject, validateExample, type ValidateOptions } from "./validate";
import { UserError } from "../util/errors";

/** Consecutive elements of one file: their bytes back to back, where each starts, and its file offset. */
export interface Batch {
  file: string;
  /** Index (0-based) of the batch's first element in its file. */
  first: number;
  data: Uint8Array;
  /** bounds[k]..bounds[k+1] are element k's bytes in `data`. */
  bounds: number[];
  /** File offset of each element. */
  offsets: number[];
}

/** Collects elements into batches of about `bytes` bytes. */
export class Batcher {
  private parts: Buffer[] = [];
  private offsets: number[] = [];
  private size = 0;
  private next = 0;

  constructor(
    readonly file: string,
    readonly bytes = 1 << 20,
  ) {}

  /** Add an element; returns a full batch when one is ready. */
  add(element: Buffer, offset: number): Batch | undefined {
    this.parts.push(element);
    this.offsets.push(offset);
    this.size += element.length;
    return this.size >= this.bytes ? this.flush() : undefined;
  }

  /** The elements collected so far as a batch (undefined when none). */
  flush(): Batch | undefined {
    if (this.parts.length === 0) return undefined;
    const bounds = [0];
    for (const p of this.parts) bounds.push(bounds[bounds.length - 1] + p.length);
    // A copy: the batch must not pin the reader's chunks, and it may move to another thread.
    // Not from Node's shared pool, so its ArrayBuffer can be transferred to a worker thread.
    const data = Buffer.allocUnsafeSlow(this.size);
    for (let k = 0; k < this.parts.length; k++) this.parts[k].copy(data, bounds[k]);
    const batch: Batch = { file: this.file, first: this.next, data, bounds, offsets: this.offsets };
    this.next += this.parts.length;
    this.parts = [];
    this.offsets = [];
    this.size = 0;
    return batch;
  }
}

/** An error message as one printable line: control characters (NUL included) escaped, length capped. */
export function printable(message: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const s = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** Offset of the first byte that is not valid UTF-8 (bytes.length when all are); RFC 3629 ranges. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    if (n > 0) {
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      if (b[i + 1] < lo || b[i + 1] > hi) return i;
      for (let k = 2; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/** The value of one element: strict UTF-8, then `JSON.parse`. */
export function parseElement(bytes: Uint8Array, file: string, index: number, offset: number): unknown {
  if (!isUtf8(bytes)) {
    const at = offset + firstInvalidUtf8(bytes);
    throw new UserError(`${file}: not valid UTF-8 (example #${index + 1}, near byte ${at}); save the file as UTF-8`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (example #${index + 1}, from byte ${offset}: ${printable((err as Error).message)})`);
  }
}

/** `file: example ID` (or `#N` where the example has no usable id), the start of every error line. */
export function whereIs(file: string, ex: unknown, index: number): string {
  return `${file}: example ${isObject(ex) && typeof ex.id === "string" && ex.id ? printable(ex.id, 80) : `#${index + 1}`}`;
}

/** Check one parsed example against the schema. */
export function checkExample(ex: unknown, file: string, index: number, opts: ValidateOptions = {}): Example {
  validateExample(ex, (field, problem) => new UserError(`${whereIs(file, ex, index)}: ${field}: ${printable(problem)}`), opts);
  return ex as Example;
}

/** Every example of a batch, parsed and checked. */
export function examplesOf(batch: Batch, opts: ValidateOptions = {}): Example[] {
  const out: Example[] = [];
  const data = batch.data;
  for (let k = 0; k + 1 < batch.bounds.length; k++) {
    const index = batch.first + k;
    out.push(checkExample(parseElement(data.subarray(batch.bounds[k], batch.bounds[k + 1]), batch.file, index, batch.offsets[k]), batch.file, index, opts));
  }
  return out;
}

/** Refuses a second example with an id already seen in the file. */
export class IdCheck {
  private readonly seen = new Set<string>();

  add(ids: readonly string[], file: string): void {
    for (const id of ids) {
      if (this.seen.has(id)) throw new UserError(`${file}: example ${printable(id, 80)}: id: duplicate id (also used by an earlier example)`);
      this.seen.add(id);
    }
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }
}
