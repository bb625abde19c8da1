import { describe, expect, it } from "vitest";
import { COMMON_TRAINING, RECIPES, RECIPE_NAMES } from "../lib/train/recipes";

describe("the eleven recipes (SPEC §6), in ensemble order", () => {
  it("names, as the prediction files are called", () => {
    expect(RECIPE_NAMES).toEqual([
      "CustomRefOfficialTermDataset-POLAR-14B-v0.2-QLoRA_2e-4",
      "Refined_SystemRefOfficialTermDataset-POLAR-14B-v0.5-QLoRA_2e-4",
      "CustomRefInstructionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4",
      "CustomRefInstructionDataset-T3Q-ko-solar-dpo-v7.0-LoRA_2e-4",
      "CustomRefInstructionDataset-POLAR-14B-v0.5-QLoRA_1e-4",
      "CustomRefDefinitionDataset-POLAR-14B-v0.5-QLoRA_2e-4",
      "SystemRefOfficialTermDataset-Solar-Ko-Recovery-11B-LoRA_1e-4",
      "CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_1e-4",
      "Refined_CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4",
      "CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4",
      "CustomRefDefinitionDataset-Solar-Ko-Recovery-11B-LoRA_1e-4",
    ]);
  });

  it("each name spells its dataset, model, method, rate and input", () => {
    for (const r of RECIPES) {
      const rate = r.learning_rate === 2e-4 ? "2e-4" : "1e-4";
      expect(r.name).toBe(`${r.data === "refined" ? "Refined_" : ""}${r.dataset}-${r.model_id.split("/")[1]}-${r.method}_${rate}`);
    }
  });

  it("4-bit loading: every QLoRA recipe, and recipe 9 although named LoRA (quirk)", () => {
    expect(RECIPES.filter((r) => r.load_in_4bit).map((r) => RECIPES.indexOf(r) + 1)).toEqual([1, 2, 5, 6, 9]);
    expect(RECIPES[8].method).toBe("LoRA");
  });

  it("shared settings keep the Hugging Face names", () => {
    expect(COMMON_TRAINING).toMatchObject({ seed: 42, num_train_epochs: 4, gradient_accumulation_steps: 64, lora_r: 16, lora_alpha: 32, lora_dropout: 0.01, warmup_steps: 20, weight_decay: 0.1 });
  });
});
