import { existsSync } from "node:fs";
import { join } from "node:path";
import { analyzeAgreement, analyzeEnsemble, HARD_VOTE, SOFT_VOTE } from "../../analysis/analyze";
import { loadMemberSet } from "../../analysis/load";
import type { PairTest } from "../../analysis/analyze";
import { BASELINE_MEMBERS } from "../../baseline/members";
import { runBaseline, workspaceOptions } from "../../baseline/run";
import { predictionFile } from "../../ensemble/paths";
import { RECIPE_NAMES } from "../../train/recipes";
import { table } from "../markdown";
import type { ReportSection } from "../report";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "–");
const ci = (r: { low: number; high: number }) => `${pct(r.low)} – ${pct(r.high)}`;

/** The test in words: which side each discordant count belongs to. */
function mcnemarLine(t: PairTest, first: string, second: string): string {
  const firstOnly = t.memberA === first ? t.b : t.c;
  const secondOnly = t.memberA === first ? t.c : t.b;
  return `only the ${first === HARD_VOTE ? "vote" : first} right on ${firstOnly}, only ${second} right on ${secondOnly}; exact p = ${t.exactP.toFixed(3)}`;
}

/** Train and run the CPU members, then the voting analysis on dev (accuracy) and test (agreement only). */
export const ensembleSection: ReportSection = {
  title: "CPU ensemble members and voting",
  build: (ws) => {
    const run = runBaseline(workspaceOptions(ws));
    const names = BASELINE_MEMBERS.map((m) => m.name);
    const dev = loadMemberSet(names.map((n) => predictionFile(ws, n, "dev")), join(ws.data, "dev.json"));
    const a = analyzeEnsemble(dev.members, dev.gold, dev.categories);
    const overall = (member: string) => a.accuracy.find((r) => r.member === member && r.category === "all")!;
    // No timings here: the committed report must not change from run to run (times are in `npm run bench`).
    const memberRows = run.trained.map((t) => {
      const spec = BASELINE_MEMBERS.find((m) => m.name === t.member)!;
      const acc = overall(t.member);
      return { member: t.member, input: t.input, "feature groups": spec.groups.join(", "), features: t.features, "train acc.": pct(t.trainAccuracy), "dev acc.": pct(acc.estimate), "95 % CI": ci(acc) };
    });
    const best = memberRows.reduce((b, r) => (overall(r.member).estimate > overall(b.member).estimate ? r : b));
    const voteRows = [HARD_VOTE, SOFT_VOTE].map((v) => ({ vote: v, "dev acc.": pct(overall(v).estimate), "95 % CI": ci(overall(v)) }));
    const vsBest = a.mcnemar.find((t) => t.memberA === best.member && t.memberB === HARD_VOTE) ?? a.mcnemar.find((t) => t.memberB === best.member && t.memberA === HARD_VOTE);
    const top = a.selection.reduce((b, s) => (s.accuracy > b.accuracy ? s : b));
    const test = loadMemberSet(names.map((n) => predictionFile(ws, n, "test")), join(ws.data, "test.json"));
    const t = analyzeAgreement(test.members);
    const recipesPresent = RECIPE_NAMES.filter((n) => existsSync(predictionFile(ws, n))).length;
    return [
      `${run.trained.length} conditional-logit members (\`npx cci baseline run\`, lib/baseline) trained on train (${dev.examples.length} dev examples scored). Chance is 33.3 %. These are CPU baselines for the analysis, not the entry: its 98.01 % comes from eleven fine-tuned LLMs, whose prediction files need GPU runs.`,
      "",
      table(memberRows),
      "",
      `Votes over all ${run.trained.length} members (hard = the original's rule, SPEC §7 *Inference and voting*; soft = mean probabilities):`,
      "",
      table(voteRows),
      "",
      table([
        { measure: "oracle (any member right)", value: pct(a.oracle) },
        { measure: "best greedy subset", value: `${top.size} member(s), ${pct(top.accuracy)}` },
        { measure: "Fleiss' κ on dev", value: a.fleissKappa.toFixed(3) },
        { measure: "unanimous on dev", value: pct(a.unanimous / a.examples) },
        { measure: `McNemar, hard vote vs the best member (${best.member})`, value: vsBest ? mcnemarLine(vsBest, HARD_VOTE, best.member) : "–" },
        { measure: "Fleiss' κ on test (no answers: agreement only)", value: t.fleissKappa.toFixed(3) },
        { measure: "unanimous on test", value: pct(t.unanimous / t.examples) },
        { measure: "the eleven recipes' predictions (SPEC §6, the training recipes)", value: recipesPresent === RECIPE_NAMES.length ? "present: `npx cci vote` votes them" : `${recipesPresent} of ${RECIPE_NAMES.length} present — they come from GPU training (notebook 04) and scoring (notebook 05)` },
      ]),
    ].join("\n");
  },
};
