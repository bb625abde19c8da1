import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultWorkspace, describeWorkspace, repoRoot } from "../../corpus/locate";
import { MODES, isMode, type Mode } from "../../prompts";
import { adapterDtypeRule, defaultRunsDir, ENGINES, readRunJson, selectRecipes, shown, type Engine, type RunJson } from "../../train/bundle";
import { assumptions, planRow } from "../../train/compute";
import { readCalibration, timeSummary } from "../../train/calibrate";
import { registerCalibrate } from "./train-calibrate";
import { loadRunCorpus } from "../../train/data";
import { registerCheckGpu } from "./train-check-gpu";
import { registerMerge } from "./train-merge";
import { templateOpt } from "./predict";
import { registerFetch } from "./train-fetch";
import { exitDescription } from "../../train/launch";
import { gpusOption, launchQueue } from "../../train/queue";
import { preflight } from "../../env/preflight";
import { pythonLine, resolvePython } from "../../env/python";
import { entrypointDirs, planRecipes, tokenizerLoader } from "../../train/plan";
import { RECIPES } from "../../train/recipes";
import { ADAPTER_DTYPES, DEFAULT_ADAPTER_DTYPE, type AdapterDtype } from "../../train/adapter-dtype";
import { runFolders, runState, summarizeRun } from "../../train/status";
import { TARGETS, skypilotTask, slurmJob, type ClusterOptions, type Target } from "../../train/targets";
import { shellQuote } from "../../util/shell";
import { writeFileAtomic } from "../../util/atomic";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";
import { addVariantOptions, describeVariant, isFaithful, variantFromOptions, type VariantOptions } from "../../variant/variant";
import { MANIFEST_NAME } from "../../variant/manifest";
import { bundleVariant, checkRunsFolderVariant, flagsTweakRules, planCorpus } from "../../variant/plan-corpus";

