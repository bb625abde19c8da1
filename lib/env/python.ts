/**
 * Which Python a command runs. One rule for every command that starts Python (train launch,
 * predict --backend faithful, env/fetch/merge): an explicit `--python` wins and a relative path
 * means the same file from the current folder in every command (launch spawns inside the bundle,
 * so it is made absolute here); otherwise the engine's environment made by `cci env create`
 * (`.venv-<engine>/bin/python` in the repository root) once complete (its cci-env.json); otherwise `python3`.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { UserError } from "../util/errors";

/** The folder `cci env create --engine E` makes, relative to the repository root. */
export const venvDir = (engine: string): string => `.venv-${engine}`;

/** Written last by `cci env create`: a venv without it (half made, interrupted) is not used. */
export const ENV_MARKER = "cci-env.json";

export interface ResolvedPython {
  /** What to spawn: an absolute path, or a bare command name looked up on PATH. */
  python: string;
  /** Where it came from, for the one line a command prints. */
  source: "--python" | "env" | "PATH";
}

export function resolvePython(opt: string | undefined, engine: string, root: string, cwd = process.cwd()): ResolvedPython {
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
