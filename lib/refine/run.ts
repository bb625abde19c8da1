/**
 * Refinement at the file-system edge: files and folders in, refined files and stats out.
 *
 * Streaming: a file is read, refined and written one batch of examples at a time, in the bytes
 * `pythonJsonDumps` gives for the whole list, so memory stays flat whatever the file's size.
 * All or nothing: outputs are staged beside their targets and moved into place only when every
 * file of the run is done; bad input anywhere leaves no output. The CLI uses the asynchronous
 * forms, which can spread large files over worker threads (`pool.ts`) and stop cleanly on
 * SIGINT/SIGTERM; notebooks and the report call the synchronous ones.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { corpusFiles } from "../corpus/locate";
import { byteProgress, fileChunks, inputSize, streamCorpus, streamFileSync, type ScanSummary } from "../corpus/stream";
import { spliceRefinedTrainDev, trainDevOf, type RefinedSource } from "./derived";
import { CorpusWriter } from "../corpus/stream-write";
import type { Batch } from "../corpus/elements";
import { OutputSet } from "../util/outputs";
import { UserError } from "../util/errors";
import { FAITHFUL_RULES, type RefineRule } from "./rules";
import { addStats, emptyStats, type RefineStats } from "./refine";
import { portableRuleNames, refineBatch, type RefinedBatch } from "./batch";
import { lazyPool, type Threads, type WorkerPool } from "./pool";

export interface FileRefined {
  input: string;
  output: string;
  stats: RefineStats;
  /** Spliced from the refined train and dev files rather than refined again (derived.ts). */
  spliced?: boolean;
}

export interface RefineOptions {
  /** Worker threads: "auto" (default) uses every core for files of 32 MiB and more. */
  threads?: Threads;
  /**
   * The command's own output set, already checked (`openOutputs`): the refined files are staged
   * in it and land with the command's other outputs when its `run` commits. Without it the
   * refinement commits a set of its own.
   */
  outputs?: OutputSet;
}

/** Work on the caller's set (committed by the caller), or on a set of its own, committed here. */
function within<T>(set: OutputSet | undefined, inputs: readonly string[], work: (out: OutputSet) => Promise<T>): Promise<T> {
  return set ? work(set) : new OutputSet(inputs).run(work);
}

interface RefinedInto {
  stats: RefineStats;
  scan: ScanSummary;
  ids: Set<string>;
}

/** Where refined batches go: the staged output, the running stats, the ids (when kept), a progress bar. */
class RefinedOutput {
  private readonly writer: CorpusWriter;
  private readonly bar: ReturnType<typeof byteProgress>;
  stats: RefineStats;
  readonly ids = new Set<string>();

  constructor(input: string, temp: string, rules: readonly RefineRule[], private readonly keepIds = false) {
    this.bar = byteProgress(`refine ${basename(input)}`, inputSize(input));
    this.writer = new CorpusWriter(temp);
    this.stats = emptyStats(rules);
  }

  readonly add = (r: RefinedBatch): void => {
    this.writer.writeItems(r.items, r.ids.length);
    this.stats = addStats(this.stats, r.stats);
    if (this.keepIds) for (const id of r.ids) this.ids.add(id);
  };

  readonly chunk = (c: Buffer): void => this.bar.chunk(c);

  /** `finishSync` for asynchronous reading. */
  async finish(read: () => Promise<ScanSummary>): Promise<RefinedInto> {
    let scan: ScanSummary;
    try {
      scan = await read();
    } catch (err) {
      return this.finishSync(() => {
        throw err;
      });
    }
    return this.finishSync(() => scan);
  }

  /** Run the reading; close the output when it succeeds, drop it when it throws. */
  finishSync(read: () => ScanSummary): RefinedInto {
    try {
      const scan = read();
      this.writer.close();
      return { stats: this.stats, scan, ids: this.ids };
    } catch (err) {
      this.writer.abandon();
      throw err;
    } finally {
      this.bar.done();
    }
  }
}

/** Refine `input` into the staged temp file `temp`, on this thread. */
function refineIntoSync(input: string, temp: string, rules: readonly RefineRule[]): RefineStats {
  const out = new RefinedOutput(input, temp, rules);
  return out.finishSync(() => streamFileSync(input, (b) => refineBatch(b, rules), out.add, { onChunk: out.chunk })).stats;
}

/** Refine `input` into `temp`, on the pool's worker threads when it gives one (rules from the built-in tables only). */
async function refineInto(input: string, temp: string, rules: readonly RefineRule[], pool: () => WorkerPool | undefined, keepIds = false): Promise<RefinedInto> {
  const names = portableRuleNames(rules);
  const workers = names ? pool() : undefined;
  const work = workers ? (b: Batch) => workers.refine(b, names!) : (b: Batch) => refineBatch(b, rules);
  const out = new RefinedOutput(input, temp, rules, keepIds);
  return out.finish(() => streamCorpus<RefinedBatch>(fileChunks(input), input, work, out.add, { onChunk: out.chunk, inflight: workers?.inflight ?? 1 }));
}

