import type { Command } from "commander";
import { relative } from "node:path";
import { defaultWorkspace, describeWorkspace, holdsCorpus } from "../../corpus/locate";
import { FEATURE_GROUPS } from "../../baseline/features";
import { BASELINE_MEMBERS, selectMembers } from "../../baseline/members";
import { devAccuracy, modelDir, predictMembers, trainMembers, type BaselineOptions, type MemberPredictions } from "../../baseline/run";
import { loadSplit } from "../../corpus/locate";
import { predictionsDir } from "../../ensemble/paths";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { IO, openOutputs } from "../io";
import { printTable } from "../../util/text-table";
import { join } from "node:path";
import { addVariantOptions, describeVariant, isFaithful, variantFromOptions, type VariantOptions } from "../../variant/variant";

interface BaselineOpts extends VariantOptions {
  members?: string[];
  data?: string;
  results?: string;
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];
const rel = (p: string) => {
  const r = relative(process.cwd(), p);
  return r.startsWith("..") ? p : r || ".";
};
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function resolve(opts: BaselineOpts): BaselineOptions {
  const ws = defaultWorkspace();
  if (!opts.data) info(describeWorkspace(ws));
  const data = opts.data ?? ws.data;
  if (!holdsCorpus(data)) throw new UserError(`${data}: no corpus here (train.json, dev.json and test.json expected)`);
  try {
    selectMembers(opts.members);
  } catch (err) {
    throw new UserError(`baseline: ${(err as Error).message}`);
  }
  const variant = variantFromOptions(opts);
  // One results folder per variant: a variant's predictions never overwrite the faithful ones.
  const results = opts.results ?? (isFaithful(variant) ? ws.results : join(ws.results, "variants", variant.name));
  if (!isFaithful(variant)) info(`baseline: variant ${describeVariant(variant)} → ${rel(results)}`);
  return { data, results, members: opts.members, variant, onMember: (m, phase) => info(`baseline: ${phase} ${m} …`) };
}

function train(o: BaselineOptions) {
  const { models, rows } = trainMembers(o);
  printTable(rows.map((r) => ({ member: r.member, input: r.input, features: r.features, "train accuracy": pct(r.trainAccuracy), seconds: +r.seconds.toFixed(2) })));
  info(`baseline: models in ${rel(modelDir(o.results, ""))}/{member}/model.json (+ config.json)`);
  return models;
}

function predict(o: BaselineOptions, models?: Parameters<typeof predictMembers>[1]) {
  const preds: MemberPredictions[] = predictMembers(o, models);
  info(`baseline: predictions in ${rel(predictionsDir(o))}/{member}.json (test) and ${rel(predictionsDir(o, "dev"))}/ (dev), probabilities in {member}.probs.json`);
  const rows = devAccuracy(loadSplit(o.data, "dev"), preds);
  if (rows.length > 0) printTable(rows.map((r) => ({ member: r.member, "dev accuracy": pct(r.devAccuracy) })));
  info("baseline: chance is 33.3 %");
}

/**
 * All or nothing: models and predictions land together when every member is done. They wait in
 * memory (a few MB) until then, so Ctrl-C during the CPU-bound training stops at once with
 * nothing on disk.
 */
async function staged(o: BaselineOptions, work: (o: BaselineOptions) => void): Promise<void> {
  const outputs = openOutputs(IO.baseline(o.data, o.results));
  const files = new Map<string, string>();
  work({ ...o, write: (path, data) => files.set(path, data) });
  await outputs.run(() => {
    for (const [path, data] of files) outputs.write(path, data, "--results");
  });
}

const withCommon = (cmd: Command) =>
  addVariantOptions(
    cmd
      .option("--members <names>", "only these members (comma-separated; see `cci baseline list`)", list)
      .option("--data <dir>", "corpus folder (default: resource/data, else the bundled sample)")
      .option("--results <dir>", "results folder (default: the workspace's resource/results; a variant's: resource/results/variants/VARIANT)"),
  );

export function register(program: Command): void {
  const baseline = program
    .command("baseline")
    .summary("CPU-trainable ensemble members: lexical logistic-regression scorers (train, predict, run)")
    .description(
      "Simple learned scorers that run anywhere in seconds, so the voting pipeline runs end to end without a GPU.\n" +
        "Each member scores the three options with a conditional logit (softmax over options) on lexical features,\n" +
        "trained on train.json; predictions for dev and test are written in the original's form with a\n" +
        "{member}.probs.json sidecar. `run` = train + predict. Chance is 33 %.",
    );
  withCommon(baseline.command("run").description("train every member on train, then predict dev and test")).action(async (opts: BaselineOpts) => {
    await staged(resolve(opts), (o) => predict(o, train(o)));
  });
  withCommon(baseline.command("train").description("train members on train.json; write {results}/baseline/{member}/model.json and config.json")).action(async (opts: BaselineOpts) => {
    await staged(resolve(opts), (o) => train(o));
  });
  withCommon(baseline.command("predict").description("predict dev and test with trained members; print dev accuracy")).action(async (opts: BaselineOpts) => {
    await staged(resolve(opts), (o) => predict(o));
  });
  baseline
    .command("list")
    .description("the members and feature groups")
    .action(() => {
      printTable(BASELINE_MEMBERS.map((m) => ({ member: m.name, input: m.input, groups: m.groups.join(" "), l2: m.l2, description: m.description })));
      printTable(Object.values(FEATURE_GROUPS).map((g) => ({ group: g.name, description: g.description })));
    });
}
