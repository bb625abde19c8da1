/**
 * From feature groups to sparse rows: dense features are standardised with train's mean and
 * standard deviation; token features index a vocabulary of tokens seen at least `minCount`
 * times in train. The encoder is plain data, saved inside the model file.
 */
import type { Example } from "../corpus/schema";
import { FEATURE_GROUPS, type FeatureGroupName, type GroupOutput } from "./features";
import type { ChoiceExample, SparseRow } from "./scorer";
import { exampleView } from "./text";

export interface DenseColumn {
  name: string;
  mean: number;
  std: number;
}

export interface Encoder {
  groups: FeatureGroupName[];
  dense: DenseColumn[];
  /** Token features, in weight order after the dense ones. */
  vocabulary: string[];
}

/** Each example's group outputs, in group order. */
export function groupOutputs(examples: readonly Example[], groups: readonly FeatureGroupName[]): GroupOutput[][] {
  return examples.map((ex) => {
    const view = exampleView(ex);
    return groups.map((g) => FEATURE_GROUPS[g].compute(view));
  });
}

function denseValues(outputs: readonly GroupOutput[], k: number): number[] {
  return outputs.flatMap((o) => (o.kind === "dense" ? o.rows[k] : []));
}

function tokens(outputs: readonly GroupOutput[], k: number, groups: readonly FeatureGroupName[]): string[] {
  return outputs.flatMap((o, i) => (o.kind === "tokens" ? o.rows[k].map((t) => `${groups[i]}/${t}`) : []));
}

/** Fit the encoder on train's group outputs. */
export function fitEncoder(outputs: readonly GroupOutput[][], groups: readonly FeatureGroupName[], minCount: number): Encoder {
  const names = groups.flatMap((g) => (FEATURE_GROUPS[g] as { names?: readonly string[] }).names?.map((n) => `${g}/${n}`) ?? []);
  const sums = new Float64Array(names.length);
  const squares = new Float64Array(names.length);
  const counts = new Map<string, number>();
  let rows = 0;
  for (const ex of outputs)
    for (let k = 0; k < 3; k++) {
      denseValues(ex, k).forEach((x, j) => ((sums[j] += x), (squares[j] += x * x)));
      for (const t of tokens(ex, k, groups)) counts.set(t, (counts.get(t) ?? 0) + 1);
      rows++;
    }
  const dense = names.map((name, j) => {
    const mean = sums[j] / Math.max(1, rows);
    const variance = squares[j] / Math.max(1, rows) - mean * mean;
    // Constant columns keep std 1 so they encode to 0 rather than NaN.
    return { name, mean, std: variance > 1e-12 ? Math.sqrt(variance) : 1 };
  });
  const vocabulary = [...counts].filter(([, c]) => c >= minCount).map(([t]) => t).sort();
  return { groups: [...groups], dense, vocabulary };
}

export function dimension(enc: Encoder): number {
  return enc.dense.length + enc.vocabulary.length;
}

/** Encode examples' group outputs into choice examples (labels from `output` where present). */
export function encode(enc: Encoder, examples: readonly Example[], outputs: readonly GroupOutput[][]): ChoiceExample[] {
  const vocab = new Map(enc.vocabulary.map((t, i) => [t, enc.dense.length + i]));
  return examples.map((ex, i) => {
    const options: SparseRow[] = [0, 1, 2].map((k) => {
      const d = denseValues(outputs[i], k);
      const toks = [...new Set(tokens(outputs[i], k, enc.groups))].flatMap((t) => (vocab.has(t) ? [vocab.get(t)!] : [])).sort((a, b) => a - b);
      const indices = new Int32Array(d.length + toks.length);
      const values = new Float64Array(d.length + toks.length);
      d.forEach((x, j) => ((indices[j] = j), (values[j] = (x - enc.dense[j].mean) / enc.dense[j].std)));
      toks.forEach((idx, j) => ((indices[d.length + j] = idx), (values[d.length + j] = 1)));
      return { indices, values };
    });
    const label = ex.output === "" ? undefined : Number(ex.output.slice(-1)) - 1;
    return { options, label };
  });
}
