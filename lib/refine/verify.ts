/** Compare our refinement of a corpus folder with a reference folder of the original's output. */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { corpusFiles } from "../corpus/locate";
import { loadCorpus } from "../corpus/load";
import { pythonJsonDumps } from "../corpus/pyjson";
import { refineCorpus } from "./refine";
import { FAITHFUL_RULES, type RefineRule } from "./rules";

export interface ReferenceMatch {
  file: string;
  bytes: number;
  identical: boolean;
  /** Byte offset of the first difference, or -1. */
  firstDifference: number;
}

/** Refine each *.json of `dataDir` in memory and compare its bytes with `referenceDir`'s file. */
export function compareWithReference(dataDir: string, referenceDir: string, rules: readonly RefineRule[] = FAITHFUL_RULES): ReferenceMatch[] {
  return corpusFiles(dataDir)
    .filter((f) => existsSync(join(referenceDir, basename(f))))
    .map((f) => {
      const ours = Buffer.from(pythonJsonDumps(refineCorpus(loadCorpus(f), rules).examples));
      const theirs = readFileSync(join(referenceDir, basename(f)));
      let i = 0;
      while (i < ours.length && i < theirs.length && ours[i] === theirs[i]) i++;
      const identical = ours.length === theirs.length && i === ours.length;
      return { file: basename(f), bytes: theirs.length, identical, firstDifference: identical ? -1 : i };
    });
}
