/**
 * `cci import`: the competition download (zip or unpacked folder) → train/dev/test/train+dev.json.
 *
 * Replaces the original's unzip / mv / head / truncate / tail steps. The three split files are
 * copied byte for byte (as `mv` left them); train+dev.json is train's examples followed by
 * dev's, spliced as text so it keeps the download's own formatting. Everything is read and
 * validated before anything is written.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import yauzl from "yauzl";
import iconv from "iconv-lite";
import { parseCorpus } from "./load";
import { writeFileAtomic, assertNotInput } from "../util/atomic";
import { UserError } from "../util/errors";
import type { Example } from "./schema";

export const SOURCE_SPLITS = ["train", "dev", "test"] as const;
export type SourceSplit = (typeof SOURCE_SPLITS)[number];

/** A file of the download: its path inside the archive or folder, and its bytes. */
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
    yauzl.open(path, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => (err ? fail(err) : ok(zip!))),
  );
}

/** Every file entry of a zip, names decoded; an unsafe name rejects the whole archive. */
export async function readZipEntries(path: string, wanted: (name: string) => boolean): Promise<SourceEntry[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (err) {
    throw new UserError(`${path}: not a readable zip archive (${(err as Error).message})`);
  }
  const entries: SourceEntry[] = [];
  return new Promise((ok, fail) => {
    const failWith = (e: Error) => {
      zip.close();
      fail(e);
    };
    zip.on("error", (e) => failWith(new UserError(`${path}: broken zip archive (${e.message})`)));
    zip.on("end", () => ok(entries));
    zip.on("entry", (entry: yauzl.Entry) => {
      const name = decodeEntryName(entry.fileName as unknown as Buffer, entry.generalPurposeBitFlag, entry.extraFields);
      if (isUnsafeEntryName(name)) return failWith(new UserError(`${path}: entry "${name}" would land outside the output folder; refusing the archive`));
      if (name.endsWith("/") || !wanted(name)) return zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return failWith(new UserError(`${path}: cannot read entry "${name}" (${err?.message})`));
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("error", (e) => failWith(new UserError(`${path}: cannot read entry "${name}" (${e.message})`)));
        stream.on("end", () => {
          entries.push({ name, data: Buffer.concat(chunks) });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}

/** The *.json files of a folder, one level of sub-folders deep (the unpacked download has one). */
export function readFolderEntries(dir: string, wanted: (name: string) => boolean): SourceEntry[] {
  const out: SourceEntry[] = [];
  const walk = (rel: string, depth: number) => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory() && depth < 1) walk(name, depth + 1);
      else if (d.isFile() && wanted(name)) out.push({ name, data: readFileSync(join(dir, name)) });
    }
  };
  walk("", 0);
  return out;
}

/** Pick exactly one entry per split, or say what is missing / ambiguous. */
export function pickSplits(source: string, entries: readonly SourceEntry[]): Record<SourceSplit, SourceEntry> {
  const picked: Partial<Record<SourceSplit, SourceEntry>> = {};
  for (const e of entries) {
    const split = splitOfName(e.name);
    if (!split) continue;
    const prior = picked[split];
    if (prior) throw new UserError(`${source}: two files for the ${split} split ("${prior.name}" and "${e.name}"); keep one`);
    picked[split] = e;
  }
  const missing = SOURCE_SPLITS.filter((s) => !picked[s]);
  if (missing.length > 0) throw new UserError(`${source}: no ${missing.join(", ")} split found (expected files named like 대화맥락추론_${missing[0]}.json); nothing written`);
  return picked as Record<SourceSplit, SourceEntry>;
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

const idsOf = (xs: readonly Example[]) => xs.map((x) => x.id);

/** Import the competition download into `outDir`. */
export async function importCorpus(source: string, outDir: string): Promise<ImportedFile[]> {
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    throw new UserError(`${source}: no such file or folder`);
  }
  const wanted = (name: string) => splitOfName(name) !== null;
  const entries = isDir ? readFolderEntries(source, wanted) : await readZipEntries(source, wanted);
  const picked = pickSplits(source, entries);
  const where = (e: SourceEntry) => (isDir ? join(source, e.name) : `${source}:${e.name}`);

  // Validate every split first (nothing is written on bad input), keeping only ids, not examples.
  const ids = {} as Record<SourceSplit, string[]>;
  for (const split of SOURCE_SPLITS) ids[split] = idsOf(parseCorpus(picked[split].data.toString("utf8"), where(picked[split]), { references: "every" }));
  const trainIds = new Set(ids.train);
  const dup = ids.dev.find((id) => trainIds.has(id));
  if (dup !== undefined) throw new UserError(`${where(picked.dev)}: example ${dup}: id: also used in the train split, so train+dev would hold it twice`);
  // The splice is checked by the tests; re-parsing it here would double peak memory on large corpora.
  const trainDev = spliceTrainDev(picked.train.data.toString("utf8"), picked.dev.data.toString("utf8"), { train: ids.train.length, dev: ids.dev.length });
  const trainDevCount = ids.train.length + ids.dev.length;

  const outputs: [ImportedFile["split"], Buffer | string, number, string][] = [
    ...SOURCE_SPLITS.map((s) => [s, picked[s].data, ids[s].length, where(picked[s])] as [SourceSplit, Buffer, number, string]),
    ["train+dev", trainDev, trainDevCount, "train + dev"],
  ];
  if (isDir) for (const [split] of outputs) assertNotInput(join(outDir, `${split}.json`), entries.map((e) => join(source, e.name)));
  return outputs.map(([split, data, examples, from]) => {
    const path = join(outDir, `${split}.json`);
    writeFileAtomic(path, data);
    return { split, path: resolve(path), examples, from };
  });
}
