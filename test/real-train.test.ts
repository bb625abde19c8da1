/**
 * The model half on real libraries, no stand-ins (issue 15): a tiny random Llama with the real
 * Llama-3 tokenizer → `cci train plan --engine modern` → `cci train launch` (real optimizer
 * steps) → `cci train status` → `cci predict --backend faithful` → the probabilities against an
 * independent PEFT computation → `cci vote` over three members; the fast engine against modern
 * on the same recipe; `trl sft` on a trl bundle, its optimizer steps against the plan's loop.
 * Issue 28: the saved adapters' dtype (bf16 for a bf16 recipe) and the bf16 softmax's record.
 * Needs CCI_REAL_PYTHON (a Python with CPU torch, transformers, peft, trl, datasets; .ci/run
 * makes .venv-ci). Small on purpose: 8 train and 4 dev examples, 4 optimizer steps per run.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { scoringRecordPath } from "../lib/infer/faithful";
import { engineSchedule, modernTrainerSchedule, trainerSchedule } from "../lib/train/schedule";
import { CCI, cleanTemp, LLAMA3, readJson, ROOT, SAMPLE, tempDir } from "./helpers/train";

const PY = process.env.CCI_REAL_PYTHON;
if (!PY) console.log("real-train: skipped (set CCI_REAL_PYTHON to a Python with torch, transformers, peft, trl and datasets; .ci/run makes .venv-ci)");

const FIXTURE = join(__dirname, "fixtures", "real", "make_tiny_llama.py");
// glibc returning freed logits buffers to the OS on every step doubles the time (issue 15).
const ENV = { ...process.env, MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: "100000000000", HF_HUB_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false", PYTHONUNBUFFERED: "1" };
const LONG = 600_000;
const MEMBERS = [3, 4, 7]; // LoRA on a bf16 base (no bitsandbytes on CPU)
const LR = "1e-1"; // raised so that 4 steps (the first at warm-up's lr 0) visibly lower the loss

function run(cmd: string, args: string[], cwd = ROOT): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd, env: ENV, timeout: LONG, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} → ${r.status}\n${(r.stderr || "").slice(-3000)}\n${(r.stdout || "").slice(-1000)}`);
  return r;
}
const cci = (args: string[]) => run(process.execPath, [CCI, ...args]);
const name = (i: number) => RECIPES[i - 1].name;
const metrics = (bundle: string) => readFileSync(join(bundle, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const probsOf = (out: string): Record<string, number[]> => readJson(out.replace(/\.json$/, ".probs.json"));
/** Tensor name → dtype from a safetensors file's header (8-byte little-endian length, then JSON). */
function safetensorsDtypes(file: string): Map<string, string> {
  const buf = readFileSync(file);
  const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString("utf8"));
  return new Map(Object.entries(header).filter(([k]) => k !== "__metadata__").map(([k, v]) => [k, (v as { dtype: string }).dtype]));
}

