/**
 * Where a base model's files are on this machine, without the network: a local folder
 * (`--base-model DIR`, run.json's model_id is then an absolute path) or a snapshot in the
 * Hugging Face Hub cache, laid out as huggingface_hub writes it
 * (`models--{org}--{name}/snapshots/{revision}/`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/** The cache folder huggingface_hub writes to (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub). */
export function hubCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  return join(env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "huggingface"), "hub");
}

/** The cache folder of one Hub model id. */
export const cachedRepoDir = (modelId: string, env: NodeJS.ProcessEnv = process.env): string => join(hubCache(env), `models--${modelId.split("/").join("--")}`);

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/**
 * What a model folder lacks for from_pretrained: config.json and its weights — every shard an
 * index names, else at least one *.safetensors / *.bin. null when complete.
 */
export function missingWeights(dir: string): string | null {
  if (!existsSync(join(dir, "config.json"))) return "no config.json";
  for (const index of ["model.safetensors.index.json", "pytorch_model.bin.index.json"]) {
    const p = join(dir, index);
    if (!existsSync(p)) continue;
    let shards: string[];
    try {
      shards = [...new Set(Object.values((JSON.parse(readFileSync(p, "utf8")) as { weight_map?: Record<string, string> }).weight_map ?? {}))];
    } catch {
      return `${index}: not valid JSON`;
    }
    const absent = shards.filter((s) => !existsSync(join(dir, s)));
    return absent.length ? `${absent.length} of ${shards.length} weight shards missing (${absent[0]} …)` : null;
  }
  return readdirSync(dir).some((f) => /\.(safetensors|bin)$/.test(f) && existsSync(join(dir, f))) ? null : "no weight files (*.safetensors, *.bin)";
}

export interface WeightsWhere {
  /** Where they are (a folder), when complete. */
  dir: string | null;
  /** A local folder, or a Hub id looked up in the cache. */
  kind: "folder" | "hub cache";
  /** Why not, when not. */
  problem: string | null;
}

/** Where the base's weights are: the folder itself, or the newest complete snapshot in the Hub cache. */
export function locateWeights(modelId: string, env: NodeJS.ProcessEnv = process.env): WeightsWhere {
  if (isAbsolute(modelId) || modelId.startsWith(".")) {
    if (!isDir(modelId)) return { dir: null, kind: "folder", problem: `${modelId}: no such folder` };
    const problem = missingWeights(modelId);
    return { dir: problem ? null : modelId, kind: "folder", problem: problem && `${modelId}: ${problem}` };
  }
  const snapshots = join(cachedRepoDir(modelId, env), "snapshots");
  if (!isDir(snapshots)) return { dir: null, kind: "hub cache", problem: `${modelId}: not in the Hub cache (${hubCache(env)})` };
  let last = "no snapshot";
  for (const rev of readdirSync(snapshots)) {
    const problem = missingWeights(join(snapshots, rev));
    if (!problem) return { dir: join(snapshots, rev), kind: "hub cache", problem: null };
    last = problem;
  }
  return { dir: null, kind: "hub cache", problem: `${modelId}: incomplete in the Hub cache (${last})` };
}

/** What to do when tokenizer folders cannot come from the Hub (said by `train fetch` and `train plan --tokenizer`). */
export function offlineTokenizerHint(out = "resource/tokenizers"): string {
  return `without the Hub: copy the tokenizer folders from a machine that has them (\`cci train fetch --recipe all --tokenizers-only\` there) into ${out}/<model id>/ (tokenizer.json, tokenizer_config.json and the chat template file) and plan with --tokenizer ${out}; set HF_HUB_OFFLINE=1 where the Hub cache (HF_HOME) already holds the models, so nothing waits on the network (lib/env/README.md)`;
}
