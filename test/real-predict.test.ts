/**
 * `cci predict --backend faithful` on the real libraries (torch, transformers, PEFT; CPU): a tiny
 * random Llama with the real Llama-3 tokenizer and a random non-zero LoRA (lm_head included),
 * its tokenizer saved by the current transformers (template in chat_template.jinja only). Ids from
 * cci, ids from predict.py's own chat template, and batched scoring all give the probabilities of
 * an independent base+adapter softmax. Skipped without CCI_REAL_PYTHON.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, LLAMA3, ROOT, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);
const PY = process.env.CCI_REAL_PYTHON;
if (!PY) console.log("real-predict: skipped (set CCI_REAL_PYTHON to a Python with torch, transformers and peft; .ci/run does)");
const env = { ...process.env, MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: "100000000000" };
const FIXTURE = join(ROOT, "test", "fixtures", "real", "make_tiny_llama.py");

/** A random LoRA over the tiny base, saved with the base's tokenizer as the current transformers saves it. */
const ADAPTER = join(ROOT, "test", "fixtures", "real", "random_adapter.py");

describe.skipIf(!PY)("cci predict --backend faithful (real libraries)", () => {
  it("equals an independent base+adapter softmax with cci's ids, predict.py's template and batch 4", () => {
    const root = tempDir("cci-rpred-");
    const tiny = join(root, "tiny-llama");
    const mk = spawnSync(PY!, [FIXTURE, "model", tiny, LLAMA3], { encoding: "utf8", env });
    expect(mk.status, mk.stderr).toBe(0);
    const runs = join(root, "runs");
    const plan = cci(["train", "plan", "--recipe", "3", "--engine", "modern", "--out", runs, "--data", SAMPLE, "--base-model", tiny, "--tokenizer", LLAMA3]);
    expect(plan.status, plan.stderr).toBe(0);
    const bundle = join(runs, RECIPES[2].name);
    const ad = spawnSync(PY!, [ADAPTER, tiny, join(bundle, "adapter"), "--seed", "2", "--jinja-only"], { encoding: "utf8", env });
    expect(ad.status, ad.stderr).toBe(0);
    const results = join(root, "results");
    const score = (out: string, extra: string[]) => {
      const r = cci(["predict", "--recipe", "3", "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--out", out, "--python", PY!, "--device", "cpu", ...extra], env);
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      // the adapter folder's own template (chat_template.jinja): no fallback, and the ids trained on
      expect(r.stderr).not.toMatch(/no chat template of its own/);
      return JSON.parse(readFileSync(out.replace(/\.json$/, ".probs.json"), "utf8")) as Record<string, number[]>;
    };
    const b1 = score(join(root, "b1.json"), []);
    const b4 = score(join(root, "b4.json"), ["--batch-size", "4"]);
    const py = score(join(root, "py.json"), ["--tokenize-in-python"]);
    const ids = Object.keys(b1);
    expect(ids.length).toBeGreaterThan(4);
    const maxDiff = (a: Record<string, number[]>, b: Record<string, number[]>) => Math.max(...ids.flatMap((id) => a[id].map((x, i) => Math.abs(x - b[id][i]))));
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    const agree = (a: Record<string, number[]>, b: Record<string, number[]>) => ids.filter((id) => argmax(a[id]) === argmax(b[id])).length;
    console.log(`real-predict: ${ids.length} dev prompts; batch 4 vs batch 1 max |Δp| ${maxDiff(b1, b4).toExponential(2)}, argmax ${agree(b1, b4)}/${ids.length}; predict.py's template vs cci's ids ${maxDiff(b1, py).toExponential(2)}`);
    expect(maxDiff(b1, py)).toBe(0); // the same ids, so the same forward
    expect(maxDiff(b1, b4)).toBeLessThan(1e-2); // bf16 forward: padding changes summation order only
    expect(agree(b1, b4)).toBe(ids.length);
    const check = spawnSync(PY!, [FIXTURE, "check", bundle, join(root, "b1.probs.json")], { encoding: "utf8", env });
    expect(check.status, check.stderr).toBe(0);
    const c = JSON.parse(check.stdout.trim().split("\n").pop()!);
    expect(c.n).toBe(ids.length);
    expect(c.max_abs_diff).toBeLessThan(1e-6);
    expect(c.argmax_agree).toBe(ids.length);
    expect(existsSync(join(root, "b4.journal.jsonl"))).toBe(false);
  }, 600_000);
});
