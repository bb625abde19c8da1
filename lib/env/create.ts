/**
 * `cci env create --engine E`: the engine's virtual environment, `.venv-<environment>` in the
 * repository root, with the engine's requirements installed, then probed (libraries, GPUs torch
 * sees). Every command that starts Python then uses it by default (lib/env/python.ts).
 * An environment counts only once complete: `cci-env.json`, written last, marks it. A venv's
 * scripts hold its absolute path, so the new one is built at its final path while the working
 * one waits beside it (`.venv-<engine>.old-<pid>`); on success the old one is removed, on any
 * failure or interrupt the half-made one is removed and the old one put back.
 */
import { existsSync, readdirSync } from "node:fs";
import { removeOutput, renameOutput, writeOutput } from "../util/outputs";
import { join } from "node:path";
import { alive } from "../util/cleanup";
import { ChildStartError, describeExit, runChild } from "../util/child";
import type { Engine } from "../train/bundle";
import { UserError } from "../util/errors";
import { info } from "../util/progress";
import { ENGINE_ENV, enginesIn, envOf } from "./engines";
import { ENV_MARKER, venvDir } from "./python";

export interface Probe {
  python: string;
  libs: Record<string, string | null>;
  cuda: string | null;
  gpus: string[];
  torch_error?: string;
}

export interface CreateOptions {
  engine: Engine;
  root: string;
  /** The interpreter the venv is made from (default python3). */
  python?: string;
  force?: boolean;
  /** Extra pip arguments (an index URL, --retries 0 …). */
  pipArgs?: string[];
}

async function run(cmd: string, args: string[], what: string): Promise<void> {
  let r;
  try {
    r = await runChild(cmd, args, what);
  } catch (err) {
    if (err instanceof ChildStartError) throw new UserError(`${what}: ${err.message}`);
    throw err;
  }
  if (r.code !== 0) throw new UserError(`${what} failed (${describeExit(r)}); see pip's output above`, 1);
}

/** How long the probe may take: importing torch on a slow disk takes seconds, a hung CUDA driver for ever. */
export const PROBE_TIMEOUT_MS = 120_000;

/** Library versions and GPUs of an interpreter: one JSON line from probe.py, bounded in time, checked in shape. */
export async function probe(python: string, root: string, timeoutMs = Number(process.env.CCI_PROBE_TIMEOUT_S) * 1000 || PROBE_TIMEOUT_MS): Promise<Probe> {
  const what = `${python}: the environment probe`;
  let r;
  try {
    r = await runChild(python, [join(root, "lib", "env", "python", "probe.py")], what, { stdout: "pipe", stderr: "pipe", timeoutMs });
  } catch (err) {
    if (err instanceof ChildStartError) throw new UserError(`${what}: ${err.message}`, 1);
    throw err;
  }
  if (r.timedOut) throw new UserError(`${what} ${describeExit(r, timeoutMs)}`, 1);
  if (r.code !== 0) throw new UserError(`${what} failed (${describeExit(r)}): ${r.stderr.trim().split("\n").pop() ?? ""}`, 1);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new UserError(`${what} printed no JSON line (last line: ${JSON.stringify(last.slice(0, 120))})`, 1);
  }
  const p = parsed as Partial<Probe> | null;
  const bad = !p || typeof p !== "object" ? "not an object" : typeof p.libs !== "object" || p.libs === null || Array.isArray(p.libs) ? "no \"libs\" object" : !Array.isArray(p.gpus) ? "no \"gpus\" list" : typeof p.python !== "string" ? "no \"python\" string" : null;
  if (bad) throw new UserError(`${what}: unexpected JSON (${bad})`, 1);
  return p as Probe;
}

const OLD = (engine: Engine) => new RegExp(`^${venvDir(engine).replace(/[.]/g, "\\.")}\\.old-(\\d+)$`);

/**
 * What a killed `env create --force` (SIGKILL) left: the working venv it had set aside. Put back
 * when no complete environment replaced it, else removed.
 */
function recoverSetAside(root: string, engine: Engine, target: string): void {
  for (const name of readdirSync(root)) {
    const m = OLD(engine).exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    const aside = join(root, name);
    if (existsSync(join(target, ENV_MARKER))) removeOutput(aside);
    else {
      removeOutput(target);
      renameOutput(aside, target);
    }
  }
}

export async function createEnv(opts: CreateOptions): Promise<{ python: string; probe: Probe }> {
  const target = join(opts.root, venvDir(opts.engine));
  const python = join(target, "bin", "python");
  recoverSetAside(opts.root, opts.engine, target);
  // A half-made one (no marker: a killed or failed build) is no environment: made again without --force.
  if (existsSync(join(target, ENV_MARKER)) && !opts.force) throw new UserError(`${venvDir(opts.engine)}: exists; --force to make it again (or use it: commands pick it up by default)`);
  const spec = envOf(opts.engine);
  const reqs = join(opts.root, "lib", "train", "python", spec.requirements);
  if (!existsSync(reqs)) throw new UserError(`${reqs}: missing`);
  const aside = existsSync(join(target, ENV_MARKER)) ? `${target}.old-${process.pid}` : null;
  if (aside) renameOutput(target, aside);
  else removeOutput(target);
  try {
    info(`env: ${opts.python ?? "python3"} -m venv ${venvDir(opts.engine)}`);
    await run(opts.python ?? "python3", ["-m", "venv", target], "python -m venv");
    info(`env: pip install -r lib/train/python/${spec.requirements} ${[...spec.pipArgs, ...(opts.pipArgs ?? [])].join(" ")}`.trimEnd());
    await run(python, ["-m", "pip", "install", "-r", reqs, ...spec.pipArgs, ...(opts.pipArgs ?? [])], "pip install");
    // huggingface_hub comes with transformers; `cci train fetch` needs nothing more.
    const p = await probe(python, opts.root);
    // Written last: from here on the environment counts.
    writeOutput(join(target, ENV_MARKER), `${JSON.stringify({ environment: ENGINE_ENV[opts.engine], engines: enginesIn(ENGINE_ENV[opts.engine]), requirements: spec.requirements, ...p, date: new Date().toISOString() }, null, 2)}\n`);
    if (aside) removeOutput(aside);
    return { python, probe: p };
  } catch (err) {
    removeOutput(target);
    if (aside) {
      renameOutput(aside, target);
      info(`env: the previous ${venvDir(opts.engine)} is back in place`);
    }
    throw err;
  }
}
