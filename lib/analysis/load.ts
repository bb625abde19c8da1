/** Prediction files → the aligned answer lists the analysis reads, against a base (gold) file. */
import { loadCorpus } from "../corpus/load";
import type { Answer, Category, Example } from "../corpus/schema";
import { assertAligned } from "../ensemble/align";
import { loadMember } from "../ensemble/predictions";
import type { MemberAnswers } from "./metrics";

export interface MemberSet {
  baseFile: string;
  examples: Example[];
  members: MemberAnswers[];
  /** Every base example has an answer (dev, train): accuracy can be measured. */
  labelled: boolean;
  /** Gold answers and categories (gold is empty strings where unlabelled). */
  gold: Answer[];
  categories: Category[];
}

/** Load members and check they line up with the base (e.g. dev.json for dev predictions, test.json for test). */
export function loadMemberSet(files: readonly string[], baseFile: string): MemberSet {
  const examples = loadCorpus(baseFile);
  const loaded = files.map((f) => loadMember(f, { base: { file: baseFile, examples } }));
  assertAligned({ file: baseFile, examples }, loaded);
  return {
    baseFile,
    examples,
    members: loaded.map((m) => ({ name: m.name, answers: m.examples.map((e) => e.output as Answer), probs: m.probs })),
    labelled: examples.length > 0 && examples.every((e) => e.output !== ""),
    gold: examples.map((e) => e.output as Answer),
    categories: examples.map((e) => e.input.category),
  };
}

/** Files ordered by a preferred name list first (e.g. the member table), then the rest by name. */
export function orderByNames(files: readonly string[], preferred: readonly string[]): string[] {
  const rank = (f: string) => {
    const i = preferred.indexOf(f.replace(/^.*[\\/]/, "").replace(/\.json$/i, ""));
    return i < 0 ? preferred.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}
