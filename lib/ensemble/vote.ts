/**
 * Voting rules over members' answers (SPEC §7). Pure functions on one example's votes.
 *
 * The original's hard vote is Python `max(votes, key=votes.count)`: `max` keeps the first
 * element whose key is strictly greater than every earlier one, so among equally frequent
 * answers the one that appears first in `votes` (member order) wins.
 */

/** Python `max(items, key=key)`: the first item with the largest key. Throws on no items, as Python does. */
export function pyMaxBy<T>(items: readonly T[], key: (item: T, index: number) => number): T {
  if (items.length === 0) throw new RangeError("max() arg is an empty sequence");
  let best = items[0];
  let bestKey = key(best, 0);
  for (let i = 1; i < items.length; i++) {
    const k = key(items[i], i);
    if (k > bestKey) {
      best = items[i];
      bestKey = k;
    }
  }
  return best;
}

/** `max(votes, key=votes.count)`: plurality, ties to the answer that appears first. */
export function hardVote<T>(votes: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1);
  return pyMaxBy(votes, (v) => counts.get(v)!);
}

/** Whether two or more answers share the top count, so member order decides the hard vote. */
export function topCountTied<T>(votes: readonly T[]): boolean {
  const counts = new Map<T, number>();
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = Math.max(...counts.values());
  return [...counts.values()].filter((c) => c === top).length > 1;
}

/** Weighted plurality: each member's vote counts its weight; ties to the answer that appears first. */
export function weightedHardVote<T>(votes: readonly T[], weights: readonly number[]): T {
  if (weights.length !== votes.length) throw new RangeError(`${votes.length} votes but ${weights.length} weights`);
  const totals = new Map<T, number>();
  votes.forEach((v, i) => totals.set(v, (totals.get(v) ?? 0) + weights[i]));
  return pyMaxBy(votes, (v) => totals.get(v)!);
}

/**
 * Soft vote: the (weighted) sum of members' probability rows, then argmax; ties go to the
 * lowest index (inference_1 before inference_2), as numpy's argmax. Returns the index.
 */
export function softVote(probs: readonly (readonly number[])[], weights?: readonly number[]): number {
  if (probs.length === 0) throw new RangeError("soft vote over no members");
  if (weights && weights.length !== probs.length) throw new RangeError(`${probs.length} members but ${weights.length} weights`);
  const sum = new Array<number>(probs[0].length).fill(0);
  probs.forEach((row, m) => row.forEach((p, k) => (sum[k] += (weights ? weights[m] : 1) * p)));
  return argmax(sum);
}

/** Index of the largest value, the first on ties. */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
