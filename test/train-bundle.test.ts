import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSplit } from "../lib/corpus/locate";
import { buildPrompts, toJsonl } from "../lib/prompts";
import { refineCorpus } from "../lib/refine/refine";
import { faithfulArgv, resolvedRecipe, selectRecipes } from "../lib/train/bundle";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, readJson, ROOT, SAMPLE, tempDir, walk } from "./helpers/train";

afterAll(cleanTemp);

const TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"];
/** SPEC §6's table, typed again by hand: [model_id, custom_dataset, --lr, --load_in_4bit passed]. */
const SPEC_ROWS: [string, string, string, boolean][] = [
  ["x2bee/POLAR-14B-v0.2", "CustomRefOfficialTermDataset", "2e-4", true],
  ["x2bee/POLAR-14B-v0.5", "SystemRefOfficialTermDataset", "2e-4", true],
  ["beomi/Solar-Ko-Recovery-11B", "CustomRefInstructionDataset", "1e-4", false],
  ["chihoonlee10/T3Q-ko-solar-dpo-v7.0", "CustomRefInstructionDataset", "2e-4", false],
  ["x2bee/POLAR-14B-v0.5", "CustomRefInstructionDataset", "1e-4", true],
  ["x2bee/POLAR-14B-v0.5", "CustomRefDefinitionDataset", "2e-4", true],
  ["beomi/Solar-Ko-Recovery-11B", "SystemRefOfficialTermDataset", "1e-4", false],
  ["beomi/Solar-Ko-Recovery-11B", "CustomRefDataset", "1e-4", false],
  ["beomi/Solar-Ko-Recovery-11B", "CustomRefDataset", "2e-4", true], // recipe 9: named LoRA, launched 4-bit
  ["beomi/Solar-Ko-Recovery-11B", "CustomRefDataset", "2e-4", false],
  ["beomi/Solar-Ko-Recovery-11B", "CustomRefDefinitionDataset", "1e-4", false],
];

