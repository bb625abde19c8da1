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
  /**
   * The server applies a LoRA on lm_head (the recipes train one, SPEC §6). Without it (the
   * default) each recipe is served as its merged model (`cci train merge`), since a server that
   * skips an adapter module it cannot apply serves the base model's answers without a word.
   */
  lmHeadLora?: boolean;
  /** Passed on to every `cci predict` line (`--runs`), when the bundles are not in the default folder. */
  runsArg?: string;
  /** Seconds the script waits for a server to answer before giving up (default 1800). */
  readyTimeout?: number;
}

/** vLLM releases the plan's flags are written for (LoRA serving, `logprob_token_ids`); checked by a stand-in only. */
export const VLLM_RANGE = ">=0.8,<0.12";

/** The folder `cci train merge` writes for a recipe: its base with the adapter merged in (bf16). */
export const MERGED = "merged";

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

/** One server per recipe, each serving the recipe's merged model under the recipe's name. */
export function mergedGroups(recipes: readonly Recipe[], port = 8000): ServeGroup[] {
  return recipes.map((r, i) => ({ model_id: r.model_id, load_in_4bit: r.load_in_4bit, port: port + i, recipes: [r] }));
}

/** The `vllm serve` argv of a merged recipe: the merged folder, served under the recipe's name. */
export function vllmMergedArgv(g: ServeGroup, opts: ServePlanOptions): string[] {
  const rel = (p: string) => relative(process.cwd(), p) || ".";
  const r = g.recipes[0];
  return [
    "vllm",
    "serve",
    rel(join(opts.runsDir, r.name, MERGED)),
    "--served-model-name",
    r.name,
    "--dtype",
    "bfloat16",
    ...(g.load_in_4bit ? ["--quantization", "bitsandbytes"] : []),
    ...(opts.via === "allowed_token_ids" ? ["--logprobs-mode", "processed_logprobs"] : []),
    "--host",
    opts.host ?? "127.0.0.1",
    "--port",
    String(g.port),
  ];
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
export function predictArgv(r: Recipe, g: ServeGroup, opts: ServePlanOptions & { split?: string; out?: string }): string[] {
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
    ...(opts.runsArg ? ["--runs", opts.runsArg] : []),
    ...(opts.via === "allowed_token_ids" ? ["--logprobs-via", "allowed_token_ids"] : []),
    ...(opts.out ? ["--out", opts.out] : []),
  ];
}

/** Where the served dev run is written, beside (never over) the faithful dev prediction. */
export const servedDevOut = (r: Recipe): string => `resource/results/predictions/dev/served/${r.name}.json`;
/** The faithful dev prediction `cci predict --recipe NAME --split dev` writes. */
export const faithfulDevOut = (r: Recipe): string => `resource/results/predictions/dev/${r.name}.json`;


/**
 * The whole plan as a commented bash script. Servers run one after another (one GPU holds one
 * 11–14B base): start, wait until /v1/models answers — with a deadline, and noticing a server that
 * died —, score dev, compare it with the faithful dev run when there is one (the acceptance step
 * before test is trusted), score test, stop. Whatever the script started is stopped on every
 * exit (a failing `cci predict`, Ctrl-C, a deadline). With several GPUs, run blocks side by side.
 */
export function servePlanScript(groups: readonly ServeGroup[], opts: ServePlanOptions & { splits?: string[] }): string {
  const host = opts.host ?? "127.0.0.1";
  const splits = opts.splits ?? ["dev", "test"];
  const lines = [
    "#!/bin/bash",
    "# vLLM scoring plan written by `cci serve plan`; each request names its recipe as `model`.",
    `# Written for vLLM ${VLLM_RANGE} (flags: --enable-lora/--lora-modules or a merged model, logprob_token_ids).`,
    opts.lmHeadLora
      ? "# --lm-head-lora: one server per base serving all its adapters, LoRA on lm_head included (the server must apply it)."
      : "# One server per recipe on its merged model (`npx cci train merge --recipe all` first): the adapters carry a LoRA on\n# lm_head (SPEC §6), which servers that cannot apply it skip without a word.",
    "# 4-bit servers use vLLM's bitsandbytes loading, not bit-identical to the original's NF4 load: each recipe's served",
    "# dev run is compared with its faithful dev run before its test split is scored.",
    "set -euo pipefail",
    `READY_TIMEOUT="\${READY_TIMEOUT:-${opts.readyTimeout ?? 1800}}"`,
    'SERVER=""',
    "stop_server() {",
    '  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; fi',
    '  SERVER=""',
    "}",
    "trap stop_server EXIT",
    "trap 'stop_server; exit 130' INT TERM",
    "# wait_ready URL WHAT: until URL/models answers; fails when the server exits or READY_TIMEOUT passes.",
    "wait_ready() {",
    "  local waited=0",
    '  until curl -sf "$1/models" >/dev/null 2>&1; do',
    '    if ! kill -0 "$SERVER" 2>/dev/null; then echo "serve: the server for $2 exited before answering" >&2; exit 1; fi',
    '    if [ "$waited" -ge "$READY_TIMEOUT" ]; then echo "serve: $2 did not answer within ${READY_TIMEOUT}s" >&2; exit 1; fi',
    "    sleep 5; waited=$((waited + 5))",
    "  done",
    "}",
  ];
  for (const g of groups) {
    const url = `http://${host}:${g.port}/v1`;
    const what = opts.lmHeadLora ? `${g.model_id} (${g.load_in_4bit ? "4-bit" : "bf16"})` : g.recipes[0].name;
    lines.push("");
    lines.push(`# ${what}: ${g.recipes.length} recipe${g.recipes.length > 1 ? "s" : ""}`);
    lines.push(`${shellLine(opts.lmHeadLora ? vllmArgv(g, opts) : vllmMergedArgv(g, opts))} &`);
    lines.push("SERVER=$!");
    lines.push(`wait_ready ${shellLine([url, what])}`);
    for (const r of g.recipes) {
      if (splits.includes("dev")) {
        lines.push(shellLine(predictArgv(r, g, { ...opts, split: "dev", out: servedDevOut(r) })));
        lines.push(`if [ -f ${shellLine([faithfulDevOut(r)])} ]; then ${shellLine(["npx", "cci", "predict", "--compare", faithfulDevOut(r), servedDevOut(r)])}; fi`);
      }
      if (splits.includes("test")) lines.push(shellLine(predictArgv(r, g, { ...opts, split: "test" })));
    }
    lines.push("stop_server");
  }
  return `${lines.join("\n")}\n`;
}

/** Re-exported: notebook 05 shows the plan's command lines with it. */
export { shellLine };