describe.skipIf(!PY)("real libraries: plan → launch → status → predict → vote (tiny Llama, CPU)", () => {
  let work: string, base: string, data: string;
  const runs = (engine: string) => join(work, `runs-${engine}`);
  const plan = (engine: string, recipes: number[]) =>
    cci(["train", "plan", "--recipe", recipes.join(","), "--engine", engine, "--tokenizer", LLAMA3, "--data", data, "--out", runs(engine), "--base-model", base, "--lr", LR]);
  const predict = (engine: string, i: number) => {
    const out = join(work, "pred", engine, `${name(i)}.json`);
    cci(["predict", "--backend", "faithful", "--recipe", name(i), "--runs", runs(engine), "--split", "dev", "--data", data, "--tokenizer", LLAMA3, "--python", PY!, "--device", "cpu", "--out", out]);
    return out;
  };
  const check = (engine: string, i: number, out: string) => JSON.parse(run(PY!, [FIXTURE, "check", join(runs(engine), name(i)), out.replace(/\.json$/, ".probs.json")]).stdout.trim().split("\n").pop()!);

  beforeAll(() => {
    work = tempDir("cci-real-");
    base = join(work, "tiny-llama");
    run(PY!, [FIXTURE, "model", base, LLAMA3]);
    // The sample corpus cut to 8 train and 4 dev examples: CI time, not coverage, is the limit.
    data = join(work, "data");
    mkdirSync(data);
    for (const [split, n] of [["train", 8], ["dev", 4]] as const) writeFileSync(join(data, `${split}.json`), JSON.stringify(readJson<unknown[]>(join(SAMPLE, `${split}.json`)).slice(0, n)));
  }, LONG);
  afterAll(cleanTemp);

  it("modern: trains three recipes with real optimizer steps; the steps are the planned schedule and the loss falls", () => {
    plan("modern", MEMBERS);
    cci(["train", "launch", "--recipe", MEMBERS.join(","), "--runs", runs("modern"), "--python", PY!, "--allow-cpu"]);
    for (const i of MEMBERS) {
      const dir = join(runs("modern"), name(i));
      const schedule = readJson(join(dir, "compute.json")).schedule;
      const m = metrics(dir);
      const steps = m.filter((l) => typeof l.loss === "number");
      const evals = m.filter((l) => typeof l.eval_loss === "number").map((l) => l.eval_loss);
      expect(steps.map((l) => l.step)).toEqual(Array.from({ length: schedule.maxSteps }, (_, k) => k + 1));
      expect(steps.length).toBe(schedule.realSteps);
      expect(evals).toHaveLength(4); // one evaluation per epoch
      expect(evals[3]).toBeLessThan(evals[0] - 0.1);
      expect(steps[steps.length - 1].loss).toBeLessThan(steps[0].loss);
      const stack = readJson(join(dir, "stack.json"));
      expect(stack).toMatchObject({ engine: "modern", schedule: { realSteps: schedule.realSteps, stepsPerEpoch: schedule.stepsPerEpoch } });
      expect(stack.libraries.transformers).toMatch(/^\d/);
      expect(existsSync(join(dir, "adapter", "adapter_config.json"))).toBe(true);
      // issue 28: a bf16 recipe trains bf16 adapters, as PEFT 0.11.1 made them (lm_head's too)
      expect(stack.adapter_dtype).toBe("original");
      expect(new Set(Object.values(stack.adapter_dtypes))).toEqual(new Set(["bfloat16"]));
      const saved = safetensorsDtypes(join(dir, "adapter", "adapter_model.safetensors"));
      expect(saved.size).toBeGreaterThan(0);
      expect(new Set(saved.values())).toEqual(new Set(["BF16"]));
      expect([...saved.keys()].some((k) => k.includes("lm_head.lora_A"))).toBe(true);
    }
    const status = cci(["train", "status", "--runs", runs("modern")]).stdout;
    for (const i of MEMBERS) expect(status).toMatch(new RegExp(`${name(i).slice(0, 30).replace(/[.]/g, "\\.")}.*done.*4/4`));
  }, LONG);

  it("predict.py's probabilities equal an independent base+adapter computation; cci vote takes three members", () => {
    const outs = MEMBERS.map((i) => {
      const out = predict("modern", i);
      const c = check("modern", i, out);
      expect(c.n).toBe(4);
      expect(c.max_abs_diff).toBeLessThan(1e-6);
      expect(c.argmax_agree).toBe(4);
      // issue 28: the answers were decided by the original's bf16 softmax, and the record says so
      const record = readJson(scoringRecordPath(join(runs("modern"), name(i)), out));
      expect(record).toMatchObject({ decided_by: "bf16", original: true, examples: 4, sidecar: "float64 probabilities" });
      const probs = probsOf(out);
      const answers = readJson<{ id: string; output: string }[]>(out);
      for (const d of record.disagreements) expect(answers.find((a) => a.id === d.id)!.output).toBe(d.bf16);
      // elsewhere the float64 argmax (ties → A) is the answer
      const argmax = (p: number[]) => p.indexOf(Math.max(...p));
      const differ = new Set(record.disagreements.map((d: { id: string }) => d.id));
      for (const a of answers) if (!differ.has(a.id)) expect(a.output).toBe(`inference_${argmax(probs[a.id]) + 1}`);
      return out;
    });
    const voted = join(work, "pred", "vote.json");
    cci(["vote", ...outs, "--out", voted]);
    const members = outs.map((o) => readJson<{ id: string; output: string }[]>(o));
    const result = readJson<{ id: string; output: string }[]>(voted);
    expect(result.map((e) => e.id)).toEqual(members[0].map((e) => e.id));
    result.forEach((e, k) => {
      const answers = members.map((m) => m[k].output);
      // Python's max(votes, key=votes.count): the most frequent, ties to the first member's
      const want = answers.reduce((best, a) => (answers.filter((x) => x === a).length > answers.filter((x) => x === best).length ? a : best), answers[0]);
      expect(e.output).toBe(want);
    });
  }, LONG);

  it("fast against modern on recipe 3: the same optimizer steps, loss curves and dev predictions compared", () => {
    plan("fast", [3]);
    cci(["train", "launch", "--recipe", "3", "--runs", runs("fast"), "--python", PY!, "--allow-cpu"]);
    const [mm, mf] = [metrics(join(runs("modern"), name(3))), metrics(join(runs("fast"), name(3)))];
    const loss = (m: any[]) => m.filter((l) => typeof l.loss === "number").map((l) => l.loss as number);
    const evals = (m: any[]) => m.filter((l) => typeof l.eval_loss === "number").map((l) => l.eval_loss as number);
    expect(loss(mf)).toHaveLength(loss(mm).length);
    const lossDiff = Math.max(...loss(mm).map((x, k) => Math.abs(x - loss(mf)[k])));
    const evalDiff = Math.max(...evals(mm).map((x, k) => Math.abs(x - evals(mf)[k])));
    const out = predict("fast", 3);
    expect(check("fast", 3, out).max_abs_diff).toBeLessThan(1e-6);
    const [pm, pf] = [probsOf(join(work, "pred", "modern", `${name(3)}.json`)), probsOf(out)];
    const ids = Object.keys(pm);
    const probDiff = Math.max(...ids.map((id) => Math.max(...pm[id].map((p, k) => Math.abs(p - pf[id][k])))));
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    const agree = ids.filter((id) => argmax(pm[id]) === argmax(pf[id])).length;
    console.log(
      `real-train: fast vs modern (recipe 3, 4 steps, lr ${LR}): train loss max |diff| ${lossDiff.toExponential(2)}, eval loss by epoch modern [${evals(mm).map((x) => x.toFixed(4))}] fast [${evals(mf).map((x) => x.toFixed(4))}] (max |diff| ${evalDiff.toExponential(2)}), dev probabilities max |diff| ${probDiff.toExponential(2)}, argmax agreement ${agree}/${ids.length}`,
    );
    // the same objective, batched: only bf16 kernels, summation order and dropout draws differ
    expect(evalDiff).toBeLessThan(0.1);
    expect(evals(mf)[3]).toBeLessThan(evals(mf)[0] - 0.1);
  }, LONG);

  it("trl: `trl sft --config trl-sft.yaml` steps as the plan's transformers ≥ 4.46 loop says, and saves the adapter where run.json says", () => {
    plan("trl", [3]);
    const dir = join(runs("trl"), name(3));
    const planned = readJson(join(dir, "compute.json")).schedule;
    expect(planned).toEqual(engineSchedule("trl", 8, { epochs: 4, gradientAccumulationSteps: 64 }));
    expect(planned.loop).toBe("transformers-4.46+");
    const trl = join(dirname(PY!), "trl");
    // Windows of 3 and 2 epochs (16 micro-steps, CI time): 8 examples make windows 3, 3, 2 per epoch
    // in the ≥ 4.46 loop (6 updates), where transformers 4.41 would stop at max(8 // 3, 1) · 2 = 4.
    const opts = { epochs: 2, gradientAccumulationSteps: 3 };
    const args = ["sft", "--config", "trl-sft.yaml", "--gradient_accumulation_steps", "3", "--num_train_epochs", "2", "--use_cpu", "true"];
    const r = existsSync(trl) ? run(trl, args, dir) : run(PY!, ["-m", "trl.cli", ...args], dir);
    // transformers prints each log as a Python dict: one with 'loss' per optimizer step (logging_steps 1)
    const epochs = `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => /^\{'loss': /.test(l)).map((l) => Number(/'epoch': '([\d.]+)'/.exec(l)![1]));
    const perEpoch = Array.from({ length: opts.epochs }, (_, e) => epochs.filter((x) => Math.ceil(x - 1e-9) - 1 === e).length);
    const want = modernTrainerSchedule(8, opts);
    expect(perEpoch).toEqual(want.stepsPerEpoch);
    expect(epochs.length).toBe(want.realSteps);
    expect(trainerSchedule(8, opts).realSteps).not.toBe(want.realSteps); // the two loops really differ here
    const saveDir = readJson(join(dir, "run.json")).save_dir;
    expect(existsSync(join(dir, saveDir, "adapter_config.json"))).toBe(true);
    expect(cci(["train", "status", "--runs", runs("trl")]).stdout).toMatch(/done/);
  }, LONG);
});
