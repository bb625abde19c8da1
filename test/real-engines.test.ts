/**
 * Issue 28 on the real libraries (torch, transformers, PEFT), in one Python process:
 * - the adapter's dtype: train.py's rule on a tiny bf16 Llama as get_peft_model makes it for the
 *   modern engine — PEFT 0.11.1's (bf16 LoRA on bf16 layers, AdamW's states bf16; fp32 on a 4-bit
 *   layer, stood in for by a uint8 weight) by default, fp32 throughout with the switch;
 * - scoring's softmax: predict.py decides as run/test.py did, in bf16, so a tie made by bf16
 *   rounding goes to A (or to the first of the tied), while the sidecar keeps float64.
 * Needs CCI_REAL_PYTHON (.ci/run makes .venv-ci); test/real-train.test.ts runs the engines end to end.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const PY = process.env.CCI_REAL_PYTHON;
if (!PY) console.log("real-engines: skipped (set CCI_REAL_PYTHON to a Python with torch, transformers and peft; .ci/run makes .venv-ci)");
const FIXTURE = join(__dirname, "fixtures", "real", "engine_checks.py");

// [A, B, C] logits, all exact bf16 values.
const LOGITS = [
  [0, 0.0009765625, -20], // p ≈ 0.49976 / 0.50024: both round to 0.5 in bf16 → A; float64 → B
  [0, 0.001953125, 0.00390625], // p ≈ 0.33268 / 0.33333 / 0.33398: B and C both 0.333984375 in bf16 → B; float64 → C
  [0, 0, 0], // an exact tie: A under both
  [2, 1, 0], // clear: A under both
  [0, 1, 0.5], // clear: B under both
];

describe.skipIf(!PY)("real libraries: adapter dtype and the original's bf16 softmax (issue 28)", () => {
  let out: any;
  beforeAll(() => {
    const r = spawnSync(PY!, [FIXTURE, "all", JSON.stringify(LOGITS)], { encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" }, timeout: 300_000 });
    if (r.status !== 0) throw new Error(`engine_checks.py → ${r.status}\n${r.stderr.slice(-3000)}`);
    out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  }, 300_000);

  const modules = ["down_proj", "gate_proj", "k_proj", "lm_head", "o_proj", "q_proj", "up_proj", "v_proj"];
  const every = (dtype: string) => Object.fromEntries(modules.map((m) => [m, [dtype]]));

  it("original (default): a bf16 base trains bf16 LoRA weights and bf16 AdamW states; stack.json's record says so", () => {
    expect(out.adapter.original.params).toEqual(every("bfloat16"));
    expect(out.adapter.original.adam_state).toEqual(["bfloat16"]);
    expect(out.adapter.original.recorded).toEqual(Object.fromEntries(modules.map((m) => [m, "bfloat16"])));
  });

  it("original on a 4-bit layer (a uint8 weight): that LoRA stays fp32, lm_head's and the bf16 layers' are bf16", () => {
    expect(out.adapter["original-4bit"].params).toEqual({ ...every("bfloat16"), q_proj: ["float32"] });
  });

  it("fp32 (the switch): every LoRA weight and AdamW state fp32, 4-bit or not", () => {
    expect(out.adapter.fp32.params).toEqual(every("float32"));
    expect(out.adapter.fp32.adam_state).toEqual(["float32"]);
    expect(out.adapter["fp32-4bit"].params).toEqual(every("float32"));
  });

  it("predict.py decides in bf16 as run/test.py: ties made by bf16 rounding go to the first; float64 decides otherwise", () => {
    expect(out.decide.map((d: any) => d.bf16)).toEqual([0, 1, 0, 0, 1]);
    expect(out.decide.map((d: any) => d.float64)).toEqual([1, 2, 0, 0, 1]);
  });

  it("predict.py's standard-library bf16 softmax (no torch) equals torch's on 20,000 random triples, half near-ties", () => {
    expect(out.stdlib_vs_torch).toEqual({ rows: 20000, rows_differ: 0, decisions_differ: 0 });
  });

  it("score_rows: answers by the chosen softmax, float64 probabilities in the sidecar, disagreements recorded", () => {
    const bf16 = out.score_rows.bf16;
    expect(bf16.answers).toEqual(["inference_1", "inference_2", "inference_1", "inference_1", "inference_2"]);
    expect(out.score_rows.float64.answers).toEqual(["inference_2", "inference_3", "inference_1", "inference_1", "inference_2"]);
    expect(bf16.probs[0][1]).toBeGreaterThan(bf16.probs[0][0]); // the sidecar keeps float64: B is (slightly) the larger
    expect(bf16.probs).toEqual(out.score_rows.float64.probs);
    expect(bf16.disagreements.map((d: any) => [d.id, d.bf16, d.float64])).toEqual([
      ["e0", "inference_1", "inference_2"],
      ["e1", "inference_2", "inference_3"],
    ]);
    expect(bf16.record).toMatchObject({ decided_by: "bf16", original: true, examples: 5, differ: 2 });
    expect(out.score_rows.float64.record).toMatchObject({ decided_by: "float64", original: false, differ: 2 });
  });
});
