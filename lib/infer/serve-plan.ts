/**
 * `cci serve plan`: the vLLM servers that score the recipes fast — one server per base model,
 * serving every adapter of that base at once (`--enable-lora --lora-modules NAME=PATH …`, the
 * adapter's name then being the request's `model`), and the `cci predict` line for each recipe.
 *
 * Recipes are grouped by base and by how the base is loaded: the original scores QLoRA recipes
 * (and recipe 9, whose launch passed --load_in_4bit: SPEC §6 quirk) on the 4-bit base, the
 * others on bf16, so a base used both ways gets two servers. vLLM's in-flight bitsandbytes
 * 4-bit is not bit-identical to the NF4 double-quantised load of the original: measure it with
 * `cci predict --compare` on dev before trusting it.
 */
import { shellLine } from "../util/shell";
import { join, relative } from "node:path";
import type { Recipe } from "../train/recipes";
import type { LogprobsVia } from "./openai";

export interface ServeGroup {
  model_id: string;
  load_in_4bit: boolean;
  port: number;
  recipes: Recipe[];
}

export interface ServePlanOptions {
  runsDir: string;
  /** First port; each further server takes the next one. */
  port?: number;
  host?: string;
  via?: LogprobsVia;
  /** LoRA rank of the adapters (SPEC §6: 16). */
  maxLoraRank?: number;
}

/** Group recipes (in the given order) by (base, 4-bit); groups keep first-appearance order. */
export function serveGroups(recipes: readonly Recipe[], port = 8000): ServeGroup[] {
  const groups: ServeGroup[] = [];
  for (const r of recipes) {
    let g = groups.find((x) => x.model_id === r.model_id && x.load_in_4bit === r.load_in_4bit);
    if (!g) groups.push((g = { model_id: r.model_id, load_in_4bit: r.load_in_4bit, port: port + groups.length, recipes: [] }));
    g.recipes.push(r);
  }
  return groups;
}

/** The `vllm serve` argv of one group. */
export function vllmArgv(g: ServeGroup, opts: ServePlanOptions): string[] {
  const rel = (p: string) => relative(process.cwd(), p) || ".";
  return [
    "vllm",
    "serve",
    g.model_id,
    "--dtype",
    "bfloat16",
    ...(g.load_in_4bit ? ["--quantization", "bitsandbytes"] : []),
    "--enable-lora",
    "--max-lora-rank",
    String(opts.maxLoraRank ?? 16),
    "--max-loras",
    String(g.recipes.length),
    "--lora-modules",
    ...g.recipes.map((r) => `${r.name}=${rel(join(opts.runsDir, r.name, "adapter"))}`),
    ...(opts.via === "allowed_token_ids" ? ["--logprobs-mode", "processed_logprobs"] : []),
    "--host",
    opts.host ?? "127.0.0.1",
    "--port",
    String(g.port),
  ];
}

/** The `cci predict` argv of one recipe against its group's server. */
export function predictArgv(r: Recipe, g: ServeGroup, opts: ServePlanOptions & { split?: string }): string[] {
  return [
    "npx",
    "cci",
    "predict",
    "--recipe",
    r.name,
    "--backend",
    "openai",
    "--url",
    `http://${opts.host ?? "127.0.0.1"}:${g.port}/v1`,
    ...(opts.split && opts.split !== "test" ? ["--split", opts.split] : []),
    ...(opts.via === "allowed_token_ids" ? ["--logprobs-via", "allowed_token_ids"] : []),
  ];
}


/**
 * The whole plan as a commented shell script. Servers run one after another (one 24 GB GPU holds
 * one 11–14B base with its adapters): start, wait until /v1/models answers, score its recipes,
 * stop. With several GPUs, run the blocks side by side (CUDA_VISIBLE_DEVICES per block).
 */
export function servePlanScript(groups: readonly ServeGroup[], opts: ServePlanOptions & { splits?: string[] }): string {
  const host = opts.host ?? "127.0.0.1";
  const lines = [
    "#!/bin/sh",
    "# vLLM multi-adapter scoring plan written by `cci serve plan`: one server per base and load mode,",
    "# serving all of that base's adapters; each request names its adapter as `model`.",
    "# The adapters carry a LoRA on lm_head too (SPEC §6): use a vLLM that loads lm_head LoRA weights,",
    "# or merge each adapter into its base and serve the merged models instead.",
    "# 4-bit servers use vLLM's bitsandbytes loading, not bit-identical to the original's NF4 load:",
    "# compare each recipe with its faithful run on dev (`cci predict --compare A.json B.json`).",
    "set -e",
  ];
  for (const g of groups) {
    lines.push("");
    lines.push(`# ${g.model_id} (${g.load_in_4bit ? "4-bit" : "bf16"}): ${g.recipes.length} adapter${g.recipes.length > 1 ? "s" : ""}`);
    lines.push(`${shellLine(vllmArgv(g, opts))} &`);
    lines.push("SERVER=$!");
    lines.push(`until curl -sf http://${host}:${g.port}/v1/models >/dev/null; do sleep 10; done`);
    for (const split of opts.splits ?? ["dev", "test"]) for (const r of g.recipes) lines.push(shellLine(predictArgv(r, g, { ...opts, split })));
    lines.push('kill "$SERVER"; wait "$SERVER" || true');
  }
  return `${lines.join("\n")}\n`;
}

/** Re-exported: notebook 05 shows the plan's command lines with it. */
export { shellLine };
