/**
 * Cluster targets: a SLURM job array and a SkyPilot task over the chosen bundles. Both run the
 * same command as a local launch (run.json's argv, interpreter from $PYTHON), and neither holds
 * a secret: HF_TOKEN is passed from the submitting shell's environment at submit time.
 */
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import type { RunJson } from "./bundle";
import { shellQuote } from "../util/shell";

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

export function slurmJob(runsDir: string, runs: readonly RunJson[]): JobFile {
  const abs = resolve(runsDir);
  const cases = runs
    .map((r, i) => `  ${i}) cd ${shellQuote(join(abs, r.name))} && exec "$PYTHON" ${entryArgs(r).map(shellQuote).join(" ")} > train.log 2>&1 ;;`)
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
    "#SBATCH --time=24:00:00",
    `#SBATCH --output=${join(abs, "slurm", "%x-%A_%a.out")}`,
    "set -euo pipefail",
    'PYTHON="${PYTHON:-python3}"',
    'case "$SLURM_ARRAY_TASK_ID" in',
    cases,
    '  *) echo "no bundle for task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
    "esac",
    "",
  ].join("\n");
  const path = join(runsDir, "slurm", "train.sbatch");
  return { path, text, submit: ["sbatch", "--export=ALL,PYTHON=python3", path] };
}

export function skypilotTask(runsDir: string, runs: readonly RunJson[]): JobFile {
  const abs = resolve(runsDir);
  const run = runs
    .map((r) => `cd ~/sky_workdir/${shellQuote(r.name)} && { [ "$(python3 -c 'import json;print(json.load(open("status.json"))["state"])' 2>/dev/null)" = done ] || python ${entryArgs(r).map(shellQuote).join(" ")} > train.log 2>&1; }`)
    .join("\n");
  const task = {
    name: "cci-train",
    resources: { accelerators: "A100:1" },
    workdir: abs,
    envs: { HF_TOKEN: null },
    setup: "pip install -r ~/sky_workdir/" + shellQuote(runs[0]?.name ?? ".") + "/requirements.txt --extra-index-url https://download.pytorch.org/whl/cu121",
    run: `set -e\n${run}\n`,
  };
  const text = `# Written by \`cci train plan|launch --target skypilot\`: the chosen bundles, one after another on one A100 40 GB.\n# HF_TOKEN is read from your shell at launch (--env HF_TOKEN); it is never written here.\n${stringify(task, { lineWidth: 0, blockQuote: "literal" })}`;
  const path = join(runsDir, "skypilot", "train.yaml");
  return { path, text, submit: ["sky", "launch", "-c", "cci-train", "--env", "HF_TOKEN", path] };
}
