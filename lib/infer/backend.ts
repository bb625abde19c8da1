/**
 * What a scoring backend does: for each prompt, the three scores of `A`, `B`, `C` at the last
 * position (logits, or log-probs of one distribution). The rule (rule.ts) turns scores into
 * probabilities and answers, the same for every backend.
 */
import type { ScoreInput } from "./inputs";

export const BACKENDS = ["faithful", "openai", "onnx"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Called once per example as soon as its scores are known (in any order). */
export type OnScored = (id: string, scores: [number, number, number]) => void;

export interface Scorer {
  /** What produced the scores, for logs and the run record. */
  describe: string;
  /** Score every input not yet done; resolves when all are scored. */
  score(inputs: readonly ScoreInput[], onScored: OnScored): Promise<void>;
  close?(): Promise<void>;
}
