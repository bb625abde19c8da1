/** A fitted member: its spec, encoder and weights, as one JSON file (model.json) plus its resolved config (config.json). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Example } from "../corpus/schema";
import { writeFileAtomic } from "../util/atomic";
import { UserError } from "../util/errors";
import { dimension, encode, fitEncoder, groupOutputs, type Encoder } from "./design";
import type { MemberSpec } from "./members";
import type { GroupOutput } from "./features";
import { argmax } from "../ensemble/vote";
import { predictProbs, train } from "./scorer";

export interface Model {
  spec: MemberSpec;
  encoder: Encoder;
  weights: number[];
  /** What the fit saw, for the record. */
  fit: { trainExamples: number; dimension: number; finalLoss: number; trainAccuracy: number };
}

/** Fit a member on (already prepared: raw or refined) training examples. */
export function fitModel(spec: MemberSpec, trainSet: readonly Example[], onEpoch?: (epoch: number) => void): Model {
  return fitOnOutputs(spec, trainSet, groupOutputs(trainSet, spec.groups), onEpoch);
}

/** `fitModel` on group outputs already computed (an ablation computes them once per corpus and reuses them across folds and members). */
export function fitOnOutputs(spec: MemberSpec, trainSet: readonly Example[], outputs: GroupOutput[][], onEpoch?: (epoch: number) => void): Model {
  const encoder = fitEncoder(outputs, spec.groups, spec.minCount);
  const data = encode(encoder, trainSet, outputs);
  let finalLoss = NaN;
  const w = train(data, dimension(encoder), spec, (t, l) => {
    finalLoss = l;
    onEpoch?.(t);
  });
  const right = data.filter((ex) => argmax(predictProbs(w, ex)) === ex.label).length;
  return { spec, encoder, weights: Array.from(w), fit: { trainExamples: trainSet.length, dimension: w.length, finalLoss, trainAccuracy: right / Math.max(1, data.length) } };
}

/** [p1, p2, p3] per example. */
export function predictModel(model: Model, examples: readonly Example[]): number[][] {
  return predictOnOutputs(model, examples, groupOutputs(examples, model.spec.groups));
}

/** `predictModel` on group outputs already computed. */
export function predictOnOutputs(model: Model, examples: readonly Example[], outputs: GroupOutput[][]): number[][] {
  const w = Float64Array.from(model.weights);
  return encode(model.encoder, examples, outputs).map((ex) => predictProbs(w, ex));
}

export function modelPath(dir: string): string {
  return join(dir, "model.json");
}

export function saveModel(dir: string, model: Model, config: Record<string, unknown>, write: (path: string, data: string) => void = writeFileAtomic): void {
  write(modelPath(dir), `${JSON.stringify(model)}\n`);
  write(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
}

export function loadModel(dir: string): Model {
  const file = modelPath(dir);
  let model: Model;
  try {
    model = JSON.parse(readFileSync(file, "utf8")) as Model;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: ${code === "ENOENT" ? "no model here; train first (cci baseline train)" : `cannot read (${(err as Error).message})`}`);
  }
  if (!model.spec || !model.encoder || !Array.isArray(model.weights) || model.weights.length !== dimension(model.encoder))
    throw new UserError(`${file}: not a baseline model (spec, encoder and weights of matching size expected)`);
  return model;
}
