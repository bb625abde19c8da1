import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { defaultWorkspace, describeWorkspace } from "../../corpus/locate";
import type { Answer } from "../../corpus/schema";
import { VOTE_METHODS, voteFiles, type VoteMethod } from "../../ensemble/ensemble";
import { FINAL_RESULT, predictionsDir } from "../../ensemble/paths";
import { isProbsFile } from "../../ensemble/predictions";
import { PROVENANCE_SUFFIX, isProvenanceFile, variantLabel } from "../../variant/provenance";
import { agreementRate } from "../../analysis/agreement";
import { accuracy, correctness } from "../../analysis/metrics";
import { bootstrapMean } from "../../analysis/bootstrap";
import { RECIPE_NAMES } from "../../train/recipes";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";

interface VoteOpts {
  out?: string;
  base?: string;
  method: string;
  weights?: string;
  dir?: string;
  gold?: string;
  split: string;
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/** The eleven recipes' prediction files (SPEC §6 order) in `dir`; one line naming any that are missing. */
/** Accuracy with its 95 % bootstrap interval, as table columns. */
function scored(answers: readonly Answer[], truth: readonly Answer[]): Record<string, number | string> {
  const i = bootstrapMean(correctness(answers, truth));
  return { accuracy: +accuracy(answers, truth).toFixed(4), "95 % interval": `${i.low.toFixed(4)}–${i.high.toFixed(4)}` };
}

export function recipeFiles(dir: string): string[] {
  const files = RECIPE_NAMES.map((n) => join(dir, `${n}.json`));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0)
    throw new UserError(
      `vote: ${missing.length} of the ${files.length} recipe predictions missing in ${relative(process.cwd(), dir) || "."}: ${missing.map((f) => relative(dir, f)).join(", ")}`,
    );
  return files;
}

function parseWeights(text: string | undefined, count: number): number[] | undefined {
  if (text === undefined) return undefined;
  const w = text.split(",").map((s) => Number(s.trim()));
  if (w.some((x) => !Number.isFinite(x) || x < 0)) throw new UserError(`vote: --weights ${text}: expected non-negative numbers separated by commas`);
  if (w.length !== count) throw new UserError(`vote: --weights gives ${w.length} weights for ${count} files`);
  return w;
}

export function register(program: Command): void {
  program
    .command("vote")
    .summary("hard-vote prediction files into one, as the original (or soft/weighted)")
    .description(
      "Vote members' prediction files (SPEC §7): for each example the most frequent answer, ties going to\n" +
        "the answer that appears first in member order (Python max(votes, key=votes.count)).\n" +
        "The output is the base file (default: the first FILE) with each output filled, written as the original.\n" +
        "With no FILE, votes the eleven recipe predictions of SPEC §6, in order, from resource/results/predictions/\n" +
        "into final-result.json there. Members must list the base's ids in the same order.\n" +
        "--method soft averages probabilities from each member's NAME.probs.json sidecar ({id: [p1, p2, p3]});\n" +
        "sidecars named among the FILEs (a glob like lr-*.json matches them) are skipped.\n" +
        "A member may hold only {id, output} per example: the base (--base) supplies the rest.",
    )
    .argument("[files...]", "member prediction files, in voting order")
    .option("--out <file>", "output file (default with no FILE: final-result.json beside the recipe predictions)")
    .option("--base <file>", "file whose examples the output copies (default: the first FILE)")
    .option("--method <method>", `${VOTE_METHODS.join(" | ")}`, "hard")
    .option("--weights <list>", "one weight per FILE, comma-separated (weighted plurality, or weighted mean of probabilities)")
    .option("--dir <folder>", "with no FILE: folder of the eleven recipe predictions")
    .option("--gold <file>", "corpus file with answers (e.g. dev.json): print each member's and the vote's accuracy with a 95 % bootstrap interval")
    .option("--split <split>", "with no FILE: test (the submission, final-result.json) or dev (the eleven dev predictions, scored against dev.json)", "test")
    .action((given: string[], opts: VoteOpts) => {
      if (!(VOTE_METHODS as readonly string[]).includes(opts.method)) throw new UserError(`vote: --method ${opts.method}: expected ${VOTE_METHODS.join(" or ")}`);
      // A shell glob such as lr-*.json also matches the NAME.probs.json sidecars: they are read beside their predictions, not voted.
      let files = given.filter((f) => !isProbsFile(f) && !isProvenanceFile(f));
      const probsSkipped = given.filter(isProbsFile).length;
      const provSkipped = given.filter(isProvenanceFile).length;
      if (probsSkipped) info(`vote: ${probsSkipped} probabilities sidecar(s) (*.probs.json) skipped: each is read beside its prediction file`);
      if (provSkipped) info(`vote: ${provSkipped} provenance sidecar(s) (*.provenance.json) skipped: each is read beside its prediction file`);
      if (given.length > 0 && files.length === 0) throw new UserError("vote: every FILE given is a probabilities sidecar (*.probs.json); give the prediction files");
      let out = opts.out;
      if (opts.split !== "test" && opts.split !== "dev") throw new UserError(`vote: --split ${opts.split}: expected test or dev`);
      let gold = opts.gold;
      if (files.length === 0) {
        const ws = defaultWorkspace();
        const dir = opts.dir ?? predictionsDir(ws, opts.split);
        if (!opts.dir) info(describeWorkspace(ws));
        files = recipeFiles(dir);
        out ??= join(dir, FINAL_RESULT);
        // dev has answers: the table then says how each recipe and the vote did.
        if (opts.split === "dev") gold ??= join(ws.data, "dev.json");
      } else if (opts.dir) {
        throw new UserError("vote: --dir is for voting the eleven recipes; with FILEs leave it out");
      }
      if (!out) throw new UserError("vote: --out OUT.json is required when FILEs are given");
      // Gold is read and checked inside voteFiles, before the output is written.
      const result = voteFiles(files, { out, base: opts.base, gold, method: opts.method as VoteMethod, weights: parseWeights(opts.weights, files.length) });
      const s = result.summary;
      info(`vote: ${s.members} members × ${s.examples} examples (${s.method}) → ${relative(process.cwd(), out)}`);
      info(`vote: unanimous ${s.unanimous}, top count tied (member order decided) ${s.tiesBroken}`);
      const truth = result.gold?.map((e) => e.output as Answer);
      printTable([
        ...result.members.map((m) => {
          const answers = m.examples.map((e) => e.output as Answer);
          return { member: m.name, variant: variantLabel(m.file), "agrees with vote": +agreementRate(answers, result.answers).toFixed(4), ...(truth ? scored(answers, truth) : {}) };
        }),
        ...(truth ? [{ member: "(vote)", variant: "", "agrees with vote": 1, ...scored(result.answers, truth) }] : []),
      ]);
      // Members of different variants may vote together; say so, since it is easy to do by accident.
      const variants = [...new Set(result.members.map((m) => variantLabel(m.file)))];
      if (variants.length > 1) info(`vote: members of ${variants.length} variants voted together: ${variants.join(", ")}${variants.includes("faithful?") ? ` ("faithful?": no ${PROVENANCE_SUFFIX} beside the prediction, assumed faithful)` : ""}`);
      if (truth) {
        const v = bootstrapMean(correctness(result.answers, truth));
        info(`vote: accuracy ${pct(v.estimate)} (95 % bootstrap interval ${pct(v.low)}–${pct(v.high)}, n = ${v.n})`);
      } else if (opts.split === "test" && given.length === 0) {
        info("vote: test answers are hidden; the original's 98.01 % is the organisers' leaderboard score of this file. Check dev with `cci vote --split dev`.");
      }
    });
}
