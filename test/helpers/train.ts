/** Shared pieces of the training-run tests: the cci process, temp folders, file walks. */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
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
