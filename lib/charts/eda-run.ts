/**
 * `cci eda` end to end: statistics and CSVs of the raw folder (and of the refined one, refining
 * first when it is missing), every chart of every split exported, and the raw-vs-refined
 * overlays. One browser serves all charts of the run.
 */
import { join, relative } from "node:path";
import { holdsCorpus } from "../corpus/locate";
import { splitShift, type SplitShift } from "../eda/compare";
import { edaFolder, type FolderEda } from "../eda/run";
import { refineFolder } from "../refine/run";
import { info, progress } from "../util/progress";
import { ChartRenderer } from "./browser";
import { COMPARISON_ARTIFACTS, comparisonFigure, EDA_ARTIFACTS, type Variant } from "./eda";
import { exportFigure, sharePlotly, type Format } from "./export";
import type { CloudOptions } from "./wordcloud";

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

export async function runEda(opts: EdaRunOptions): Promise<EdaRun> {
  // The browser first: where it is required but missing, fail before writing anything.
  const renderer = needsBrowser(opts.formats) ? await ChartRenderer.open() : null;
  try {
    return await analyseAndDraw(opts, renderer);
  } finally {
    await renderer?.close();
  }
}

async function analyseAndDraw(opts: EdaRunOptions, renderer: ChartRenderer | null): Promise<EdaRun> {
  const rel = (p: string) => relative(process.cwd(), p) || ".";
  if (opts.refined && !holdsCorpus(opts.refined)) {
    info(`eda: ${rel(opts.refined)} holds no refined corpus; refining ${rel(opts.data)} first`);
    refineFolder(opts.data, opts.refined);
  }
  const raw = edaFolder(opts.data, opts.out);
  const refined = opts.refined ? edaFolder(opts.refined, refinedOut(opts.out)) : undefined;
  const shifts = refined ? raw.splits.filter((s) => refined.splits.some((r) => r.split === s.split)).map((s) => splitShift(s, refined.splits.find((r) => r.split === s.split)!)) : undefined;

  const jobs: { base: string; build: () => ReturnType<(typeof EDA_ARTIFACTS)[number]["build"]> }[] = [];
  const folders: [FolderEda, Variant][] = refined ? [[raw, "raw"], [refined, "refined"]] : [[raw, "raw"]];
  const inputs = folders.flatMap(([f]) => f.splits.map((s) => join(f.data, `${s.split}.json`)));
  for (const [folder, variant] of folders)
    for (const s of folder.splits) for (const a of EDA_ARTIFACTS) jobs.push({ base: join(folder.out, `${s.split}_${a.name}`), build: () => a.build(s, variant, opts.cloud) });
  if (refined)
    for (const s of raw.splits) {
      const r = refined.splits.find((x) => x.split === s.split);
      if (r) for (const c of COMPARISON_ARTIFACTS) jobs.push({ base: join(comparisonOut(opts.out), `${s.split}_${c.name}`), build: () => comparisonFigure(c.kind, s, r) });
    }

  const charts: string[] = [];
  const plotly = opts.plotly ?? "shared";
  const sharedPlotly = plotly === "shared" && opts.formats.includes("html") ? sharePlotly(opts.out) : undefined;
  const bar = progress("eda: charts", jobs.length);
  try {
    for (const job of jobs) {
      const fig = await job.build();
      if (fig) charts.push(...(await exportFigure(fig, job.base, { formats: opts.formats, renderer, plotly, sharedPlotly, inputs })));
      bar.tick();
    }
  } finally {
    bar.done();
  }
  return { raw, refined, shifts, charts, images: renderer !== null, sharedPlotly };
}
