/**
 * What `cci train launch` checks before it starts (or deletes) anything, one line each: the
 * engine's environment holds the libraries train.py imports, torch there sees the GPUs the run
 * will use (its probe, lib/env/python/probe.py, run under the same CUDA_VISIBLE_DEVICES), and
 * the base's weights are on this machine (a --base-model folder, or the Hub cache). Without it a
 * GPU-less machine spent a minute retrying the Hub and ended in a traceback.
 */
import { join } from "node:path";
import type { Engine, RunJson } from "../train/bundle";
import { ChildStartError, describeExit, runChild } from "../util/child";
import { UserError } from "../util/errors";
import type { Probe } from "./create";
import { envOf } from "./engines";
import { hubCache, locateWeights } from "./hub";
import { venvDir } from "./python";

export interface PreflightOptions {
  python: string;
  engine: Engine;
  runs: readonly Pick<RunJson, "name" | "index" | "model_id">[];
  /** `--gpus`: the device ids the queue hands out as CUDA_VISIBLE_DEVICES. */
  gpus: readonly string[] | null;
  /** `--allow-cpu`: train on the CPU when torch sees no GPU (tiny models, rehearsals). */
  allowCpu?: boolean;
  root: string;
  env?: NodeJS.ProcessEnv;
}

/** Probe an environment: the JSON line of probe.py, or a one-line UserError (bounded: 300 s; through the one spawn helper). */
export async function probeEnv(python: string, root: string, env: NodeJS.ProcessEnv = process.env): Promise<Probe> {
  let r;
  try {
    r = await runChild(python, [join(root, "lib", "env", "python", "probe.py")], "train launch: the environment probe", { env, timeoutMs: 300_000, stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    if (!(err instanceof ChildStartError)) throw err;
    const why = err.code === "ENOENT" ? (python.includes("/") ? "no such file" : "not found on PATH") : err.code === "EACCES" ? "not an executable file" : `cannot start it (${err.code})`;
    throw new UserError(`${python}: ${why}; nothing of the runs was changed (give --python, or make the engine's environment with \`cci env create\`)`);
  }
  const last = (r.stdout || "").trim().split("\n").pop() ?? "";
  try {
    if (r.code === 0) return JSON.parse(last) as Probe;
  } catch {
    // not the probe's JSON: said below
  }
  throw new UserError(`${python}: the environment probe (lib/env/python/probe.py) failed: ${(r.stderr || last || describeExit(r)).trim().split("\n").pop()}`);
}

function gpuWhy(p: Probe, env: NodeJS.ProcessEnv): string {
  if (p.cuda === null) return `torch ${p.libs.torch} is a CPU build`;
  const cvd = env.CUDA_VISIBLE_DEVICES;
  return `torch ${p.libs.torch} (CUDA ${p.cuda}) finds no device${cvd !== undefined ? ` with CUDA_VISIBLE_DEVICES=${JSON.stringify(cvd)}` : " (no driver, or none visible)"}`;
}

/** The checks; returns the lines to print when all pass, throws the first failure as one line. */
export async function preflight(opts: PreflightOptions): Promise<string[]> {
  const env = opts.env ?? process.env;
  const probeEnvVars = opts.gpus ? { ...env, CUDA_VISIBLE_DEVICES: opts.gpus.join(",") } : env;
  const p = await probeEnv(opts.python, opts.root, probeEnvVars);
  const fix = `make the ${opts.engine} engine's environment with \`cci env create --engine ${opts.engine}\` (${venvDir(opts.engine)}) or give --python`;
  const missing = envOf(opts.engine).needs.filter((l) => !p.libs[l]);
  if (p.torch_error) throw new UserError(`train launch: ${opts.python}: torch fails to import (${p.torch_error.split("\n")[0]}); ${fix}`);
  if (missing.length) throw new UserError(`train launch: ${opts.python} has no ${missing.join(", ")} (the ${opts.engine} engine's train.py imports them); ${fix}`);
  const lines = [`train: environment: python ${p.python}, ${["torch", "transformers", "peft", "trl"].filter((l) => p.libs[l]).map((l) => `${l} ${p.libs[l]}`).join(", ")}`];
  if (opts.gpus) {
    if (p.gpus.length < opts.gpus.length)
      throw new UserError(`train launch: --gpus ${opts.gpus.join(",")}: torch in ${opts.python} sees ${p.gpus.length ? `only ${p.gpus.length} of them (${p.gpus.join(", ")})` : `none of them: ${gpuWhy(p, probeEnvVars)}`}; give the ids \`nvidia-smi -L\` lists`);
    lines.push(`train: GPUs ${opts.gpus.join(",")}: ${p.gpus.join(", ")}`);
  } else if (p.gpus.length === 0) {
    if (!opts.allowCpu) throw new UserError(`train launch: no GPU: ${gpuWhy(p, env)}; the recipes train on a CUDA GPU (\`cci env show\` says what each environment sees; --allow-cpu trains on the CPU anyway, for tiny models and rehearsals)`);
    lines.push("train: no GPU: training on the CPU (--allow-cpu)");
  } else lines.push(`train: ${p.gpus.length} GPU(s): ${p.gpus.join(", ")}`);
  const absent = opts.runs.map((r) => ({ r, w: locateWeights(r.model_id, env) })).filter((x) => x.w.problem);
  if (absent.length) {
    const ids = [...new Set(absent.map((x) => x.r.model_id))];
    const recipes = [...new Set(absent.map((x) => x.r.index))].join(",");
    throw new UserError(`train launch: base weights not on this machine: ${absent[0].w.problem}${ids.length > 1 ? ` (and ${ids.length - 1} more)` : ""}; \`cci train fetch --recipe ${recipes}\` downloads them into the Hub cache (HF_HOME), or plan with --base-model DIR`);
  }
  const bases = [...new Set(opts.runs.map((r) => r.model_id))];
  lines.push(`train: base weights: ${bases.map((b) => `${b} (${locateWeights(b, env).kind === "folder" ? "folder" : `Hub cache ${hubCache(env)}`})`).join(", ")}`);
  return lines;
}
