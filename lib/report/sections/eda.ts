import { basename, dirname, relative } from "node:path";
import { comparisonOut, refinedOut, runEda } from "../../charts/eda-run";
import { FORMATS } from "../../charts/export";
import { SPLITS } from "../../corpus/schema";
import { shiftRow } from "../../eda/compare";
import { folderOverlaps } from "../../eda/run";
import { distributionPivot, overviewRow, reusePivot } from "../../eda/split";
import { table } from "../markdown";
import type { ReportSection } from "../report";

/** Chart files as a table: one row per folder and chart, the splits it was written for. */
function chartTable(root: string, charts: readonly string[]): string {
  const byBase = new Map<string, Set<string>>();
  for (const f of charts) {
    const m = /^(train\+dev|train|dev|test)_(.+)\.(\w+)$/.exec(basename(f));
    if (!m) continue;
    const key = `${relative(root, dirname(f))}/\u0000${m[2]}`;
    byBase.set(key, (byBase.get(key) ?? new Set()).add(`${m[1]}.${m[3]}`));
  }
  return table(
    [...byBase].map(([key, have]) => {
      const [folder, chart] = key.split("/\u0000");
      return {
        folder: `\`${folder}/\``,
        chart,
        ...Object.fromEntries(SPLITS.map((s) => [s, FORMATS.filter((f) => have.has(`${s}.${f}`)).join(" ") || "—"])),
      };
    }),
  );
}

/** `cci eda` on the workspace: aggregates of raw and refined data and the chart files written. */
export const edaSection: ReportSection = {
  title: "Exploratory data analysis",
  build: async (ws) => {
    const run = await runEda({ data: ws.data, refined: ws.refined, out: ws.eda, formats: FORMATS, keepRefined: true });
    const rel = (p: string) => relative(ws.root, p);
    const folders = [run.raw, ...(run.refined ? [run.refined] : [])];
    const overview = folders.flatMap((f) => f.splits.map((s) => ({ data: f === run.raw ? "raw" : "refined", ...overviewRow(s) })));
    return [
      `\`npx cci eda\`: ${run.raw.csvs.length + (run.refined?.csvs.length ?? 0)} CSVs and ${run.charts.length} chart files in \`${rel(ws.eda)}/\`, \`${rel(refinedOut(ws.eda))}/\` and \`${rel(comparisonOut(ws.eda))}/\`` +
        (run.images ? "." : " (HTML only: Chromium was not found, so no PNG/SVG).") +
        (run.sharedPlotly ? ` The HTML charts share one \`${rel(run.sharedPlotly)}\` instead of inlining it.` : ""),
      "Characters are Unicode code points of `str(utterance)`, as Python's `len`. The `{split}_total_utterance_lengths.csv` files are written as the original's (checked byte for byte against its output on the competition corpus).",
      "",
      "Turns and characters per conversation:",
      "",
      table(overview),
      "",
      ...(run.shifts ? ["Raw → refined, mean per conversation (refinement drops, cleans and merges utterances):", "", table(run.shifts.map(shiftRow)), ""] : []),
      "Several questions share one conversation (its utterance ids identify it): distinct conversations by the number of questions they carry, and conversations shared between splits:",
      "",
      table(reusePivot(run.raw.splits)),
      "",
      table(folderOverlaps(ws.data)),
      "",
      "Categories (raw data; refinement does not change them):",
      "",
      table(distributionPivot(run.raw.splits, "categories")),
      "",
      "Correct answers:",
      "",
      table(distributionPivot(run.raw.splits, "answers")),
      "",
      "Chart files (formats written per split):",
      "",
      chartTable(ws.root, run.charts),
    ].join("\n");
  },
};
