/**
 * `cci train merge` on the real libraries (PEFT merge_and_unload): a tiny random Llama with the
 * real Llama-3 tokenizer, a random non-zero LoRA (lm_head included, as the recipes), merged; the
 * merged model's logits equal base+adapter's. Skipped without CCI_REAL_PYTHON.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, LLAMA3, ROOT, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);
const PY = process.env.CCI_REAL_PYTHON;
if (!PY) console.log("real-merge: skipped (set CCI_REAL_PYTHON to a Python with torch, transformers and peft; .ci/run does)");
const env = { ...process.env, MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: "100000000000" };

const ADAPTER = join(ROOT, "test", "fixtures", "real", "random_adapter.py");

const COMPARE = `
import json, sys, torch
from peft import PeftModel
from transformers import AutoModelForCausalLM
base, adapter, merged = sys.argv[1:4]
ids = torch.tensor([[128000, 32, 33, 34, 1234, 5678]])
with torch.no_grad():
    a = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16), adapter)(input_ids=ids).logits.float()
    b = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.bfloat16)(input_ids=ids).logits.float()
    c = AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16)(input_ids=ids).logits.float()
print(json.dumps({"merged_vs_adapter": (a - b).abs().max().item(), "base_vs_adapter": (a - c).abs().max().item()}))
`;

describe.skipIf(!PY)("cci train merge (real PEFT)", () => {
  it("writes merged/ whose logits equal base + adapter", () => {
    const root = tempDir("cci-merge-");
    const tiny = join(root, "tiny-llama");
    const mk = spawnSync(PY!, [join(ROOT, "test", "fixtures", "real", "make_tiny_llama.py"), "model", tiny, LLAMA3], { encoding: "utf8", env });
    expect(mk.status, mk.stderr).toBe(0);
    const runs = join(root, "runs");
    const plan = cci(["train", "plan", "--recipe", "3", "--engine", "modern", "--out", runs, "--data", SAMPLE, "--base-model", tiny]);
    expect(plan.status, plan.stderr).toBe(0);
    const bundle = join(runs, RECIPES[2].name);
    const ad = spawnSync(PY!, [ADAPTER, tiny, join(bundle, "adapter")], { encoding: "utf8", env });
    expect(ad.status, ad.stderr).toBe(0);
    const r = cci(["train", "merge", "--recipe", "3", "--runs", runs, "--python", PY!], env);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(bundle, "merged", "config.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(bundle, "merged", "cci-merge.json"), "utf8"))).toMatchObject({ dtype: "bfloat16" });
    const c = spawnSync(PY!, ["-c", COMPARE, tiny, join(bundle, "adapter"), join(bundle, "merged")], { encoding: "utf8", env });
    expect(c.status, c.stderr).toBe(0);
    const d = JSON.parse(c.stdout.trim().split("\n").pop()!);
    console.log(`real-merge: max |logit diff| merged vs base+adapter ${d.merged_vs_adapter.toExponential(2)}, base vs base+adapter ${d.base_vs_adapter.toExponential(2)}`);
    expect(d.base_vs_adapter).toBeGreaterThan(10 * d.merged_vs_adapter + 1e-3); // the adapter matters, and merging keeps it
    // again without --force: skipped, nothing rewritten
    const again = cci(["train", "merge", "--recipe", "3", "--runs", runs, "--python", PY!], env);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/merged\/ exists, skipped/);
  }, 300_000);
});
