/** The README.md of a run bundle: what it is, how to run it, and for trl what still differs. */
import type { Engine, Selected } from "./bundle";
import { faithfulArgv, trlArgv } from "./bundle";
import type { ComputePlan } from "./compute";
import { explainSchedule } from "./compute";
import { trlDifferences } from "./trl";

export function bundleReadme(sel: Selected, engine: Engine, plan: ComputePlan, tokenized: boolean): string {
  const r = sel.recipe;
  const cmd = (engine === "faithful" ? faithfulArgv(r) : trlArgv()).join(" ");
  const lines = [
    `# Recipe ${sel.index}: ${r.name}`,
    "",
    `${r.model_id}, ${r.method}${r.load_in_4bit && r.method === "LoRA" ? " (launched with --load_in_4bit: the original's quirk)" : ""}, lr ${r.learning_rate}, prompt variant ${r.dataset}, ${r.data} data. Written by \`cci train plan\`; every file's sha256 is in run.json.`,
    "",
    "## Run it",
    "",
    "```sh",
    "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cu121",
    "python3 train.py --check          # the bundle is intact (standard library only)",
    "export HF_TOKEN=…                 # from your environment; never written to the bundle",
    engine === "faithful" ? cmd.replace(/^python /, ".venv/bin/python ") : `${cmd}     # in a venv with current TRL (>= 1.0)`,
    "```",
    "",
    "or from the workspace: `npx cci train launch --recipe " + sel.index + " --python .venv/bin/python`.",
    "The adapter and the tokenizer are saved to `adapter/`; one JSON line per step and per evaluation goes to `metrics.jsonl`.",
    "",
    "## Compute",
    "",
    plan.counted === "tokenizer"
      ? `${plan.kept} of ${plan.trainExamples} train examples kept (${plan.dropped} dropped by the length rule), ${plan.devKept} dev examples; tokens counted with the planning tokenizer.`
      : `${plan.trainExamples} train and ${plan.devKept} dev examples; no tokenizer was given, so tokens are estimated from characters and the length rule (applied by train.py) could not be counted here.`,
    explainSchedule(plan.schedule),
    `Estimated peak memory ${plan.memory.totalGiB.toFixed(1)} GiB; ${plan.gpuHours.H200.toFixed(2)} H200 hours of training and evaluation from measured step times (${plan.time.microStepS.toFixed(2)} s per micro-step${plan.load_in_4bit ? ", × 1.5 assumed for 4-bit" : ""}; A100-40GB ${plan.gpuHours["A100-40GB"].toFixed(2)} h, H100 ${plan.gpuHours["H100-80GB"].toFixed(2)} h scaled; assumptions in compute.json).`,
    "`python3 train.py --benchmark` times a few micro-steps of this recipe's shape on this machine (random weights, nothing downloaded) and writes `calibration.json` for `cci train plan --calibration`.",
  ];
  if (engine === "trl") {
    lines.push("", "## Differences from the original (trl engine)", "", "`trl-sft.yaml` is the closest current-TRL setting, not a reproduction. What still differs:", "", ...trlDifferences(tokenized).map((d) => `- ${d}`));
  }
  return `${lines.join("\n")}\n`;
}