/** Refine one corpus file into `output`; the input is never overwritten. */
export function refineFile(input: string, output: string, rules: readonly RefineRule[] = FAITHFUL_RULES): FileRefined {
  return new OutputSet([input]).runSync((out) => ({ input, output, stats: refineIntoSync(input, out.stage(output), rules) }));
}

/** The corpus files of a folder, or one line saying why there are none. */
export function folderInputs(inDir: string): string[] {
  if (existsSync(inDir) && !statSync(inDir).isDirectory()) throw new UserError(`${inDir}: is a file, not a folder; refine one file with \`cci refine ${inDir} --out FILE\``);
  const inputs = corpusFiles(inDir);
  if (inputs.length === 0) throw new UserError(`${inDir}: no corpus files (*.json) found; nothing to refine`);
  return inputs;
}

/**
 * Refine every *.json of a folder into the same names under `outDir`, one file at a time so only
 * a few batches are held in memory; the outputs appear together at the end, or not at all.
 * `total` sums the distinct files: train+dev.json is refined and written, but not counted again
 * when train.json and dev.json are among the files.
 */
export function refineFolder(
  inDir: string,
  outDir: string,
  rules: readonly RefineRule[] = FAITHFUL_RULES,
  onFile: (done: FileRefined) => void = () => {},
): { files: FileRefined[]; total: RefineStats } {
  const inputs = folderInputs(inDir);
  return new OutputSet(inputs).runSync((out) => {
    const targets = inputs.map((f) => [f, join(outDir, basename(f)), out.stage(join(outDir, basename(f)))] as const);
    const files: FileRefined[] = [];
    for (const [input, output, temp] of targets) {
      const done = { input, output, stats: refineIntoSync(input, temp, rules) };
      files.push(done);
      onFile(done);
    }
    return { files, total: distinctTotal(files, rules) };
  });
}

/** `refineFile` for the CLI: large files on worker threads, interruptible. */
export async function refineFileAsync(input: string, output: string, rules: readonly RefineRule[] = FAITHFUL_RULES, opts: RefineOptions = {}): Promise<FileRefined> {
  const pools = lazyPool(opts.threads ?? "auto");
  try {
    return await within(opts.outputs, [input], async (out) => ({ input, output, stats: (await refineInto(input, out.stage(output), rules, () => pools.for(inputSize(input)))).stats }));
  } finally {
    await pools.close();
  }
}

/** `refineFolder` for the CLI: large files on worker threads, interruptible, all or nothing. */
export async function refineFolderAsync(
  inDir: string,
  outDir: string,
  rules: readonly RefineRule[] = FAITHFUL_RULES,
  onFile: (done: FileRefined) => void = () => {},
  opts: RefineOptions = {},
): Promise<{ files: FileRefined[]; total: RefineStats }> {
  const inputs = folderInputs(inDir);
  const pools = lazyPool(opts.threads ?? "auto");
  try {
    return await within(opts.outputs, inputs, async (out) => {
      const targets = new Map(inputs.map((f) => [f, { output: join(outDir, basename(f)), temp: out.stage(join(outDir, basename(f))) }]));
      // train+dev last, so it can be spliced from train's and dev's outputs (derived.ts).
      const trio = trainDevOf(inputs);
      const order = trio ? [...inputs.filter((f) => f !== trio.trainDev), trio.trainDev] : inputs;
      const done = new Map<string, FileRefined>();
      const sources = new Map<string, RefinedSource>();
      for (const input of order) {
        const { output, temp } = targets.get(input)!;
        let stats: RefineStats;
        let spliced = false;
        if (trio && input === trio.trainDev && spliceRefinedTrainDev(input, sources.get(trio.train)!, sources.get(trio.dev)!, temp)) {
          stats = addStats(done.get(trio.train)!.stats, done.get(trio.dev)!.stats);
          spliced = true;
        } else {
          const r = await refineInto(input, temp, rules, () => pools.for(inputSize(input)), trio !== undefined && (input === trio.train || input === trio.dev));
          stats = r.stats;
          sources.set(input, { input, scan: r.scan, ids: r.ids, temp });
        }
        done.set(input, spliced ? { input, output, stats, spliced } : { input, output, stats });
        onFile(done.get(input)!);
      }
      const files = inputs.map((f) => done.get(f)!);
      return { files, total: distinctTotal(files, rules) };
    });
  } finally {
    await pools.close();
  }
}

/** The files' stats summed, leaving out train+dev.json when train.json and dev.json are present (its examples are theirs). */
export function distinctTotal(files: readonly FileRefined[], rules: readonly RefineRule[] = FAITHFUL_RULES): RefineStats {
  return distinctFiles(files).reduce((t, f) => addStats(t, f.stats), emptyStats(rules));
}

/** The files without train+dev.json when train.json and dev.json are among them (its examples are theirs). */
export function distinctFiles<F extends { input: string }>(files: readonly F[]): F[] {
  const names = new Set(files.map((f) => basename(f.input)));
  const overlap = names.has("train.json") && names.has("dev.json");
  return files.filter((f) => !(overlap && basename(f.input) === "train+dev.json"));
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
