/** Shared pieces of the training-run tests: the cci process, temp folders, file walks. */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "..", "..");
export const CCI = join(ROOT, "lib", "cli", "cci.mjs");
export const SAMPLE = join(ROOT, "resource", "sample");
export const LLAMA3 = join(ROOT, "node_modules", "@lenml", "tokenizer-llama3", "models");

export function cci(args: string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: ROOT, env, timeout: 120_000 });
}

const made: string[] = [];
/** A temp folder removed by `cleanTemp` (call it in afterAll). */
export function tempDir(prefix = "cci-train-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
export function cleanTemp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Every file under a folder (recursive). */
export function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export function readJson<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/**
 * A Hub cache (HF_HUB_CACHE) holding a config.json and a weights file for each model id, as
 * huggingface_hub lays it out: what `cci train launch` looks for before it starts a run.
 */
export function fakeHubCache(dir: string, modelIds: readonly string[]): string {
  for (const id of modelIds) {
    const snap = join(dir, `models--${id.split("/").join("--")}`, "snapshots", "0000");
    mkdirSync(snap, { recursive: true });
    writeFileSync(join(snap, "config.json"), "{}");
    writeFileSync(join(snap, "model.safetensors"), "");
  }
  return dir;
}

/** What a stand-in interpreter prints when `cci train launch` probes it (lib/env/python/probe.py). */
export const STANDIN_PROBE = `if sys.argv[1:2] and sys.argv[1].endswith("probe.py"):
    print(json.dumps({"python": "3.12.0", "libs": {"torch": "2.11.0", "transformers": "5.17.0", "peft": "0.21.0", "trl": "0.9.4", "datasets": "2.19.0"}, "cuda": "12.4", "gpus": ["Stand-in GPU"] * 4}))
    sys.exit(0)
`;
