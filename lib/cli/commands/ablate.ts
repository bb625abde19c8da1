import type { Command } from "commander";
import { availableParallelism } from "node:os";
import { dirname, join, relative } from "node:path";
import { isInside } from "../../util/output-rule";
import { defaultWorkspace, describeWorkspace, holdsCorpus } from "../../corpus/locate";
import { loadCorpus } from "../../corpus/load";
import { ablationCsv, ablationSummary, ablationTableRows, ablationVariant, eachRuleVariants, runAblation, type AblationResult } from "../../ablate/ablate";
import type { AblationVariant } from "../../ablate/cpu";
import { DEFAULT_FOLD_SEED, type DesignSpec } from "../../ablate/design";
import { pairPredictions } from "../../ablate/gpu";
import { ablationJson, ABLATION_FILES, defaultAblationDir } from "../../ablate/files";
import { addVariantOptions, loadVariantFile, variantFromOptions, type VariantOptions } from "../../variant/variant";
import { sha256File } from "../../train/bundle";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";
import { IO, openOutputs } from "../io";

interface AblateOpts extends VariantOptions {
  eachRule?: boolean;
  folds?: string;
  seed: string;
  data?: string;
  out?: string;
  jobs?: string;
  iterations: string;
  predictions?: string[];
  faithful?: string;
  gold?: string;
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];
const rel = (p: string) => {
  const r = relative(process.cwd(), p);
  return r.startsWith("..") ? p : r || ".";
};

