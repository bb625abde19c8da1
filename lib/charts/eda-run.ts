/**
 * `cci eda` end to end: statistics and CSVs of the raw folder (and of the refined one, refining
 * first when it is missing), every chart of every split exported, and the raw-vs-refined
 * overlays. One browser serves all charts of the run.
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { corpusFiles, holdsCorpus, presentSplits } from "../corpus/locate";
import { OutputSet, tempFolder, yieldToSignals } from "../util/outputs";
import { splitShift, type SplitShift } from "../eda/compare";
import { edaFolder, type FolderEda } from "../eda/run";
import { refineFolder } from "../refine/run";
import { info, progress } from "../util/progress";
import { ChartRenderer } from "./browser";
import { COMPARISON_ARTIFACTS, comparisonFigure, EDA_ARTIFACTS, type Variant } from "./eda";
import { exportFigure, sharePlotly, type Format } from "./export";
import type { CloudOptions } from "./wordcloud";
import type { RefineRule } from "../refine/rules";

export interface EdaRunOptions {
  /** Raw corpus folder. */
  data: string;
  /** Output folder of the raw EDA. */
  out: string;
  /** Refined corpus folder to analyse too, into `${out}/refined_data`, and compare with `data`. */
  refined?: string;
  formats: readonly Format[];
  /** HTML charts: one shared plotly.min.js in `out` (default), inlined, or from the CDN. */
  plotly?: "inline" | "cdn" | "shared";
  cloud?: CloudOptions;
  /** When `refined` holds no corpus: keep the refined files there (the workspace layout) rather than only in a scratch folder. */
  keepRefined?: boolean;
  /** A variant's rule table: `data` is refined with it (in a scratch folder, not kept) whatever `refined` holds. */
  rules?: readonly RefineRule[];
  /** Written as `${out}/eda.provenance.json`: the variant and the corpus files read. */
  provenance?: string;
}

export interface EdaRun {
  raw: FolderEda;
  refined?: FolderEda;
  shifts?: SplitShift[];
  /** Every chart file written (html, and png/svg when a browser was found). */
  charts: string[];
  /** Whether PNG/SVG were rendered. */
  images: boolean;
  /** The plotly.min.js every HTML chart links (plotly "shared"). */
  sharedPlotly?: string;
}

/** Where the refined EDA and the raw-vs-refined overlays go, as the original's layout. */
export const refinedOut = (out: string) => join(out, "refined_data");
export const comparisonOut = (out: string) => join(out, "raw_vs_refined");

const needsBrowser = (formats: readonly Format[]) => formats.some((f) => f !== "html");

/**
 * All or nothing: every CSV and chart is staged and moved into place only when the whole run
 * has succeeded. A refined folder that holds no corpus is refined into a scratch folder first;
 * with `keepRefined` (the workspace's own layout) its files then land in `refined` with the
 * rest, else nothing is written outside `out`.
 */
export async function runEda(opts: EdaRunOptions): Promise<EdaRun> {
  const outputs = new OutputSet(edaInputs(opts.data, opts.refined));
  outputs.declareFolder(opts.out);
  const toRefine = opts.refined !== undefined && (opts.rules !== undefined || !holdsCorpus(opts.refined));
  if (toRefine && opts.keepRefined) outputs.declareFolder(opts.refined!, "--refined");
  // The browser first: where it is required but missing, fail before any work.
  const renderer = needsBrowser(opts.formats) ? await ChartRenderer.open() : null;
  const scratch = toRefine ? tempFolder(opts.keepRefined ? dirname(resolve(opts.refined!)) : undefined, opts.refined) : undefined;
  try {
    return await outputs.run(async () => {
      if (scratch) {
        info(opts.rules ? `eda: refining ${rel(opts.data)} with the variant's rules (in a scratch folder, not kept)` : `eda: ${rel(opts.refined!)} holds no refined corpus; refining ${rel(opts.data)} first${opts.keepRefined ? "" : " (in a scratch folder, not kept)"}`);
        refineFolder(opts.data, scratch.path, opts.rules);
      }
      const run = await analyseAndDraw(opts, scratch?.path ?? opts.refined, renderer, outputs);
      if (opts.provenance) outputs.write(join(opts.out, "eda.provenance.json"), opts.provenance);
      if (scratch && opts.keepRefined) for (const f of corpusFiles(scratch.path)) outputs.adopt(join(opts.refined!, basename(f)), f, "--refined");
      return run;
    });
  } finally {
    scratch?.dispose();
    await renderer?.close();
  }
}

const rel = (p: string) => relative(process.cwd(), p) || ".";

/** What eda reads: the split files of the raw and refined folders (no output may be one of them). */
export function edaInputs(data: string, refined?: string): string[] {
  return [data, ...(refined ? [refined] : [])].flatMap((dir) => presentSplits(dir).map((s) => join(dir, `${s}.json`)));
}

async function analyseAndDraw(opts: EdaRunOptions, refinedDir: string | undefined, renderer: ChartRenderer | null, outputs: OutputSet): Promise<EdaRun> {
  const write = (path: string, data: string | Uint8Array) => outputs.write(path, data);
  const raw = edaFolder(opts.data, opts.out, undefined, write);
  const refined = refinedDir ? { ...edaFolder(refinedDir, refinedOut(opts.out), undefined, write), data: opts.refined! } : undefined;
  const shifts = refined ? raw.splits.filter((s) => refined.splits.some((r) => r.split === s.split)).map((s) => splitShift(s, refined.splits.find((r) => r.split === s.split)!)) : undefined;

  const jobs: { base: string; build: () => ReturnType<(typeof EDA_ARTIFACTS)[number]["build"]> }[] = [];
  const folders: [FolderEda, Variant][] = refined ? [[raw, "raw"], [refined, "refined"]] : [[raw, "raw"]];
  for (const [folder, variant] of folders)
    for (const s of folder.splits) for (const a of EDA_ARTIFACTS) jobs.push({ base: join(folder.out, `${s.split}_${a.name}`), build: () => a.build(s, variant, opts.cloud) });
  if (refined)
    for (const s of raw.splits) {
      const r = refined.splits.find((x) => x.split === s.split);
      if (r) for (const c of COMPARISON_ARTIFACTS) jobs.push({ base: join(comparisonOut(opts.out), `${s.split}_${c.name}`), build: () => comparisonFigure(c.kind, s, r) });
    }

  const charts: string[] = [];
  const plotly = opts.plotly ?? "shared";
  const sharedPlotly = plotly === "shared" && opts.formats.includes("html") ? sharePlotly(opts.out, write) : undefined;
  const bar = progress("eda: charts", jobs.length);
  try {
    for (const job of jobs) {
      const fig = await job.build();
      if (fig) charts.push(...(await exportFigure(fig, job.base, { formats: opts.formats, renderer, plotly, sharedPlotly, write })));
      bar.tick();
      await yieldToSignals();
    }
  } finally {
    bar.done();
  }
  return { raw, refined, shifts, charts, images: renderer !== null, sharedPlotly };
}
