/** Refinement at the file-system edge: files and folders in, refined files and stats out. */
import { basename, join } from "node:path";
import { loadCorpus } from "../corpus/load";
import { writeCorpus } from "../corpus/write";
import { corpusFiles } from "../corpus/locate";
import { assertNotInput } from "../util/atomic";
import { FAITHFUL_RULES, type RefineRule } from "./rules";
import { addStats, emptyStats, refineExample, type RefineStats } from "./refine";
import { progress } from "../util/progress";

export interface FileRefined {
  input: string;
  output: string;
  stats: RefineStats;
}

/** Refine one corpus file into `output`; the input is never overwritten. */
export function refineFile(input: string, output: string, rules: readonly RefineRule[] = FAITHFUL_RULES): FileRefined {
  assertNotInput(output, [input]);
  const corpus = loadCorpus(input);
  const stats = emptyStats(rules);
  const bar = progress(`refine ${basename(input)}`, corpus.length);
  const examples = corpus.map((ex) => {
    bar.tick();
    return refineExample(ex, rules, stats);
  });
  bar.done();
  writeCorpus(output, examples);
  return { input, output, stats };
}

/**
 * Refine every *.json of a folder into the same names under `outDir`, one file at a time so only
 * one file's examples are held in memory. `total` sums the distinct files: train+dev.json is
 * refined and written, but not counted again when train.json and dev.json are among the files.
 */
export function refineFolder(
  inDir: string,
  outDir: string,
  rules: readonly RefineRule[] = FAITHFUL_RULES,
  onFile: (done: FileRefined) => void = () => {},
): { files: FileRefined[]; total: RefineStats } {
  const inputs = corpusFiles(inDir);
  for (const f of inputs) assertNotInput(join(outDir, basename(f)), inputs);
  const files: FileRefined[] = [];
  for (const input of inputs) {
    const done = refineFile(input, join(outDir, basename(input)), rules);
    files.push(done);
    onFile(done);
  }
  return { files, total: distinctTotal(files, rules) };
}

/** The files' stats summed, leaving out train+dev.json when train.json and dev.json are present (its examples are theirs). */
export function distinctTotal(files: readonly FileRefined[], rules: readonly RefineRule[] = FAITHFUL_RULES): RefineStats {
  const names = new Set(files.map((f) => basename(f.input)));
  const overlap = names.has("train.json") && names.has("dev.json");
  return files.filter((f) => !(overlap && basename(f.input) === "train+dev.json")).reduce((t, f) => addStats(t, f.stats), emptyStats(rules));
}

export const STEP_COLUMNS = { utterances: "utterances", counted: "counted", chars: "characters removed (net)" } as const;

/**
 * Per-step effects as rows, for a table. Characters are net: merge-turns joins a run's texts
 * with one space, so it adds a character per merge (a negative count). The column sums to
 * characters before − characters after.
 */
export function statsRows(stats: RefineStats): Record<string, string | number>[] {
  return [
    ...stats.rules.map((r) => ({ step: r.rule, [STEP_COLUMNS.utterances]: r.utterancesTouched, [STEP_COLUMNS.counted]: "changed", [STEP_COLUMNS.chars]: r.charsRemoved })),
    { step: "drop-empty", [STEP_COLUMNS.utterances]: stats.utterancesDropped, [STEP_COLUMNS.counted]: "dropped (already empty)", [STEP_COLUMNS.chars]: 0 },
    { step: "merge-turns", [STEP_COLUMNS.utterances]: stats.turnsMerged, [STEP_COLUMNS.counted]: "joined to the turn before (+1 space each)", [STEP_COLUMNS.chars]: -stats.turnsMerged },
  ];
}

/** Mean turns and characters per conversation before and after. */
export function statsSummary(stats: RefineStats): { examples: number; turnsBefore: number; turnsAfter: number; charsBefore: number; charsAfter: number } {
  const per = (n: number) => (stats.examples ? +(n / stats.examples).toFixed(2) : 0);
  return {
    examples: stats.examples,
    turnsBefore: per(stats.turnsBefore),
    turnsAfter: per(stats.turnsAfter),
    charsBefore: per(stats.charsBefore),
    charsAfter: per(stats.charsAfter),
  };
}

/** `statsSummary` with column headers a reader can read. */
export function summaryRow(stats: RefineStats): Record<string, number> {
  const s = statsSummary(stats);
  return { examples: s.examples, "mean turns before": s.turnsBefore, "mean turns after": s.turnsAfter, "mean chars before": s.charsBefore, "mean chars after": s.charsAfter };
}

/** Per-step effects side by side for several splits: one row per step, two columns per split. */
export function statsBySplitRows(results: readonly { split: string; stats: RefineStats }[]): Record<string, string | number>[] {
  const perSplit = results.map((r) => ({ split: r.split, rows: statsRows(r.stats) }));
  return perSplit[0]?.rows.map((row, i) => {
    const out: Record<string, string | number> = { step: row.step };
    for (const s of perSplit) {
      out[`${s.split}: utterances`] = s.rows[i][STEP_COLUMNS.utterances];
      out[`${s.split}: chars removed`] = s.rows[i][STEP_COLUMNS.chars];
    }
    return out;
  }) ?? [];
}
