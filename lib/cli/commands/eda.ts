import type { Command } from "commander";
import { relative, resolve } from "node:path";
import { defaultWorkspace, describeWorkspace } from "../../corpus/locate";
import { shiftRow } from "../../eda/compare";
import { overviewRow } from "../../eda/split";
import { runEda, refinedOut } from "../../charts/eda-run";
import { FORMATS, PLOTLY_MODES, parseFormats } from "../../charts/export";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";

interface EdaOpts {
  data?: string;
  out?: string;
  refined?: string;
  formats: string[];
  plotly: string;
}

const list = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(",").map((s) => s.trim()).filter(Boolean)];
const same = (a: string, b: string) => resolve(a) === resolve(b);

export function register(program: Command): void {
  program
    .command("eda")
    .summary("statistics, CSVs and charts of the corpus, raw and refined (HTML, PNG, SVG)")
    .description(
      "Exploratory data analysis as the original's run/EDA.py (SPEC §3), for each split present\n" +
        "(train, dev, train+dev, test): category and answer distributions, turns and characters per\n" +
        "conversation, word clouds — as interactive HTML plus PNG and SVG (PNG/SVG need Chromium) —\n" +
        "and {split}_total_utterance_lengths.csv byte-identical to the original's.\n" +
        "With no --data: the raw corpus into the EDA folder and the refined one (refined first if\n" +
        "missing) into EDA/refined_data, plus raw-vs-refined overlays in EDA/raw_vs_refined.\n" +
        "Defaults: resource/data → resource/EDA, resource/refined_data → resource/EDA/refined_data\n" +
        "(or the bundled sample's folders when no corpus was imported).",
    )
    .option("--data <dir>", "corpus folder to analyse (default: the workspace's raw corpus)")
    .option("--out <dir>", "output folder (default: the workspace's EDA folder)")
    .option("--refined <dir>", "also analyse this refined folder into OUT/refined_data and compare it with --data (one that holds no corpus is refined from --data in a scratch folder: nothing is written outside --out)")
    .option("--formats <list>", `chart formats, comma-separated (${FORMATS.join(",")})`, list)
    .option("--plotly <mode>", "HTML charts: shared (one plotly.min.js in OUT, linked by every chart), inline (self-contained, ~5 MB each) or cdn (small, needs network to view)", "shared")
    .action(async (opts: EdaOpts) => {
      const { formats, unknown } = parseFormats(opts.formats ?? [...FORMATS]);
      if (unknown.length || formats.length === 0) throw new UserError(`--formats: unknown format ${unknown.join(", ") || "(none)"} (choose from ${FORMATS.join(", ")})`);
      if (!(PLOTLY_MODES as readonly string[]).includes(opts.plotly)) throw new UserError(`--plotly: expected ${PLOTLY_MODES.join(", ")}, got ${opts.plotly}`);
      const ws = defaultWorkspace();
      let data = opts.data;
      let refined = opts.refined;
      let out = opts.out;
      if (!data) {
        info(describeWorkspace(ws));
        data = ws.data;
        refined ??= ws.refined;
        out ??= ws.eda;
      } else if (!out) {
        // The workspace's own folders have their original output places; others need --out.
        if (same(data, ws.data)) out = ws.eda;
        else if (same(data, ws.refined)) out = refinedOut(ws.eda);
        else throw new UserError(`eda --data ${data}: also give --out DIR (where the charts and CSVs go)`);
      }
      const rel = (p: string) => relative(process.cwd(), p) || ".";
      // Only the plain workspace run keeps a refined corpus it had to make; otherwise nothing lands outside --out.
      const keepRefined = !opts.data && !opts.out && !opts.refined;
      const run = await runEda({ data, out, refined, formats, plotly: opts.plotly as (typeof PLOTLY_MODES)[number], keepRefined });
      for (const f of [run.raw, ...(run.refined ? [run.refined] : [])]) {
        info(`eda: ${rel(f.data)} → ${rel(f.out)}`);
        printTable(f.splits.map(overviewRow));
      }
      if (run.shifts) {
        info("eda: raw → refined, mean per conversation:");
        printTable(run.shifts.map(shiftRow));
      }
      info(`eda: wrote ${run.raw.csvs.length + (run.refined?.csvs.length ?? 0)} CSVs and ${run.charts.length} chart files${run.images ? "" : " (HTML only: no Chromium)"}`);
    });
}