const entrypoints = () => entrypointDirs(repoRoot());

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UserError(`${flag}: expected ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

/** Write the SLURM array or SkyPilot task over some runs, and print the command that submits it. */
function writeTarget(target: Target, runsDir: string, runs: RunJson[], cluster: ClusterOptions = {}): void {
  if (target === "local") return;
  if (runs.length === 0) {
    info(`train: nothing to submit (every chosen run is done; --force to redo)`);
    return;
  }
  const job = target === "slurm" ? slurmJob(runsDir, runs, cluster) : skypilotTask(runsDir, runs, cluster);
  writeFileAtomic(job.path, job.text);
  info(`train: ${target} job for ${runs.length} run(s) → ${shown(job.path)}; submit it with:`);
  console.log(job.submit.map(shellQuote).join(" "));
}

interface PlanOpts extends VariantOptions {
  recipe?: string;
  out?: string;
  data?: string;
  tokenizer?: string;
  engine: string;
  target: string;
  force?: boolean;
  baseModel?: string;
  lr?: string;
  calibration?: string;
  template?: string;
  adapterDtype: string;
}

interface LaunchOpts {
  recipe: string;
  runs?: string;
  python?: string;
  target: string;
  force?: boolean;
  keepGoing?: boolean;
  gpus?: string;
  partition?: string;
  account?: string;
  time?: string;
  setup?: string;
  hfHome?: string;
  accelerator?: string;
  allowCpu?: boolean;
}

/** The cluster job's interpreter: --python as given (relative → absolute), else the engine's venv, else python3. */
function clusterOptions(opts: LaunchOpts, engine: Engine): ClusterOptions {
  let python: string;
  if (opts.python) python = opts.python.includes("/") ? resolve(opts.python) : opts.python;
  else python = resolvePython(undefined, engine, repoRoot()).python;
  return { python, partition: opts.partition, account: opts.account, time: opts.time, setup: opts.setup, hfHome: opts.hfHome ?? process.env.HF_HOME, accelerator: opts.accelerator };
}

function registerPlan(train: Command): void {
  const planCmd = train
    .command("plan")
    .summary("recipes → run bundles (data, entrypoint, run.json, compute plan)")
    .description(
      [
        "Write one run bundle per recipe, {out}/{recipe name}/ (SPEC §6, §6a):",
        "run.json (the resolved recipe, the exact argv, sha256 of every file), the",
        "prompt rows of train and dev (raw or refined), with --tokenizer the token",
        "ids and labels, train.py and the engine's requirements file, README.md, and",
        "compute.json (steps, tokens, memory, GPU-hours).",
        "",
        "--tokenizer DIR: a Hugging Face tokenizer folder used for every recipe, or a",
        "folder holding one per model id (DIR/beomi/Solar-Ko-Recovery-11B/…). Without",
        "it token counts are estimates from characters and nothing is dropped by the",
        "length rule.",
        "--engine: faithful (the pinned 2024 stack, TRL 0.9.4), modern (current",
        "transformers/PEFT without TRL, 4.41's update schedule replayed), fast",
        "(modern, length-batched: same optimizer steps, an approximation), trl",
        "(trl-sft.yaml and data/trl/ for `trl sft`, an approximation).",
        "--adapter-dtype: original (default: PEFT 0.11.1's rule, bf16 LoRA on bf16",
        "layers and every lm_head, fp32 on 4-bit layers) or fp32 (every adapter fp32,",
        "PEFT ≥ 0.12's default; a deviation). See lib/train/ENGINES.md.",
        "--base-model DIR loads the base from a local folder (run.json's model_id);",
        "--lr replaces the recipe's learning rate (both for experiments and tests).",
        "--target slurm|skypilot also writes the cluster job over the planned",
        "bundles.",
        "",
        "Variants (lib/variant/README.md): --rules FILE, --disable, --alt, --add-rule",
        "refine the refined recipes' data with that rule table; --prompt-mode sets",
        "the prompts. A variant other than the faithful one is planned into its own",
        "runs folder (default resource/runs/VARIANT); one runs folder never mixes",
        "variants. --data a folder `cci refine` wrote (it holds " + MANIFEST_NAME + ") is",
        "taken as refined by its own rules, never refined again; rule flags that",
        "ask for other rules are refused. run.json records the variant (name, rule",
        "table, prompt mode) and the sha256 of the corpus files each recipe read.",
      ].join("\n"),
    )
    .option("--recipe <which>", "N (1–11), a recipe name, a comma-separated list, or all")
    .option("--out <dir>", "runs folder (default resource/runs)")
    .option("--data <dir>", "corpus folder with train.json and dev.json (default: resource/data, else the sample)")
    .option("--tokenizer <dir>", "tokenizer folder (or a folder of them by model id)")
    .option("--template <which>", "legacy: a tokenizer folder without a chat template renders with transformers 4.41's class default, as the original did, and the bundle carries it for train.py (without it such a folder is refused)")
    .option("--engine <engine>", ENGINES.join(", "), "faithful")
    .option("--adapter-dtype <dtype>", `LoRA weights' dtype: ${ADAPTER_DTYPES.join(" or ")}`, DEFAULT_ADAPTER_DTYPE)
    .option("--base-model <dir>", "load the base model from this folder instead of the recipe's Hub id")
    .option("--lr <lr>", "learning rate instead of the recipe's")
    .option("--mode <mode>", `prompt mode: ${MODES.join(" or ")} (alias of --prompt-mode)`)
    .option("--target <target>", TARGETS.join(", "), "local")
    .option("--force", "plan afresh over runs that already started (their outputs are deleted)")
    .option("--calibration <file>", "step times from `cci train calibrate` (default: the H200 measurement shipped in lib/train/steptime-h200.ts)");
  addVariantOptions(planCmd, { prompts: true });
  planCmd.action(async (opts: PlanOpts) => {
      const calibration = opts.calibration ? readCalibration(opts.calibration) : undefined;
      const selected = selectRecipes(opts.recipe ?? "");
      const engine = oneOf<Engine>("--engine", opts.engine, ENGINES);
      const target = oneOf<Target>("--target", opts.target, TARGETS);
      const asked = variantFromOptions(opts);
      const adapterDtype = oneOf<AdapterDtype>("--adapter-dtype", opts.adapterDtype, ADAPTER_DTYPES);
      adapterDtypeRule(engine, adapterDtype); // refused before any work: trl has TRL's own rule
      let dataDir = opts.data;
      if (!dataDir) {
        const ws = defaultWorkspace();
        info(describeWorkspace(ws));
        dataDir = ws.data;
      }
      const lr = opts.lr === undefined ? undefined : Number(opts.lr);
      if (lr !== undefined && !(lr > 0 && Number.isFinite(lr))) throw new UserError(`--lr: expected a positive number, got "${opts.lr}"`);
      if (opts.baseModel !== undefined && !existsSync(join(opts.baseModel, "config.json"))) throw new UserError(`--base-model ${opts.baseModel}: no config.json there (give a Hugging Face model folder)`);
      const baseModel = opts.baseModel === undefined ? undefined : resolve(opts.baseModel);
      // The legacy default is its tokenizer class's: without a folder there is no class to name.
      if (opts.template !== undefined && !opts.tokenizer) throw new UserError(`--template ${opts.template}: needs --tokenizer DIR (the legacy default is the tokenizer class's; the bundle carries it for train.py)`);
      const corpus = planCorpus(dataDir, asked, flagsTweakRules(opts), selected);
      if (corpus.note) info(corpus.note);
      const variant = corpus.variant;
      const mode: Mode = variant.prompts;
      const variantDir = join(defaultRunsDir(), variant.name);
      const runsDir = resolve(opts.out ?? (isFaithful(variant) ? defaultRunsDir() : variantDir));
      checkRunsFolderVariant(runsDir, variant, selected.map((s) => s.recipe.name), shown(isFaithful(variant) ? defaultRunsDir() : variantDir) === shown(runsDir) ? `${shown(runsDir)}-${variant.name}` : shown(isFaithful(variant) ? defaultRunsDir() : variantDir));
      if (!isFaithful(variant)) info(`train plan: variant ${describeVariant(variant)} → ${shown(runsDir)}`);
      const raw = corpus.raw;
      const planned = await planRecipes(selected, raw, { rules: variant.rules, refined: corpus.refined, provenance: corpus.provenance, runsDir, mode, engine, entrypoints: entrypoints(), force: opts.force, calibration, tokenizerFor: opts.tokenizer ? tokenizerLoader(opts.tokenizer, { template: templateOpt(opts.template) }) : undefined, baseModel, lr, adapterDtype }, (p) =>
        info(`train plan: ${p.run.index.toString().padStart(2)} ${shown(p.dir)}  train ${p.plan.kept}/${p.plan.trainExamples}, dev ${p.plan.devKept}, ${p.plan.schedule.maxSteps} steps (${p.run.engine}: ${p.plan.schedule.loop} loop, ${p.plan.schedule.realSteps} updates), adapter ${p.run.adapter_dtype}`),
      );
      printTable(planned.map((p) => ({ ...planRow(p.plan), variant: variant.name })));
      info(`train plan: ${planned.length} bundle(s) of variant ${variant.name} in ${shown(runsDir)}`);
      if (!opts.tokenizer) info("train plan: no --tokenizer: token counts are estimates from characters (see the assumptions); the length rule was not applied");
      info("assumptions:");
      for (const a of assumptions(opts.tokenizer ? "tokenizer" : "estimate", calibration)) info(`  - ${a}`);
      for (const l of timeSummary(planned.map((p) => p.plan), calibration)) info(l);
      if (opts.tokenizer) {
        const byDir = new Map<string, Set<string>>();
        for (const p of planned) if (p.run.tokenizer) byDir.set(p.run.tokenizer.dir, (byDir.get(p.run.tokenizer.dir) ?? new Set()).add(p.run.model_id));
        for (const [dir, models] of byDir)
          if (models.size > 1) info(`train plan: warning: one tokenizer (${dir}) for ${models.size} base models (${[...models].join(", ")}); train.py refuses to train where a model's own tokenizer gives other ids`);
      }
      writeTarget(target, runsDir, planned.map((p) => p.run));
      if (target === "local" && planned.length) {
        const which = planned.map((p) => p.run.index).join(",");
        info(`next: python3 ${shellQuote(shown(join(planned[0].dir, "train.py")))} --check, then ./lib/cli/cci.mjs train launch --recipe ${which}${opts.out ? ` --runs ${shellQuote(shown(runsDir))}` : ""} --python PATH/TO/venv/bin/python`);
      }
    });
}

