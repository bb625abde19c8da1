/**
 * Cluster targets: a SLURM job array and a SkyPilot task over the chosen bundles. Both run the
 * same command as a local launch (run.json's argv, interpreter from $PYTHON), and neither holds
 * a secret: HF_TOKEN is passed from the submitting shell's environment at submit time.
 */
import { join, resolve } from "node:path";
import { Document } from "yaml";
import { REQUIREMENTS, type Engine, type RunJson } from "./bundle";
import { shellQuote } from "../util/shell";
import { UserError } from "../util/errors";

export const TARGETS = ["local", "slurm", "skypilot"] as const;
export type Target = (typeof TARGETS)[number];


/** The run's argv without its interpreter placeholder. */
const entryArgs = (run: RunJson) => run.argv.slice(1);

export interface JobFile {
  path: string;
  text: string;
  /** The one command that submits it. */
  submit: string[];
}

/** Cluster settings from `cci train launch --target slurm|skypilot` (all optional). */
export interface ClusterOptions {
  /** The interpreter each task runs (absolute, or a name on the node's PATH). Default python3. */
  python?: string;
  partition?: string;
  account?: string;
  /** SLURM time limit, e.g. 24:00:00 (default as before). */
  time?: string;
  /** A line of shell run before training, e.g. `module load cuda/12.4` or `source ~/venv/bin/activate`. */
  setup?: string;
  /** HF_HOME for the jobs: one shared cache so the bases are downloaded once. */
  hfHome?: string;
  /** SkyPilot accelerator (default A100:1, the original's GPU). */
  accelerator?: string;
}

/**
 * Each array task first makes sure its base is in the cache, one download at a time (flock on
 * a lock file beside the job): tasks that all start fetching the same 22–28 GB base at once race
 * each other; with the lock the first fetches and the rest find it cached.
 */
function prefetchLine(r: RunJson, lock: string): string {
  if (r.model_id.startsWith("/")) return ""; // a local folder (--base-model): nothing to fetch
  const py = "import sys; from huggingface_hub import snapshot_download; snapshot_download(sys.argv[1])";
  return `flock ${shellQuote(lock)} "$PYTHON" -c ${shellQuote(py)} ${shellQuote(r.model_id)} && `;
}

/** `#SBATCH` values: one line, no shell expansion (sbatch reads them, no shell does). */
function sbatchValue(flag: string, v: string): string {
  if (/[\n\r\0]/.test(v)) throw new UserError(`${flag}: a line break or NUL in "${shownValue(v)}" cannot go into an #SBATCH line`);
  return v;
}

/** A value as it can be shown on one line. */
const shownValue = (v: string) => v.replace(/[\x00-\x1f\x7f]/g, (c) => (c === "\n" ? "\\n" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));

/**
 * A scheduler setting (partition, account, accelerator): one word. A space would make the rest
 * another sbatch option; a line break another YAML key or #SBATCH line.
 */
export function clusterWord(flag: string, v: string): string {
  // eslint-disable-next-line no-control-regex
  if (v === "" || /[\s\x00-\x1f\x7f]/.test(v)) throw new UserError(`${flag}: expected one word without spaces or control characters, got "${shownValue(v)}"`);
  return v;
}

/** SLURM's --time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED/INFINITE. */
const SLURM_TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2}|unlimited|infinite)$/i;

export function slurmTime(v: string): string {
  if (!SLURM_TIME.test(v)) throw new UserError(`--time: expected a SLURM time limit (minutes, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS; e.g. 24:00:00), got "${shownValue(v)}"`);
  return v;
}

/** The runs folder goes into YAML comments, #SBATCH lines and scripts: no control characters. */
function runsPath(abs: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(abs)) throw new UserError(`--runs: a line break or control character in "${shownValue(abs)}" cannot go into a job file`);
  return abs;
}

