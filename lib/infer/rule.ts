/**
 * The original's scoring rule (SPEC §7), shared by every backend: the scores of the tokens `A`,
 * `B`, `C` at the last position of the prompt → the softmax over those three → the answer with
 * the highest probability, exact ties going to the first (np.argmax) — so to `A`.
 *
 * The scores may be logits (faithful, onnx) or log-probabilities of the same next-token
 * distribution (openai): log p_i = l_i − logsumexp(l) over the whole vocabulary, and the common
 * term cancels in exp(log p_i) / Σ_j exp(log p_j) = exp(l_i) / Σ_j exp(l_j). Renormalising the
 * three log-probs is therefore the same softmax as over the three logits.
 */
import { ANSWERS, type Answer } from "../corpus/schema";
import { argmax } from "../ensemble/vote"; // the first index of the largest value, as np.argmax

export interface Scored {
  /** [p(A), p(B), p(C)]: the softmax over the three scores, summing to 1. */
  probs: [number, number, number];
  answer: Answer;
}

/** Softmax over three scores, in float64, shifted by the maximum (no overflow). */
export function softmax3(scores: readonly number[]): [number, number, number] {
  if (scores.length !== 3 || !scores.every(Number.isFinite)) throw new RangeError(`expected three finite scores, got ${JSON.stringify(scores)}`);
  const m = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - m));
  const z = e[0] + e[1] + e[2];
  return [e[0] / z, e[1] / z, e[2] / z];
}

/** Three scores (logits or log-probs of A, B, C) → probabilities and the answer. */
export function scoreThree(scores: readonly number[]): Scored {
  const probs = softmax3(scores);
  return { probs, answer: ANSWERS[argmax(probs)] };
}
