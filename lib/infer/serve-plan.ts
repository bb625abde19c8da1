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
import { shellLine, shellQuote } from "../util/shell";
import { join, relative, resolve } from "node:path";
import { packageRoot } from "../util/package-root";
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
  /** Paths in the argv absolute (the written script: it may run from any folder). */
  absolute?: boolean;
}

/** A path as the argv shows it: relative to here (shown commands), or absolute (written scripts). */
const pathFor = (opts: ServePlanOptions, p: string) => (opts.absolute ? resolve(p) : relative(process.cwd(), p) || ".");

/** `--host` for the server: an IPv6 literal without the brackets a URL needs. */
export const bindHost = (host: string): string => host.replace(/^\[(.*)\]$/, "$1");

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
  const rel = (p: string) => pathFor(opts, p);
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
    bindHost(opts.host ?? "127.0.0.1"),
    "--port",
    String(g.port),
  ];
}

/** The `vllm serve` argv of one group. */
export function vllmArgv(g: ServeGroup, opts: ServePlanOptions): string[] {
  const rel = (p: string) => pathFor(opts, p);
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
    bindHost(opts.host ?? "127.0.0.1"),
    "--port",
    String(g.port),
  ];
}

/** The `cci predict` argv of one recipe against its group's server (after the `cci` itself). */
export function predictArgv(r: Recipe, g: ServeGroup, opts: ServePlanOptions & { split?: string; out?: string }): string[] {
  return [
    "predict",
    "--recipe",
    r.name,
    "--backend",
    "openai",
    "--url",
    `http://${opts.host ?? "127.0.0.1"}:${g.port}/v1`,
    ...(opts.split && opts.split !== "test" ? ["--split", opts.split] : []),
    ...(opts.runsArg ? ["--runs", opts.absolute ? resolve(opts.runsArg) : opts.runsArg] : []),
    ...(opts.via === "allowed_token_ids" ? ["--logprobs-via", "allowed_token_ids"] : []),
    ...(opts.out ? ["--out", opts.out] : []),
  ];
}

/** Where the served dev run is written, beside (never over) the faithful dev prediction. */
export const servedDevOut = (r: Recipe): string => `resource/results/predictions/dev/served/${r.name}.json`;
/** The faithful dev prediction `cci predict --recipe NAME --split dev` writes. */
export const faithfulDevOut = (r: Recipe): string => `resource/results/predictions/dev/${r.name}.json`;


/** The checkout's own cci (never `npx cci`: from another folder npx fetches a registry package named `cci`). */
export const ownCci = (): string => join(packageRoot(), "lib", "cli", "cci.mjs");

/**
 * The whole plan as a commented bash script. Servers run one after another (one GPU holds one
 * 11–14B base): start (in a process group of its own), wait until /v1/models answers — every
 * curl bounded, with a deadline, noticing a server that died, and checking that the answer comes
 * from the server just started (still alive, serving the planned names; a port already answering
 * is refused) —, score dev, compare it with the faithful dev run when there is one (the
 * acceptance step before test is trusted), score test, stop (TERM to the server's group, then
 * KILL after STOP_GRACE). Whatever the script started is stopped on every exit (a failing
 * `cci predict`, Ctrl-C, a deadline). Paths are absolute and cci is this checkout's, so the
 * script runs from any folder. With several GPUs, run blocks side by side.
 */
