/**
 * `cci train calibrate`: `train.py --benchmark` in one planned bundle per base model, merged into
 * one calibration file that `cci train plan --calibration FILE` reads.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { resolvePython } from "../../env/python";
import { defaultRunsDir, readRunJson, selectRecipes, shown } from "../../train/bundle";
import { mergeCalibrations, readCalibration } from "../../train/calibrate";
import { checkOutputFile, tempFolder, writeOutput } from "../../util/outputs";
import { filesUnder } from "../../util/protect";
import { ChildStartError, describeExit, runChild } from "../../util/child";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";

interface CalibrateOpts {
  recipe: string;
  runs?: string;
  python?: string;
  out?: string;
  tiny?: boolean;
  lengths?: string;
  repeats?: string;
  device?: string;
}

export function registerCalibrate(train: Command): void {
  train
    .command("calibrate")
    .summary("time LoRA micro-steps on this machine (train.py --benchmark) → calibration.json for `train plan --calibration`")
    .description(
      [
        "For each base model among the chosen planned bundles, run `PYTHON train.py",
        "--benchmark` in the first bundle of that base: random weights in the base's exact",
        "shape (nothing downloaded), the recipe's LoRA, a few batch-1 micro-steps at the",
        "recipe's train-length quantiles. The per-base results are merged into one file in",
        "the format of ../shared/measurements/h200-lora-throughput.json; then",
        "`cci train plan --calibration FILE` prices the recipes with it.",
        "--tiny: a 2-layer stand-in of each shape, for CPUs and tests (the plan says so).",
      ].join("\n"),
    )
    .option("--recipe <which>", "N (1–11), a recipe name, a comma-separated list, or all", "all")
    .option("--runs <dir>", "runs folder (default resource/runs)")
    .option("--python <path>", "Python with torch, transformers and peft (default: the engine's environment from `cci env create`, .venv-modern for modern and fast, else python3)")
    .option("--out <file>", "calibration file (default RUNS/calibration.json)")
    .option("--tiny", "a 2-layer, 64-wide stand-in of each shape (CPU)")
    .option("--lengths <list>", "sequence lengths to time, comma-separated (default: each recipe's length quantiles)")
    .option("--repeats <n>", "timed micro-steps per length")
    .option("--device <device>", "cuda, cuda:N or cpu (default cuda when available)")
    .action(async (opts: CalibrateOpts) => {
      const runsDir = resolve(opts.runs ?? defaultRunsDir());
      const out = resolve(opts.out ?? join(runsDir, "calibration.json"));
      // The full shape on a CPU is an 11–14B model in RAM (~22 GB and more): only --tiny there.
      if (opts.device === "cpu" && !opts.tiny) throw new UserError("train calibrate --device cpu: only with --tiny (the full shape would be built in RAM, ~22 GB for an 11B base); calibrate on the GPU machine");
      if (opts.repeats !== undefined && !/^[1-9]\d*$/.test(opts.repeats)) throw new UserError(`--repeats: expected a whole number ≥ 1, got "${opts.repeats}"`);
      const dirs = selectRecipes(opts.recipe).map((s) => join(runsDir, s.recipe.name));
      const missing = dirs.filter((d) => !existsSync(join(d, "run.json")));
      if (missing.length) throw new UserError(`not planned: ${missing.map(shown).join(", ")} (run \`cci train plan --recipe ${opts.recipe}\` first)`);
      // one bundle per base: the shape, not the recipe, sets the step time
      const byBase = new Map<string, string>();
      for (const d of dirs) {
        const run = readRunJson(d);
        if (!byBase.has(run.model_id)) byBase.set(run.model_id, d);
      }
      // Every file of the bundles it reads (run.json, data, the tokenizer folder) is an input: refused as --out before the timing.
      const inputs = dirs.flatMap((d) => [...filesUnder(d), ...tokenizerFiles(d)]);
      checkOutputFile(out, { inputs });
      const scratchFolder = tempFolder();
      const scratch = scratchFolder.path;
      try {
        const parts = [];
        for (const [k, [modelId, dir]] of [...byBase].entries()) {
          const run = readRunJson(dir);
          const { python } = resolvePython(opts.python, run.engine, repoRoot());
          const file = join(scratch, `${k}.json`);
          const argv = ["train.py", "--benchmark", "--out", file, ...(opts.tiny ? ["--tiny"] : []), ...(opts.lengths ? ["--lengths", opts.lengths] : []), ...(opts.repeats ? ["--repeats", opts.repeats] : []), ...(opts.device ? ["--device", opts.device] : [])];
          info(`train calibrate: [${k + 1}/${byBase.size}] ${modelId} in ${shown(dir)}`);
          let r;
          try {
            // Its output reaches stderr through the redactor (runChild relays it).
            r = await runChild(python, argv, `train calibrate: ${modelId}`, { cwd: dir, stdout: 2, stderr: 2 });
          } catch (err) {
            if (err instanceof ChildStartError) throw new UserError(`train calibrate: cannot run ${python}: ${err.code} (give --python, or make the environment with \`cci env create\`)`);
            throw err;
          }
          if (r.code !== 0) throw new UserError(`train calibrate: ${modelId}: train.py --benchmark failed (${describeExit(r)})`, r.code === 2 ? 2 : 1);
          parts.push(readCalibration(file));
        }
        const merged = mergeCalibrations(parts);
        writeOutput(out, `${JSON.stringify(merged, null, 1)}\n`, { inputs });
        for (const [id, e] of Object.entries(merged.shapes))
          info(`  ${id}${e.tiny ? " (tiny)" : ""}: ${Object.entries(e.train).map(([L, p]) => `L ${L} ${p.micro_s.toFixed(3)} s`).join(", ")}`);
        info(`train calibrate: ${merged.device}, ${byBase.size} base(s) → ${shown(out)}; use it with: npx cci train plan --recipe ${opts.recipe} --calibration ${shown(out)}`);
      } finally {
        scratchFolder.dispose();
      }
    });
}

/** The tokenizer folder a bundle's run.json names, file by file (relative to the bundle). */
function tokenizerFiles(dir: string): string[] {
  const tok = readRunJson(dir).tokenizer?.dir;
  return tok ? filesUnder(resolve(dir, tok)) : [];
}
