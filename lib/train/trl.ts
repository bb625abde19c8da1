/**
 * The trl engine: a `trl sft --config trl-sft.yaml` for current TRL (1.x) with the settings that
 * come closest to the original, its data in TRL's formats, and the differences that remain
 * (SPEC §6a, last paragraph). A modern-stack run approximates the original; it does not reproduce it.
 */
import { stringify } from "yaml";
import type { SplitData } from "./data";
import { COMMON_TRAINING, type Recipe } from "./recipes";
import { SAVE_DIR } from "./bundle";
import { toJsonl } from "../prompts";

export const TRL_DATA_DIR = "data/trl";

/** config → YAML object: one field per SFTConfig / ModelConfig / ScriptArguments option. */
export function trlConfig(recipe: Recipe, tokenized: boolean): Record<string, unknown> {
  return {
    model_name_or_path: recipe.model_id,
    dtype: "bfloat16", // TRL's default is float32
    ...(recipe.load_in_4bit ? { load_in_4bit: true, bnb_4bit_quant_type: "nf4", use_bnb_nested_quant: true } : {}),
    use_peft: true,
    lora_task_type: "CAUSAL_LM",
    lora_r: COMMON_TRAINING.lora_r,
    lora_alpha: COMMON_TRAINING.lora_alpha,
    lora_dropout: COMMON_TRAINING.lora_dropout,
    lora_target_modules: [...COMMON_TRAINING.lora_target_modules],
    dataset_name: TRL_DATA_DIR, // train.jsonl → train, dev.jsonl → validation
    dataset_train_split: "train",
    dataset_test_split: "validation",
    output_dir: SAVE_DIR, // where run.json's save_dir says the adapter is (trl sft saves the final model there)
    eval_strategy: "epoch",
    per_device_train_batch_size: 1,
    per_device_eval_batch_size: 1,
    gradient_accumulation_steps: COMMON_TRAINING.gradient_accumulation_steps,
    learning_rate: recipe.learning_rate,
    weight_decay: COMMON_TRAINING.weight_decay,
    num_train_epochs: COMMON_TRAINING.num_train_epochs,
    max_steps: -1,
    lr_scheduler_type: COMMON_TRAINING.lr_scheduler_type,
    warmup_steps: COMMON_TRAINING.warmup_steps,
    logging_steps: 1,
    log_level: "info",
    save_strategy: "no",
    bf16: true,
    gradient_checkpointing: true,
    gradient_checkpointing_kwargs: { use_reentrant: false },
    max_length: null, // TRL's default 1024 truncates; the original skipped over-long prompts instead
    packing: false,
    loss_type: "nll", // the default chunked_nll refuses a LoRA on lm_head
    completion_only_loss: true,
    seed: COMMON_TRAINING.seed,
    report_to: "none",
  };
}

/**
 * Every string value double-quoted: `trl sft` reads the file with PyYAML (YAML 1.1), where a bare
 * `no`, `off` or `yes` is a boolean (`save_strategy: no` became false).
 */
export function trlYaml(recipe: Recipe, tokenized: boolean): string {
  return `# trl sft --config trl-sft.yaml   (run in this folder; TRL >= 1.0)\n# An approximation of the original run: see README.md for what still differs.\n${stringify(trlConfig(recipe, tokenized), { lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" })}`;
}

/**
 * TRL's data: with a tokenizer, the original's own ids with the prompt masked
 * ({input_ids, completion_mask}: TRL trains on supplied ids untouched); without one,
 * conversational prompt/completion rows (TRL renders the template and appends eos itself).
 */
export function trlRows(s: SplitData, eos: string): string {
  if (s.tokens) return toJsonl(s.tokens.map((t) => ({ input_ids: t.input_ids, completion_mask: t.labels.map((l) => (l === -100 ? 0 : 1)) })));
  return toJsonl(
    s.rows.map((r) => ({
      prompt: r.messages,
      completion: [{ role: "assistant", content: r.target.endsWith(eos) ? r.target.slice(0, -eos.length) : r.target }],
    })),
  );
}

/** What a `trl sft` run still does differently from the original (SPEC §6a). */
export function trlDifferences(tokenized: boolean): string[] {
  return [
    "Collator: TRL's collator builds attention_mask from padding only; the original masked every eos token out of attention (attention_mask = input_ids != pad_token_id, pad = eos), including the target's final eos.",
    "Adapter dtype: TRL 1.x keeps PEFT's fp32 upcast on a bf16 base and casts every adapter to bf16 on a 4-bit base; the original (PEFT 0.11.1, get_peft_model before TRL 0.9.4) trained bf16 adapters on a bf16 base, and on a 4-bit base fp32 adapters with a bf16 lm_head LoRA (lib/train/ENGINES.md).",
    "k-bit preparation: TRL 1.x prepares a quantized model for k-bit training (input grads, fp32 norms); the original's TRL 0.9.4 skipped it because the model was already a PeftModel.",
    tokenized
      ? "Length rule: the supplied ids are the original's (over-long prompts already skipped at planning); max_length null keeps TRL from truncating."
      : "Length rule: without a tokenizer at planning, TRL tokenizes itself: max_length null keeps it from truncating, but nothing skips prompts longer than model_max_length as the original did.",
    tokenized
      ? "Template: the ids were rendered at planning with the tokenizer given there; re-plan with the model's own tokenizer."
      : "Template and eos: TRL renders the model's chat template itself (no transformers 4.41 legacy fallback) and appends its own eos to the completion.",
    "Loss: loss_type nll over completion tokens only, as the original's -100 labels; TRL 1.x normalises the loss over the accumulated tokens of the window, transformers 4.41 averaged per micro-batch.",
    "Steps: trl sft runs its transformers' loop (≥ 4.46), which steps the optimizer on each epoch's last partial window: ceil(epochs · ceil(kept / 64)) updates, every example seen each epoch; transformers 4.41 carried that window into the next epoch and stopped at ceil(epochs · max(kept // 64, 1)). compute.json's schedule is the trl run's own (loop transformers-4.46+).",
    "Stack: current torch / transformers / peft / bitsandbytes kernels differ numerically from the pinned 2024 stack (requirements.txt).",
  ];
}
