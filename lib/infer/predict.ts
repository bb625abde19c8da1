/**
 * One scoring run: prompts → a backend's three scores per example (journaled as they arrive) →
 * the rule → the prediction file in the original's form plus its probabilities sidecar, where
 * `cci vote` and the ensemble analysis read them (`predictionFile(ws, name, split)`).
 */
import { correctness } from "../analysis/metrics";
import { bootstrapMean, type Interval } from "../analysis/bootstrap";
import type { Answer, Example } from "../corpus/schema";
import { writePrediction } from "../ensemble/predictions";
import { UserError } from "../util/errors";
import type { Scorer } from "./backend";
import type { ScoreInput } from "./inputs";
import { Journal, journalPath } from "./journal";
import { sidecar } from "../util/outputs";
import { scoreThree } from "./rule";

export interface ScoreJob {
  name: string;
  /** The raw split's examples: the prediction file copies them with outputs filled. */
  raw: readonly Example[];
  /** One prompt per raw example, same order. */
  inputs: readonly ScoreInput[];
  out: string;
  /** What a journal must match to be resumed (backend, model, prompts hash, answer ids…). */
  fingerprint: Record<string, unknown>;
}

export interface ScoreResult {
  answers: Answer[];
  probs: [number, number, number][];
  /** Examples taken from the journal of an earlier, interrupted run. */
  resumed: number;
  /** Examples scored by this run. */
  scored: number;
  /** Seconds spent scoring (this run). */
  seconds: number;
  /** Accuracy with a 95 % bootstrap interval, when every raw example has an answer. */
  accuracy?: Interval;
}

/** Refuse prompts that do not line up with the examples they fill. */
export function assertInputsAligned(raw: readonly Example[], inputs: readonly ScoreInput[]): void {
  if (raw.length !== inputs.length) throw new UserError(`${inputs.length} prompts for ${raw.length} examples`);
  const i = raw.findIndex((ex, k) => ex.id !== inputs[k].id);
  if (i >= 0) throw new UserError(`prompt #${i + 1} is for ${inputs[i].id}, but the split has ${raw[i].id} there`);
}

/** Accuracy of answers against a labelled split, with its interval; undefined when unlabelled. */
export function accuracyOf(raw: readonly Example[], answers: readonly Answer[]): Interval | undefined {
  if (raw.length === 0 || raw.some((e) => e.output === "")) return undefined;
  return bootstrapMean(correctness(answers, raw.map((e) => e.output as Answer)));
}

export async function runScoring(job: ScoreJob, scorer: Scorer, opts: { fresh?: boolean; onScored?: () => void } = {}): Promise<ScoreResult> {
  assertInputsAligned(job.raw, job.inputs);
  // A stream output (/dev/null) gets no files beside it: no journal (no resume), no .probs.json.
  const journal = Journal.open(sidecar(job.out, journalPath(job.out)), job.fingerprint, { fresh: opts.fresh });
  const resumed = job.inputs.filter((x) => journal.done.has(x.id)).length;
  const pending = job.inputs.filter((x) => !journal.done.has(x.id));
  const t0 = performance.now();
  await scorer.score(pending, (id, scores) => {
    journal.record(id, scores);
    opts.onScored?.();
  });
  const seconds = (performance.now() - t0) / 1000;
  const missing = job.inputs.filter((x) => !journal.done.has(x.id));
  if (missing.length) throw new UserError(`${scorer.describe}: ${missing.length} examples were not scored (first: ${missing[0].id}); run again to resume`);
  const scored = job.inputs.map((x) => scoreThree(journal.done.get(x.id)!));
  const answers = scored.map((s) => s.answer);
  const probs = scored.map((s) => s.probs);
  writePrediction(job.out, job.raw, answers, sidecar(job.out, job.out) === undefined ? undefined : probs);
  journal.remove();
  return { answers, probs, resumed, scored: pending.length, seconds, accuracy: accuracyOf(job.raw, answers) };
}
