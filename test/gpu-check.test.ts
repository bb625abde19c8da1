/**
 * lib/train/python/gpu_check.py in its CPU rehearsal (--device cpu --tiny): the same script a
 * CUDA machine runs, proven to plan, train each available engine, score and compare here.
 * Needs CCI_REAL_PYTHON (see test/real-train.test.ts); never a GPU.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CCI, cci, cleanTemp, readJson, ROOT, tempDir } from "./helpers/train";

const PY = process.env.CCI_REAL_PYTHON;
if (!PY) console.log("gpu-check: skipped (set CCI_REAL_PYTHON to a Python with torch, transformers and peft; .ci/run makes .venv-ci)");

describe.skipIf(!PY)("gpu_check.py --device cpu --tiny", () => {
  afterAll(cleanTemp);
  it("passes every check and writes the result with stack, timings and the fast/modern ratio", () => {
    const out = join(tempDir("cci-gpucheck-"), "gpu-check.json");
    // through `cci train check-gpu`, which runs lib/train/python/gpu_check.py under --python
    const r = spawnSync(process.execPath, [CCI, "train", "check-gpu", "--python", PY!, "--device", "cpu", "--tiny", "--out", out], { encoding: "utf8", cwd: ROOT, timeout: 600_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const res = readJson(out);
    expect(res).toMatchObject({ kind: "cci-gpu-check", device: "cpu", gpu: null, mode: "tiny", pass: true });
    expect(res.stack.transformers).toMatch(/^\d/);
    for (const e of ["modern", "fast"]) {
      expect(res.checks[`${e}: optimizer steps = planned schedule`]).toBe(true);
      expect(res.checks[`${e}: predict.py = independent (|diff| < 1e-4)`]).toBe(true);
      expect(res.engines[e].steps).toBe(res.engines[e].planned_steps);
    }
    expect(res.timings.fast_over_modern_train_speedup).toBeGreaterThan(0);
    console.log(`gpu-check (CPU tiny): ${Object.keys(res.checks).length} checks passed in ${res.timings.total_s} s; train s modern ${res.engines.modern.train_s}, fast ${res.engines.fast.train_s}`);
  }, 600_000);
});

describe("cci train check-gpu's input", () => {
  it("refuses a --python that does not exist in one line, exit 2", () => {
    const r = cci(["train", "check-gpu", "--python", "/nonexistent/bin/python", "--out", join(tempDir(), "x.json")]);
    expect(r.status).toBe(2);
    // The same rule as every engine command (lib/env/python.ts): check-gpu trains modern and fast, whose environment is .venv-modern.
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("cci:"))).toEqual(["cci: --python /nonexistent/bin/python: no such file (/nonexistent/bin/python); give a venv's bin/python or run `cci env create --engine modern`"]);
  });
});
