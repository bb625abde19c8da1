/**
 * Agreement check between two prediction files of the same examples — typically one recipe
 * scored by the faithful backend and by vLLM — so the fast path is trusted only once measured
 * (4-bit on vLLM is not bit-identical to bitsandbytes NF4 as the original loaded it).
 */
import { assertAligned } from "../ensemble/align";
import type { Member } from "../ensemble/predictions";
import { ANSWERS, type Answer, type Example } from "../corpus/schema";
import { UserError } from "../util/errors";
import { accuracy } from "../analysis/metrics";

export interface ProbDifference {
  id: string;
  /** Largest absolute difference over the three probabilities. */
  diff: number;
  a: Answer;
  b: Answer;
  probsA: number[];
  probsB: number[];
}

export interface Comparison {
  a: string;
  b: string;
  examples: number;
  agree: number;
  agreement: number;
  /** Ids whose answers differ. */
  disagreements: string[];
  /** With both sidecars: the largest per-example differences, largest first. */
  largest?: ProbDifference[];
  maxDiff?: number;
  meanDiff?: number;
  /** With a labelled gold file: each side's accuracy. */
  accuracy?: { a: number; b: number };
}

export function compareMembers(A: Member, B: Member, opts: { top?: number; gold?: readonly Example[] } = {}): Comparison {
  assertAligned({ file: A.file, examples: A.examples }, [B]);
  const ans = (m: Member) => m.examples.map((e) => e.output as Answer);
  const [a, b] = [ans(A), ans(B)];
  const disagreements = A.examples.filter((_, i) => a[i] !== b[i]).map((e) => e.id);
  const n = A.examples.length;
  const out: Comparison = { a: A.name, b: B.name, examples: n, agree: n - disagreements.length, agreement: n ? (n - disagreements.length) / n : NaN, disagreements };
  if (A.probs && B.probs) {
    const diffs = A.examples.map((e, i) => ({ id: e.id, diff: Math.max(...A.probs![i].map((p, k) => Math.abs(p - B.probs![i][k]))), a: a[i], b: b[i], probsA: A.probs![i], probsB: B.probs![i] }));
    out.maxDiff = Math.max(0, ...diffs.map((d) => d.diff));
    out.meanDiff = diffs.reduce((s, d) => s + d.diff, 0) / Math.max(1, n);
    out.largest = [...diffs].sort((x, y) => y.diff - x.diff).slice(0, opts.top ?? 10);
  }
  if (opts.gold) {
    checkGold(opts.gold, A);
    const gold = opts.gold.map((e) => e.output as Answer);
    out.accuracy = { a: accuracy(a, gold), b: accuracy(b, gold) };
  }
  return out;
}

/** The gold split must be the compared examples, in order, every one labelled (not just as many). */
function checkGold(gold: readonly Example[], A: Member): void {
  if (gold.length !== A.examples.length) throw new UserError(`--gold: ${gold.length} examples, but ${A.file} has ${A.examples.length}; give the split the predictions are of`);
  const i = gold.findIndex((e, k) => e.id !== A.examples[k].id);
  if (i >= 0) throw new UserError(`--gold: example #${i + 1} is ${gold[i].id}, but ${A.file} has ${A.examples[i].id} there; give the split the predictions are of`);
  const unlabelled = gold.find((e) => !(ANSWERS as readonly string[]).includes(e.output));
  if (unlabelled) throw new UserError(`--gold: example ${unlabelled.id}: output: empty; the gold split must be labelled (dev, not test)`);
}