describe("run.json and argv (golden)", () => {
  const golden = readJson<Record<string, Record<string, unknown>>>(join(__dirname, "fixtures", "train", "run-json-golden.json"));

  it.each(SPEC_ROWS.map((row, i) => [i + 1, ...row] as const))("recipe %i: the launch script's argv", (index, model, dataset, lr, fourBit) => {
    const [sel] = selectRecipes(String(index));
    expect(faithfulArgv(sel.recipe)).toEqual([
      "python", "train.py", "--model_id", model, "--custom_dataset", dataset, "--save_dir", "adapter", "--epoch", "4", "--lr", lr,
      "--gradient_accumulation_steps", "64", ...(fourBit ? ["--load_in_4bit"] : []), "--lora_r", "16", "--lora_alpha", "32", "--lora_dropout", "0.01",
      "--lora_target_modules", ...TARGETS,
    ]);
  });

  it.each(RECIPES.map((r, i) => [i + 1, r.name] as const))("recipe %i (%s): resolved run.json matches the golden file", (index) => {
    const [sel] = selectRecipes(String(index));
    expect(resolvedRecipe(sel, "faithful", "faithful")).toEqual(golden[String(index)]);
  });

  it("pins every recipe's data on the sample corpus (eos, split sizes, data files' sha256)", async () => {
    const { loadRunCorpus } = await import("../lib/train/data");
    const { entrypointDirs, planRecipes } = await import("../lib/train/plan");
    const sample = readJson<Record<string, unknown>>(join(__dirname, "fixtures", "train", "run-json-sample-golden.json"));
    const planned = await planRecipes(selectRecipes("all"), loadRunCorpus(SAMPLE), { runsDir: join(tempDir(), "runs"), mode: "faithful", engine: "faithful", entrypoints: entrypointDirs(ROOT) });
    for (const p of planned) {
      const data = Object.fromEntries(Object.entries(p.run.files).filter(([f]) => f.startsWith("data/")));
      expect({ eos: p.run.eos, splits: p.run.splits, data, tokenizer: p.run.tokenizer }, p.run.name).toEqual(sample[String(p.run.index)]);
    }
  });

  it("shows recipe 9's quirk: named LoRA, launched with --load_in_4bit and a 4-bit config", () => {
    const r9 = golden["9"] as { name: string; method: string; load_in_4bit: boolean; argv: string[]; quantization: Record<string, unknown> | null };
    expect(r9.name).toMatch(/-LoRA_2e-4$/);
    expect(r9.method).toBe("LoRA");
    expect(r9.load_in_4bit).toBe(true);
    expect(r9.argv).toContain("--load_in_4bit");
    expect(r9.quantization).toMatchObject({ load_in_4bit: true, bnb_4bit_quant_type: "nf4", bnb_4bit_use_double_quant: true });
    const others = Object.values(golden).filter((g) => g.method === "LoRA" && g !== r9);
    expect(others.every((g) => g.load_in_4bit === false && !(g.argv as string[]).includes("--load_in_4bit"))).toBe(true);
  });

  it("selects by number, name, list and all, in ensemble order", () => {
    expect(selectRecipes("all").map((s) => s.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(selectRecipes(`10,${RECIPES[2].name},3`).map((s) => s.index)).toEqual([3, 10]);
    expect(() => selectRecipes("12")).toThrow(/not a recipe number/);
    expect(() => selectRecipes("")).toThrow(/--recipe is required/);
  });
});

describe("cci train plan (sample corpus, no tokenizer)", () => {
  let runs: string;
  let r: ReturnType<typeof cci>;
  beforeAll(() => {
    runs = join(tempDir(), "runs");
    r = cci(["train", "plan", "--recipe", "8,9", "--out", runs, "--data", SAMPLE, "--engine", "trl", "--target", "slurm"]);
  });
  const bundle = (i: number) => join(runs, RECIPES[i - 1].name);

  it("writes one bundle per recipe whose files match run.json's sha256", () => {
    expect(r.status, r.stderr).toBe(0);
    for (const i of [8, 9]) {
      const run = readJson(join(bundle(i), "run.json"));
      expect(run).toMatchObject({ index: i, engine: "trl", argv: ["trl", "sft", "--config", "trl-sft.yaml"], save_dir: "adapter", tokenizer: null, eos: "</s>" });
      const files = walk(bundle(i)).map((p) => p.slice(bundle(i).length + 1)).filter((p) => p !== "run.json").sort();
      expect(Object.keys(run.files).sort()).toEqual(files);
      for (const [p, digest] of Object.entries(run.files)) expect(createHash("sha256").update(readFileSync(join(bundle(i), p))).digest("hex")).toBe(digest);
      expect(files).toEqual(expect.arrayContaining(["train.py", "requirements-trl.txt", "data/train.jsonl", "data/dev.jsonl", "README.md", "compute.json", "trl-sft.yaml"]));
      // only the trl engine's requirements, and never the repo's GPU check
      expect(files.filter((f) => /requirements|gpu_check/.test(f))).toEqual(["requirements-trl.txt"]);
    }
  });

  it("writes the prompt rows `cci prompts` writes, refined for a refined recipe", () => {
    const dev = loadSplit(SAMPLE, "dev");
    expect(readFileSync(join(bundle(8), "data", "dev.jsonl"), "utf8")).toBe(toJsonl(buildPrompts(dev, "CustomRefDataset")));
    const refined = refineCorpus(dev).examples;
    const text = readFileSync(join(bundle(9), "data", "dev.jsonl"), "utf8");
    expect(text).toBe(toJsonl(buildPrompts(refined, "CustomRefDataset")));
    expect(text).not.toBe(readFileSync(join(bundle(8), "data", "dev.jsonl"), "utf8"));
  });

  it("writes a trl sft config with the closest settings and lists what still differs", () => {
    const cfg = parse(readFileSync(join(bundle(9), "trl-sft.yaml"), "utf8"));
    expect(cfg).toMatchObject({ model_name_or_path: "beomi/Solar-Ko-Recovery-11B", dtype: "bfloat16", max_length: null, packing: false, loss_type: "nll", load_in_4bit: true, lora_target_modules: TARGETS, learning_rate: 2e-4 });
    // PyYAML (YAML 1.1, what `trl sft` reads with) takes a bare `no` for false: strings are quoted
    const text = readFileSync(join(bundle(9), "trl-sft.yaml"), "utf8");
    expect(text).toMatch(/^save_strategy: "no"$/m);
    expect(text).not.toMatch(/: (no|yes|off|on)$/m);
    // the adapter lands where run.json says
    expect(cfg.output_dir).toBe(readJson(join(bundle(9), "run.json")).save_dir);
    const readme = readFileSync(join(bundle(9), "README.md"), "utf8");
    expect(readme).toMatch(/pip install -r requirements-trl\.txt/);
    expect(readme).toMatch(/\.venv\/bin\/trl sft --config trl-sft\.yaml/);
    expect(readme).not.toMatch(/cci train launch --recipe|requirements\.txt --extra-index-url|train\.py --check/);
    expect(readme).toMatch(/Differences from the original/);
    expect(readme).toMatch(/eos token/);
    expect(readme).toMatch(/casts every adapter to bf16 on a 4-bit base/);
    expect(readme).toMatch(/Adapter dtype \(run.json adapter_dtype "trl"\): lm_head LoRA bf16, the other LoRA weights bf16/);
    const row = JSON.parse(readFileSync(join(bundle(9), "data", "trl", "train.jsonl"), "utf8").split("\n")[0]);
    expect(row.prompt.map((m: { role: string }) => m.role)).toEqual(["system", "user"]);
    expect(row.completion[0].content.endsWith("</s>")).toBe(false);
  });

  it("prints the compute plan, says counts are estimates, and the SLURM submit command", () => {
    expect(r.stderr).toMatch(/no --tokenizer: token counts are estimates from characters/);
    expect(r.stderr).toMatch(/assumptions:\n  - times measured on NVIDIA H200 .*lib\/train\/steptime-h200\.ts\n  - steps: the engine's Trainer loop replayed .*transformers 4\.41's for faithful, modern and fast/);
    expect(r.stdout).toMatch(/max_steps \(scheduler\)/);
    expect(r.stdout.trim().split("\n").pop()).toBe(`sbatch --export=ALL ${join(runs, "slurm", "train.sbatch")}`);
    const sbatch = readFileSync(join(runs, "slurm", "train.sbatch"), "utf8");
    expect(sbatch).toMatch(/#SBATCH --array=0-1/);
  });

  it("passes train.py --check with the system python3", () => {
    const c = spawnSync("python3", [join(bundle(9), "train.py"), "--check"], { encoding: "utf8" });
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/OK \(train 30\/30 rows, dev 10\/10 rows/);
  });

  it("refuses to re-plan over a run that started, unless --force", () => {
    writeFileSync(join(bundle(8), "metrics.jsonl"), "");
    const again = cci(["train", "plan", "--recipe", "8", "--out", runs, "--data", SAMPLE]);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split("\n").pop()).toMatch(/^cci: .*has already started \(metrics\.jsonl\); use --force/);
    const forced = cci(["train", "plan", "--recipe", "8", "--out", runs, "--data", SAMPLE, "--force"]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(existsSync(join(bundle(8), "metrics.jsonl"))).toBe(false);
    expect(readJson(join(bundle(8), "run.json")).engine).toBe("faithful");
  });

  const BAD: [string, string[], RegExp][] = [
    ["an unknown recipe", ["--recipe", "12"], /^cci: --recipe: "12" is not a recipe number/],
    ["an unknown engine", ["--recipe", "1", "--engine", "jax"], /^cci: --engine: expected faithful, modern, fast, trl, got "jax"/],
    ["a missing corpus", ["--recipe", "1", "--data", "/nonexistent"], /^cci: .*nonexistent.*train\.json/],
    ["a folder without a tokenizer", ["--recipe", "1", "--tokenizer", SAMPLE], /^cci: --tokenizer .*: no tokenizer\.json there/],
    ["a learning rate that is not a positive number", ["--recipe", "1", "--lr", "fast"], /^cci: --lr: expected a positive number, got "fast"/],
    ["a base model folder without config.json", ["--recipe", "1", "--base-model", SAMPLE], /^cci: --base-model .*: no config\.json there/],
  ];
  it.each(BAD)("rejects %s in one line, writing nothing", (_n, args, message) => {
    const out = join(tempDir(), "runs");
    const b = cci(["train", "plan", "--out", out, ...(args.includes("--data") ? [] : ["--data", SAMPLE]), ...args]);
    expect(b.status).toBe(2);
    const lines = b.stderr.trim().split("\n").filter((l) => l.startsWith("cci:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(b.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});

describe("train.py --check finds a damaged bundle", () => {
  let runs: string;
  beforeAll(() => {
    runs = join(tempDir(), "runs");
    const r = cci(["train", "plan", "--recipe", "3", "--out", runs, "--data", SAMPLE]);
    expect(r.status, r.stderr).toBe(0);
  });
  const dir = () => join(runs, RECIPES[2].name);
  const check = () => spawnSync("python3", [join(dir(), "train.py"), "--check"], { encoding: "utf8" });

  it("names a changed data file", () => {
    const p = join(dir(), "data", "dev.jsonl");
    const before = readFileSync(p, "utf8");
    writeFileSync(p, before.replace("화자", "화자 "));
    const c = check();
    writeFileSync(p, before);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/data\/dev\.jsonl: sha256 differs from run\.json/);
    expect(check().status).toBe(0);
  });

  it("names an argv that disagrees with run.json's own fields", () => {
    const p = join(dir(), "run.json");
    const before = readFileSync(p, "utf8");
    const run = JSON.parse(before);
    run.argv[run.argv.indexOf("--lr") + 1] = "3e-4";
    writeFileSync(p, JSON.stringify(run));
    const c = check();
    writeFileSync(p, before);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/run\.json: argv: --lr: 0\.0003, run\.json says 0\.0001/);
  });

  it("names a missing run.json key and an unlisted data file", () => {
    const p = join(dir(), "run.json");
    const before = readFileSync(p, "utf8");
    const run = JSON.parse(before);
    delete run.lora_alpha;
    writeFileSync(p, JSON.stringify(run));
    expect(check().stderr).toMatch(/run\.json: lora_alpha: missing/);
    writeFileSync(p, before);
    mkdirSync(join(dir(), "data", "extra"), { recursive: true });
    writeFileSync(join(dir(), "data", "extra", "x.jsonl"), "{}\n");
    const c = check();
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/data\/extra\/x\.jsonl: not listed in run\.json files/);
  });
});
