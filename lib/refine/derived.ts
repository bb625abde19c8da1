/**
 * train+dev.json is, byte for byte, train's examples followed by dev's (`cci import` splices
 * it so). Refinement is per example, so its refined file is the refined train followed by the
 * refined dev — spliced here from the two outputs instead of refining the same examples twice
 * (train+dev is 37 % of the corpus). Only when the bytes prove it: the file must equal
 * `train[..last example] + "," + dev[first example..]` exactly, and no id may be in both
 * (a whole-file run would refuse that file); otherwise it is refined like any other.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { openStaged } from "../util/outputs";
import { basename, dirname, join } from "node:path";
import type { ScanSummary } from "../corpus/stream";

/** A file range or literal bytes, as parts of an expected byte sequence. */
type Part = { file: string; from: number; to: number } | { bytes: Buffer };

const partLength = (p: Part) => ("bytes" in p ? p.bytes.length : p.to - p.from);

function* partChunks(parts: readonly Part[], size = 1 << 20): Generator<Buffer> {
  for (const p of parts) {
    if ("bytes" in p) {
      yield p.bytes;
      continue;
    }
    const fd = openSync(p.file, "r");
    try {
      for (let at = p.from; at < p.to; ) {
        const buf = Buffer.allocUnsafe(Math.min(size, p.to - at));
        const n = readSync(fd, buf, 0, buf.length, at);
        if (n === 0) break;
        yield buf.subarray(0, n);
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Does `file` hold exactly the concatenation of `parts`? */
export function fileEquals(file: string, parts: readonly Part[]): boolean {
  const size = statSync(file).size;
  if (size !== parts.reduce((n, p) => n + partLength(p), 0)) return false;
  const actual = partChunks([{ file, from: 0, to: size }]);
  let a = Buffer.alloc(0);
  for (const expected of partChunks(parts)) {
    let e = expected;
    while (e.length > 0) {
      if (a.length === 0) {
        const next = actual.next();
        if (next.done) return false;
        a = next.value;
      }
      const n = Math.min(a.length, e.length);
      if (!a.subarray(0, n).equals(e.subarray(0, n))) return false;
      a = a.subarray(n);
      e = e.subarray(n);
    }
  }
  return a.length === 0 && actual.next().done === true;
}

/** Write the concatenation of `parts` into `out`. */
export function writeParts(out: string, parts: readonly Part[]): void {
  const file = openStaged(out);
  try {
    for (const chunk of partChunks(parts)) file.write(chunk);
  } finally {
    file.close();
  }
}

/**
 * train+dev.json as parts of the train and dev files (`spliceTrainDev` on bytes): train's text up
 * to its last example, a comma, dev's text from its first; or one of them whole when the other
 * has no example. `cci import` writes it so, and refinement recognises it so.
 */
export function trainDevParts(train: { file: string; scan: ScanSummary }, dev: { file: string; scan: ScanSummary }): Part[] {
  const t = train.scan;
  const d = dev.scan;
  if (d.examples === 0) return [{ file: train.file, from: 0, to: t.bytes }];
  if (t.examples === 0) return [{ file: dev.file, from: 0, to: d.bytes }];
  return [{ file: train.file, from: 0, to: t.lastEnd }, { bytes: Buffer.from(",") }, { file: dev.file, from: d.openEnd, to: d.bytes }];
}

/** In a folder's inputs: train+dev.json with its train.json and dev.json beside it. */
export function trainDevOf(inputs: readonly string[]): { trainDev: string; train: string; dev: string } | undefined {
  const trainDev = inputs.find((f) => basename(f) === "train+dev.json");
  if (!trainDev) return undefined;
  const train = inputs.find((f) => f === join(dirname(trainDev), "train.json"));
  const dev = inputs.find((f) => f === join(dirname(trainDev), "dev.json"));
  return train && dev ? { trainDev, train, dev } : undefined;
}

export interface RefinedSource {
  input: string;
  scan: ScanSummary;
  ids: Set<string>;
  /** The staged refined output. */
  temp: string;
}

/**
 * Write train+dev's refined output from train's and dev's when train+dev.json is their splice;
 * returns false (nothing written) when it is not.
 */
export function spliceRefinedTrainDev(trainDev: string, train: RefinedSource, dev: RefinedSource, outTemp: string): boolean {
  for (const id of dev.ids) if (train.ids.has(id)) return false;
  const t = train.scan;
  const d = dev.scan;
  if (!fileEquals(trainDev, trainDevParts({ file: train.input, scan: t }, { file: dev.input, scan: d }))) return false;
  // Refined files are `[\n    ITEM,\n    ITEM\n]` (or `[]`): drop train's "\n]" and dev's "[\n    ".
  const rt = statSync(train.temp).size;
  const rd = statSync(dev.temp).size;
  const outParts: Part[] =
    d.examples === 0
      ? [{ file: train.temp, from: 0, to: rt }]
      : t.examples === 0
        ? [{ file: dev.temp, from: 0, to: rd }]
        : [{ file: train.temp, from: 0, to: rt - 2 }, { bytes: Buffer.from(",\n    ") }, { file: dev.temp, from: 6, to: rd }];
  writeParts(outTemp, outParts);
  return true;
}
