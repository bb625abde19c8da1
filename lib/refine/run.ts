/** Refinement at the file-system edge: files and folders in, refined files and stats out. */
import { basename, join } from "node:path";
import { loadCorpus } from "../corpus/load";
import { writeCorpus } from "../corpus/write";
import { corpusFiles } from "../corpus/locate";
import { assertNotInput } from "../util/atomic";
import { FAITHFUL_RULES, type RefineRule } from "./rules";
import { addStats, emptyStats, refineExample, type RefineStats } from "./refine";
import { progress } from "../util/progress";
import { UserError } from "../util/errors";

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
    return inFile(input, () => refineExample(ex, rules, stats));
  });
  bar.done();
  writeCorpus(output, examples);
  return { input, output, stats };
}

/** Name the file in a per-example refusal (`example X: …` → `FILE: example X: …`). */
function inFile<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw err instanceof UserError ? new UserError(`${file}: ${err.message}`, err.exitCode) : err;
  }
}

/**
 * Refine every *.json of a folder into the same names under `outDir`, one file at a time so only
 * one file's examples are held in memory.
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
  let total = emptyStats(rules);
  for (const input of inputs) {
    const done = refineFile(input, join(outDir, basename(input)), rules);
    files.push(done);
    total = addStats(total, done.stats);
    onFile(done);
  }
  return { files, total };
}

/** Per-rule effects and before/after sizes as rows, for a table. */
export function statsRows(stats: RefineStats): Record<string, string | number>[] {
  return [
    ...stats.rules.map((r) => ({ step: r.rule, "utterances touched": r.utterancesTouched, "chars removed": r.charsRemoved })),
    { step: "drop-empty", "utterances touched": stats.utterancesDropped, "chars removed": 0 },
    { step: "merge-turns", "utterances touched": stats.turnsMerged, "chars removed": 0 },
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

/** Per-step effects side by side for several splits: one row per step, two columns per split. */
export function statsBySplitRows(results: readonly { split: string; stats: RefineStats }[]): Record<string, string | number>[] {
  const perSplit = results.map((r) => ({ split: r.split, rows: statsRows(r.stats) }));
  return perSplit[0]?.rows.map((row, i) => {
    const out: Record<string, string | number> = { step: row.step };
    for (const s of perSplit) {
      out[`${s.split}: touched`] = s.rows[i]["utterances touched"];
      out[`${s.split}: chars removed`] = s.rows[i]["chars removed"];
    }
    return out;
  }) ?? [];
}