function whole(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`ablate: ${flag} ${v}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** The ablation's folders of scores stay out of the corpus folder (which holds the corpus only). */
function notInCorpus(out: string, corpus: string): void {
  if (isInside(corpus, out)) throw new UserError(`ablate: --out ${out}: is inside the corpus folder ${rel(corpus)}; write the ablation elsewhere`);
}

/** The variants the flags ask for: --each-rule, several --rules files, or one variant from the variant flags. */
function variantsOf(o: AblateOpts): AblationVariant[] {
  const tweaks = (o.disable?.length ?? 0) + (o.alt?.length ?? 0) + (o.addRule?.length ?? 0) > 0 || o.promptMode !== undefined;
  const files = o.rules ? o.rules.split(",").map((s) => s.trim()).filter(Boolean) : [];
  if (o.eachRule) {
    if (tweaks || files.length > 0) throw new UserError("ablate: --each-rule makes its own variants; give it without --rules, --disable, --alt, --add-rule or --prompt-mode");
    return eachRuleVariants();
  }
  if (files.length > 1) {
    if (tweaks) throw new UserError("ablate: several --rules files each name a whole variant; put --disable/--alt/--add-rule inside the files");
    const vs = files.map(loadVariantFile);
    const dup = vs.find((v, i) => vs.findIndex((w) => w.name === v.name) !== i);
    if (dup) throw new UserError(`ablate: two --rules files name the variant ${dup.name}; give each a name of its own (its "name" key)`);
    return vs.map(ablationVariant);
  }
  if (!tweaks && files.length === 0) throw new UserError("ablate: say what to compare: --each-rule, --rules FILE[,FILE…], the variant flags (--disable, --alt, --add-rule), or --predictions FILE --faithful FILE");
  const v = variantFromOptions(o);
  if (v.prompts !== "faithful") info("ablate: note: the prompt mode does not reach the CPU members (they read no prompts); only its rule table is measured here");
  return [ablationVariant(v)];
}

function print(result: AblationResult, out: { json: string; csv: string }): void {
  printTable(ablationTableRows(result));
  for (const line of ablationSummary(result)) info(line);
  info(`ablate: ${result.note}`);
  info(`ablate: table in ${rel(out.json)} and ${rel(out.csv)}${out.json === ABLATION_FILES(defaultAblationDir(defaultWorkspace().results, { kind: "dev" })).json ? "; chart: npx cci chart ablation" : ""}`);
}

async function cpu(o: AblateOpts): Promise<void> {
  const ws = defaultWorkspace();
  if (!o.data) info(describeWorkspace(ws));
  const data = o.data ?? ws.data;
  if (!holdsCorpus(data)) throw new UserError(`${data}: no corpus here (train.json, dev.json and test.json expected)`);
  const variants = variantsOf(o);
  const design: DesignSpec = o.folds !== undefined ? { kind: "kfold", folds: whole("--folds", o.folds, 2, 100), seed: o.seed } : { kind: "dev" };
  const outDir = o.out ?? defaultAblationDir(ws.results, design);
  notInCorpus(outDir, data);
  const files = ABLATION_FILES(outDir);
  const outputs = openOutputs(IO.ablate([join(data, "train.json"), join(data, "dev.json")], outDir));
  const t0 = performance.now();
  const { result, files: stored } = await runAblation({
    data,
    variants,
    design,
    out: outDir,
    jobs: o.jobs !== undefined ? whole("--jobs", o.jobs, 1, 256) : availableParallelism(),
    iterations: whole("--iterations", o.iterations, 100, 1_000_000),
    info,
  });
  await outputs.run(() => {
    for (const [path, text] of stored) outputs.write(path, text, "--out");
    outputs.write(files.json, ablationJson(result), "--out");
    outputs.write(files.csv, ablationCsv(result), "--out");
  });
  print(result, files);
  info(`ablate: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function paired(o: AblateOpts): Promise<void> {
  if (!o.faithful) throw new UserError("ablate: --predictions needs --faithful FILE: the same recipe's dev predictions on the faithful corpus");
  if (o.eachRule || o.rules || o.disable || o.alt || o.addRule || o.folds) throw new UserError("ablate: --predictions pairs files that record their own variants; give it without --each-rule, --rules, --disable, --alt, --add-rule or --folds");
  const ws = defaultWorkspace();
  const goldFile = o.gold ?? join(o.data ?? ws.data, "dev.json");
  const gold = loadCorpus(goldFile);
  const outDir = o.out ?? join(ws.results, "ablate");
  notInCorpus(outDir, dirname(goldFile));
  const files = ABLATION_FILES(outDir);
  const outputs = openOutputs(IO.ablate([goldFile, o.faithful, ...o.predictions!], outDir));
  const result = pairPredictions({ variants: o.predictions!, faithful: o.faithful, gold, goldFile, corpus: { [goldFile]: sha256File(goldFile) }, iterations: whole("--iterations", o.iterations, 100, 1_000_000), seed: o.seed === DEFAULT_FOLD_SEED ? undefined : o.seed, warn: info });
  await outputs.run(() => {
    outputs.write(files.json, ablationJson(result), "--out");
    outputs.write(files.csv, ablationCsv(result), "--out");
  });
  print(result, files);
}

export function register(program: Command): void {
  const cmd = program
    .command("ablate")
    .summary("what a refinement variant does to dev accuracy: CPU members (a cheap proxy) or paired GPU predictions")
    .description(
      "For each variant, refine train and dev with its rule table, train and score the seven CPU members, and " +
        "compare each (and their votes) with the faithful corpus example by example: dev accuracy, the paired " +
        "difference with a 95 % paired-bootstrap interval (and its width), McNemar's exact p, and whether the " +
        "difference is within noise. The CPU members are a cheap proxy, not the entry's LLMs; only " +
        "lr-overlap-refined and lr-all-refined read the refined corpus. Dev has 151 examples, so --folds K " +
        "(cross-validation over train+dev, 909 examples) narrows the intervals. Scores are kept per variant in " +
        "OUT/variants/{name}/ and reused. With --predictions/--faithful it pairs a GPU recipe's dev predictions " +
        "instead. See lib/ablate/README.md.",
    );
  addVariantOptions(cmd, { prompts: true });
  // Here --rules also takes several files, one variant each.
  const rules = cmd.options.find((opt) => opt.long === "--rules");
  if (rules) rules.description = "a variant file (JSON or YAML; see lib/variant/README.md), or several comma-separated, one variant each";
  cmd
    .option("--each-rule", "leave-one-rule-out over the nine rules, plus no refinement at all")
    .option("--folds <k>", "k-fold cross-validation over train+dev instead of train → dev")
    .option("--seed <text>", "seed of the folds (and of nothing else)", DEFAULT_FOLD_SEED)
    .option("--iterations <n>", "bootstrap resamples", "2000")
    .option("--jobs <n>", "worker threads (default: one per core)")
    .option("--data <dir>", "corpus folder (default: resource/data, else the bundled sample)")
    .option("--out <dir>", "ablation folder: ablation.json, ablation.csv, variants/{name}/ (default: the workspace's resource/results/ablate, or ablate-{k}fold with --folds)")
    .option("--predictions <files>", "GPU mode: dev prediction files of a recipe trained on variants (comma-separated)", list)
    .option("--faithful <file>", "GPU mode: the same recipe's dev predictions on the faithful corpus")
    .option("--gold <file>", "GPU mode: the labelled file the predictions answer (default: the corpus's dev.json)")
    .action(async (o: AblateOpts) => {
      if (o.predictions && o.predictions.length > 0) await paired(o);
      else await cpu(o);
    });
}
