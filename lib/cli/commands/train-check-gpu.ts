/**
 * `cci train check-gpu`: runs lib/train/python/gpu_check.py (plan, train each engine alternated,
 * score, compare, time the loops) under the given Python, then prints the record's ratios
 * through lib/train/gpu-check.ts, which refuses any ratio the record does not hold.
 */
import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { resolvePython } from "../../env/python";
import { gpuCheckShapes, gpuCheckSummary, parseGpuCheckRecord } from "../../train/gpu-check";
import { ChildStartError, describeExit, runChild } from "../../util/child";
import { checkOutputFile } from "../../util/outputs";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";

/** The glibc settings that halve CPU time of the 128k-vocabulary logits (issue 15). */
const MALLOC = { MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: "100000000000" };

const whole = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${name} ${v}: expected a whole number >= ${min}`);
  return n;
};

interface Opts {
  python?: string;
  out: string;
  device?: string;
  tiny?: boolean;
  work?: string;
  layers?: number;
  rounds?: number;
}

export function registerCheckGpu(train: Command): void {
  train
    .command("check-gpu")
    .summary("the GPU check: each engine's training loop and batched scoring timed at the bases' layer widths; one JSON record")
    .description(
      [
        "Runs lib/train/python/gpu_check.py under --python (a venv with",
        "requirements-modern.txt): for each layer shape of the bases (lib/train/models.ts),",
        "a random model of --layers decoder layers; recipe 3 planned from the sample corpus,",
        "trained by modern and fast alternated (per-step times from metrics.jsonl after a",
        "warm-up step), dev scored by predict.py and checked against an independent PEFT",
        "softmax, and scoring timed after loading over 128 prompts at the corpus's lengths",
        "at batch 1, 8 and 16. Writes one JSON record (GPU, stack, date, checks, each ratio",
        "with its spread) and prints only the ratios it measured. See lib/train/GPU-CHECK.md.",
        "--device cpu --tiny is the CPU rehearsal. Exit 1 when a check fails.",
      ].join("\n"),
    )
    .option("--python <path>", "Python with torch, transformers and peft (default: the modern engine's environment, .venv-modern, else python3)")
    .option("--out <file>", "the record (JSON)", "gpu-check.json")
    .option("--device <device>", "cuda or cpu (default: cuda when available)")
    .option("--tiny", "toy layers and 8/4 examples (the CPU rehearsal)")
    .option("--work <dir>", "keep the models, bundles and predictions in this folder (default: a temp folder, removed)")
    .option("--layers <n>", "decoder layers of each random model (default 2)", whole("--layers", 1))
    .option("--rounds <n>", "alternated training rounds per engine (default 2)", whole("--rounds", 1))
    .action(async (opts: Opts) => {
      // The engines it trains (modern, fast) run in modern's environment: the one table decides.
      const { python } = resolvePython(opts.python, "modern", repoRoot());
      if (python.includes("/") && !existsSync(python)) throw new UserError(`--python ${opts.python}: no such file (give a venv's bin/python)`);
      const script = join(repoRoot(), "lib", "train", "python", "gpu_check.py");
      const out = resolve(opts.out);
      const args = [
        script,
        "--out",
        out,
        ...(opts.tiny ? ["--tiny"] : ["--shapes", JSON.stringify(gpuCheckShapes())]),
        ...(opts.device ? ["--device", opts.device] : []),
        ...(opts.work ? ["--work", resolve(opts.work)] : []),
        ...(opts.layers ? ["--layers", String(opts.layers)] : []),
        ...(opts.rounds ? ["--rounds", String(opts.rounds)] : []),
      ];
      checkOutputFile(opts.out); // gpu_check.py writes it: the rule decides before it starts
      // stderr is the script's progress (a line per stage), relayed live through the redactor (runChild).
      let r;
      try {
        r = await runChild(python, args, "train check-gpu", { env: { ...process.env, ...MALLOC } });
      } catch (err) {
        if (err instanceof ChildStartError) throw new UserError(`${python}: ${err.message}; give --python or make the environment with \`cci env create --engine modern\``);
        throw err;
      }
      if (!existsSync(out)) throw new UserError(`train check-gpu: gpu_check.py ended (${describeExit(r)}) without writing ${opts.out}`, 1);
      let lines: string[];
      try {
        lines = gpuCheckSummary(parseGpuCheckRecord(readFileSync(out, "utf8"), opts.out));
      } catch (e) {
        throw new UserError(`train check-gpu: ${(e as Error).message}`, 1);
      }
      for (const l of lines) info(`  ${l}`);
      if (r.code !== 0) throw new UserError(`train check-gpu: failed (${describeExit(r)}); the failed checks are listed above and in ${opts.out}`, 1);
      info(`train check-gpu: passed; record in ${opts.out}`);
    });
}