function registerLaunch(train: Command): void {
  train
    .command("launch")
    .summary("run planned bundles here (progress, log, status) or write a SLURM/SkyPilot job")
    .description(
      [
        "Run each chosen bundle's train.py (faithful, modern or fast engine; a trl",
        "bundle runs `trl sft` itself, see its README), one after another: PYTHON",
        "train.py ARGS (run.json's argv, as an argument array, never a shell string)",
        "in the bundle folder. metrics.jsonl is followed into a progress display",
        "(step/total, loss, ETA); the whole output is kept in train.log (values of",
        "secret-looking variables such as HF_TOKEN redacted); status.json says",
        "running/done/failed. Finished runs are skipped unless --force. A failure",
        "prints the log's last lines and exits non-zero.",
        "--target slurm writes an sbatch job array, --target skypilot a task YAML,",
        "over the chosen runs that are not done, and prints the one command that",
        "submits it.",
        "HF_TOKEN is read from the environment at run time and never written.",
      ].join("\n"),
    )
    .option("--recipe <which>", "N (1–11), a recipe name, a comma-separated list, or all", "all")
    .option("--runs <dir>", "runs folder (default resource/runs)")
    .option("--python <path>", "Python with the engine's requirements (default: the engine's environment from `cci env create`, .venv-modern for modern and fast, else python3); relative to the current folder")
    .option("--gpus <list>", "run one recipe per GPU at a time (CUDA_VISIBLE_DEVICES), e.g. 0,1,2,3; the rest wait in a queue; failures are reported at the end")
    .option("--target <target>", TARGETS.join(", "), "local")
    .option("--allow-cpu", "train on the CPU when torch sees no GPU (tiny models and rehearsals; the recipes need a GPU)")
    .option("--force", "run again even when done (its outputs are deleted)")
    .option("--keep-going", "after a failure, go on with the next run (always so with --gpus)")
    .option("--partition <name>", "slurm: #SBATCH --partition")
    .option("--account <name>", "slurm: #SBATCH --account")
    .option("--time <limit>", "slurm: #SBATCH --time (default 24:00:00)")
    .option("--setup <line>", "slurm: a shell line run before training (e.g. 'module load cuda/12.4')")
    .option("--hf-home <dir>", "slurm: HF_HOME for the jobs, a shared cache (default: $HF_HOME when set)")
    .option("--accelerator <spec>", "skypilot: resources.accelerators (default A100:1, the original's GPU; e.g. H100:1)")
    .action(async (opts: LaunchOpts) => {
      const target = oneOf<Target>("--target", opts.target, TARGETS);
      const runsDir = resolve(opts.runs ?? defaultRunsDir());
      const selected = selectRecipes(opts.recipe);
      const dirs = selected.map((s) => join(runsDir, s.recipe.name));
      const missing = dirs.filter((d) => !existsSync(join(d, "run.json")));
      if (missing.length) throw new UserError(`not planned: ${missing.map(shown).join(", ")} (run \`cci train plan --recipe ${opts.recipe} --out ${shown(runsDir)}\` first)`);
      if (target !== "local") {
        const todo = dirs.filter((d) => opts.force || runState(d) !== "done").map(readRunJson);
        writeTarget(target, runsDir, todo, clusterOptions(opts, todo[0]?.engine ?? "faithful"));
        return;
      }
      const gpus = gpusOption(opts.gpus);
      // One interpreter for the batch: the engine of the first bundle picks the default venv.
      const engine = readRunJson(dirs[0]).engine;
      const resolved = resolvePython(opts.python, engine, repoRoot());
      const { python } = resolved;
      info(`train: ${pythonLine(resolved, engine)}`);
      // Up front, one line each: the environment's libraries and GPUs, the bases' weights.
      const todo = dirs.filter((d) => opts.force || runState(d) !== "done").map(readRunJson);
      if (todo.length) for (const l of await preflight({ python, engine, runs: todo, gpus, allowCpu: opts.allowCpu, root: repoRoot() })) info(l);
      if (gpus && gpus.length > 1) info(`train: ${dirs.length} run(s) on ${gpus.length} GPUs (${gpus.join(", ")}), one run per GPU at a time`);
      const results = await launchQueue(dirs, gpus, { python, force: opts.force, stopOnFailure: !gpus && !opts.keepGoing });
      const failures: string[] = [];
      for (const r of results) {
        const dir = r.dir;
        if (r.outcome === "skipped") info(`train: ${r.name}: done already, skipped (--force to run again)`);
        else if (r.outcome === "done") info(`train: ${r.name}: done, ${r.steps} steps; ${existsSync(join(dir, "adapter")) ? `adapter in ${shown(join(dir, "adapter"))}` : "but no adapter/ was written"}`);
        else {
          if (r.error) info(`train: ${r.name}: not run: ${r.error}`);
          else {
            info(`train: ${r.name}: failed (${exitDescription(r)}); last lines of ${shown(join(dir, "train.log"))}:`);
            for (const l of r.tail) info(`  | ${l}`);
          }
          failures.push(r.name);
        }
      }
      if (failures.length) throw new UserError(`${failures.length} run(s) failed: ${failures.join(", ")}`, 1);
    });
}

