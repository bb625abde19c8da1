/**
 * Which Python a command runs. One rule for every command that starts Python (train launch,
 * predict --backend faithful, train fetch|merge|calibrate|check-gpu): an explicit `--python`
 * wins and a relative path means the same file from the current folder in every command (launch
 * spawns inside the bundle, so it is made absolute here); otherwise the environment the engine
 * runs in (lib/env/engines.ts `ENGINE_ENV`: fast runs in modern's) made by `cci env create`,
 * `.venv-<environment>/bin/python` in the repository root, once complete (its cci-env.json); otherwise `python3`.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { Engine } from "../train/bundle";
import { UserError } from "../util/errors";
import { ENGINE_ENV } from "./engines";

/** The folder holding the engine's environment, relative to the repository root (`.venv-modern` for fast too). */
export const venvDir = (engine: Engine): string => `.venv-${ENGINE_ENV[engine]}`;

/** Written last by `cci env create`: a venv without it (half made, interrupted) is not used. */
export const ENV_MARKER = "cci-env.json";

export interface ResolvedPython {
  /** What to spawn: an absolute path, or a bare command name looked up on PATH. */
  python: string;
  /** Where it came from, for the one line a command prints. */
  source: "--python" | "env" | "PATH";
}

export function resolvePython(opt: string | undefined, engine: Engine, root: string, cwd = process.cwd()): ResolvedPython {
  if (opt !== undefined && opt !== "") {
    // A bare name (python3, python3.11) is looked up on PATH; anything with a slash is a file.
    if (!opt.includes("/")) return { python: opt, source: "--python" };
    const abs = isAbsolute(opt) ? opt : resolve(cwd, opt);
    if (!existsSync(abs)) throw new UserError(`--python ${opt}: no such file (${abs}); give a venv's bin/python or run \`cci env create --engine ${engine}\``);
    return { python: abs, source: "--python" };
  }
  const venv = join(root, venvDir(engine), "bin", "python");
  if (existsSync(venv) && existsSync(join(root, venvDir(engine), ENV_MARKER))) return { python: venv, source: "env" };
  return { python: "python3", source: "PATH" };
}

/** One line saying which interpreter runs the engine and why (the `cci env create` hint when none was made). */
export function pythonLine(r: ResolvedPython, engine: Engine): string {
  if (r.source === "--python") return `python ${r.python} (--python)`;
  if (r.source === "env") return `python ${r.python} (the ${engine} engine's environment, ${venvDir(engine)})`;
  return `python ${r.python} from PATH: no ${venvDir(engine)} (make it with \`cci env create --engine ${engine}\`)`;
}
