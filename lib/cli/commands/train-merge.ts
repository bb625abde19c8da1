/**
 * `cci train merge`: each chosen run's adapter folded into its base (PEFT merge_and_unload, bf16)
 * by the bundle's own merge.py, into {bundle}/merged/ — what `cci serve plan` serves by default,
 * since a server that cannot apply the recipes' lm_head LoRA would serve the base's answers.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { resolvePython } from "../../env/python";
import { defaultRunsDir, readRunJson, selectRecipes, shown } from "../../train/bundle";
import { ChildStartError, describeExit, runChild } from "../../util/child";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";

interface MergeOpts {
  recipe: string;
  runs?: string;
  python?: string;
  device: string;
  force?: boolean;
}

export function registerMerge(train: Command): void {
  train
    .command("merge")
    .summary("fold each trained adapter into its base (bf16) → {bundle}/merged/, for servers without lm_head LoRA")
    .option("--recipe <which>", "N (1–11), a recipe name, a comma-separated list, or all", "all")
    .option("--runs <dir>", "runs folder (default resource/runs)")
    .option("--python <path>", "Python with the engine's stack (default: the engine's environment from `cci env create`, .venv-modern for modern and fast, else python3); relative to the current folder")
    .option("--device <device>", "where the merge runs: cpu (needs the base's size in RAM, ~28 GB for POLAR) or cuda:0", "cpu")
    .option("--force", "merge again over an existing merged/")
    .action(async (opts: MergeOpts) => {
      const runsDir = resolve(opts.runs ?? defaultRunsDir());
      const dirs = selectRecipes(opts.recipe).map((s) => join(runsDir, s.recipe.name));
      const missing = dirs.filter((d) => !existsSync(join(d, "run.json")));
      if (missing.length) throw new UserError(`not planned: ${missing.map(shown).join(", ")}`);
      const untrained = dirs.filter((d) => !existsSync(join(d, readRunJson(d).save_dir ?? "adapter", "adapter_config.json")));
      if (untrained.length) throw new UserError(`no trained adapter in: ${untrained.map(shown).join(", ")} (cci train launch first)`);
      const failed: string[] = [];
      for (const [k, dir] of dirs.entries()) {
        const run = readRunJson(dir);
        if (existsSync(join(dir, "merged")) && !opts.force) {
          info(`train merge: ${run.name}: merged/ exists, skipped (--force to merge again)`);
          continue;
        }
        const { python } = resolvePython(opts.python, run.engine, repoRoot());
        info(`train merge: [${k + 1}/${dirs.length}] ${run.name} → ${shown(join(dir, "merged"))}`);
        // merge.py in its own process group: an interrupt stops it (it never writes merged/ later)
        // and ends the queue (exit 130/143).
        let why: string | null;
        try {
          const r = await runChild(python, [join(dir, "merge.py"), "--bundle", dir, "--device", opts.device, ...(opts.force ? ["--force"] : [])], `train merge: ${run.name}`);
          why = r.code === 0 ? null : describeExit(r);
        } catch (err) {
          if (!(err instanceof ChildStartError)) throw err;
          why = err.message;
        }
        if (why) {
          info(`train merge: ${run.name}: failed (${why})`);
          failed.push(run.name);
        }
      }
      if (failed.length) throw new UserError(`${failed.length} merge(s) failed: ${failed.join(", ")}`, 1);
    });
}
