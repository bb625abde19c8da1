/** How much members agree: raw agreement, Cohen's kappa (pairs) and Fleiss' kappa (all members). */

/** Share of items on which two raters give the same label. */
export function agreementRate<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length !== b.length) throw new RangeError(`${a.length} vs ${b.length} ratings`);
  if (a.length === 0) return NaN;
  return a.filter((x, i) => x === b[i]).length / a.length;
}

/**
 * Cohen's kappa: (po − pe) / (1 − pe), pe from each rater's label frequencies. NaN where
 * pe = 1 (both raters always give one and the same label), as scikit-learn.
 */
export function cohenKappa<T>(a: readonly T[], b: readonly T[]): number {
  const po = agreementRate(a, b);
  const n = a.length;
  const labels = new Set([...a, ...b]);
  let pe = 0;
  for (const l of labels) pe += (a.filter((x) => x === l).length / n) * (b.filter((x) => x === l).length / n);
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

/**
 * Fleiss' kappa from a count table: counts[i][j] = raters putting item i in category j; every
 * item must have the same number of raters.
 */
export function fleissKappaFromCounts(counts: readonly (readonly number[])[]): number {
  const N = counts.length;
  if (N === 0) return NaN;
  const n = counts[0].reduce((a, b) => a + b, 0);
  if (n < 2 || counts.some((row) => row.reduce((a, b) => a + b, 0) !== n)) throw new RangeError("Fleiss' kappa needs the same number (≥ 2) of raters per item");
  const k = counts[0].length;
  const pj = Array.from({ length: k }, (_, j) => counts.reduce((s, row) => s + row[j], 0) / (N * n));
  const Pi = counts.map((row) => (row.reduce((s, c) => s + c * c, 0) - n) / (n * (n - 1)));
  const Pbar = Pi.reduce((a, b) => a + b, 0) / N;
  const Pe = pj.reduce((s, p) => s + p * p, 0);
  return Pe === 1 ? NaN : (Pbar - Pe) / (1 - Pe);
}

/** Fleiss' kappa from ratings: ratings[i] = every rater's label for item i. */
export function fleissKappa<T>(ratings: readonly (readonly T[])[], labels: readonly T[]): number {
  return fleissKappaFromCounts(ratings.map((row) => labels.map((l) => row.filter((x) => x === l).length)));
}

/** m[a][b] = f(member a, member b) for every pair (the diagonal included). */
export function pairwiseMatrix<T>(members: readonly (readonly T[])[], f: (a: readonly T[], b: readonly T[]) => number): number[][] {
  return members.map((a) => members.map((b) => f(a, b)));
}
