/**
 * `cci train check-gpu`: runs lib/train/python/gpu_check.py (plan, train each engine, score,
 * compare, time) under the given Python and says where the JSON result went.
 */
import type { Command } from "commander";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { resolvePython } from "../../env/python";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";

/** The glibc settings that halve CPU time of the 128k-vocabulary logits (issue 15). */
const MALLOC = { MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: "100000000000" };

export function registerCheckGpu(train: Command): void {
  train
    .command("check-gpu")
    .summary("the GPU check: a tiny Llama trained by each engine's train.py, scored by predict.py, compared, timed")
    .description(
      [
        "Runs lib/train/python/gpu_check.py under --python (a venv with",
        "requirements-trl.txt): plans recipe 3 from the sample corpus onto a small",
        "random Llama with the real Llama-3 tokenizer, trains it with each engine",
        "installed, scores dev with predict.py (batched too when available), checks",
        "the probabilities against an independent PEFT computation, and writes one",
        "JSON result (GPU, stack, date, pass/fail, timings). Under 5 minutes on a",
        "CUDA GPU; --device cpu --tiny is the CPU rehearsal. Exit 1 when a check fails.",
      ].join("\n"),
    )
    .option("--python <path>", "Python with torch, transformers and peft (default: the modern engine's environment, .venv-modern, else python3)")
    .option("--out <file>", "result JSON", "gpu-check.json")
    .option("--device <device>", "cuda or cpu (default: cuda when available)")
    .option("--tiny", "toy shapes and 8/4 examples (the CPU rehearsal)")
    .action((opts: { python?: string; out: string; device?: string; tiny?: boolean }) => {
      // The engines it trains (modern, fast) run in modern's environment: the one table decides.
      const { python } = resolvePython(opts.python, "modern", repoRoot());
      const script = join(repoRoot(), "lib", "train", "python", "gpu_check.py");
      const args = [script, "--out", resolve(opts.out), ...(opts.device ? ["--device", opts.device] : []), ...(opts.tiny ? ["--tiny"] : [])];
      const r = spawnSync(python, args, { stdio: "inherit", env: { ...process.env, ...MALLOC } });
      if (r.error) throw new UserError(`${python}: cannot start (${r.error.message}); give --python or make the environment with \`cci env create --engine modern\``);
      if (r.status !== 0) throw new UserError(`train check-gpu: failed (exit ${r.status}); see ${opts.out}`, 1);
      info(`train check-gpu: passed; result in ${opts.out}`);
    });
}
