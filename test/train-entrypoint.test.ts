/**
 * train.py's training path, run by the system python3 against stand-ins for torch, transformers,
 * peft, trl and datasets (test/fixtures/train/stubs) that record every call: the order and the
 * arguments of SPEC §6a, the collator's eos masking, metrics.jsonl, the refusals.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, LLAMA3, readJson, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);

const STUBS = join(__dirname, "fixtures", "train", "stubs");
const TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"];

interface Call {
  call: string;
  [k: string]: unknown;
}

function train(bundle: string, env: Record<string, string> = {}): { status: number | null; stderr: string; calls: Call[] } {
  const calls = join(tempDir(), "calls.jsonl");
  const run = readJson(join(bundle, "run.json"));
  const r = spawnSync("python3", [join(bundle, "train.py"), ...run.argv.slice(2)], {
    encoding: "utf8",
    cwd: tempDir(),
    env: { ...process.env, PYTHONPATH: STUBS, STUB_CALLS: calls, PYTHONDONTWRITEBYTECODE: "1", ...env },
  });
  const lines = existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n").filter(Boolean) : [];
  return { status: r.status, stderr: r.stderr, calls: lines.map((l) => JSON.parse(l)) };
}

/** SPEC §6a's SFTConfig, value for value (plus the one bookkeeping flag train.py adds). */
const sftConfig = (lr: number) => ({
  output_dir: "adapter",
  overwrite_output_dir: true,
  do_train: true,
  do_eval: true,
  eval_strategy: "epoch",
  per_device_train_batch_size: 1,
  per_device_eval_batch_size: 1,
  gradient_accumulation_steps: 64,
  learning_rate: lr,
  weight_decay: 0.1,
  num_train_epochs: 4,
  max_steps: -1,
  lr_scheduler_type: "cosine",
  warmup_steps: 20,
  neftune_noise_alpha: null,
  logging_steps: 1,
  log_level: "info",
  save_strategy: "no",
  bf16: true,
  gradient_checkpointing: true,
  gradient_checkpointing_kwargs: { use_reentrant: false },
  max_seq_length: 1024,
  packing: true,
  seed: 42,
  include_num_input_tokens_seen: true,
});

