/**
 * Run bundles (notes: CONTRACT-runs): one folder per recipe, `{runs}/{recipe name}/`, holding
 * everything a GPU machine needs to train it and nothing secret:
 *   run.json                 the resolved recipe, the command, sha256 of every file
 *   data/{split}.jsonl       the prompt rows `cci prompts` writes ({"id", "messages", "target"})
 *   data/{split}.tokens.jsonl {"id", "input_ids", "labels"} when a tokenizer folder was given
 *   train.py, requirements.txt (and predict.py …)   the entrypoints, copied from lib/train/python and lib/infer/python
 *   trl-sft.yaml, data/trl/  with --engine trl
 *   README.md                how to run it (and, for trl, what differs from the original)
 *   compute.json             the compute plan (lib/train/compute.ts)
 * The trainer writes adapter/, metrics.jsonl, train.log and status.json beside them.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { toJsonl, type Mode } from "../prompts";
import { repoRoot } from "../corpus/locate";
import { UserError } from "../util/errors";
import type { SplitData } from "./data";
import { COMMON_TRAINING, QLORA_QUANTIZATION, RECIPES, type Recipe } from "./recipes";

/**
 * faithful: the pinned 2024 stack (TRL 0.9.4). modern: current transformers/PEFT without TRL, the
 * same semantics and 4.41's update schedule replayed. fast: modern's stack and optimizer steps,
 * length-batched (an approximation). trl: `trl sft --config trl-sft.yaml` (an approximation).
 */
export const ENGINES = ["faithful", "modern", "fast", "trl"] as const;
export type Engine = (typeof ENGINES)[number];
/** Engines whose entrypoint is the bundle's train.py (the others run another command). */
export const TRAIN_PY_ENGINES: readonly Engine[] = ["faithful", "modern", "fast"];

/** The requirements file a bundle carries, per engine (the others are left out of it). */
export const REQUIREMENTS: Record<Engine, string> = {
  faithful: "requirements.txt",
  modern: "requirements-modern.txt",
  fast: "requirements-modern.txt",
  trl: "requirements-trl.txt",
};
/** Files of the entrypoint folders that never go into a bundle. */
const NOT_BUNDLED = new Set(["gpu_check.py"]);
/** fast: sequences per micro-step (8 × 8 accumulation = the original's window of 64). */
export const FAST_MICRO_BATCH = 8;

/** Files the trainer writes into a bundle (never part of the plan). */
export const RUN_OUTPUTS = ["adapter", "metrics.jsonl", "train.log", "status.json", "stack.json"] as const;
export const SAVE_DIR = "adapter";

export interface Selected {
  /** 1–11: the ensemble order of SPEC §6. */
  index: number;
  recipe: Recipe;
}

/** The default runs folder (git-ignored), where bundles are planned and scoring finds them. */
export function defaultRunsDir(root = repoRoot()): string {
  return join(root, "resource", "runs");
}

/** `--recipe N|NAME|all`, or a comma-separated list of them, in ensemble order, without repeats. */
export function selectRecipes(spec: string): Selected[] {
  const all = RECIPES.map((recipe, i) => ({ index: i + 1, recipe }));
  const picked = new Set<number>();
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (part === "all") {
      all.forEach((s) => picked.add(s.index));
      continue;
    }
    const n = /^\d+$/.test(part) ? Number(part) : RECIPES.findIndex((r) => r.name === part) + 1;
    if (!(n >= 1 && n <= RECIPES.length)) throw new UserError(`--recipe: "${part}" is not a recipe number (1–${RECIPES.length}), a recipe name or "all" (see \`cci train list\`)`);
    picked.add(n);
  }
  if (picked.size === 0) throw new UserError("--recipe is required: a number 1–11, a recipe name, a comma-separated list, or all");
  return all.filter((s) => picked.has(s.index));
}

/** How the original's launch scripts wrote a learning rate (`--lr 2e-4`). */
export function lrArg(lr: number): string {
  return lr.toExponential().replace("e+", "e");
}

