import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { defaultWorkspace, describeWorkspace } from "../../corpus/locate";
import { ALTERNATIVE_RULES, FAITHFUL_RULES, type RefineRule } from "../../refine/rules";
import { FAITHFUL_VARIANT, addVariantOptions, describeVariant, isFaithful, variantFromOptions, variantRecord, type Variant, type VariantOptions } from "../../variant/variant";
import { MANIFEST_NAME, corpusRecord, manifestText, readManifest, sha256File } from "../../variant/manifest";
import { changeRows, spreadChanges } from "../../refine/changes";
import { distinctFiles, folderInputs, refineFileAsync, refineFolderAsync, statsRows, summaryRow, type FileRefined } from "../../refine/run";
import { addComparisons, compareRuleSets, describeTweak, isSameRuleSet, splitDeltaRows, STEP_LEGEND, stepDeltaRows, totalDeltaRows, type RuleSetComparison } from "../../refine/compare";
import { loadCorpus } from "../../corpus/load";
import { SPLITS } from "../../corpus/schema";
import { parseThreads, type Threads } from "../../refine/pool";
import { emptiedWarning, type RefineStats } from "../../refine/refine";
import { IO, openOutputs } from "../io";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";

interface RefineOpts extends VariantOptions {
  in?: string;
  out?: string;
  stats?: string;
  listRules?: boolean;
  compare?: boolean;
  examples?: string;
  json?: string;
  threads: Threads;
}

/** The rule table the options ask for: faithful, minus --disable, with --alt swaps (a thin call of the variant module). */
export function rulesFromOptions(disable: string[] = [], alt: string[] = [], more: Omit<VariantOptions, "disable" | "alt"> = {}): readonly RefineRule[] {
  return variantFromOptions({ ...more, disable, alt }).rules;
}

const relPath = (p: string) => relative(process.cwd(), p) || ".";

