/** Prompt sizes per variant, for the notebook and the report (aggregates only). */
import { max, mean, median, min, quantile } from "simple-statistics";
import type { Example } from "../corpus/schema";
import { pyLen } from "../refine/pyregex";
import { buildPrompt, type Prompt } from "./build";
import { VARIANT_NAMES, type Mode, type VariantName } from "./variants";

/** Characters (code points) of a prompt's messages, before any chat template. */
export function promptChars(p: Prompt): number {
  return p.messages.reduce((n, m) => n + pyLen(m.content), 0);
}

export interface LengthSummary {
  n: number;
  min: number;
  mean: number;
  median: number;
  p95: number;
  max: number;
}

export function summarize(values: readonly number[]): LengthSummary {
  if (values.length === 0) return { n: 0, min: NaN, mean: NaN, median: NaN, p95: NaN, max: NaN };
  const v = [...values];
  const r = (x: number) => +x.toFixed(1);
  return { n: v.length, min: min(v), mean: r(mean(v)), median: r(median(v)), p95: r(quantile(v, 0.95)), max: max(v) };
}

export function promptLengths(examples: readonly Example[], variant: VariantName, mode: Mode = "faithful"): number[] {
  return examples.map((ex) => promptChars(buildPrompt(ex, variant, { mode })));
}

/** One row per variant: prompt length in characters, faithful and (where it differs) fixed. */
export function lengthTable(examples: readonly Example[], variants: readonly VariantName[] = VARIANT_NAMES): ({ variant: VariantName; mode: Mode } & LengthSummary)[] {
  return variants.flatMap((variant) => (["faithful", "fixed"] as const).map((mode) => ({ variant, mode, ...summarize(promptLengths(examples, variant, mode)) })));
}
