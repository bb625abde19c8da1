/**
 * `cci env create --engine E`: the engine's virtual environment, `.venv-<environment>` in the
 * repository root (lib/env/engines.ts: fast shares modern's `.venv-modern`), with its
 * requirements installed, then probed (libraries, GPUs torch sees). Every command that starts
 * Python for that engine then uses it by default (lib/env/python.ts).
 * Made in place (a venv's scripts hold its absolute path, so it cannot be renamed afterwards);
 * a failed install removes it, so no half environment is left for later commands to pick up.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../train/bundle";
import { UserError } from "../util/errors";
import { info } from "../util/progress";
import { ENGINE_ENV, enginesIn, envOf } from "./engines";
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

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (r.error) throw new UserError(`${what}: cannot start ${cmd} (${r.error.message})`);
  if (r.status !== 0) throw new UserError(`${what} failed (${r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`}); see pip's output above`, 1);
}

export function probe(python: string, root: string): Probe {
  const r = spawnSync(python, [join(root, "lib", "env", "python", "probe.py")], { encoding: "utf8" });
  if (r.status !== 0) throw new UserError(`${python}: the environment probe failed: ${(r.stderr || "").trim().split("\n").pop()}`, 1);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Probe;
}

export function createEnv(opts: CreateOptions): { python: string; probe: Probe } {
  const target = join(opts.root, venvDir(opts.engine));
  const python = join(target, "bin", "python");
  if (existsSync(target) && !opts.force) throw new UserError(`${venvDir(opts.engine)}: exists; --force to make it again (or use it: commands pick it up by default)`);
  const spec = envOf(opts.engine);
  const reqs = join(opts.root, "lib", "train", "python", spec.requirements);
  if (!existsSync(reqs)) throw new UserError(`${reqs}: missing`);
  rmSync(target, { recursive: true, force: true });
  try {
    info(`env: ${opts.python ?? "python3"} -m venv ${venvDir(opts.engine)}`);
    run(opts.python ?? "python3", ["-m", "venv", target], "python -m venv");
    info(`env: pip install -r lib/train/python/${spec.requirements} ${[...spec.pipArgs, ...(opts.pipArgs ?? [])].join(" ")}`.trimEnd());
    run(python, ["-m", "pip", "install", "-r", reqs, ...spec.pipArgs, ...(opts.pipArgs ?? [])], "pip install");
    // huggingface_hub comes with transformers; `cci train fetch` needs nothing more.
    const p = probe(python, opts.root);
    writeFileSync(join(target, "cci-env.json"), `${JSON.stringify({ environment: ENGINE_ENV[opts.engine], engines: enginesIn(ENGINE_ENV[opts.engine]), requirements: spec.requirements, ...p, date: new Date().toISOString() }, null, 2)}\n`);
    return { python, probe: p };
  } catch (err) {
    rmSync(target, { recursive: true, force: true });
    throw err;
  }
}
