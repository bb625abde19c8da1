/**
 * The LoRA adapter's dtype (SPEC §6a). PEFT 0.11.1, the original's pin, made each LoRA A/B in the
 * dtype of its base layer's weight when that weight is floating point: a bf16 recipe trained bf16
 * adapters (AdamW's states bf16 too), every recipe's lm_head LoRA is bf16 (lm_head is never
 * quantized), and a 4-bit recipe's other adapters stayed fp32 (their base weight is packed uint8).
 * PEFT ≥ 0.12 upcasts every adapter to fp32 by default. "original" reproduces PEFT 0.11.1's rule
 * (the default); "fp32" is the documented switch to fp32 adapters (`cci train plan --adapter-dtype fp32`,
 * train.py `--adapter_dtype fp32`, run.json `adapter_dtype`). lib/train/ENGINES.md has the table.
 */
import type { Recipe } from "./recipes";

export const ADAPTER_DTYPES = ["original", "fp32"] as const;
export type AdapterDtype = (typeof ADAPTER_DTYPES)[number];
export const DEFAULT_ADAPTER_DTYPE: AdapterDtype = "original";

/**
 * run.json's adapter_dtype: a choice for train.py's engines, or "trl" for `trl sft`, whose rule is
 * TRL 1.x's own: PEFT's fp32 upcast on a bf16 base, every adapter cast to bf16 on a 4-bit base.
 */
export type AdapterDtypeRule = AdapterDtype | "trl";

export type WeightDtype = "bf16" | "fp32";

/** The dtype of one target module's LoRA A/B under a rule: PEFT 0.11.1's, fp32 throughout, or TRL's. */
export function adapterDtypeOf(choice: AdapterDtypeRule, load_in_4bit: boolean, module: string): WeightDtype {
  if (choice === "fp32") return "fp32";
  if (choice === "trl") return load_in_4bit ? "bf16" : "fp32";
  // lm_head stays bf16 in a 4-bit model; every other target is a packed 4-bit layer there.
  return load_in_4bit && module !== "lm_head" ? "fp32" : "bf16";
}

export const BYTES: Record<WeightDtype, number> = { bf16: 2, fp32: 4 };

/** `--adapter-dtype`: one of ADAPTER_DTYPES, or one line naming the choices. */
export function parseAdapterDtype(v: string | undefined, fail: (msg: string) => never): AdapterDtype {
  if (v === undefined) return DEFAULT_ADAPTER_DTYPE;
  if ((ADAPTER_DTYPES as readonly string[]).includes(v)) return v as AdapterDtype;
  return fail(`--adapter-dtype: expected ${ADAPTER_DTYPES.join(" or ")}, got "${v}"`);
}

/** The table ENGINES.md shows: per recipe kind, the adapter dtype of lm_head and of the other targets. */
export function adapterDtypeTable(recipe: Pick<Recipe, "load_in_4bit">, choice: AdapterDtypeRule): { lm_head: WeightDtype; others: WeightDtype } {
  return { lm_head: adapterDtypeOf(choice, recipe.load_in_4bit, "lm_head"), others: adapterDtypeOf(choice, recipe.load_in_4bit, "q_proj") };
}

/** ENGINES.md's table (a test keeps the page equal to it): per recipe, lm_head / other LoRA weights under each rule. */
export function adapterDtypeMarkdown(recipes: readonly Pick<Recipe, "name" | "load_in_4bit">[]): string {
  const cell = (r: Pick<Recipe, "load_in_4bit">, rule: AdapterDtypeRule) => {
    const t = adapterDtypeTable(r, rule);
    return `${t.lm_head} / ${t.others}`;
  };
  const rows = recipes.map((r, i) => `| ${i + 1} | ${r.name} | ${r.load_in_4bit ? "4-bit" : "bf16"} | ${cell(r, "original")} | ${cell(r, "fp32")} | ${cell(r, "trl")} |`);
  return ["| # | recipe | base | original (default) | `--adapter-dtype fp32` | trl engine |", "|---|---|---|---|---|---|", ...rows].join("\n");
}
