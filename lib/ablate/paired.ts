/**
 * The paired comparison of one member on a variant against the same member on the faithful
 * corpus, over the same examples: accuracy of each, the difference with a 95 % paired-bootstrap
 * interval (resampling examples, so both accuracies move together), its width, and McNemar's
 * exact p. The same arithmetic serves the CPU members and a GPU recipe's prediction files.
 */
import { bootstrapMean } from "../analysis/bootstrap";
import { mcnemar } from "../analysis/mcnemar";
import { mean } from "../analysis/metrics";

export interface PairedStats {
  /** Examples compared. */
  n: number;
  accuracy: number;
  faithfulAccuracy: number;
  /** accuracy − faithfulAccuracy. */
  diff: number;
  /** 95 % paired-bootstrap interval of the difference. */
  low: number;
  high: number;
  width: number;
  /** McNemar's exact two-sided p on the discordant pairs. */
  mcnemarP: number;
  /** Right on the variant only / on the faithful corpus only. */
  variantOnly: number;
  faithfulOnly: number;
  /** The interval holds 0: the data cannot tell the two apart. */
  withinNoise: boolean;
}

export interface PairedOptions {
  /** Bootstrap resamples (default 2000). */
  iterations?: number;
  /** Same seed, same interval. */
  seed?: string;
}

/** Compare 0/1 correctness on the variant with 0/1 correctness on the faithful corpus, example by example. */
export function pairedStats(variant: readonly number[], faithful: readonly number[], opts: PairedOptions = {}): PairedStats {
  if (variant.length !== faithful.length) throw new RangeError(`paired comparison of ${variant.length} vs ${faithful.length} examples`);
  const diffs = variant.map((v, i) => v - faithful[i]);
  // No discordant pair: every resample's mean is 0, so skip the resampling (most rows of an ablation: the raw members).
  const same = diffs.every((d) => d === 0);
  const ci = same ? { estimate: 0, low: 0, high: 0 } : bootstrapMean(diffs, { iterations: opts.iterations ?? 2000, seed: opts.seed ?? "cci-ablate" });
  const m = mcnemar(variant, faithful);
  return {
    n: variant.length,
    accuracy: mean(variant),
    faithfulAccuracy: mean(faithful),
    diff: ci.estimate,
    low: ci.low,
    high: ci.high,
    width: ci.high - ci.low,
    mcnemarP: m.exactP,
    variantOnly: m.b,
    faithfulOnly: m.c,
    withinNoise: ci.low <= 0 && ci.high >= 0,
  };
}

/** One line a reader can act on: which way, and whether the interval rules out no difference. */
export function verdict(s: PairedStats): string {
  if (s.diff === 0 && s.variantOnly === 0 && s.faithfulOnly === 0) return "identical answers";
  if (s.withinNoise) return "within noise";
  return s.diff > 0 ? "better (interval excludes 0)" : "worse (interval excludes 0)";
}