/**
 * The faithful launch command, argument for argument as `scripts/train_model_N.sh` (SPEC §6a),
 * with `python -m run.train` → `python train.py` and save_dir inside the bundle. argv[0] is the
 * interpreter; `cci train launch --python PATH` puts PATH there.
 */
export function faithfulArgv(recipe: Recipe): string[] {
  return [
    "python",
    "train.py",
    "--model_id", recipe.model_id,
    "--custom_dataset", recipe.dataset,
    "--save_dir", SAVE_DIR,
    "--epoch", String(COMMON_TRAINING.num_train_epochs),
    "--lr", lrArg(recipe.learning_rate),
    "--gradient_accumulation_steps", String(COMMON_TRAINING.gradient_accumulation_steps),
    ...(recipe.load_in_4bit ? ["--load_in_4bit"] : []),
    "--lora_r", String(COMMON_TRAINING.lora_r),
    "--lora_alpha", String(COMMON_TRAINING.lora_alpha),
    "--lora_dropout", String(COMMON_TRAINING.lora_dropout),
    "--lora_target_modules", ...COMMON_TRAINING.lora_target_modules,
  ];
}

/** run.json's argv per engine: modern and fast are train.py with `--engine E` appended. */
export function engineArgv(recipe: Recipe, engine: Engine): string[] {
  if (engine === "trl") return trlArgv();
  const argv = faithfulArgv(recipe);
  if (engine === "modern") argv.push("--engine", "modern");
  if (engine === "fast") argv.push("--engine", "fast", "--micro_batch_size", String(FAST_MICRO_BATCH));
  return argv;
}

export const TRL_CONFIG = "trl-sft.yaml";
export function trlArgv(): string[] {
  return ["trl", "sft", "--config", TRL_CONFIG];
}

export interface TokenizerInfo {
  dir: string;
  files: Record<string, string>;
}

export interface RunJson {
  name: string;
  index: number;
  model_id: string;
  custom_dataset: string;
  data: Recipe["data"];
  mode: Mode;
  method: Recipe["method"];
  lr: number;
  epoch: number;
  gradient_accumulation_steps: number;
  load_in_4bit: boolean;
  lora_r: number;
  lora_alpha: number;
  lora_dropout: number;
  lora_target_modules: string[];
  engine: Engine;
  argv: string[];
  save_dir: string;
  /** The SFTConfig / model-loading values every recipe shares (SPEC §6, §6a). */
  training: Record<string, unknown>;
  /** BitsAndBytesConfig when load_in_4bit. */
  quantization: Record<string, unknown> | null;
  /** The eos string ending every target. */
  eos: string;
  splits: Record<string, { rows: number; kept: number; dropped: string[]; limit: number | null; tokens: "tokenizer" | "estimate" }>;
  files: Record<string, string>;
  tokenizer: TokenizerInfo | null;
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** sha256 of every regular file directly in a tokenizer folder. */
export function tokenizerInfo(dir: string, shownDir: string): TokenizerInfo {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isFile()) files[f] = sha256File(p);
  }
  return { dir: shownDir, files };
}

export interface BundleInput {
  selected: Selected;
  mode: Mode;
  engine: Engine;
  eos: string;
  splits: Record<"train" | "dev", SplitData>;
  tokenizer: TokenizerInfo | null;
  /** Entrypoint folders whose files are copied into the bundle root (lib/train/python, lib/infer/python). */
  entrypoints: string[];
  /** Extra files to write: relative path → text (README, trl config, compute plan). */
  extra: Record<string, string>;
}

