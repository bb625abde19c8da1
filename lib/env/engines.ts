/**
 * Engines and their Python environments, one table: which environment each engine runs in
 * (`ENGINE_ENV`), and what each environment installs (`ENVIRONMENTS`). modern and fast run the
 * same train.py on the same stack (requirements-modern.txt), so they share `.venv-modern`:
 * `cci env create --engine fast` makes it, and a fast bundle finds the one `--engine modern`
 * made. Every command that starts Python resolves its interpreter through this table
 * (lib/env/python.ts `resolvePython`).
 */
import { ENGINES, REQUIREMENTS, type Engine } from "../train/bundle";
import { UserError } from "../util/errors";

/** The environments `cci env create` can make, each a `.venv-<name>` in the repository root. */
export const ENV_NAMES = ["faithful", "modern", "trl"] as const;
export type EnvName = (typeof ENV_NAMES)[number];

export interface EngineEnv {
  requirements: string;
  /** Extra pip arguments (the pinned torch 2.3.1 is a CUDA 12.1 build). */
  pipArgs: string[];
  /** One line on when to pick it. */
  why: string;
  /** Libraries train.py (or `trl sft`) imports on the training path: the launch check wants each. */
  needs: readonly string[];
}

export const ENVIRONMENTS: Record<EnvName, EngineEnv> = {
  faithful: { requirements: REQUIREMENTS.faithful, pipArgs: ["--extra-index-url", "https://download.pytorch.org/whl/cu121"], why: "the original's 2024 stack (torch 2.3.1+cu121, transformers 4.41, TRL 0.9.4): the faithful reproduction; Python 3.10–3.11, GPUs up to Hopper", needs: ["torch", "transformers", "peft", "trl", "datasets"] },
  modern: { requirements: REQUIREMENTS.modern, pipArgs: [], why: "today's stack (transformers ≥ 4.57, PEFT ≥ 0.21) for the modern engine (the original's semantics and update schedule) and the fast engine (length-batched, an approximation)", needs: ["torch", "transformers", "peft"] },
  trl: { requirements: REQUIREMENTS.trl, pipArgs: [], why: "today's TRL (`trl sft --config trl-sft.yaml`), the closest current-TRL setting", needs: ["torch", "transformers", "peft", "trl", "datasets"] },
};

/** The environment each engine runs in. */
export const ENGINE_ENV: Record<Engine, EnvName> = { faithful: "faithful", modern: "modern", fast: "modern", trl: "trl" };

/** The engine's environment spec (requirements, pip arguments, libraries). */
export const envOf = (engine: Engine): EngineEnv => ENVIRONMENTS[ENGINE_ENV[engine]];

/** The engines that share an environment with this one (fast → modern, fast). */
export const enginesIn = (env: EnvName): Engine[] => (Object.keys(ENGINE_ENV) as Engine[]).filter((e) => ENGINE_ENV[e] === env);

/** `--engine V` checked against the engines (one line naming them otherwise). */
export function parseEngine(v: string, flag = "--engine"): Engine {
  if (!(ENGINES as readonly string[]).includes(v)) throw new UserError(`${flag}: expected ${ENGINES.join(", ")}, got "${v}"`);
  return v as Engine;
}
