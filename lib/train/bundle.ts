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
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { toJsonl, type Mode } from "../prompts";
import { repoRoot } from "../corpus/locate";
import { UserError } from "../util/errors";
import { alive, sweepStale, trackFolder, trackTemp, untrackFolder, untrackTemp } from "../util/cleanup";
import { fsError, makeDirs } from "../util/output-rule";
import { copyOutput, openRecord, removeOutput, renameOutput, writeOutput } from "../util/outputs";
import { runState } from "./status";
import type { SplitData } from "./data";
import { COMMON_TRAINING, QLORA_QUANTIZATION, RECIPES, type Recipe } from "./recipes";
import type { VariantRecord } from "../variant/variant";
import type { CorpusRecord } from "../variant/manifest";
import { DEFAULT_ADAPTER_DTYPE, type AdapterDtype, type AdapterDtypeRule } from "./adapter-dtype";

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
export function engineArgv(recipe: Recipe, engine: Engine, adapterDtype: AdapterDtype = DEFAULT_ADAPTER_DTYPE): string[] {
  if (engine === "trl") return trlArgv();
  const argv = faithfulArgv(recipe);
  if (engine === "modern") argv.push("--engine", "modern");
  if (engine === "fast") argv.push("--engine", "fast", "--micro_batch_size", String(FAST_MICRO_BATCH));
  // Only the deviation is spelled out: the original's command line stays the original's.
  if (adapterDtype !== DEFAULT_ADAPTER_DTYPE) argv.push("--adapter_dtype", adapterDtype);
  return argv;
}

/** run.json's adapter_dtype: the choice for train.py's engines; TRL's own rule for trl (it cannot be chosen there). */
export function adapterDtypeRule(engine: Engine, adapterDtype: AdapterDtype = DEFAULT_ADAPTER_DTYPE): AdapterDtypeRule {
  if (engine !== "trl") return adapterDtype;
  if (adapterDtype !== DEFAULT_ADAPTER_DTYPE) throw new UserError(`--adapter-dtype ${adapterDtype}: the trl engine's adapter dtype is TRL's own (fp32 on a bf16 base, bf16 on a 4-bit one; lib/train/ENGINES.md); --adapter-dtype applies to the faithful, modern and fast engines`);
  return "trl";
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
  /** The LoRA weights' dtype (lib/train/adapter-dtype.ts): the original's rule, fp32, or TRL's own. */
  adapter_dtype: AdapterDtypeRule;
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
  /** The variant the bundle was planned with (absent in bundles planned before variants: faithful). */
  variant?: VariantRecord;
  /** The corpus files the recipe's rows were built from, and who refined them. */
  corpus?: RunCorpus;
}

export interface RunCorpus {
  data: Recipe["data"];
  /** null: raw data; "train plan": refined by the variant's rules while planning; "cci refine": a folder already refined. */
  refined_by: "train plan" | "cci refine" | null;
  files: CorpusRecord | null;
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
  /** `--adapter-dtype` (default the original's). */
  adapterDtype?: AdapterDtype;
  eos: string;
  splits: Record<"train" | "dev", SplitData>;
  tokenizer: TokenizerInfo | null;
  /** Entrypoint folders whose files are copied into the bundle root (lib/train/python, lib/infer/python). */
  entrypoints: string[];
  /** Extra files to write: relative path → text (README, trl config, compute plan). */
  extra: Record<string, string>;
  provenance?: { variant: VariantRecord; corpus: RunCorpus };
}

/** run.json's fields other than `files`, from the recipe alone (what the golden tests pin). */
export function resolvedRecipe(sel: Selected, mode: Mode, engine: Engine, adapterDtype: AdapterDtype = DEFAULT_ADAPTER_DTYPE): Omit<RunJson, "eos" | "splits" | "files" | "tokenizer"> {
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
    adapter_dtype: adapterDtypeRule(engine, adapterDtype),
    argv: engineArgv(r, engine, adapterDtype),
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
  return { ...resolvedRecipe(input.selected, input.mode, input.engine, input.adapterDtype), eos: input.eos, splits, files: hashes, tokenizer: input.tokenizer, ...(input.provenance ?? {}) };
}

/** A bundle written in full into a temp folder beside its place, not yet moved there. */
export interface StagedBundle {
  dir: string;
  tmp: string;
  run: RunJson;
}