describe("train.py's training path (stand-in libraries)", () => {
  let runs: string;
  beforeAll(() => {
    runs = join(tempDir(), "runs");
    const p = cci(["train", "plan", "--recipe", "3,9", "--out", runs, "--data", SAMPLE]);
    expect(p.status, p.stderr).toBe(0);
  });
  const bundle = (i: number) => join(runs, RECIPES[i - 1].name);

  it("recipe 9: loads 4-bit NF4, wraps in LoRA before the trainer, uses the original SFTConfig, saves adapter and tokenizer", () => {
    const r = train(bundle(9));
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.map((c) => c.call)).toEqual([
      "AutoTokenizer.from_pretrained",
      "BitsAndBytesConfig",
      "AutoModelForCausalLM.from_pretrained",
      "LoraConfig",
      "get_peft_model",
      "model.named_modules", // the adapter's dtypes set by PEFT 0.11.1's rule (train.py adapter_dtypes), before the trainer
      "SFTConfig",
      "SFTTrainer",
      "train",
      "save_model",
      "model.save_pretrained",
      "tokenizer.save_pretrained",
    ]);
    const by = (name: string) => r.calls.find((c) => c.call === name)!;
    expect(by("AutoTokenizer.from_pretrained")).toEqual({ call: "AutoTokenizer.from_pretrained", model_id: "beomi/Solar-Ko-Recovery-11B" });
    expect(by("BitsAndBytesConfig")).toEqual({ call: "BitsAndBytesConfig", load_in_4bit: true, bnb_4bit_use_double_quant: true, bnb_4bit_quant_type: "nf4", bnb_4bit_compute_dtype: "torch.bfloat16" });
    expect(by("AutoModelForCausalLM.from_pretrained")).toMatchObject({ model_id: "beomi/Solar-Ko-Recovery-11B", torch_dtype: "torch.bfloat16", device_map: "auto", quantization_config: { load_in_4bit: true, bnb_4bit_quant_type: "nf4" } });
    expect(by("LoraConfig")).toEqual({ call: "LoraConfig", task_type: "CAUSAL_LM", r: 16, lora_alpha: 32, lora_dropout: 0.01, target_modules: TARGETS });
    expect(by("SFTConfig")).toEqual({ call: "SFTConfig", ...sftConfig(2e-4) });
    const trainer = by("SFTTrainer");
    expect(trainer).toMatchObject({ peft_model: true, train: 30, eval: 10, pad_token: "</s>" });
    expect(by("model.save_pretrained")).toEqual({ call: "model.save_pretrained", path: "adapter" });
    expect(by("tokenizer.save_pretrained")).toMatchObject({ path: "adapter" });
    expect(existsSync(join(bundle(9), "adapter", "adapter_config.json"))).toBe(true);
    expect(readJson(join(bundle(9), "status.json")).state).toBe("done");
  });

  it("collates as the original: pad ids with the eos id, labels with -100, attention_mask = ids != pad", () => {
    const r = train(bundle(3));
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.some((c) => c.call === "BitsAndBytesConfig")).toBe(false);
    expect(r.calls.find((c) => c.call === "AutoModelForCausalLM.from_pretrained")).toMatchObject({ quantization_config: null });
    expect(r.calls.find((c) => c.call === "SFTConfig")).toMatchObject({ learning_rate: 1e-4 });
    const t = r.calls.find((c) => c.call === "SFTTrainer") as unknown as { rows: { input_ids: number[]; labels: number[] }[]; collated: Record<string, (number | boolean)[][]> };
    const [a, b] = t.rows;
    const width = Math.max(a.input_ids.length, b.input_ids.length);
    const pad = (xs: number[], v: number) => [...xs, ...Array(width - xs.length).fill(v)];
    expect(t.collated.input_ids).toEqual([pad(a.input_ids, 2), pad(b.input_ids, 2)]);
    expect(t.collated.labels).toEqual([pad(a.labels, -100), pad(b.labels, -100)]);
    expect(t.collated.attention_mask).toEqual(t.collated.input_ids.map((row) => row.map((id) => id !== 2)));
    // the labels: -100 over the prompt, then the target's own ids ("A. …</s>")
    const target = a.labels.filter((l) => l !== -100);
    expect(String.fromCodePoint(...target)).toMatch(/^[ABC]\. .*<\/s>$/);
  });

  it("writes one metrics line per step and per evaluation, with the contract's keys", () => {
    const lines = readFileSync(join(bundle(3), "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.step, l.epoch, l.loss, l.eval_loss, l.learning_rate, l.grad_norm, l.tokens])).toEqual([
      [1, 0.5, 2.5, null, 1e-5, 0.7, 100],
      [2, 1.0, 2.0, null, 2e-5, 0.6, 200],
      [2, 1.0, null, 1.5, null, null, 200],
    ]);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(["elapsed", "epoch", "eval_loss", "grad_norm", "learning_rate", "loss", "max_steps", "step", "tokens"]);
  });

  it("refuses a model whose eos differs from the bundled targets'", () => {
    const r = train(bundle(3), { STUB_EOS: "<|eot_id|>" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/eos is '<\|eot_id\|>' but the bundled targets end in '<\/s>'; plan again with this model's tokenizer/);
    expect(readJson(join(bundle(3), "status.json")).state).toBe("failed");
  });

  it("refuses a command line that differs from run.json", () => {
    const run = readJson(join(bundle(3), "run.json"));
    const argv = [...run.argv.slice(2)];
    argv[argv.indexOf("--lr") + 1] = "5e-4";
    const r = spawnSync("python3", [join(bundle(3), "train.py"), ...argv], { encoding: "utf8", env: { ...process.env, PYTHONPATH: STUBS, STUB_CALLS: join(tempDir(), "c") } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--lr: 0\.0005, run\.json says 0\.0001/);
  });
});

describe("engines: faithful's stack, modern and fast bundles", () => {
  it("faithful refuses a current TRL in one line and points at the modern engine", () => {
    const runs = join(tempDir(), "runs");
    expect(cci(["train", "plan", "--recipe", "3", "--out", runs, "--data", SAMPLE]).status).toBe(0);
    const r = train(join(runs, RECIPES[2].name), { STUB_TRL_VERSION: "1.13.0" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the faithful engine runs the pinned stack \(requirements\.txt: TRL 0\.9\.4\), found TRL 1\.13\.0; plan with --engine modern/);
    expect(r.calls.map((c) => c.call)).not.toContain("AutoModelForCausalLM.from_pretrained");
  });

  it.each([
    ["modern", ["--engine", "modern"]],
    ["fast", ["--engine", "fast", "--micro_batch_size", "8"]],
  ])("%s: argv is faithful's plus the engine, the bundle carries requirements-modern.txt only, and train.py --check accepts it", (engine, tail) => {
    const runs = join(tempDir(), "runs");
    const p = cci(["train", "plan", "--recipe", "3", "--engine", engine, "--out", runs, "--data", SAMPLE]);
    expect(p.status, p.stderr).toBe(0);
    const dir = join(runs, RECIPES[2].name);
    const run = readJson(join(dir, "run.json"));
    expect(run.engine).toBe(engine);
    expect(run.argv.slice(-tail.length)).toEqual(tail);
    expect(run.argv.slice(0, -tail.length)).toEqual(readJson(join(__dirname, "fixtures", "train", "run-json-golden.json"))["3"].argv);
    expect(Object.keys(run.files).filter((f) => /requirements/.test(f))).toEqual(["requirements-modern.txt"]);
    expect(readFileSync(join(dir, "README.md"), "utf8")).toMatch(new RegExp(`Engine: \\*\\*${engine}\\*\\*[^]*pip install -r requirements-modern\\.txt`));
    const c = spawnSync("python3", [join(dir, "train.py"), "--check"], { encoding: "utf8" });
    expect(c.status, c.stderr).toBe(0);
    // a hand-edited engine or micro-batch is refused like any other argument
    const argv = [...run.argv.slice(2)];
    argv[argv.indexOf("--engine") + 1] = engine === "modern" ? "fast" : "modern";
    const r = spawnSync("python3", [join(dir, "train.py"), ...argv], { encoding: "utf8", env: { ...process.env, PYTHONPATH: STUBS, STUB_CALLS: join(tempDir(), "c") } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`--engine: '(fast|modern)', run\\.json says '${engine}'`));
  });
});

describe("--adapter-dtype fp32 (issue 28)", () => {
  it("run.json records it, train.py's argv carries it, --check accepts it, memory doubles the LoRA's, and a launch without it is refused", () => {
    const runs = join(tempDir(), "runs");
    const p = cci(["train", "plan", "--recipe", "3", "--engine", "modern", "--adapter-dtype", "fp32", "--out", runs, "--data", SAMPLE]);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/transformers-4\.41 loop, 4 updates\), adapter fp32/);
    const dir = join(runs, RECIPES[2].name);
    const run = readJson(join(dir, "run.json"));
    expect(run.adapter_dtype).toBe("fp32");
    expect(run.argv.slice(-4)).toEqual(["--engine", "modern", "--adapter_dtype", "fp32"]);
    expect(readFileSync(join(dir, "README.md"), "utf8")).toMatch(/adapter_dtype "fp32"\): lm_head LoRA fp32, the other LoRA weights fp32; NOT the original's/);
    const c = spawnSync("python3", [join(dir, "train.py"), "--check"], { encoding: "utf8" });
    expect(c.status, c.stderr).toBe(0);
    const fp32 = readJson(join(dir, "compute.json")).memory;
    const q = cci(["train", "plan", "--recipe", "3", "--engine", "modern", "--out", join(tempDir(), "runs"), "--data", SAMPLE]);
    expect(q.status, q.stderr).toBe(0);
    const original = readJson(join(q.stderr.match(/ (\S+CustomRefInstructionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4) /)![1], "compute.json")).memory;
    expect(fp32.loraGiB).toBeCloseTo(2 * original.loraGiB, 9);
    expect(fp32.optimizerGiB).toBeCloseTo(2 * original.optimizerGiB, 9);
    // the planned choice is part of the command line train.py accepts
    const argv = run.argv.slice(2, -2);
    const r = spawnSync("python3", [join(dir, "train.py"), ...argv], { encoding: "utf8", env: { ...process.env, PYTHONPATH: STUBS, STUB_CALLS: join(tempDir(), "c") } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--adapter_dtype: 'original', run\.json says 'fp32'/);
  }, 120_000);
});

describe("train.py refuses ids that differ from the bundled ones", () => {
  it("names the first differing example", () => {
    const runs = join(tempDir(), "runs");
    const p = cci(["train", "plan", "--recipe", "8", "--out", runs, "--data", SAMPLE, "--tokenizer", LLAMA3]);
    expect(p.status, p.stderr).toBe(0);
    const bundle = join(runs, RECIPES[7].name);
    const first = JSON.parse(readFileSync(join(bundle, "data", "train.tokens.jsonl"), "utf8").split("\n")[0]).id;
    const r = train(bundle, { STUB_EOS: "<|end_of_text|>" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`train: data/train.tokens.jsonl: example ${first}: input_ids differ at position 0`);
    expect(r.stderr).toMatch(/refusing to train/);
    expect(r.calls.map((c) => c.call)).toEqual(["AutoTokenizer.from_pretrained"]);
  });
});
