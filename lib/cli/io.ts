/**
 * What each command reads and writes, in one place. A command turns its arguments into an
 * `IoPlan` here and opens its outputs with `openOutputs`, which checks every output path
 * against every input (and against the other outputs) before any work starts, by the single
 * rule of `lib/util/outputs.ts`. Files a command writes inside an output folder pass the same
 * rule when staged. Two commands keep theirs in the library, because notebooks and the report
 * call them directly: `vote` (`voteInputs`, lib/ensemble/ensemble.ts) and `eda` (`edaInputs`,
 * lib/charts/eda-run.ts); both build the same OutputSet.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { presentSplits } from "../corpus/locate";
import { folderInputs } from "../refine/run";
import { folderSources, SOURCE_SPLITS, splitOfName } from "../corpus/import";
import { OutputSet } from "../util/outputs";
import { MANIFEST_NAME } from "../variant/manifest";

export interface IoPlan {
  /** Everything the command reads: no output may be one of these. */
  inputs: string[];
  /** Output files, each with the option that named it. */
  files: { path: string; flag: string }[];
  /** Output folders (files written inside them are checked as they are staged). */
  folders: { path: string; flag: string }[];
  /** `cci import` alone writes into the corpus folder. */
  corpus?: boolean;
}

const plan = (inputs: (string | undefined)[], files: [string | undefined, string][] = [], folders: [string | undefined, string][] = []): IoPlan => ({
  inputs: inputs.filter((x): x is string => x !== undefined),
  files: files.filter(([p]) => p !== undefined).map(([path, flag]) => ({ path: path!, flag })),
  folders: folders.filter(([p]) => p !== undefined).map(([path, flag]) => ({ path: path!, flag })),
});

/** The corpus files a folder holds (its splits; train+dev may be built from train and dev). */
const splitFiles = (dir: string) => (existsSync(dir) ? presentSplits(dir).map((s) => join(dir, `${s}.json`)).filter((f) => existsSync(f)) : []);

function importSources(source: string): string[] {
  let folder = false;
  try {
    folder = statSync(source).isDirectory();
  } catch {
    /* missing: import says so */
  }
  return folder ? folderSources(source, (name) => splitOfName(name) !== null).map((f) => f.where) : [source];
}

const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json"];

export const IO = {
  /** A folder source's split files are the inputs (no output may land on one); a zip is one input itself. */
  import: (source: string, out: string): IoPlan => ({ corpus: true, ...plan(importSources(source), [...SOURCE_SPLITS, "train+dev"].map((s) => [join(out, `${s}.json`), "--out"] as [string, string]), [[out, "--out"]]) }),

  refineFile: (file: string, out: string, stats?: string) => plan([file], [[out, "--out"], [stats, "--stats"]]),

  refineFolder: (inDir: string, out: string, stats?: string) => {
    const inputs = folderInputs(inDir); // one line for a file, a missing or an empty folder
    return plan(inputs, [...inputs.map((f) => [join(out, basename(f)), "--out"] as [string, string]), [join(out, MANIFEST_NAME), "--out"], [stats, "--stats"]], [[out, "--out"]]);
  },

  /** refine --compare: the corpus files read; --json the one output. */
  refineCompare: (inputs: string[], json?: string) => plan(inputs, [[json, "--json"]]),

  prompts: (file: string, out: string) => plan([file], [[out, "--out"]]),

  /** export-sft: the corpus file, the tokenizer's files or a --template file are inputs; its three files are outputs. */
  exportSft: (file: string, outs: { tokens?: string; text?: string; config?: string }, source: { tokenizer?: string; template?: string }) =>
    plan([file, ...(source.tokenizer ? TOKENIZER_FILES.map((f) => join(source.tokenizer!, f)) : []), source.template !== undefined && existsSync(source.template) ? source.template : undefined], [
      [outs.tokens, "--out"],
      [outs.text, "--out"],
      [outs.config, "--out"],
    ]),

  baseline: (data: string, results: string) => plan(splitFiles(data), [], [[results, "--results"]]),

  /** ablate: the corpus (or prediction) files it reads; its table and per-variant scores go in one folder. */
  ablate: (inputs: string[], out: string) => plan(inputs, [[join(out, "ablation.json"), "--out"], [join(out, "ablation.csv"), "--out"]], [[out, "--out"]]),

};

/** Check a plan's outputs against its inputs before any work; returns the set to stage them in. */
export function openOutputs(p: IoPlan): OutputSet {
  const set = new OutputSet(p.inputs, { allowCorpus: p.corpus });
  for (const f of p.folders) set.declareFolder(f.path, f.flag);
  for (const f of p.files) set.declare(f.path, f.flag);
  return set;
}