export function servePlanScript(groups: readonly ServeGroup[], opts: ServePlanOptions & { splits?: string[] }): string {
  const host = opts.host ?? "127.0.0.1";
  const splits = opts.splits ?? ["dev", "test"];
  const o = { ...opts, absolute: true };
  const cci = (argv: string[]) => `"$CCI" ${shellLine(argv)}`;
  const lines = [
    "#!/bin/bash",
    "# vLLM scoring plan written by `cci serve plan`; each request names its recipe as `model`.",
    `# Written for vLLM ${VLLM_RANGE} (flags: --enable-lora/--lora-modules or a merged model, logprob_token_ids).`,
    opts.lmHeadLora
      ? "# --lm-head-lora: one server per base serving all its adapters, LoRA on lm_head included (the server must apply it)."
      : "# One server per recipe on its merged model (`cci train merge --recipe all` first): the adapters carry a LoRA on\n# lm_head (SPEC §6), which servers that cannot apply it skip without a word.",
    "# 4-bit servers use vLLM's bitsandbytes loading, not bit-identical to the original's NF4 load: each recipe's served",
    "# dev run is compared with its faithful dev run before its test split is scored.",
    "set -euo pipefail",
    "# The folder the plan was written in: its relative output paths (resource/results/…) mean the same from anywhere.",
    `cd ${shellQuote(process.cwd())}`,
    "# This checkout's own cci (lib/util/PROCESSES.md); CCI=… overrides it.",
    `CCI="\${CCI:-${ownCci().replace(/[\\"$`]/g, "\\$&")}}"`,
    `READY_TIMEOUT="\${READY_TIMEOUT:-${opts.readyTimeout ?? 1800}}"`,
    'STOP_GRACE="${STOP_GRACE:-30}"',
    'SERVER=""',
    "# stop_server: TERM to the server's whole process group (its workers too), KILL after STOP_GRACE seconds.",
    "stop_server() {",
    '  if [ -n "$SERVER" ] && kill -0 -- "-$SERVER" 2>/dev/null; then',
    '    kill -TERM -- "-$SERVER" 2>/dev/null || true',
    "    local waited=0",
    '    while kill -0 -- "-$SERVER" 2>/dev/null && [ "$waited" -lt "$STOP_GRACE" ]; do sleep 1; waited=$((waited + 1)); done',
    '    kill -KILL -- "-$SERVER" 2>/dev/null || true',
    '    wait "$SERVER" 2>/dev/null || true',
    "    waited=0",
    '    while kill -0 -- "-$SERVER" 2>/dev/null && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done',
    "  fi",
    '  SERVER=""',
    "}",
    "trap stop_server EXIT",
    "trap 'stop_server; exit 130' INT",
    "trap 'stop_server; exit 143' TERM",
    "# port_free URL: a server already answering there (one left running) would be scored instead: refuse.",
    "port_free() {",
    '  if curl -s --max-time 5 -o /dev/null "$1/models" 2>/dev/null; then echo "serve: something already answers at $1 (a server left running?); stop it first" >&2; exit 1; fi',
    "}",
    "# wait_ready URL WHAT NAME…: until URL/models answers, from the server started here (alive, serving every NAME);",
    "# fails when the server exits or READY_TIMEOUT passes. Every curl is bounded (--max-time).",
    "wait_ready() {",
    '  local url=$1 what=$2 waited=0 body missing n',
    "  shift 2",
    "  while :; do",
    '    if ! kill -0 "$SERVER" 2>/dev/null; then echo "serve: the server for $what exited before answering" >&2; exit 1; fi',
    '    if body=$(curl -sf --max-time 10 "$url/models" 2>/dev/null) && kill -0 "$SERVER" 2>/dev/null; then',
    '      missing=""',
    '      for n in "$@"; do case "$body" in *"\\"$n\\""*) ;; *) missing="$missing $n" ;; esac; done',
    '      if [ -z "$missing" ]; then return 0; fi',
    '      echo "serve: $url answers without$missing: not the server started for $what" >&2; exit 1',
    "    fi",
    '    if [ "$waited" -ge "$READY_TIMEOUT" ]; then echo "serve: $what did not answer within ${READY_TIMEOUT}s" >&2; exit 1; fi',
    "    sleep 5; waited=$((waited + 5))",
    "  done",
    "}",
  ];
  for (const g of groups) {
    const url = `http://${host}:${g.port}/v1`;
    const what = opts.lmHeadLora ? `${g.model_id} (${g.load_in_4bit ? "4-bit" : "bf16"})` : g.recipes[0].name;
    lines.push("");
    lines.push(`# ${what}: ${g.recipes.length} recipe${g.recipes.length > 1 ? "s" : ""}`);
    lines.push(`port_free ${shellLine([url])}`);
    lines.push("set -m # the server in a process group of its own: stop_server stops its workers with it");
    lines.push(`${shellLine(opts.lmHeadLora ? vllmArgv(g, o) : vllmMergedArgv(g, o))} &`);
    lines.push("SERVER=$!");
    lines.push("set +m");
    lines.push(`wait_ready ${shellLine([url, what, ...g.recipes.map((r) => r.name)])}`);
    for (const r of g.recipes) {
      if (splits.includes("dev")) {
        lines.push(cci(predictArgv(r, g, { ...o, split: "dev", out: resolve(servedDevOut(r)) })));
        lines.push(`if [ -f ${shellLine([resolve(faithfulDevOut(r))])} ]; then ${cci(["predict", "--compare", resolve(faithfulDevOut(r)), resolve(servedDevOut(r))])}; fi`);
      }
      if (splits.includes("test")) lines.push(cci(predictArgv(r, g, { ...o, split: "test" })));
    }
    lines.push("stop_server");
  }
  return `${lines.join("\n")}\n`;
}

/** Re-exported: notebook 05 shows the plan's command lines with it. */
export { shellLine };
