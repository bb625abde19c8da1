/** Seeded percentile-bootstrap confidence intervals for a mean (e.g. accuracy from 0/1 correctness). */
import seedrandom from "seedrandom";
import { quantileSorted } from "simple-statistics";
import { mean } from "./metrics";

export interface Interval {
  estimate: number;
  low: number;
  high: number;
  n: number;
}

export interface BootstrapOptions {
  /** Resamples (default 2000). */
  iterations?: number;
  /** Coverage (default 0.95). */
  level?: number;
  /** Same seed, same interval (default "cci-bootstrap"). */
  seed?: string;
}

/** The mean of `values` with a percentile bootstrap interval: resample n values with replacement, `iterations` times. */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions = {}): Interval {
  const n = values.length;
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN, n };
  const iterations = opts.iterations ?? 2000;
  const alpha = (1 - (opts.level ?? 0.95)) / 2;
  const rng = seedrandom(opts.seed ?? "cci-bootstrap");
  const means = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += values[Math.floor(rng() * n)];
    means[b] = s / n;
  }
  const sorted = Array.from(means).sort((a, b) => a - b);
  return { estimate: mean(values), low: quantileSorted(sorted, alpha), high: quantileSorted(sorted, 1 - alpha), n };
}
