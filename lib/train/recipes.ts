/**
 * The winning entry's eleven training recipes (SPEC §6) as one typed table, in ensemble order.
 * Field names follow the Hugging Face arguments the original passed (learning_rate, lora_r, …),
 * so a recipe reads like its launch script. The names double as prediction file names (SPEC §7).
 */
import type { VariantName } from "../prompts/variants";

/** Settings every recipe shares (SPEC §6). */
export const COMMON_TRAINING = {
  torch_dtype: "bfloat16",
  seed: 42,
  num_train_epochs: 4,
  per_device_train_batch_size: 1,
  per_device_eval_batch_size: 1,
  gradient_accumulation_steps: 64,
  weight_decay: 0.1,
  lr_scheduler_type: "cosine",
  warmup_steps: 20,
  neftune_noise_alpha: null,
  gradient_checkpointing: true,
  gradient_checkpointing_kwargs: { use_reentrant: false },
  eval_strategy: "epoch",
  save_strategy: "no",
  lora_r: 16,
  lora_alpha: 32,
  lora_dropout: 0.01,
  lora_target_modules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"],
  train_file: "train.json",
  valid_file: "dev.json",
} as const;

/** QLoRA: 4-bit NF4 base with double quantisation and bf16 compute (SPEC §6). */
export const QLORA_QUANTIZATION = {
  load_in_4bit: true,
  bnb_4bit_quant_type: "nf4",
  bnb_4bit_use_double_quant: true,
  bnb_4bit_compute_dtype: "bfloat16",
} as const;

export type TrainingMethod = "LoRA" | "QLoRA";

export interface Recipe {
  /** Output directory and prediction file name (`{name}.json`). */
  name: string;
  /** Prompt variant (SPEC §4) the recipe trains on. */
  dataset: Exclude<VariantName, "Baseline">;
  model_id: string;
  method: TrainingMethod;
  learning_rate: number;
  /** Raw corpus, or the refined one (SPEC §2). */
  data: "raw" | "refined";
  /** What the launch script passed; differs from `method` for recipe 9 (quirk, SPEC §6). */
  load_in_4bit: boolean;
}

const POLAR_2 = "x2bee/POLAR-14B-v0.2";
const POLAR_5 = "x2bee/POLAR-14B-v0.5";
const SOLAR = "beomi/Solar-Ko-Recovery-11B";
const T3Q = "chihoonlee10/T3Q-ko-solar-dpo-v7.0";

type Row = [name: string, dataset: Recipe["dataset"], model_id: string, method: TrainingMethod, learning_rate: number, data: Recipe["data"]];

/** SPEC §6's table, row for row. */
const ROWS: readonly Row[] = [
  ["CustomRefOfficialTermDataset-POLAR-14B-v0.2-QLoRA_2e-4", "CustomRefOfficialTermDataset", POLAR_2, "QLoRA", 2e-4, "raw"],
  ["Refined_SystemRefOfficialTermDataset-POLAR-14B-v0.5-QLoRA_2e-4", "SystemRefOfficialTermDataset", POLAR_5, "QLoRA", 2e-4, "refined"],
  ["CustomRefInstructionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4", "CustomRefInstructionDataset", SOLAR, "LoRA", 1e-4, "raw"],
  ["CustomRefInstructionDataset-T3Q-ko-solar-dpo-v7.0-LoRA_2e-4", "CustomRefInstructionDataset", T3Q, "LoRA", 2e-4, "raw"],
  ["CustomRefInstructionDataset-POLAR-14B-v0.5-QLoRA_1e-4", "CustomRefInstructionDataset", POLAR_5, "QLoRA", 1e-4, "raw"],
  ["CustomRefDefinitionDataset-POLAR-14B-v0.5-QLoRA_2e-4", "CustomRefDefinitionDataset", POLAR_5, "QLoRA", 2e-4, "raw"],
  ["SystemRefOfficialTermDataset-Solar-Ko-Recovery-11B-LoRA_1e-4", "SystemRefOfficialTermDataset", SOLAR, "LoRA", 1e-4, "raw"],
  ["CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_1e-4", "CustomRefDataset", SOLAR, "LoRA", 1e-4, "raw"],
  ["Refined_CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4", "CustomRefDataset", SOLAR, "LoRA", 2e-4, "refined"],
  ["CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4", "CustomRefDataset", SOLAR, "LoRA", 2e-4, "raw"],
  ["CustomRefDefinitionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4", "CustomRefDefinitionDataset", SOLAR, "LoRA", 1e-4, "raw"],
];

/** Recipe 9 is named LoRA but its launch script passes --load_in_4bit (quirk, SPEC §6). */
const LAUNCHED_4BIT = new Set(["Refined_CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4"]);

/** The eleven recipes in ensemble order. */
export const RECIPES: readonly Recipe[] = ROWS.map(([name, dataset, model_id, method, learning_rate, data]) => ({
  name,
  dataset,
  model_id,
  method,
  learning_rate,
  data,
  load_in_4bit: method === "QLoRA" || LAUNCHED_4BIT.has(name),
}));

/** Prediction names of the eleven recipes, in voting order. */
export const RECIPE_NAMES: readonly string[] = RECIPES.map((r) => r.name);
