/**
 * `cci import`: the competition download (zip or unpacked folder) → train/dev/test/train+dev.json.
 *
 * Replaces the original's unzip / mv / head / truncate / tail steps. The three split files are
 * copied byte for byte (as `mv` left them); train+dev.json is train's examples followed by
 * dev's, spliced as bytes so it keeps the download's own formatting. Streaming: each split is
 * copied to a staged temp file while it is validated example by example (large splits on
 * worker threads), so memory does not grow with the corpus; every output is moved into place
 * only when all are valid — bad input, a failure or an interruption leaves none.
 */
import { trainDevParts, writeParts } from "../refine/derived";
import { readdirSync, statSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import yauzl from "yauzl";
import { createInflateRaw } from "node:zlib";
import iconv from "iconv-lite";
import { byteProgress, streamCorpus, fileChunks, type ScanSummary } from "./stream";
import type { Batch } from "./elements";
import { printable } from "./elements";
import { OutputSet, openStaged } from "../util/outputs";
import { UserError } from "../util/errors";
import { checkBatch, type CheckedBatch } from "../refine/batch";
import { lazyPool, type Threads } from "../refine/pool";

export const SOURCE_SPLITS = ["train", "dev", "test"] as const;
export type SourceSplit = (typeof SOURCE_SPLITS)[number];

/** Split entries larger than this (uncompressed) are refused unless `--max-entry-size` says otherwise. */
export const DEFAULT_MAX_ENTRY_BYTES = 16 * 2 ** 30;

/** A file of the download: its path inside the archive or folder, its size, and its bytes on demand. */
export interface SourceFile {
  name: string;
  /** Uncompressed size in bytes (as declared, for zip entries). */
  size: number;
  /** Shown in messages: the folder path, or `zip:entry`. */
  where: string;
  open(): AsyncIterable<Buffer>;
}

/** A file of the download with its bytes in memory (tests and small tools). */
export interface SourceEntry {
  name: string;
  data: Buffer;
}

export interface ImportedFile {
  split: SourceSplit | "train+dev";
  path: string;
  examples: number;
  from: string;
}

export interface ImportOptions {
  /** Largest split entry accepted, in bytes (uncompressed). */
  maxEntryBytes?: number;
  threads?: Threads;
  /** The command's own output set (already checked): the splits are staged in it and land when its `run` commits. */
  outputs?: OutputSet;
}

/** `대화맥락추론_train.json`, `train.json`, `x-dev.json` … → the split it holds. */
export function splitOfName(name: string): SourceSplit | null {
  const m = /(?:^|[_\-. ])(train|dev|test)\.json$/i.exec(posix.basename(name));
  return m ? (m[1].toLowerCase() as SourceSplit) : null;
}

/** An archive entry name that would land outside the output folder if extracted. */
export function isUnsafeEntryName(name: string): boolean {
  const n = name.replaceAll("\\", "/");
  if (n.startsWith("/") || /^[A-Za-z]:/.test(n)) return true;
  return n.split("/").includes("..");
}

/**
 * Decode a zip entry name. UTF-8 when the entry says so (flag bit 11 or an Info-ZIP Unicode
 * path field); otherwise UTF-8 if the bytes are valid UTF-8, else CP949 — what Korean Windows
 * archivers write without any flag.
 */
export function decodeEntryName(raw: Buffer, generalPurposeBitFlag: number, extraFields: { id: number; data: Buffer }[] = []): string {
  const unicodePath = extraFields.find((f) => f.id === 0x7075 && f.data.length > 5 && f.data[0] === 1);
  if (unicodePath) return unicodePath.data.subarray(5).toString("utf8");
  if (generalPurposeBitFlag & 0x800) return raw.toString("utf8");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return iconv.decode(raw, "cp949");
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((ok, fail) =>
    yauzl.open(path, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false }, (err, zip) => (err ? fail(err) : ok(zip!))),
  );
}

