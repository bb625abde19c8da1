/**
 * The whole ensemble analysis as plain tables: per-member accuracy (overall and per category,
 * with seeded bootstrap intervals), confusion matrices, agreement and kappas, oracle, greedy
 * selection and McNemar tests. Without gold answers (test), agreement only.
 */
import { ANSWERS, type Answer, type Category } from "../corpus/schema";
import { softVote } from "../ensemble/vote";
import { agreementRate, cohenKappa, fleissKappa, pairwiseMatrix } from "./agreement";
import { bootstrapMean, type BootstrapOptions, type Interval } from "./bootstrap";
import { mcnemar, type McNemar } from "./mcnemar";
import { confusionMatrix, correctness, indicesByCategory, type MemberAnswers } from "./metrics";
import { greedyForwardSelection, oracleAccuracy, voteAnswers, type SelectionStep } from "./selection";

export interface AgreementAnalysis {
  names: string[];
  /** Share of examples on which two members agree. */
  agreement: number[][];
  cohenKappa: number[][];
  fleissKappa: number;
  /** Examples on which every member gives the same answer. */
  unanimous: number;
  examples: number;
}

export interface AccuracyRow extends Interval {
  member: string;
  category: Category | "all";
}

export interface PairTest extends McNemar {
  /** `b` counts examples memberA gets right and memberB wrong; `c` the reverse. */
  memberA: string;
  memberB: string;
}

export interface EnsembleAnalysis extends AgreementAnalysis {
  /** Overall and per-category accuracy of each member and of the votes, with intervals. */
  accuracy: AccuracyRow[];
  confusion: { member: string; counts: number[][] }[];
  oracle: number;
  selection: SelectionStep[];
  mcnemar: PairTest[];
}

/** Name of the original's rule applied to all members, as it appears in the tables. */
export const HARD_VOTE = "hard vote (all)";
export const SOFT_VOTE = "soft vote (all)";

export function analyzeAgreement(members: readonly MemberAnswers[]): AgreementAnalysis {
  const answers = members.map((m) => m.answers);
  const n = answers[0]?.length ?? 0;
  const byExample = Array.from({ length: n }, (_, i) => answers.map((a) => a[i]));
  return {
    names: members.map((m) => m.name),
    agreement: pairwiseMatrix(answers, agreementRate),
    cohenKappa: pairwiseMatrix(answers, cohenKappa),
    fleissKappa: members.length >= 2 ? fleissKappa(byExample, ANSWERS) : NaN,
    unanimous: byExample.filter((v) => v.every((x) => x === v[0])).length,
    examples: n,
  };
}

/** The votes over all members, added to the members as extra rows (soft only when every member has probabilities). */
export function withVotes(members: readonly MemberAnswers[]): MemberAnswers[] {
  const rows: MemberAnswers[] = [...members, { name: HARD_VOTE, answers: voteAnswers(members.map((m) => m.answers)) }];
  if (members.length > 0 && members.every((m) => m.probs)) {
    const n = members[0].answers.length;
    rows.push({ name: SOFT_VOTE, answers: Array.from({ length: n }, (_, i) => ANSWERS[softVote(members.map((m) => m.probs![i]))]) });
  }
  return rows;
}

export function accuracyRows(members: readonly MemberAnswers[], gold: readonly Answer[], categories: readonly Category[], boot: BootstrapOptions = {}): AccuracyRow[] {
  const groups = indicesByCategory(categories);
  return members.flatMap((m) => {
    const right = correctness(m.answers, gold);
    return [
      { member: m.name, category: "all" as const, ...bootstrapMean(right, boot) },
      ...groups.map((g) => ({ member: m.name, category: g.category, ...bootstrapMean(g.indices.map((i) => right[i]), boot) })),
    ];
  });
}

export function mcnemarPairs(members: readonly MemberAnswers[], gold: readonly Answer[]): PairTest[] {
  const right = members.map((m) => correctness(m.answers, gold));
  return members.flatMap((a, i) => members.slice(i + 1).map((b, k) => ({ memberA: a.name, memberB: b.name, ...mcnemar(right[i], right[i + 1 + k]) })));
}

/** Everything, for members with gold answers. Vote rows are added to accuracy, confusion and McNemar. */
export function analyzeEnsemble(members: readonly MemberAnswers[], gold: readonly Answer[], categories: readonly Category[], boot: BootstrapOptions = {}): EnsembleAnalysis {
  const all = withVotes(members);
  return {
    ...analyzeAgreement(members),
    accuracy: accuracyRows(all, gold, categories, boot),
    confusion: all.map((m) => ({ member: m.name, counts: confusionMatrix(m.answers, gold) })),
    oracle: oracleAccuracy(members.map((m) => m.answers), gold),
    selection: greedyForwardSelection(members, gold),
    mcnemar: mcnemarPairs(all, gold),
  };
}
