/** The EDA stage at the file-system edge: a corpus folder in, per-split statistics and CSVs out. */
import { join } from "node:path";
import { loadSplit, presentSplits } from "../corpus/locate";
import { UserError } from "../util/errors";
import { writeFileAtomic } from "../util/atomic";
import { totalLengthsCsv } from "./csv";
import { overlapRows, splitEda, type SplitEda } from "./split";

/** Statistics of every split present in a corpus folder, in the original's order (reads only). */
export function analyseFolder(data: string): SplitEda[] {
  return presentSplits(data).map((split) => splitEda(split, loadSplit(data, split)));
}

/** Conversations shared between train, dev and test of a folder (train+dev is their union, so left out). */
export function folderOverlaps(data: string): { splits: string; shared: number }[] {
  const splits = presentSplits(data).filter((s) => s !== "train+dev");
  return overlapRows(splits.map((s) => [s, loadSplit(data, s)] as const));
}

export interface FolderEda {
  data: string;
  out: string;
  splits: SplitEda[];
  /** The `{split}_total_utterance_lengths.csv` files written. */
  csvs: string[];
}

/**
 * Analyse every split present in `data` (train, dev, train+dev, test; train+dev built from
 * train and dev when its file is absent) and write each `{split}_total_utterance_lengths.csv`.
 * One split's examples are held at a time.
 */
export function edaFolder(data: string, out: string, onSplit: (s: SplitEda) => void = () => {}, write?: (path: string, data: string) => void): FolderEda {
  const splits = presentSplits(data);
  if (splits.length === 0) throw new UserError(`${data}: no corpus files (expected train.json, dev.json and/or test.json)`);
  const inputs = splits.map((s) => join(data, `${s}.json`));
  // A command's staged writes check against its inputs; alone, each CSV is checked against these.
  const put = write ?? ((path: string, text: string) => writeFileAtomic(path, text, inputs));
  const result: FolderEda = { data, out, splits: [], csvs: [] };
  for (const split of splits) {
    const examples = loadSplit(data, split);
    const csv = join(out, `${split}_total_utterance_lengths.csv`);
    put(csv, totalLengthsCsv(examples));
    const s = splitEda(split, examples);
    result.splits.push(s);
    result.csvs.push(csv);
    onSplit(s);
  }
  return result;
}