/** The zip's file entries (names decoded) without reading them; an unsafe name rejects the whole archive. */
async function listZip(path: string): Promise<{ zip: yauzl.ZipFile; entries: { name: string; entry: yauzl.Entry }[] }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (err) {
    throw new UserError(`${path}: not a readable zip archive (${printable((err as Error).message)})`);
  }
  const entries: { name: string; entry: yauzl.Entry }[] = [];
  try {
    await new Promise<void>((ok, fail) => {
      zip.on("error", (e: Error) => fail(new UserError(`${path}: broken zip archive (${printable(e.message)})`)));
      zip.on("end", () => ok());
      zip.on("entry", (entry: yauzl.Entry) => {
        const name = decodeEntryName(entry.fileName as unknown as Buffer, entry.generalPurposeBitFlag, entry.extraFields);
        if (isUnsafeEntryName(name)) return fail(new UserError(`${path}: entry "${printable(name)}" would land outside the output folder; refusing the archive`));
        if (!name.endsWith("/")) entries.push({ name, entry });
        zip.readEntry();
      });
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw err;
  }
  return { zip, entries };
}

function zipEntryChunks(zip: yauzl.ZipFile, path: string, name: string, entry: yauzl.Entry): AsyncIterable<Buffer> {
  const fail = (e: Error) => new UserError(`${path}: cannot read entry "${printable(name)}" (${printable(e.message)})`);
  // Deflated entries are inflated here in 1 MiB pieces: yauzl's own inflater works in 16 KiB
  // ones, and their callbacks cost more than the inflating on a large entry.
  const deflated = entry.compressionMethod === 8;
  return (async function* () {
    const raw = await new Promise<NodeJS.ReadableStream>((ok, no) =>
      zip.openReadStream(entry, { decompress: deflated ? false : null } as yauzl.ZipFileOptions, (err, s) => (err || !s ? no(fail(err ?? new Error("no stream"))) : ok(s))),
    );
    const stream = deflated ? (raw as NodeJS.ReadableStream & { pipe<T extends NodeJS.WritableStream>(d: T): T }).pipe(createInflateRaw({ chunkSize: 1 << 20 })) : raw;
    if (deflated) raw.on("error", (e: Error) => (stream as unknown as { destroy(e: Error): void }).destroy(e));
    let size = 0;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > entry.uncompressedSize) throw new Error(`more bytes than the ${entry.uncompressedSize} its header declares`);
        yield chunk as Buffer;
      }
    } catch (err) {
      throw err instanceof UserError ? err : fail(err as Error);
    }
    if (size !== entry.uncompressedSize) throw fail(new Error(`${size} bytes, not the ${entry.uncompressedSize} its header declares`));
  })();
}

/** Every file entry of a zip with its bytes, names decoded (in memory: for tests and small archives). */
export async function readZipEntries(path: string, wanted: (name: string) => boolean): Promise<SourceEntry[]> {
  const { zip, entries } = await listZip(path);
  try {
    const out: SourceEntry[] = [];
    for (const { name, entry } of entries) {
      if (!wanted(name)) continue;
      const chunks: Buffer[] = [];
      for await (const c of zipEntryChunks(zip, path, name, entry)) chunks.push(c);
      out.push({ name, data: Buffer.concat(chunks) });
    }
    return out;
  } finally {
    zip.close();
  }
}

/** The zip's wanted entries as source files read on demand; `close` when done. */
async function zipSources(path: string, wanted: (name: string) => boolean): Promise<{ files: SourceFile[]; close: () => void }> {
  const { zip, entries } = await listZip(path);
  const files = entries
    .filter((e) => wanted(e.name))
    .map(({ name, entry }) => ({ name, size: entry.uncompressedSize, where: `${path}:${name}`, open: () => zipEntryChunks(zip, path, name, entry) }));
  return { files, close: () => zip.close() };
}

/** The *.json files of a folder, one level of sub-folders deep (the unpacked download has one). */
export function folderSources(dir: string, wanted: (name: string) => boolean): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (rel: string, depth: number) => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      const path = join(dir, name);
      if (d.isDirectory() && depth < 1) walk(name, depth + 1);
      else if (d.isFile() && wanted(name)) out.push({ name, size: statSync(path).size, where: path, open: () => fileChunks(path) });
    }
  };
  walk("", 0);
  return out;
}

/** Pick exactly one entry per split, or say what is missing / ambiguous. */
export function pickSplits<E extends { name: string }>(source: string, entries: readonly E[]): Record<SourceSplit, E> {
  const picked: Partial<Record<SourceSplit, E>> = {};
  for (const e of entries) {
    const split = splitOfName(e.name);
    if (!split) continue;
    const prior = picked[split];
    if (prior) throw new UserError(`${source}: two files for the ${split} split ("${prior.name}" and "${e.name}"); keep one`);
    picked[split] = e;
  }
  const missing = SOURCE_SPLITS.filter((s) => !picked[s]);
  if (missing.length > 0) throw new UserError(`${source}: no ${missing.join(", ")} split found (expected files named like 대화맥락추론_${missing[0]}.json); nothing written`);
  return picked as Record<SourceSplit, E>;
}

