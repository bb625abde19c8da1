import type { Command } from "commander";
import { statSync } from "node:fs";
import { basename, relative } from "node:path";
import { defaultWorkspace, describeWorkspace } from "../../corpus/locate";
import { ALTERNATIVE_RULES, FAITHFUL_RULES, replaceRule, withoutRules, type RefineRule } from "../../refine/rules";
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

interface RefineOpts {
  in?: string;
  out?: string;
  disable?: string[];
  alt?: string[];
  stats?: string;
  listRules?: boolean;
  compare?: boolean;
  threads: Threads;
}


const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];

/** The rule table the options ask for: faithful, minus --disable, with --alt swaps. */
export function rulesFromOptions(disable: string[] = [], alt: string[] = []): RefineRule[] {
  // One rule cannot be both switched off and swapped: say so, not "unknown rule".
  const both = alt.filter((n) => disable.includes(n));
  if (both.length) throw new UserError(`--disable and --alt both name ${both.join(", ")}: a rule is either switched off or swapped for its alternative`);
  try {
    let rules: RefineRule[] = withoutRules(FAITHFUL_RULES, disable);
    for (const name of alt) {
      const replacement = ALTERNATIVE_RULES[name];
      if (!replacement) throw new RangeError(`no alternative for rule ${name} (alternatives exist for: ${Object.keys(ALTERNATIVE_RULES).join(", ")})`);
      rules = replaceRule(rules, name, replacement);
    }
    return rules;
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

export function register(program: Command): void {
  program
    .command("refine")
    .summary("apply the original's nine refinement rules, drop emptied utterances, merge turns")
    .description(
      "Refine a corpus as the original's run/refine.py (SPEC §2): byte-identical output by default.\n" +
        "With no FILE, every *.json of --in is refined into the same names under --out.\n" +
        "Defaults: resource/data → resource/refined_data, or the bundled sample when no corpus was imported.",
    )
    .argument("[file]", "refine just this file (then --out is a file)")
    .option("--in <dir>", "folder of corpus files")
    .option("--out <path>", "output folder (or file, with FILE)")
    .option("--disable <rules>", "switch rules off (comma-separated names; see --list-rules)", list)
    .option("--alt <rules>", "swap a rule for its alternative (e.g. newline-to-space → collapse-whitespace)", list)
    .option("--stats <file>", "also write what each rule changed as JSON")
    .option("--threads <n>", "worker threads: auto (every core for files of 32 MiB and more), or a number (0 or 1: none)", parseThreads, "auto" as Threads)
    .option("--compare", "with --disable/--alt: refine with the faithful rules and with the tweaked ones and print the deltas, per rule and in total; writes no files")
    .option("--list-rules", "print the rule table and exit")
    .action(async (file: string | undefined, opts: RefineOpts) => {
      if (opts.listRules) {
        printTable([...FAITHFUL_RULES, ...Object.values(ALTERNATIVE_RULES)].map((r) => ({ name: r.name, description: r.description })));
        return;
      }
      const rules = rulesFromOptions(opts.disable, opts.alt);
      if (opts.compare) return compare(file, opts, rules);
      const rel = (p: string) => relative(process.cwd(), p) || ".";
      const report = (f: FileRefined) =>
        info(`refine: ${rel(f.input)} → ${rel(f.output)}  ${f.stats.examples} examples, turns ${f.stats.turnsBefore} → ${f.stats.turnsAfter}${f.spliced ? "  (train's then dev's, spliced)" : ""}`);
      // Every output (refined files, --stats) is checked before any work, and all land together.
      const statsJson = (total: RefineStats) => `${JSON.stringify({ rules: rules.map((r) => r.name), stats: total }, null, 2)}\n`;
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
        const outputs = openOutputs(IO.refineFolder(opts.in ?? ws.data, opts.out ?? ws.refined, opts.stats));
        // Reported once all are written: the outputs appear together or not at all.
        const done = await outputs.run(async () => {
          const r = await refineFolderAsync(opts.in ?? ws.data, opts.out ?? ws.refined, rules, undefined, { threads: opts.threads, outputs });
          if (opts.stats) outputs.write(opts.stats, statsJson(r.total), "--stats");
          return r;
        });
        done.files.forEach(report);
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
 * (then per split, and in total over the distinct files). Only prints: a measurement writes no
 * corpus, so --out and --stats are refused rather than silently ignored.
 */
function compare(file: string | undefined, opts: RefineOpts, rules: readonly RefineRule[]): void {
  if (isSameRuleSet(FAITHFUL_RULES, rules)) throw new UserError("--compare needs a tweak to measure against the faithful rules: add --disable RULES and/or --alt RULES (see --list-rules)");
  for (const [flag, value] of [["--out", opts.out], ["--stats", opts.stats]] as const) {
    if (value) throw new UserError(`--compare only prints the deltas and writes no files; drop ${flag} (without --compare, refine writes the tweaked corpus)`);
  }
  const tweak = describeTweak(FAITHFUL_RULES, rules);
  const print = (cmp: RuleSetComparison) => {
    printTable(stepDeltaRows(cmp));
    console.log(STEP_LEGEND);
    printTable(totalDeltaRows(cmp));
  };
  if (file) {
    if (isDir(file)) throw new UserError(`${file}: is a folder; use --in ${file}`);
    const cmp = compareRuleSets(loadCorpus(file), rules);
    console.log(`${rel(file)}: faithful rules vs tweaked (${tweak}), ${cmp.faithful.examples} examples`);
    print(cmp);
    return;
  }
  const ws = defaultWorkspace();
  if (!opts.in) info(describeWorkspace(ws));
  const dir = opts.in ?? ws.data;
  // Splits in the original's order (train, dev, train+dev, test), any other file after them.
  const rank = (split: string) => ((SPLITS as readonly string[]).includes(split) ? (SPLITS as readonly string[]).indexOf(split) : SPLITS.length);
  const files = folderInputs(dir)
    .map((input) => ({ input, split: basename(input, ".json") }))
    .sort((a, b) => rank(a.split) - rank(b.split))
    .map((f) => ({ ...f, cmp: compareRuleSets(loadCorpus(f.input), rules) }));
  const distinct = distinctFiles(files);
  const total = distinct.slice(1).reduce((t, f) => addComparisons(t, f.cmp), distinct[0].cmp);
  const counted = distinct.length < files.length ? ` (${distinct.map((f) => f.split).join(" + ")}; train+dev not counted again)` : "";
  console.log(`${rel(dir)}: faithful rules vs tweaked (${tweak}), per split and in total${counted}`);
  printTable(splitDeltaRows([...files, { split: "total", cmp: total }]));
  console.log(`total${counted}:`);
  print(total);
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
