/**
 * One unit of ablation work: one corpus (a variant's refined pool, or the raw pool) and the
 * members that read it, over every fold. Each feature group is computed once per example and
 * shared by the members and folds that use it — for the overlap groups that is most of the
 * cost of a fit. Pure, so a worker thread and the main thread run the same code.
 */
import type { Example } from "../corpus/schema";
import { selectMembers } from "../baseline/members";
import { FEATURE_GROUPS, type FeatureGroupName, type GroupOutput } from "../baseline/features";
import { exampleView } from "../baseline/text";
import { fitOnOutputs, predictOnOutputs } from "../baseline/model";

export interface CorpusJob {
  members: string[];
  pool: readonly Example[];
  folds: readonly { train: readonly number[]; eval: readonly number[] }[];
}

/** Per member, per fold: probabilities of the fold's eval examples, in its order. */
export type CorpusScores = Record<string, number[][][]>;

export function runCorpusJob(job: CorpusJob): CorpusScores {
  const specs = selectMembers(job.members);
  const groups = [...new Set(specs.flatMap((s) => s.groups))];
  const byGroup = new Map<FeatureGroupName, GroupOutput[]>(groups.map((g) => [g, []]));
  for (const ex of job.pool) {
    const view = exampleView(ex);
    for (const g of groups) byGroup.get(g)!.push(FEATURE_GROUPS[g].compute(view));
  }
  const outputsOf = (spec: (typeof specs)[number], idx: readonly number[]) => idx.map((i) => spec.groups.map((g) => byGroup.get(g)![i]));
  const out: CorpusScores = {};
  for (const spec of specs)
    out[spec.name] = job.folds.map((f) => {
      const model = fitOnOutputs(spec, f.train.map((i) => job.pool[i]), outputsOf(spec, f.train));
      return predictOnOutputs(model, f.eval.map((i) => job.pool[i]), outputsOf(spec, f.eval));
    });
  return out;
}
