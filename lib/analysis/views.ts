/** Rows for notebook tables (plain objects; lib/notebooks/display renders them). */
import { ANSWERS, type Answer } from "../corpus/schema";
import { hardVote, softVote, topCountTied } from "../ensemble/vote";
import type { AccuracyRow, EnsembleAnalysis, PairTest } from "./analyze";
import type { MemberSet } from "./load";
import type { MemberAnswers } from "./metrics";
import type { OracleBreakdown, SubsetScore } from "./selection";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : "–");
const short = (a: Answer | "") => (a === "" ? "" : a.slice(-1));
/** p-values: four decimals, or three significant digits in exponent form when tiny. */
export const formatP = (p: number) => (p >= 1e-4 ? p.toFixed(4) : p.toExponential(2));

/** Overall accuracy with its interval, one row per member or vote. */
export function overallAccuracyRows(rows: readonly AccuracyRow[]): Record<string, string | number>[] {
  return rows.filter((r) => r.category === "all").map((r) => ({ member: r.member, accuracy: pct(r.estimate), "95 % CI": `${pct(r.low)} – ${pct(r.high)}`, examples: r.n }));
}

/** Accuracy per category, one row per member or vote, one column per category (with its n). */
export function categoryAccuracyRows(rows: readonly AccuracyRow[]): Record<string, string>[] {
  const members = [...new Set(rows.map((r) => r.member))];
  const cats = [...new Set(rows.map((r) => r.category))];
  return members.map((m) => ({
    member: m,
    ...Object.fromEntries(
      cats.map((c) => {
        const r = rows.find((x) => x.member === m && x.category === c);
        return [`${c} (n = ${r?.n ?? 0})`, r ? pct(r.estimate) : "–"];
      }),
    ),
  }));
}

/** Confusion counts as rows: gold answer × predicted answer. */
export function confusionRows(a: EnsembleAnalysis, member: string): Record<string, string | number>[] {
  const counts = a.confusion.find((c) => c.member === member)?.counts ?? [];
  return counts.map((row, g) => ({ gold: ANSWERS[g], ...Object.fromEntries(ANSWERS.map((p, k) => [`→ ${p}`, row[k]])) }));
}

/** McNemar tests involving `member` (e.g. the hard vote) against each other row. */
export function mcnemarRows(tests: readonly PairTest[], member: string): Record<string, string | number>[] {
  return tests
    .filter((t) => t.memberA === member || t.memberB === member)
    .map((t) => {
      const flip = t.memberB === member;
      return { [`${member} vs`]: flip ? t.memberA : t.memberB, [`only ${member} right`]: flip ? t.c : t.b, "only the other right": flip ? t.b : t.c, "exact p": formatP(t.exactP), "χ² (cc)": +t.chi2.toFixed(3), "χ² p": formatP(t.chi2P) };
    });
}

/** Each example's votes (answer digits 1–3), the hard and soft verdicts and whether member order broke a tie. */
export function voteRows(set: MemberSet, limit = 10): Record<string, string | number>[] {
  return set.examples.slice(0, limit).map((ex, i) => {
    const votes = set.members.map((m) => m.answers[i]);
    const soft = set.members.every((m) => m.probs) ? short(ANSWERS[softVote(set.members.map((m) => m.probs![i]))]) : "";
    return {
      id: ex.id,
      gold: short(ex.output),
      ...Object.fromEntries(set.members.map((m, k) => [m.name, short(votes[k])])),
      hard: short(hardVote(votes)),
      soft,
      "tie broken by order": topCountTied(votes) ? "yes" : "",
    };
  });
}

/**
 * The same members hard-voted in different orders: Python's max sends a tied top count to the
 * answer of the earliest member, so the order changes the tied examples' answers (and only those).
 */
export function voteOrderRows(members: readonly MemberAnswers[], gold: readonly Answer[], orders: Record<string, readonly string[]>): Record<string, string | number>[] {
  return Object.entries(orders).map(([label, names]) => {
    const ordered = names.map((n) => members.find((m) => m.name === n)!);
    let ties = 0;
    let right = 0;
    gold.forEach((g, i) => {
      const votes = ordered.map((m) => m.answers[i]);
      if (topCountTied(votes)) ties++;
      if (hardVote(votes) === g) right++;
    });
    return { "member order": label, "hard-vote accuracy": pct(right / gold.length), "ties broken by order": ties };
  });
}

/** The best subset of each size among all of them (exhaustiveSubsets), and how many of that size there are. */
export function subsetSizeRows(subsets: readonly SubsetScore[]): Record<string, string | number>[] {
  const sizes = [...new Set(subsets.map((s) => s.members.length))].sort((a, b) => a - b);
  return sizes.map((size) => {
    const ofSize = subsets.filter((s) => s.members.length === size);
    const best = ofSize.reduce((b, s) => (s.accuracy > b.accuracy ? s : b));
    return { size, subsets: ofSize.length, "best hard-vote accuracy": pct(best.accuracy), "best subset (first found)": best.members.join(", ") };
  });
}

/** One line: how many subsets beat, and how many larger ones tie, the best single member. */
export function subsetSummaryLine(subsets: readonly SubsetScore[]): string {
  const single = subsets.filter((s) => s.members.length === 1).reduce((b, s) => (s.accuracy > b.accuracy ? s : b));
  const beat = subsets.filter((s) => s.accuracy > single.accuracy).length;
  const tie = subsets.filter((s) => s.members.length > 1 && s.accuracy === single.accuracy).length;
  return `all ${subsets.length} subsets voted: ${beat} beat the best member alone (${single.members[0]}, ${pct(single.accuracy)}), ${tie} larger ones tie it`;
}

/** One line: where the oracle's examples go under the vote of all members. */
export function oracleBreakdownLine(b: OracleBreakdown, best: string): string {
  return (
    `oracle: ${b.solvable} of ${b.examples} dev examples have a right member; the vote of all gets ${b.voteRight} of them and outvotes ` +
    `the right member(s) on ${b.outvoted}; of the ${b.bestMisses} that ${best} misses, the vote misses ${b.outvotedOfBestMisses}`
  );
}
