/**
 * `cci train check-gpu`: runs lib/train/python/gpu_check.py (plan, train each engine, score,
 * compare, time) under the given Python and says where the JSON result went.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { ChildStartError, describeExit, runChild } from "../../util/child";
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
    .option("--python <path>", "Python with torch, transformers and peft", "python3")
    .option("--out <file>", "result JSON", "gpu-check.json")
    .option("--device <device>", "cuda or cpu (default: cuda when available)")
    .option("--tiny", "toy shapes and 8/4 examples (the CPU rehearsal)")
    .action(async (opts: { python: string; out: string; device?: string; tiny?: boolean }) => {
      const python = opts.python.includes("/") ? resolve(opts.python) : opts.python;
      if (python.includes("/") && !existsSync(python)) throw new UserError(`--python ${opts.python}: no such file (give a venv's bin/python)`);
      const script = join(repoRoot(), "lib", "train", "python", "gpu_check.py");
      const args = [script, "--out", resolve(opts.out), ...(opts.device ? ["--device", opts.device] : []), ...(opts.tiny ? ["--tiny"] : [])];
      let r;
      try {
        r = await runChild(python, args, "train check-gpu", { env: { ...process.env, ...MALLOC } });
      } catch (err) {
        if (err instanceof ChildStartError) throw new UserError(`--python ${opts.python}: ${err.message}`);
        throw err;
      }
      if (r.code !== 0) throw new UserError(`train check-gpu: failed (${describeExit(r)}); see ${opts.out}`, 1);
      info(`train check-gpu: passed; result in ${opts.out}`);
    });
}