/** run.json's fields other than `files`, from the recipe alone (what the golden tests pin). */
export function resolvedRecipe(sel: Selected, mode: Mode, engine: Engine): Omit<RunJson, "eos" | "splits" | "files" | "tokenizer"> {
  const r = sel.recipe;
  const { lora_r, lora_alpha, lora_dropout, lora_target_modules, train_file: _t, valid_file: _v, ...training } = COMMON_TRAINING;
  return {
    name: r.name,
    index: sel.index,
    model_id: r.model_id,
    custom_dataset: r.dataset,
    data: r.data,
    mode,
    method: r.method,
    lr: r.learning_rate,
    epoch: COMMON_TRAINING.num_train_epochs,
    gradient_accumulation_steps: COMMON_TRAINING.gradient_accumulation_steps,
    load_in_4bit: r.load_in_4bit,
    lora_r,
    lora_alpha,
    lora_dropout,
    lora_target_modules: [...lora_target_modules],
    engine,
    argv: engineArgv(r, engine),
    save_dir: SAVE_DIR,
    training: { ...training, max_seq_length: 1024, packing: true, logging_steps: 1, log_level: "info", bf16: true, learning_rate: r.learning_rate },
    quantization: r.load_in_4bit ? { ...QLORA_QUANTIZATION } : null,
  };
}

/** The files of a bundle other than run.json, as relative path → bytes. */
export function bundleFiles(input: BundleInput): Map<string, string | Buffer> {
  const files = new Map<string, string | Buffer>();
  for (const dir of input.entrypoints) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (!statSync(p).isFile() || f.endsWith(".pyc") || NOT_BUNDLED.has(f)) continue;
      if (/^requirements.*\.txt$/.test(f) && f !== REQUIREMENTS[input.engine]) continue;
      files.set(f, readFileSync(p));
    }
  }
  for (const split of ["train", "dev"] as const) {
    const s = input.splits[split];
    files.set(`data/${split}.jsonl`, toJsonl(s.rows));
    if (s.tokens) files.set(`data/${split}.tokens.jsonl`, toJsonl(s.tokens));
  }
  for (const [p, text] of Object.entries(input.extra)) files.set(p, text);
  return files;
}

export function buildRunJson(input: BundleInput, files: Map<string, string | Buffer>): RunJson {
  const hashes: Record<string, string> = {};
  for (const p of [...files.keys()].sort()) hashes[p] = sha256(files.get(p)!);
  const splits: RunJson["splits"] = {};
  for (const split of ["train", "dev"] as const) {
    const s = input.splits[split];
    splits[split] = { rows: s.rows.length, kept: s.rows.length - s.dropped.length, dropped: s.dropped, limit: s.limit, tokens: s.counted };
  }
  return { ...resolvedRecipe(input.selected, input.mode, input.engine), eos: input.eos, splits, files: hashes, tokenizer: input.tokenizer };
}

/**
 * Write a bundle as a whole: into a temp folder beside it, then renamed into place, so a bundle
 * is never half-written. An existing bundle is replaced only when it has not run (or `force`).
 */
export function writeBundle(runsDir: string, input: BundleInput, force = false): { dir: string; run: RunJson } {
  const dir = join(runsDir, input.selected.recipe.name);
  if (existsSync(dir) && !force) {
    const ran = RUN_OUTPUTS.filter((f) => existsSync(join(dir, f)));
    if (ran.length) throw new UserError(`${dir}: this run has already started (${ran.join(", ")}); use --force to plan it afresh (its outputs are deleted)`);
  }
  const files = bundleFiles(input);
  const run = buildRunJson(input, files);
  mkdirSync(runsDir, { recursive: true });
  const tmp = join(runsDir, `.${input.selected.recipe.name}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const [p, data] of files) {
      mkdirSync(dirname(join(tmp, p)), { recursive: true });
      writeFileSync(join(tmp, p), data);
    }
    writeFileSync(join(tmp, "run.json"), `${JSON.stringify(run, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir, run };
}

export function readRunJson(dir: string): RunJson {
  const p = join(dir, "run.json");
  try {
    return JSON.parse(readFileSync(p, "utf8")) as RunJson;
  } catch (err) {
    throw new UserError(`${p}: cannot read (${(err as Error).message.split("\n")[0]}); plan the run with \`cci train plan\``);
  }
}

/** Path shown in messages: relative to the working folder. */
export function shown(p: string): string {
  return relative(process.cwd(), p) || ".";
}

