/**
 * A conditional-logit scorer ("logistic regression over the three options"): each option gets
 * the score w·x, the three scores go through a softmax, and training minimises the mean
 * negative log-likelihood of the right option plus an L2 penalty, by full-batch Adam from zero
 * weights (deterministic). Features are sparse (index, value) lists over one weight vector.
 *
 * Hand-written because the npm logistic-regression packages (ml-logistic-regression) fit
 * one-vs-rest classes on dense rows, not a choice among an example's own options.
 */

/** One option's features: parallel index and value arrays. */
export interface SparseRow {
  indices: Int32Array;
  values: Float64Array;
}

/** An example: its three options' rows and (for training) the index of the right one. */
export interface ChoiceExample {
  options: SparseRow[];
  label?: number;
}

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weights (λ/2 · ‖w‖², added to the mean loss). */
  l2: number;
}

export function dot(w: Float64Array, row: SparseRow): number {
  let s = 0;
  for (let j = 0; j < row.indices.length; j++) s += w[row.indices[j]] * row.values[j];
  return s;
}

export function softmax(scores: readonly number[]): number[] {
  const top = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - top));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** Probabilities of the options of one example. */
export function predictProbs(w: Float64Array, ex: ChoiceExample): number[] {
  return softmax(ex.options.map((o) => dot(w, o)));
}

/** Mean negative log-likelihood plus the penalty; fills `grad` when given. */
export function loss(w: Float64Array, data: readonly ChoiceExample[], l2: number, grad?: Float64Array): number {
  if (grad) grad.fill(0);
  let total = 0;
  for (const ex of data) {
    const p = predictProbs(w, ex);
    total -= Math.log(Math.max(p[ex.label!], 1e-300));
    if (!grad) continue;
    ex.options.forEach((row, k) => {
      const g = p[k] - (k === ex.label ? 1 : 0);
      for (let j = 0; j < row.indices.length; j++) grad[row.indices[j]] += g * row.values[j];
    });
  }
  const n = Math.max(1, data.length);
  let penalty = 0;
  for (let i = 0; i < w.length; i++) {
    penalty += w[i] * w[i];
    if (grad) grad[i] = grad[i] / n + l2 * w[i];
  }
  return total / n + (l2 / 2) * penalty;
}

/** Fit weights of dimension `dim`; `onEpoch` sees the loss (for progress). */
export function train(data: readonly ChoiceExample[], dim: number, opts: TrainOptions, onEpoch?: (epoch: number, loss: number) => void): Float64Array {
  const w = new Float64Array(dim);
  const g = new Float64Array(dim);
  const m = new Float64Array(dim);
  const v = new Float64Array(dim);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  for (let t = 1; t <= opts.epochs; t++) {
    const l = loss(w, data, opts.l2, g);
    for (let i = 0; i < dim; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= (opts.learningRate * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
    }
    onEpoch?.(t, l);
  }
  return w;
}
