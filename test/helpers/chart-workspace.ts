/**
 * A workspace in a temp folder where every catalog chart has its data: the bundled sample as
 * resource/data, the CPU members' predictions (a real baseline run), made-up test predictions of
 * the eleven recipes, two run bundles with a metrics.jsonl (for the loss curves), and a made-up
 * leave-one-rule-out ablation table (the chart's layout, not a measurement).
 */
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runBaseline, workspaceOptions } from "../../lib/baseline/run";
import { loadSplit, realWorkspace, type Workspace } from "../../lib/corpus/locate";
import { ANSWERS } from "../../lib/corpus/schema";
import { predictionFile } from "../../lib/ensemble/paths";
import { writePrediction } from "../../lib/ensemble/predictions";
import { RECIPE_NAMES } from "../../lib/train/recipes";
import type { ChartRenderer } from "../../lib/charts/browser";
import { CHARTS } from "../../lib/charts/catalog";
import { layoutProblems, printFigure, printPixels, resolvePrint } from "../../lib/charts/print";
import { eachRuleVariants, PROXY_NOTE, VOTES, type AblationResult } from "../../lib/ablate/ablate";
import { ABLATION_FILES, ablationJson } from "../../lib/ablate/files";
import { pairedStats, verdict } from "../../lib/ablate/paired";

/** An ablation table of every --each-rule variant: made-up 0/1 correctness, so intervals of several widths. */
export function madeUpAblation(n = 151): AblationResult {
  const faithful = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : 1));
  const rows = eachRuleVariants().flatMap((v, k) =>
    ["lr-overlap-refined", "lr-all-refined", ...VOTES].map((member, m) => {
      const mine = faithful.map((x, i) => ((i * (k + 3) + m) % (11 + k) === 0 ? 1 - x : x));
      const s = pairedStats(mine, faithful, { iterations: 500 });
      return { variant: v.name, member, reads: (m < 2 ? "refined" : "vote") as "refined" | "vote", ...s, verdict: verdict(s) };
    }),
  );
  return {
    note: PROXY_NOTE,
    design: { kind: "dev", examples: n, description: `train → dev (${n} dev examples)` },
    corpus: {},
    statistics: { interval: "made up", iterations: 500, seed: "cci-ablate", mcnemar: "exact" },
    reference: { name: "faithful" },
    variants: eachRuleVariants().map((v) => ({ name: v.name, variant: v.record, reused: false })),
    rows,
  };
}

export const ROOT = resolve(new URL(".", import.meta.url).pathname, "..", "..");

/** `data`: the corpus folder to copy in (default the bundled sample; the reference checks pass the real corpus). */
export function chartWorkspace(data = join(ROOT, "resource", "sample")): { root: string; ws: Workspace; runsDir: string } {
  const root = mkdtempSync(join(tmpdir(), "cci-charts-"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "cci-workbench" }));
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  mkdirSync(join(root, "resource", "data"), { recursive: true });
  for (const s of ["train", "dev", "test"]) copyFileSync(join(data, `${s}.json`), join(root, "resource", "data", `${s}.json`));
  const ws = realWorkspace(root);
  runBaseline(workspaceOptions(ws));
  const test = loadSplit(ws.data, "test");
  // Recipe k answers like recipe 0 except on every (k+2)-th example: agreement from high to lower.
  RECIPE_NAMES.forEach((name, k) => writePrediction(predictionFile(ws, name, "test"), test, test.map((_, i) => ANSWERS[(i % (k + 2) === 0 ? i + k : i) % 3])));
  const ablation = ABLATION_FILES(join(ws.results, "ablate")).json;
  mkdirSync(join(ws.results, "ablate"), { recursive: true });
  writeFileSync(ablation, ablationJson(madeUpAblation()));
  const runsDir = join(root, "resource", "runs");
  for (const [index, name] of RECIPE_NAMES.slice(0, 2).entries()) {
    const dir = join(runsDir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "run.json"), JSON.stringify({ index: index + 1, name }));
    const lines = Array.from({ length: 30 }, (_, s) => ({ step: s + 1, loss: 2 / (1 + s / (5 + index)), ...(s % 10 === 9 ? { eval_loss: 2.2 / (1 + s / 6) } : {}) }));
    writeFileSync(join(dir, "metrics.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  }
  return { root, ws, runsDir };
}

/** Every catalog chart at both column presets: the cases of the print-layout check. */
export const PRINT_CASES = CHARTS.flatMap((c) => (["single", "double"] as const).map((column) => [c.name, column] as const));

/**
 * The print-layout check of one catalog chart (test/charts-print.test.ts on the sample, its
 * reference twin on the real corpus): built at the printed size, drawn in Chromium, the texts
 * it finds and the problems (cut, overlapping, under the point size) returned for the test to assert.
 */
export async function printLayout(renderer: ChartRenderer, fixture: { ws: Workspace; runsDir: string }, name: string, column: "single" | "double"): Promise<{ texts: number; problems: unknown[] }> {
  const entry = CHARTS.find((c) => c.name === name)!;
  const spec = resolvePrint({ column }, entry.printAspect)!;
  const px = printPixels(spec);
  const fig = printFigure(await entry.build({ ws: fixture.ws, split: "train+dev", runsDir: fixture.runsDir, print: px }), spec);
  const drawn = await renderer.textBoxes(fig);
  return { texts: drawn.texts.length, problems: layoutProblems(drawn, px.fontPx) };
}
