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
import { existsSync } from "node:fs";
import { join } from "node:path";
import { holdsCorpus, presentSplits } from "../../corpus/locate";
import { FAITHFUL_RULES } from "../../refine/rules";
import { addVariantOptions, describeVariant, sameRules, variantFromOptions, variantRecord, type VariantOptions } from "../../variant/variant";
import { corpusRecord, readManifest } from "../../variant/manifest";
import { provenanceText } from "../../variant/provenance";

interface EdaOpts extends VariantOptions {
  data?: string;
  out?: string;
  refined?: string;
  formats: string[];
  plotly: string;
}

const list = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(",").map((s) => s.trim()).filter(Boolean)];
const same = (a: string, b: string) => resolve(a) === resolve(b);

export function register(program: Command): void {
  const cmd = program
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
    .option("--plotly <mode>", "HTML charts: shared (one plotly.min.js in OUT, linked by every chart), inline (self-contained, ~5 MB each) or cdn (small, needs network to view)", "shared");
  addVariantOptions(cmd);
  cmd.action(async (opts: EdaOpts) => {
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
      // A variant's rules refine --data afresh (in a scratch folder): a refined folder given too would be another table's output.
      const variant = variantFromOptions(opts);
      const tweaked = !sameRules(variant.rules, FAITHFUL_RULES);
      const manifest = readManifest(data);
      if (manifest && (tweaked || opts.refined)) throw new UserError(`eda: --data ${rel(data)}: already refined by \`cci refine\` (variant ${manifest.variant.name}); refining it again is refused: give the raw folder`);
      if (tweaked && opts.refined && holdsCorpus(opts.refined)) throw new UserError(`eda: --refined ${rel(opts.refined)} holds a refined corpus, and the rule flags refine --data themselves: give one or the other`);
      if (tweaked) refined = opts.refined ?? refinedOut(out);
      // Only the plain workspace run keeps a refined corpus it had to make; otherwise nothing lands outside --out.
      const keepRefined = !tweaked && !opts.data && !opts.out && !opts.refined;
      const files = (dir: string) => presentSplits(dir).map((s) => join(dir, `${s}.json`)).filter((f) => existsSync(f));
      const provenance = provenanceText({ variant: variantRecord(manifest ? manifest.variant : variant), corpus: corpusRecord(data, files(data)), refined: refined && !tweaked && holdsCorpus(refined) ? { ...corpusRecord(refined, files(refined)), variant: readManifest(refined)?.manifest.variant ?? "no manifest (refined before cci refine wrote one)" } : refined ? `refined from the corpus by the variant's rules` : null });
      if (tweaked) info(`eda: variant ${describeVariant(variant)}`);
      const run = await runEda({ data, out, refined, formats, plotly: opts.plotly as (typeof PLOTLY_MODES)[number], keepRefined, rules: tweaked ? variant.rules : undefined, provenance });
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
