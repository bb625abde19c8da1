/**
 * Scaled copies of a corpus for benchmarks: every example repeated `times` times, copies after
 * the first with new ids (`…#r7`), written item by item so even ×300 (3.5 GB) needs little memory.
 */
import { join } from "node:path";
import { loadCorpus } from "../corpus/load";
import { CorpusWriter } from "../corpus/stream-write";
import { ITEM_SEPARATOR, pythonJsonItem } from "../corpus/pyjson";
import { OutputSet } from "../util/staging";
import type { Example } from "../corpus/schema";

/** Copy a corpus `times` times with new example ids (`…#r7`), as a benchmark input. */
export function scaleCorpus(examples: readonly Example[], times: number): Example[] {
  const out: Example[] = [];
  for (let k = 0; k < times; k++) for (const ex of examples) out.push({ ...ex, id: k === 0 ? ex.id : `${ex.id}#r${k}` });
  return out;
}

/** Write `examples` × `times` into `path` (a staged temp file), one copy at a time. */
function writeScaled(path: string, examples: readonly Example[], times: number): void {
  const writer = new CorpusWriter(path);
  try {
    for (let k = 0; k < times; k++) {
      const copy = scaleCorpus(examples, 1).map((ex) => (k === 0 ? ex : { ...ex, id: `${ex.id}#r${k}` }));
      writer.writeItems(copy.map(pythonJsonItem).join(ITEM_SEPARATOR), copy.length);
    }
    writer.close();
  } catch (err) {
    writer.abandon();
    throw err;
  }
}

/** Write a scaled copy of an imported corpus folder (train, dev, test) into `dir`. */
export function writeScaledCorpus(from: string, dir: string, times: number): void {
  const splits = ["train", "dev", "test"];
  new OutputSet(splits.map((s) => join(from, `${s}.json`))).runSync((out) => {
    for (const split of splits) writeScaled(out.stage(join(dir, `${split}.json`)), loadCorpus(join(from, `${split}.json`)), times);
  });
}