/** Temp names of staged and replaced bundles (`.{name}.cci-{pid}-{stage|old}.tmp`), swept when their writer is dead. */
const BUNDLE_TEMP = /^\..+\.cci-(\d+)-(?:stage|old)\.tmp$/;

/**
 * Whether `dir` may be replaced by a new plan: missing, or a bundle (run.json) that has not run,
 * or (with `force`) one that ran and is not running now. A folder without run.json, a file or a
 * link in its place, and a live run are never deleted.
 */
export function checkReplaceable(dir: string, force = false): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new UserError(`${shown(dir)}: exists and is not a bundle folder; move it away or plan into another --out`);
  if (!existsSync(join(dir, "run.json"))) throw new UserError(`${shown(dir)}: a folder without run.json (not a bundle \`cci train plan\` wrote); refusing to replace it: move it away or plan into another --out`);
  const ran = RUN_OUTPUTS.filter((f) => existsSync(join(dir, f)));
  if (ran.length && !force) throw new UserError(`${dir}: this run has already started (${ran.join(", ")}); use --force to plan it afresh (its outputs are deleted)`);
  if (runState(dir) === "running") throw new UserError(`${shown(dir)}: still training (status.json says running); stop it before planning it afresh, even with --force`);
}

/**
 * Files in an existing bundle that the plan did not write and the trainer does not own (a user's
 * notes, a prediction's inputs): carried into the new bundle, unless the new plan writes the same
 * path, which is refused rather than overwritten.
 */
function carriedFiles(dir: string, files: Map<string, string | Buffer>): string[] {
  if (!existsSync(join(dir, "run.json"))) return [];
  let planned: Set<string>;
  try {
    planned = new Set(Object.keys(readRunJson(dir).files ?? {}));
  } catch {
    planned = new Set();
  }
  const owned = (rel: string) => rel === "run.json" || planned.has(rel) || RUN_OUTPUTS.some((o) => rel === o || rel.startsWith(`${o}/`));
  const carried: string[] = [];
  const visit = (sub: string) => {
    for (const n of readdirSync(join(dir, sub))) {
      const rel = sub ? `${sub}/${n}` : n;
      if (owned(rel)) continue;
      const st = lstatSync(join(dir, rel));
      if (st.isDirectory()) visit(rel);
      else if (files.has(rel)) throw new UserError(`${shown(join(dir, rel))}: not written by \`cci train plan\`, and the new plan writes it; move it away first`);
      else carried.push(rel);
    }
  };
  visit("");
  return carried;
}

/** Write a bundle in full into a temp folder beside its place (`commitBundles` moves it there). */
export function stageBundle(runsDir: string, input: BundleInput, force = false): StagedBundle {
  const dir = join(runsDir, input.selected.recipe.name);
  checkReplaceable(dir, force);
  const files = bundleFiles(input);
  const run = buildRunJson(input, files);
  // A tokenizer path resolvable from the bundle, wherever plan ran (inputs.ts reads it relative to the bundle).
  if (run.tokenizer && !isAbsolute(run.tokenizer.dir)) run.tokenizer = { ...run.tokenizer, dir: relative(dir, resolve(run.tokenizer.dir)) || "." };
  const carried = carriedFiles(dir, files);
  makeDirs(runsDir, shown(runsDir));
  sweepStale(runsDir, BUNDLE_TEMP);
  const tmp = join(runsDir, `.${input.selected.recipe.name}.cci-${process.pid}-stage.tmp`);
  trackFolder(tmp);
  try {
    removeOutput(tmp);
    for (const [p, data] of files) writeOutput(join(tmp, p), data, { verbatim: true }); // entrypoints and token ids as they are
    for (const p of carried) copyOutput(join(dir, p), join(tmp, p));
    writeOutput(join(tmp, "run.json"), `${JSON.stringify(run, null, 2)}\n`);
  } catch (err) {
    removeOutput(tmp);
    untrackFolder(tmp);
    throw fsError(err, shown(runsDir));
  }
  return { dir, tmp, run };
}

/** Drop staged bundles that will not be committed. */
export function discardBundles(staged: readonly StagedBundle[]): void {
  for (const s of staged) {
    removeOutput(s.tmp);
    untrackFolder(s.tmp);
  }
}