/**
 * train+dev.json: train's text without its closing `]`, a comma, then dev's text without its
 * opening `[` — the download's own layout (its CRLF line ends included) carried over.
 */
export function spliceTrainDev(train: string, dev: string, counts: { train: number; dev: number }): string {
  if (counts.dev === 0) return train;
  if (counts.train === 0) return dev;
  return `${train.replace(/\s*\]\s*$/, "")},${dev.replace(/^\uFEFF?\s*\[/, "")}`;
}

/** A size such as `16G`, `500M`, `64K` or a plain number of bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw new UserError(`--max-entry-size: expected a size such as 16G, 500M or 4096, got ${JSON.stringify(text)}`);
  return Math.floor(Number(m[1]) * 1024 ** " KMGT".indexOf((m[2] || " ").toUpperCase()));
}

const GiB = 2 ** 30;
const showSize = (n: number) => (n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`);

/** Import the competition download into `outDir`. */
export async function importCorpus(source: string, outDir: string, opts: ImportOptions = {}): Promise<ImportedFile[]> {
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    throw new UserError(`${source}: no such file or folder`);
  }
  const wanted = (name: string) => splitOfName(name) !== null;
  const listing = isDir ? { files: folderSources(source, wanted), close: () => {} } : await zipSources(source, wanted);
  const pools = lazyPool(opts.threads ?? "auto");
  try {
    const picked = pickSplits(source, listing.files);
    const maxBytes = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    for (const split of SOURCE_SPLITS) {
      const f = picked[split];
      if (f.size > maxBytes) throw new UserError(`${f.where}: ${showSize(f.size)} uncompressed, over the ${showSize(maxBytes)} limit for one split (raise it with --max-entry-size)`);
    }
    // The zip itself, or the folder's files, are inputs: no output may land on one.
    const inputs = isDir ? listing.files.map((f) => f.where) : [source];
    const work = async (out: OutputSet): Promise<ImportedFile[]> => {
      const staged = {} as Record<SourceSplit, { temp: string; scan: ScanSummary; ids: Set<string> }>;
      const paths = Object.fromEntries([...SOURCE_SPLITS, "train+dev"].map((s) => [s, join(outDir, `${s}.json`)])) as Record<ImportedFile["split"], string>;
      const temps = Object.fromEntries(Object.entries(paths).map(([s, p]) => [s, out.stage(p)])) as Record<ImportedFile["split"], string>;
      for (const split of SOURCE_SPLITS) {
        const f = picked[split];
        const pool = pools.for(f.size);
        const ids = new Set<string>();
        const file = openStaged(temps[split]);
        let seen = 0;
        let scan: ScanSummary;
        const bar = byteProgress(`import ${split}`, f.size);
        try {
          scan = await streamCorpus<CheckedBatch>(
            f.open(),
            f.where,
            pool ? (b: Batch) => pool.check(b) : checkBatch,
            (r) => {
              for (const id of r.ids) ids.add(id);
            },
            {
              inflight: pool?.inflight ?? 1,
              onChunk: (chunk) => {
                seen += chunk.length;
                if (seen > maxBytes) throw new UserError(`${f.where}: more than ${showSize(maxBytes)} uncompressed, over the limit for one split (raise it with --max-entry-size)`);
                bar.chunk(chunk);
                file.write(chunk);
              },
            },
          );
        } finally {
          bar.done();
          file.close();
        }
        if (split === "dev") {
          for (const id of ids) {
            if (staged.train.ids.has(id)) throw new UserError(`${f.where}: example ${printable(id, 80)}: id: also used in the train split, so train+dev would hold it twice`);
          }
        }
        staged[split] = { temp: temps[split], scan, ids: split === "test" ? new Set() : ids };
      }
      // train+dev.json from the staged train and dev files, never whole in memory.
      writeParts(temps["train+dev"], trainDevParts({ file: staged.train.temp, scan: staged.train.scan }, { file: staged.dev.temp, scan: staged.dev.scan }));
      return [
        ...SOURCE_SPLITS.map((s) => ({ split: s, path: resolve(paths[s]), examples: staged[s].scan.examples, from: picked[s].where })),
        { split: "train+dev" as const, path: resolve(paths["train+dev"]), examples: staged.train.scan.examples + staged.dev.scan.examples, from: "train + dev" },
      ];
    };
    return await (opts.outputs ? work(opts.outputs) : new OutputSet(inputs, { allowCorpus: true }).run(work));
  } finally {
    listing.close();
    await pools.close();
  }
}