export function register(program: Command): void {
  const cmd = program
    .command("refine")
    .summary("apply the original's nine refinement rules, drop emptied utterances, merge turns")
    .description(
      "Refine a corpus as the original's run/refine.py (SPEC §2): byte-identical output by default.\n" +
        "With no FILE, every *.json of --in is refined into the same names under --out, with\n" +
        `${MANIFEST_NAME} beside them (the rule table and the sha256 of every file, so \`cci train plan\`\n` +
        "takes the folder as refined and never refines it again).\n" +
        "Defaults: resource/data → resource/refined_data, or the bundled sample when no corpus was imported.\n" +
        "The rule table: --rules FILE, --disable, --alt, --add-rule (see lib/variant/README.md).",
    )
    .argument("[file]", "refine just this file (then --out is a file)")
    .option("--in <dir>", "folder of corpus files")
    .option("--out <path>", "output folder (or file, with FILE)");
  addVariantOptions(cmd);
  cmd
    .option("--stats <file>", "also write what each rule changed as JSON")
    .option("--threads <n>", "worker threads: auto (every core for files of 32 MiB and more), or a number (0 or 1: none)", parseThreads, "auto" as Threads)
    .option("--compare", "with a tweak: refine with the faithful rules and with the tweaked ones and print the deltas, per rule and in total; writes no corpus")
    .option("--examples <n>", "with --compare: also print N changed utterances, faithful → tweaked, spread over distinct examples, with the step(s) that changed each")
    .option("--json <file>", "with --compare: write the compare tables (per split, per step, totals, the examples) as JSON")
    .option("--list-rules", "print the rule table and exit")
    .action(async (file: string | undefined, opts: RefineOpts) => {
      if (opts.listRules) {
        printTable([...FAITHFUL_RULES, ...Object.values(ALTERNATIVE_RULES)].map((r) => ({ name: r.name, description: r.description })));
        return;
      }
      const variant = variantFromOptions(opts);
      const rules = variant.rules;
      // Never refine twice: a folder (or a file of one) `cci refine` wrote is refused as input.
      const source = file ? dirname(file) : opts.in ?? defaultWorkspace().data;
      const prior = existsSync(join(source, MANIFEST_NAME)) ? readManifest(source) : undefined;
      if (prior) throw new UserError(`${relPath(file ?? source)}: already refined by \`cci refine\` (variant ${prior.variant.name}, ${MANIFEST_NAME}); refining it again is refused: refine the raw corpus (${relPath(resolve(source, prior.manifest.input.dir))})`);
      if (opts.compare) return compare(file, opts, variant);
      for (const [flag, value] of [["--examples", opts.examples], ["--json", opts.json]] as const) if (value !== undefined) throw new UserError(`${flag} goes with --compare (it prints or writes the deltas of a tweak)`);
      const rel = (p: string) => relative(process.cwd(), p) || ".";
      const report = (f: FileRefined) =>
        info(`refine: ${rel(f.input)} → ${rel(f.output)}  ${f.stats.examples} examples, turns ${f.stats.turnsBefore} → ${f.stats.turnsAfter}${f.spliced ? "  (train's then dev's, spliced)" : ""}`);
      // Every output (refined files, --stats) is checked before any work, and all land together.
      const statsJson = (total: RefineStats) => `${JSON.stringify({ rules: rules.map((r) => r.name), variant: variantRecord(variant), stats: total }, null, 2)}\n`;
      if (!isFaithful(variant)) info(`refine: variant ${describeVariant(variant)}`);
      let total: RefineStats;
      if (file) {
        if (!opts.out) throw new UserError("refine FILE needs --out FILE");
        if (isDir(file)) throw new UserError(`${file}: is a folder; use --in ${file}`);
        const outputs = openOutputs(IO.refineFile(file, opts.out, opts.stats));
        const done = await outputs.run(async () => {
          const r = await refineFileAsync(file, opts.out!, rules, { threads: opts.threads, outputs });
          if (opts.stats) outputs.write(opts.stats, statsJson(r.stats), "--stats");
          return r;
        });
        report(done);
        warnEmptied([done]);
        total = done.stats;
      } else {
        const ws = defaultWorkspace();
        if (!opts.in) info(describeWorkspace(ws));
        const inDir = opts.in ?? ws.data;
        const outDir = opts.out ?? ws.refined;
        const outputs = openOutputs(IO.refineFolder(inDir, outDir, opts.stats));
        // Reported once all are written: the outputs appear together or not at all.
        const done = await outputs.run(async () => {
          const r = await refineFolderAsync(inDir, outDir, rules, undefined, { threads: opts.threads, outputs });
          if (opts.stats) outputs.write(opts.stats, statsJson(r.total), "--stats");
          // The manifest hashes the refined files as staged: what lands is what it names.
          const staged = r.files.map((f) => ({ name: basename(f.output), temp: outputs.stage(f.output) }));
          const output = { dir: rel(outDir), files: Object.fromEntries(staged.sort((a, b) => a.name.localeCompare(b.name)).map((f) => [f.name, sha256File(f.temp)])) };
          outputs.write(join(outDir, MANIFEST_NAME), manifestText(variant, { ...corpusRecord(inDir, r.files.map((f) => f.input)), dir: relative(outDir, inDir) || "." }, output));
          return r;
        });
        done.files.forEach(report);
        info(`refine: ${rel(join(outDir, MANIFEST_NAME))}  the rule table (${variant.name}) and sha256 of every file`);
        warnEmptied(done.files);
        total = done.total;
      }
      printTable(statsRows(total));
      printTable([summaryRow(total)]);
    });
}

const rel = (p: string) => relative(process.cwd(), p) || ".";

/**
 * `--compare`: faithful rules vs the tweaked table, on FILE or on every file of the folder
 * (then per split, and in total over the distinct files). Writes no corpus: --out and --stats
 * are refused rather than silently ignored; --json writes the tables.
 */