function registerStatus(train: Command): void {
  train
    .command("status")
    .summary("every run: planned / running / failed / done, last loss, eval loss per epoch")
    .option("--runs <dir>", "runs folder (default resource/runs)")
    .action((opts: { runs?: string }) => {
      const runsDir = resolve(opts.runs ?? defaultRunsDir());
      const runs = runFolders(runsDir);
      if (runs.length === 0) {
        info(`train status: no run bundles in ${shown(runsDir)} (plan them with \`cci train plan --recipe all\`)`);
        return;
      }
      printTable(
        runs.map((r) => {
          const s = summarizeRun(r.dir, r.name);
          return {
            "#": r.index,
            run: r.name,
            variant: bundleVariant(r.dir).name,
            state: s.state,
            step: s.step === null ? "" : `${s.step}/${s.maxSteps ?? "?"}`,
            "last loss": s.lastLoss === null ? "" : +s.lastLoss.toFixed(4),
            "eval loss by epoch": s.evalLoss.map((x) => x.toFixed(4)).join(" "),
          };
        }),
      );
      const trl = runs.filter((r) => !existsSync(join(r.dir, "metrics.jsonl")) && /"engine":\s*"trl"/.test(readFileSync(join(r.dir, "run.json"), "utf8")));
      if (trl.length) info(`train status: ${trl.map((r) => r.name).join(", ")}: trl sft writes no metrics.jsonl; its steps and loss are in its console output (train.log when teed as the bundle README says)`);
    });
}

