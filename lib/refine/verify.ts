/** Compare our refinement of a corpus folder with a reference folder of the original's output. */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
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

/** The original's outputs: $CCI_REFERENCE when set, else ../shared/reference beside the checkout. */
export function referenceRoot(repo: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.CCI_REFERENCE ? resolve(env.CCI_REFERENCE) : resolve(repo, "..", "shared", "reference");
}

/**
 * The byte-identity check as a notebook runs it: the comparison when both the real corpus and the
 * original's refined files are at hand, else one line naming what is missing and how to supply it.
 */
export function referenceCheck(
  ws: { kind: "real" | "sample"; root: string; data: string },
  env: NodeJS.ProcessEnv = process.env,
): { rows: ReferenceMatch[] } | { skipped: string } {
  const refined = join(referenceRoot(ws.root, env), "refined_data");
  const shown = relative(ws.root, refined) || ".";
  if (ws.kind !== "real") return { skipped: "byte-identity check skipped: it needs the real corpus in resource/data (npx cci import <zip> --out resource/data)" };
  if (!existsSync(refined)) return { skipped: `byte-identity check skipped: no original's refined files in ${shown} (set CCI_REFERENCE to the folder that holds refined_data/)` };
  const rows = compareWithReference(ws.data, refined);
  if (rows.length === 0) return { skipped: `byte-identity check skipped: ${shown} holds none of ${relative(ws.root, ws.data)}'s file names` };
  return { rows };
}
