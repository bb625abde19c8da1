/** Rows for notebook tables (plain objects; lib/notebooks/display renders them). */
import { ANSWERS, type Answer } from "../corpus/schema";
import { hardVote, softVote, topCountTied } from "../ensemble/vote";
import type { AccuracyRow, EnsembleAnalysis, PairTest } from "./analyze";
import type { MemberSet } from "./load";
import type { MemberAnswers } from "./metrics";

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
