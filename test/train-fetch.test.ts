/**
 * `cci train fetch` against a stand-in huggingface_hub (no network): sizes and the free-disk
 * check before any download, tokenizers into --out/<model id>/ that `train plan --tokenizer`
 * reads, weights into HF_HOME, the Hub's failure in one line, HF_TOKEN never printed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, LLAMA3, ROOT, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);
const hasPython = spawnSync("python3", ["--version"]).status === 0;
const STUBS = join(ROOT, "test", "fixtures", "env", "stubs");
const TOKEN = "hf_fetchStandInSecret_77";

describe.skipIf(!hasPython)("cci train fetch (stand-in huggingface_hub)", () => {
  const root = tempDir("cci-fetch-");
  const log = join(root, "hub.jsonl");
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, PYTHONPATH: STUBS, STANDIN_HF_TOKENIZER: LLAMA3, STANDIN_HF_LOG: log, HF_HOME: join(root, "hf"), HF_TOKEN: TOKEN, ...extra });

  it("--tokenizers-only: sizes first, then one folder per model id that plan reads", () => {
    const out = join(root, "tokenizers");
    const r = cci(["train", "fetch", "--recipe", "3,4", "--tokenizers-only", "--out", out, "--python", "python3"], env());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/fetch: beomi\/Solar-Ko-Recovery-11B: [\d.]+ GB in \d+ files/);
    expect(r.stderr).toMatch(/GB in all → .* GB free\)/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
    const calls = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(calls.map((c) => c.call)).toEqual([...new Set([RECIPES[2].model_id, RECIPES[3].model_id])].map(() => "model_info").concat([...new Set([RECIPES[2].model_id, RECIPES[3].model_id])].map(() => "snapshot_download")));
    expect(calls.find((c) => c.call === "snapshot_download").files).not.toContain("model.safetensors");
    const dir = join(out, RECIPES[2].model_id);
    expect(existsSync(join(dir, "tokenizer.json"))).toBe(true);
    const plan = cci(["train", "plan", "--recipe", "3", "--out", join(root, "runs"), "--data", SAMPLE, "--tokenizer", out]);
    expect(plan.status, plan.stderr).toBe(0);
  });

  it("weights: refused up front when the disk is too small, nothing downloaded", () => {
    const before = existsSync(log) ? readFileSync(log, "utf8") : "";
    const r = cci(["train", "fetch", "--recipe", "1", "--python", "python3"], env({ STANDIN_HF_WEIGHT_BYTES: String(10 ** 18) }));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^cci: fetch: [\d.]+ GB needed but [\d.]+ GB free on .*; set HF_HOME to a larger disk$/);
    expect(readFileSync(log, "utf8").slice(before.length)).not.toMatch(/snapshot_download/);
  });

  it("weights land in HF_HOME; an unreachable Hub is one line", () => {
    const r = cci(["train", "fetch", "--recipe", "1", "--python", "python3"], env());
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(root, "hf", "hub", `models--${RECIPES[0].model_id.replace("/", "--")}`, "snapshots", "standin", "model.safetensors"))).toBe(true);
    const bad = cci(["train", "fetch", "--recipe", "1", "--python", "python3"], env({ STANDIN_HF_FAIL: "1" }));
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^cci: fetch: cannot read the models' sizes from the Hub: fetch\.py: ConnectionError/);
  });
});