export function register(program: Command): void {
  const train = program
    .command("train")
    .summary("the eleven recipes as run bundles: plan, launch, status")
    .description("Training runs of SPEC §6 as launchable, monitored bundles. See `cci train plan --help`.");
  train
    .command("list")
    .summary("the eleven recipes (and the variant of each one's bundle in --runs)")
    .option("--runs <dir>", "runs folder whose bundles' variants to show (default resource/runs)")
    .action((opts: { runs?: string }) => {
      const runsDir = resolve(opts.runs ?? defaultRunsDir());
      // "variant" is the prompt variant (SPEC §4); "bundle variant" the refinement/prompt-mode variant a planned bundle was built with.
      const planned = (name: string) => (existsSync(join(runsDir, name, "run.json")) ? bundleVariant(join(runsDir, name)).name : "");
      printTable(RECIPES.map((r, i) => ({ "#": i + 1, name: r.name, model: r.model_id, method: r.method, "4-bit": r.load_in_4bit, lr: r.learning_rate, variant: r.dataset, data: r.data, "bundle variant": planned(r.name) })));
    });
  registerPlan(train);
  registerLaunch(train);
  registerStatus(train);
  registerCheckGpu(train);
  registerCalibrate(train);
  registerMerge(train);
  registerFetch(train);
}
