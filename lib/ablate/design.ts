/**
 * What the CPU members are scored on: dev (train → dev, 151 examples on the real corpus), or
 * k-fold cross-validation over train+dev (every one of the 909 examples held out once, so
 * paired intervals are about 2.5× narrower). Folds are a seeded shuffle: same seed, same folds.
 */
import seedrandom from "seedrandom";
import type { Answer, Example } from "../corpus/schema";
import { UserError } from "../util/errors";

export type DesignSpec = { kind: "dev" } | { kind: "kfold"; folds: number; seed: string };

export interface EvalDesign {
  spec: DesignSpec;
  /** Train then dev examples, raw: every fold indexes into this. */
  pool: Example[];
  /** Pool indices scored, in the order every score vector follows. */
  evalIndex: number[];
  /** Per fold: pool indices to train on and to score. */
  folds: { train: number[]; eval: number[] }[];
}

export const DEFAULT_FOLD_SEED = "cci-ablate-folds";

export function describeDesign(d: DesignSpec, n: number): string {
  return d.kind === "dev" ? `train → dev (${n} dev examples)` : `${d.folds}-fold cross-validation over train+dev (${n} examples, each held out once)`;
}

export function buildDesign(train: readonly Example[], dev: readonly Example[], spec: DesignSpec): EvalDesign {
  const pool = [...train, ...dev];
  const blank = pool.find((e) => e.output === "");
  if (blank) throw new UserError(`example ${blank.id}: output: empty; an ablation scores answers, so train and dev must be labelled`);
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  if (spec.kind === "dev") {
    if (dev.length === 0) throw new UserError("dev: no examples to score");
    return { spec, pool, evalIndex: range(train.length, pool.length), folds: [{ train: range(0, train.length), eval: range(train.length, pool.length) }] };
  }
  if (!Number.isInteger(spec.folds) || spec.folds < 2 || spec.folds > pool.length) throw new UserError(`--folds ${spec.folds}: expected a whole number from 2 to ${pool.length}`);
  const rng = seedrandom(spec.seed);
  const order = range(0, pool.length);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const foldOf = new Array<number>(pool.length);
  order.forEach((idx, pos) => (foldOf[idx] = pos % spec.folds));
  const folds = range(0, spec.folds).map((k) => ({ train: range(0, pool.length).filter((i) => foldOf[i] !== k), eval: range(0, pool.length).filter((i) => foldOf[i] === k) }));
  return { spec, pool, evalIndex: range(0, pool.length), folds };
}

export function goldOf(d: EvalDesign): Answer[] {
  return d.evalIndex.map((i) => d.pool[i].output as Answer);
}
