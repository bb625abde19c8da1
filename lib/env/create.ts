/**
 * `cci env create --engine E`: a virtual environment per engine, `.venv-<engine>` in the
 * repository root, with the engine's requirements installed, then probed (libraries, GPUs torch
 * sees). Every command that starts Python then uses it by default (lib/env/python.ts).
 * Made in place (a venv's scripts hold its absolute path, so it cannot be renamed afterwards);
 * a failed install removes it, so no half environment is left for later commands to pick up.
 */
import { spawn, spawnSync } from "node:child_process";
import { relayRedacted } from "../util/redact";
import { existsSync } from "node:fs";
import { removeOutput, writeOutput } from "../util/outputs";
import { join } from "node:path";
import type { Engine } from "../train/bundle";
import { UserError } from "../util/errors";
import { info } from "../util/progress";
import { ENGINE_ENVS } from "./engines";
import { venvDir } from "./python";

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

/** Run `cmd`, its output relayed live through the redactor (an index URL with a token never reaches the terminal). */
async function run(cmd: string, args: string[], what: string): Promise<void> {
  const { code: status, signal, error } = await relayRedacted(spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }));
  if (error) throw new UserError(`${what}: cannot start ${cmd} (${error.message})`);
  if (status !== 0) throw new UserError(`${what} failed (${signal ? `killed by ${signal}` : `exit code ${status}`}); see pip's output above`, 1);
}

export function probe(python: string, root: string): Probe {
  const r = spawnSync(python, [join(root, "lib", "env", "python", "probe.py")], { encoding: "utf8" });
  if (r.status !== 0) throw new UserError(`${python}: the environment probe failed: ${(r.stderr || "").trim().split("\n").pop()}`, 1);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Probe;
}

export async function createEnv(opts: CreateOptions): Promise<{ python: string; probe: Probe }> {
  const target = join(opts.root, venvDir(opts.engine));
  const python = join(target, "bin", "python");
  if (existsSync(target) && !opts.force) throw new UserError(`${venvDir(opts.engine)}: exists; --force to make it again (or use it: commands pick it up by default)`);
  const spec = ENGINE_ENVS[opts.engine];
  const reqs = join(opts.root, "lib", "train", "python", spec.requirements);
  if (!existsSync(reqs)) throw new UserError(`${reqs}: missing`);
  removeOutput(target);
  try {
    info(`env: ${opts.python ?? "python3"} -m venv ${venvDir(opts.engine)}`);
    await run(opts.python ?? "python3", ["-m", "venv", target], "python -m venv");
    info(`env: pip install -r lib/train/python/${spec.requirements} ${[...spec.pipArgs, ...(opts.pipArgs ?? [])].join(" ")}`.trimEnd());
    await run(python, ["-m", "pip", "install", "-r", reqs, ...spec.pipArgs, ...(opts.pipArgs ?? [])], "pip install");
    // huggingface_hub comes with transformers; `cci train fetch` needs nothing more.
    const p = probe(python, opts.root);
    writeOutput(join(target, "cci-env.json"), `${JSON.stringify({ engine: opts.engine, requirements: spec.requirements, ...p, date: new Date().toISOString() }, null, 2)}\n`);
    return { python, probe: p };
  } catch (err) {
    removeOutput(target);
    throw err;
  }
}
