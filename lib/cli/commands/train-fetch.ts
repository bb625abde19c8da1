/**
 * `cci train fetch`: the chosen recipes' bases from the Hugging Face Hub through huggingface_hub
 * in the engine's environment — tokenizers only (for `cci train plan --tokenizer`, a few MB) or
 * the weights (for training, ~100 GB for the four bases) — with the sizes and a free-disk check
 * before anything is downloaded. HF_HOME and HF_TOKEN are read from the environment only.
 */
import type { Command } from "commander";
import { existsSync, statfsSync, statSync } from "node:fs";
import { makeDirs } from "../../util/outputs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { parseEngine } from "../../env/engines";
import { hubCache, offlineTokenizerHint } from "../../env/hub";
import { resolvePython } from "../../env/python";
import { selectRecipes } from "../../train/bundle";
import { ChildStartError, describeExit, runChild } from "../../util/child";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";

interface FetchOpts {
  recipe: string;
  tokenizersOnly?: boolean;
  out: string;
  python?: string;
  engine: string;
  yes?: boolean;
}

const GB = 1e9;


/** Free bytes on the file system that holds `dir` (its nearest existing parent). */
function freeBytes(dir: string): number {
  let d = resolve(dir);
  for (;;) {
    try {
      const s = statfsSync(d);
      return s.bavail * s.bsize;
    } catch {
      const up = resolve(d, "..");
      if (up === d) return Number.POSITIVE_INFINITY;
      d = up;
    }
  }
}

/** A line of fetch.py's JSON output, or one line naming what it printed instead. */
function fetchJson<T>(line: string, step: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new UserError(`fetch: fetch.py ${step} printed no JSON line (got ${JSON.stringify(line.slice(0, 120))})`, 1);
  }
}

/** --out must be a folder: a file there (or above it) is refused in one line; folders are made through the output rule. */
function makeFolder(dest: string, given: string): void {
  let cur = resolve(dest);
  while (!existsSync(cur) && dirname(cur) !== cur) cur = dirname(cur);
  if (!statSync(cur).isDirectory()) throw new UserError(`--out ${given}: a file is in the way (expected a folder)`);
  makeDirs(dest, `--out ${given}`);
}

export function registerFetch(train: Command): void {
  train
    .command("fetch")
    .summary("download the recipes' bases (or only their tokenizers) from the Hub, sizes and free disk checked first")
    .description(
      [
        "Through huggingface_hub in the engine's environment (`cci env create`).",
        "--tokenizers-only: tokenizer files into --out/<model id>/ (default",
        "resource/tokenizers), which `cci train plan --tokenizer resource/tokenizers`",
        "reads (--tokenizer is optional: without it token counts are estimated).",
        "Without it: the weights into the Hub cache (HF_HOME), ~100 GB for the four",
        "bases (POLAR-14B ≈ 28 GB, Solar-Ko-Recovery-11B ≈ 22 GB each in bf16); all four",
        "are public, HF_TOKEN (read from the environment only) is needed for none.",
      ].join("\n"),
    )
    .option("--recipe <which>", "N (1–11), a recipe name, a comma-separated list, or all", "all")
    .option("--tokenizers-only", "only the tokenizer files, for planning")
    .option("--out <dir>", "with --tokenizers-only: where the tokenizer folders go", "resource/tokenizers")
    .option("--engine <engine>", "whose environment runs huggingface_hub (lib/env/engines.ts: .venv-modern for modern and fast)", "modern")
    .option("--python <path>", "Python with huggingface_hub (default: the engine's environment, else python3)")
    .action(async (opts: FetchOpts) => {
      const root = repoRoot();
      const engine = parseEngine(opts.engine);
      const { python } = resolvePython(opts.python, engine, root);
      const models = [...new Set(selectRecipes(opts.recipe).map((s) => s.recipe.model_id))];
      const script = join(root, "lib", "env", "python", "fetch.py");
      const flags = opts.tokenizersOnly ? ["--tokenizers-only"] : [];
      const what = (step: string) => `fetch: ${step}`;
      let plan;
      try {
        plan = await runChild(python, [script, "plan", ...flags, ...models], what("reading the models' sizes"), { stdout: "pipe", stderr: "pipe" });
      } catch (err) {
        if (err instanceof ChildStartError) throw new UserError(`${python}: ${err.message}; \`cci env create --engine ${opts.engine}\` makes an environment with huggingface_hub`);
        throw err;
      }
      if (plan.code !== 0) throw new UserError(`fetch: cannot read the models' sizes from the Hub: ${(plan.signal ? "" : plan.stderr.trim().split("\n").pop()) || describeExit(plan)}; ${offlineTokenizerHint(opts.out)}`, 1);
      const sizes = fetchJson<Record<string, { bytes: number; files: number }>>(plan.stdout.trim().split("\n").pop() ?? "", "plan");
      const bad = models.find((m) => !sizes || typeof sizes !== "object" || typeof sizes[m]?.bytes !== "number" || typeof sizes[m]?.files !== "number");
      if (bad) throw new UserError(`fetch: fetch.py plan gave no size for ${bad}`, 1);
      let total = 0;
      for (const m of models) {
        total += sizes[m].bytes;
        info(`fetch: ${m}: ${(sizes[m].bytes / GB).toFixed(2)} GB in ${sizes[m].files} files`);
      }
      const dest = opts.tokenizersOnly ? resolve(opts.out) : hubCache();
      const free = freeBytes(dest);
      info(`fetch: ${(total / GB).toFixed(2)} GB in all → ${dest} (${Number.isFinite(free) ? `${(free / GB).toFixed(1)} GB free` : "free space unknown"})`);
      // Files already in the cache are not downloaded again, so this is an upper bound.
      if (total > free) throw new UserError(`fetch: ${(total / GB).toFixed(1)} GB needed but ${(free / GB).toFixed(1)} GB free on ${dest}; set HF_HOME to a larger disk`);
      if (opts.tokenizersOnly) makeFolder(dest, opts.out);
      const get = await runChild(python, [script, "get", ...flags, ...(opts.tokenizersOnly ? ["--local-dir", dest] : []), ...models], what("download"), { stdout: "pipe", stderr: "inherit" });
      if (get.code !== 0) throw new UserError(`fetch: download failed (${describeExit(get)}); run it again to resume, or ${offlineTokenizerHint(opts.out)}`, 1);
      for (const l of get.stdout.trim().split("\n").filter(Boolean)) {
        const { model, path } = fetchJson<{ model: string; path: string }>(l, "get");
        info(`fetch: ${model} → ${path}`);
      }
      if (opts.tokenizersOnly) info(`next: npx cci train plan --recipe ${opts.recipe} --tokenizer ${opts.out}`);
    });
}
