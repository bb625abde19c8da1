/** The README.md of a run bundle: what it is, how to run it, and for trl what still differs. */
import type { Engine, Selected } from "./bundle";
import { engineArgv, REQUIREMENTS } from "./bundle";
import type { ComputePlan } from "./compute";
import { explainSchedule } from "./compute";
import { trlDifferences } from "./trl";
import { adapterDtypeTable, type AdapterDtypeRule } from "./adapter-dtype";

/** How to install and run each engine's bundle: setup line, the command, where it comes from. */
const STACK_NOTE: Record<Engine, string> = {
  faithful: "The pinned 2024 stack of the original (torch 2.3.1 cu121, transformers 4.41.1, TRL 0.9.4; requirements.txt). It does not install on GPUs newer than its CUDA 12.1 build supports (e.g. Blackwell): use the modern engine there.",
  modern: "The current stack without TRL (requirements-modern.txt): transformers.Trainer's optimizer, scheduler and evaluation under a loop that replays transformers 4.41's update schedule on purpose (compute.json's steps), batch 1, the original collator (eos masked from attention), the adapter in the original's dtypes (PEFT 0.11.1's rule, unless planned with --adapter-dtype fp32).",
  fast: `The current stack (requirements-modern.txt) with modern's windows, LoRA, learning rate and optimizer steps, but each window of 64 run as length-sorted micro-batches (--micro_batch_size in run.json's argv) with a padding-aware per-example loss: the original's objective, batched. An approximation: floating-point order, batched kernels and dropout draws differ.`,
  trl: "Current TRL's `trl sft` (requirements-trl.txt): the closest setting, not a reproduction (see below).",
};

const ADAPTER_NOTE: Record<AdapterDtypeRule, string> = {
  original: "as the original trained them (PEFT 0.11.1 made each LoRA in its base layer's dtype)",
  fp32: "NOT the original's: every adapter in fp32 (planned with --adapter-dtype fp32)",
  trl: "TRL 1.x's own rule, not the original's",
};

export function bundleReadme(sel: Selected, engine: Engine, plan: ComputePlan, tokenized: boolean): string {
  const r = sel.recipe;
  const cmd = engineArgv(r, engine, plan.adapterDtype === "fp32" ? "fp32" : undefined).join(" ");
  const dtypes = adapterDtypeTable(r, plan.adapterDtype);
  const req = REQUIREMENTS[engine];
  const pip = engine === "faithful" ? `.venv/bin/pip install -r ${req} --extra-index-url https://download.pytorch.org/whl/cu121` : `.venv/bin/pip install -r ${req}`;
  const lines = [
    `# Recipe ${sel.index}: ${r.name}`,
    "",
    `${r.model_id}, ${r.method}${r.load_in_4bit && r.method === "LoRA" ? " (launched with --load_in_4bit: the original's quirk)" : ""}, lr ${r.learning_rate}, prompt variant ${r.dataset}, ${r.data} data. Written by \`cci train plan\`; every file's sha256 is in run.json.`,
    "",
    `Engine: **${engine}**. ${STACK_NOTE[engine]}`,
    "",
    `Adapter dtype (run.json adapter_dtype "${plan.adapterDtype}"): lm_head LoRA ${dtypes.lm_head}, the other LoRA weights ${dtypes.others}; ${ADAPTER_NOTE[plan.adapterDtype]} (lib/train/ENGINES.md).`,
    "",
    "## Run it",
    "",
    "```sh",
    `python3 -m venv .venv && ${pip}`,
    ...(engine === "trl" ? [] : ["python3 train.py --check          # the bundle is intact (standard library only)"]),
    "export HF_TOKEN=…                 # from your environment; never written to the bundle",
    engine === "trl" ? `.venv/bin/${cmd} 2>&1 | tee train.log` : cmd.replace(/^python /, ".venv/bin/python "),
    "```",
    "",
    engine === "trl"
      ? "`cci train launch` drives train.py only; run the command above in this folder. The adapter and the tokenizer are saved to `adapter/` (run.json's save_dir). `trl sft` writes no metrics.jsonl or status.json: its loss lines are in its console output (kept above in train.log), and `cci train status` shows the run as done once `adapter/adapter_config.json` exists."
      : `or from the checkout: \`./lib/cli/cci.mjs train launch --recipe ${sel.index} --python .venv/bin/python\` (the checkout's own cci, which a SIGTERM stops with its trainer; lib/util/PROCESSES.md). The adapter and the tokenizer are saved to \`adapter/\`; one JSON line per optimizer step and per evaluation goes to \`metrics.jsonl\`, and \`stack.json\` records the engine and the library versions that ran.`,
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
