/**
 * What `cci env create --engine E` installs, per engine: the requirements file the engine's
 * bundles carry (lib/train/python), and pip's extra arguments. Table, not branches.
 */
import type { Engine } from "../train/bundle";
import { REQUIREMENTS } from "../train/bundle";

export interface EngineEnv {
  requirements: string;
  /** Extra pip arguments (the pinned torch 2.3.1 is a CUDA 12.1 build). */
  pipArgs: string[];
  /** One line on when to pick it. */
  why: string;
}

export const ENGINE_ENVS: Record<Engine, EngineEnv> = {
  faithful: { requirements: REQUIREMENTS.faithful, pipArgs: ["--extra-index-url", "https://download.pytorch.org/whl/cu121"], why: "the original's 2024 stack (torch 2.3.1+cu121, transformers 4.41, TRL 0.9.4): the faithful reproduction; Python 3.10–3.11, GPUs up to Hopper" },
  modern: { requirements: REQUIREMENTS.modern, pipArgs: [], why: "today's stack (transformers ≥ 4.57, PEFT ≥ 0.21), same semantics and update schedule as the original" },
  fast: { requirements: REQUIREMENTS.fast, pipArgs: [], why: "today's stack, length-batched training (an approximation, several times fewer GPU-hours)" },
  trl: { requirements: REQUIREMENTS.trl, pipArgs: [], why: "today's TRL (`trl sft --config trl-sft.yaml`), the closest current-TRL setting" },
};
