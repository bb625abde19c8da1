/** McNemar's test between two members on the same examples: do they err on different examples more than chance? */
import jStat from "jstat";

export interface McNemar {
  /** A right, B wrong. */
  b: number;
  /** A wrong, B right. */
  c: number;
  /** Exact two-sided p: 2 · P(X ≤ min(b, c)), X ~ Binomial(b + c, ½), capped at 1. */
  exactP: number;
  /** (|b − c| − 1)² / (b + c), with continuity correction; 0 when b + c = 0. */
  chi2: number;
  /** Its p-value on one degree of freedom. */
  chi2P: number;
}

export function mcnemarFromCounts(b: number, c: number): McNemar {
  const n = b + c;
  if (n === 0) return { b, c, exactP: 1, chi2: 0, chi2P: 1 };
  // Summed pmf rather than jStat.binomial.cdf, whose continued fraction stops at 1e-10 and returns 0 for small tails.
  let tail = 0;
  for (let k = 0; k <= Math.min(b, c); k++) tail += jStat.binomial.pdf(k, n, 0.5);
  const exactP = Math.min(1, 2 * tail);
  const chi2 = Math.max(0, Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, exactP, chi2, chi2P: 1 - jStat.chisquare.cdf(chi2, 1) };
}

/** From two 0/1 correctness vectors on the same examples. */
export function mcnemar(correctA: readonly number[], correctB: readonly number[]): McNemar {
  if (correctA.length !== correctB.length) throw new RangeError(`${correctA.length} vs ${correctB.length} examples`);
  let b = 0;
  let c = 0;
  correctA.forEach((x, i) => {
    if (x && !correctB[i]) b++;
    else if (!x && correctB[i]) c++;
  });
  return mcnemarFromCounts(b, c);
}