function compare(file: string | undefined, opts: RefineOpts, variant: Variant): void {
  const rules = variant.rules;
  if (isSameRuleSet(FAITHFUL_RULES, rules)) throw new UserError("--compare needs a tweak of the rule table to measure against the faithful rules: add --disable, --alt, --add-rule or --rules FILE (see --list-rules)");
  for (const [flag, value] of [["--out", opts.out], ["--stats", opts.stats]] as const) {
    if (value) throw new UserError(`--compare only prints the deltas and writes no corpus; drop ${flag} (without --compare, refine writes the tweaked corpus)`);
  }
  const n = opts.examples === undefined ? 0 : Number(opts.examples);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--examples: expected a whole number of utterances, got ${JSON.stringify(opts.examples)}`);
  const tweak = describeTweak(FAITHFUL_RULES, rules);
  const print = (cmp: RuleSetComparison) => {
    printTable(stepDeltaRows(cmp));
    console.log(STEP_LEGEND);
    printTable(totalDeltaRows(cmp));
  };
  let inputs: { input: string; split: string }[];
  let where: string;
  if (file) {
    if (isDir(file)) throw new UserError(`${file}: is a folder; use --in ${file}`);
    inputs = [{ input: file, split: basename(file, ".json") }];
    where = rel(file);
  } else {
    const ws = defaultWorkspace();
    if (!opts.in) info(describeWorkspace(ws));
    const dir = opts.in ?? ws.data;
    // Splits in the original's order (train, dev, train+dev, test), any other file after them.
    const rank = (split: string) => ((SPLITS as readonly string[]).includes(split) ? (SPLITS as readonly string[]).indexOf(split) : SPLITS.length);
    inputs = folderInputs(dir)
      .map((input) => ({ input, split: basename(input, ".json") }))
      .sort((a, b) => rank(a.split) - rank(b.split));
    where = rel(dir);
  }
  const outputs = openOutputs(IO.refineCompare(inputs.map((f) => f.input), opts.json));
  const loaded = inputs.map((f) => ({ ...f, examples: loadCorpus(f.input) }));
  const files = loaded.map((f) => ({ ...f, cmp: compareRuleSets(f.examples, rules) }));
  const distinct = distinctFiles(files);
  const total = distinct.slice(1).reduce((t, f) => addComparisons(t, f.cmp), distinct[0].cmp);
  const counted = distinct.length < files.length ? ` (${distinct.map((f) => f.split).join(" + ")}; train+dev not counted again)` : "";
  if (file) {
    console.log(`${where}: faithful rules vs tweaked (${tweak}), ${total.faithful.examples} examples`);
    print(total);
  } else {
    console.log(`${where}: faithful rules vs tweaked (${tweak}), per split and in total${counted}`);
    printTable(splitDeltaRows([...files, { split: "total", cmp: total }]));
    console.log(`total${counted}:`);
    print(total);
  }
  // Examples over the distinct files (train+dev would repeat train's and dev's).
  const spread = n > 0 || opts.json ? spreadChanges(distinct.flatMap((f) => f.examples), rules, n) : undefined;
  if (n > 0 && spread) {
    console.log(`${spread.changes.length} of the changed utterances, faithful → tweaked, over ${new Set(spread.changes.map((c) => c.example)).size} of the ${spread.examplesChanged} changed examples (␣ space, ⏎ newline; — none):`);
    if (spread.changes.length) printTable(changeRows(spread.changes));
  }
  if (opts.json) {
    const doc = {
      faithful: variantRecord(FAITHFUL_VARIANT),
      variant: variantRecord(variant),
      tweak,
      corpus: corpusRecord(file ? dirname(file) : where, inputs.map((f) => f.input)),
      splits: files.map((f) => ({ split: f.split, file: rel(f.input), comparison: f.cmp })),
      total: { counted: distinct.map((f) => f.split), comparison: total },
      examples: spread ? spread.changes : [],
    };
    outputs.write(opts.json, `${JSON.stringify(doc, null, 2)}\n`, "--json");
    outputs.commit();
    info(`refine --compare: tables → ${rel(opts.json)}`);
  }
}
/** One line naming the examples written with an empty conversation (faithful: the original writes them too). */
function warnEmptied(files: readonly FileRefined[]): void {
  const line = emptiedWarning(files);
  if (line) info(`refine: ${line}`);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