/**
 * Move staged bundles into place, all or nothing: each old bundle is first renamed aside, and if
 * any move fails every one is put back; the old ones are deleted only once all new ones are in.
 */
export function commitBundles(staged: readonly StagedBundle[], force = false): void {
  const done: { s: StagedBundle; old?: string }[] = [];
  try {
    for (const s of staged) {
      checkReplaceable(s.dir, force); // again: a launch may have started since staging
      const old = existsSync(s.dir) ? s.tmp.replace(/-stage\.tmp$/, "-old.tmp") : undefined;
      if (old) renameOutput(s.dir, old);
      done.push({ s, old });
      renameOutput(s.tmp, s.dir);
      untrackFolder(s.tmp);
    }
  } catch (err) {
    for (const { s, old } of done.reverse()) {
      if (existsSync(s.dir) && !existsSync(s.tmp)) renameOutput(s.dir, s.tmp);
      if (old) renameOutput(old, s.dir);
    }
    discardBundles(staged);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT")
      throw new UserError(`${shown(dirname(staged[0].dir))}: another \`cci train plan\` changed these bundles meanwhile; nothing was replaced, run it again`);
    throw fsError(err, shown(dirname(staged[0]?.dir ?? ".")));
  }
  for (const { old } of done) if (old) removeOutput(old);
}

/** Write one bundle as a whole (staged, then moved into place). */
export function writeBundle(runsDir: string, input: BundleInput, force = false): { dir: string; run: RunJson } {
  const staged = stageBundle(runsDir, input, force);
  commitBundles([staged], force);
  return { dir: staged.dir, run: staged.run };
}

/**
 * One `train plan` at a time per runs folder: a lock file naming the planner's pid, taken with
 * O_EXCL; a lock whose pid is dead is stale and taken over.
 */
export function lockRunsDir(runsDir: string): () => void {
  makeDirs(runsDir, shown(runsDir));
  const lock = join(runsDir, ".plan.lock");
  for (let tries = 0; tries < 3; tries++) {
    try {
      const file = openRecord(lock, "wx");
      file.write(`${process.pid}\n`);
      file.close();
      trackTemp(lock);
      return () => {
        removeOutput(lock);
        untrackTemp(lock);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw fsError(err, shown(runsDir));
      const pid = Number.parseInt(readFileSafe(lock), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new UserError(`${shown(runsDir)}: another \`cci train plan\` (pid ${pid}) is writing bundles here; wait for it`);
      removeOutput(lock);
    }
  }
  throw new UserError(`${shown(runsDir)}: cannot take the plan lock (${lock})`);
}

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

export function readRunJson(dir: string): RunJson {
  const p = join(dir, "run.json");
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(p, "utf8"));
  } catch (err) {
    throw new UserError(`${p}: cannot read (${(err as Error).message.split("\n")[0]}); plan the run with \`cci train plan\``);
  }
  const bad = runJsonProblem(data);
  if (bad) throw new UserError(`${shown(p)}: ${bad}; plan the run afresh with \`cci train plan\``);
  return data as RunJson;
}

/** The first field of a run.json that launch and plan cannot use (a string argv would run letter by letter), or undefined. */
export function runJsonProblem(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return "expected a JSON object";
  const o = data as Record<string, unknown>;
  const str = (v: unknown) => typeof v === "string" && v !== "";
  if (!str(o.name)) return `name: expected a non-empty string, got ${JSON.stringify(o.name) ?? "nothing"}`;
  if (!str(o.engine)) return `engine: expected a non-empty string, got ${JSON.stringify(o.engine) ?? "nothing"}`;
  if (!Array.isArray(o.argv) || o.argv.length === 0 || !o.argv.every((a) => typeof a === "string"))
    return `argv: expected a non-empty list of strings, got ${(JSON.stringify(o.argv) ?? "nothing").slice(0, 60)}`;
  if (!str(o.save_dir)) return `save_dir: expected a non-empty string, got ${JSON.stringify(o.save_dir) ?? "nothing"}`;
  if (typeof o.files !== "object" || o.files === null || Array.isArray(o.files)) return "files: expected an object of path → sha256";
  return undefined;
}

/** Path shown in messages: relative to the working folder. */
export function shown(p: string): string {
  return relative(process.cwd(), p) || ".";
}