export function slurmJob(runsDir: string, runs: readonly RunJson[], opts: ClusterOptions = {}): JobFile {
  const abs = runsPath(resolve(runsDir));
  const python = opts.python ?? "python3";
  const out = join(abs, "slurm", "%x-%A_%a.out");
  const lock = join(abs, "slurm", "prefetch.lock");
  const cases = runs
    .map((r, i) => `  ${i}) ${prefetchLine(r, lock)}cd ${shellQuote(join(abs, r.name))} && exec "$PYTHON" ${entryArgs(r).map(shellQuote).join(" ")} > train.log 2>&1 ;;`)
    .join("\n");
  const text = [
    "#!/bin/bash",
    "# One array task per recipe bundle, written by `cci train plan|launch --target slurm`.",
    "# Hardware of the original: one A100 40 GB per run. HF_TOKEN comes from the submitting shell",
    "# (--export=ALL); it is never written here. PYTHON: the venv with requirements.txt installed.",
    "#SBATCH --job-name=cci-train",
    `#SBATCH --array=0-${runs.length - 1}`,
    "#SBATCH --gres=gpu:1",
    "#SBATCH --cpus-per-task=8",
    "#SBATCH --mem=64G",
    `#SBATCH --time=${slurmTime(sbatchValue("--time", opts.time ?? "24:00:00"))}`,
    ...(opts.partition !== undefined ? [`#SBATCH --partition=${clusterWord("--partition", sbatchValue("--partition", opts.partition))}`] : []),
    ...(opts.account !== undefined ? [`#SBATCH --account=${clusterWord("--account", sbatchValue("--account", opts.account))}`] : []),
    // sbatch reads this line itself (no shell): quoted so a path with spaces stays one value.
    `#SBATCH --output=${JSON.stringify(sbatchValue("--output", out))}`,
    "set -euo pipefail",
    ...(opts.setup ? ["# environment (--setup)", opts.setup] : []),
    ...(opts.hfHome ? [`export HF_HOME=${shellQuote(opts.hfHome)}`] : []),
    `PYTHON="\${PYTHON:-${python.replace(/[\\"$`]/g, "\\$&")}}"`,
    'case "$SLURM_ARRAY_TASK_ID" in',
    cases,
    '  *) echo "no bundle for task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
    "esac",
    "",
  ].join("\n");
  const path = join(runsDir, "slurm", "train.sbatch");
  return { path, text, submit: ["sbatch", "--export=ALL", path] };
}

/** pip install of the requirements the chosen bundles carry (one file per engine). */
function skySetup(runs: readonly RunJson[]): string {
  const files = [...new Set(runs.map((r) => `~/sky_workdir/${shellQuote(r.name)}/${REQUIREMENTS[r.engine as Engine] ?? "requirements.txt"}`))];
  const faithful = runs.some((r) => r.engine === "faithful");
  return `pip install ${files.map((f) => `-r ${f}`).join(" ")}${faithful ? " --extra-index-url https://download.pytorch.org/whl/cu121" : ""}`;
}

export function skypilotTask(runsDir: string, runs: readonly RunJson[], opts: ClusterOptions = {}): JobFile {
  const abs = runsPath(resolve(runsDir));
  const accelerator = clusterWord("--accelerator", opts.accelerator ?? "A100:1");
  const run = runs
    .map((r) => `cd ~/sky_workdir/${shellQuote(r.name)} && { [ "$(python3 -c 'import json;print(json.load(open("status.json"))["state"])' 2>/dev/null)" = done ] || python ${entryArgs(r).map(shellQuote).join(" ")} > train.log 2>&1; }`)
    .join("\n");
  const task = {
    name: "cci-train",
    resources: { accelerators: accelerator },
    workdir: abs,
    envs: { HF_TOKEN: null },
    setup: skySetup(runs),
    run: `set -e\n${run}\n`,
  };
  const back = runs.map((r) => `rsync -a cci-train:sky_workdir/${shellQuote(r.name)}/{adapter,metrics.jsonl,train.log,status.json} ${shellQuote(join(abs, r.name))}/`);
  // The whole file by the YAML library, comments included: no value can start a line of its own.
  const doc = new Document(task, { version: "1.2" });
  doc.commentBefore = [
    ` Written by \`cci train plan|launch --target skypilot\`: the chosen bundles, one after another on one ${accelerator}.`,
    " HF_TOKEN is read from your shell at launch (--env HF_TOKEN); it is never written here.",
    " The adapters stay on the cluster until you copy them back (SkyPilot adds the host `cci-train` to ~/.ssh/config):",
    ...back.map((l) => `   ${l}`),
    " then `sky down cci-train`.",
  ].join("\n");
  const text = doc.toString({ lineWidth: 0, blockQuote: "literal" });
  const path = join(runsDir, "skypilot", "train.yaml");
  return { path, text, submit: ["sky", "launch", "-c", "cci-train", "--env", "HF_TOKEN", path] };
}
