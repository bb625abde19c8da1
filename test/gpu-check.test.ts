/**
 * lib/train/python/gpu_check.py in its CPU rehearsal (--device cpu --tiny): the same script a
 * CUDA machine runs, proven here to plan, train the engines alternated, time the training loop
 * per step and scoring after loading, compare predict.py with an independent computation, and
 * write the version-2 record. Needs CCI_REAL_PYTHON (see test/real-train.test.ts); never a GPU.
 * The record side without Python: test/gpu-check-record.test.ts.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { quoteGpuRatio } from "../lib/train/gpu-check";
import { CCI, cci, cleanTemp, readJson, tempDir } from "./helpers/train";

const PY = process.env.CCI_REAL_PYTHON;
if (!PY) console.log("gpu-check: skipped (set CCI_REAL_PYTHON to a Python with torch, transformers and peft; .ci/run makes .venv-ci)");

afterAll(cleanTemp);

describe.skipIf(!PY)("gpu_check.py --device cpu --tiny", () => {
  it("passes every check and records each ratio with its spread, from alternated runs, timed per step", () => {
    const dir = tempDir("cci-gpucheck-");
    // through `cci train check-gpu`, from another folder, with a relative --work (once doubled into the scoring paths)
    const r = spawnSync(process.execPath, [CCI, "train", "check-gpu", "--python", PY!, "--device", "cpu", "--tiny", "--out", "gpu-check.json", "--work", "work"], { encoding: "utf8", cwd: dir, timeout: 600_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const res = readJson(join(dir, "gpu-check.json"));
    expect(res).toMatchObject({ kind: "cci-gpu-check", version: 2, device: "cpu", gpu: null, mode: "tiny", pass: true, not_measured: {} });
    expect(res.stack.transformers).toMatch(/^\d/);
    expect(existsSync(join(dir, "work", "runs-0-modern"))).toBe(true); // --work kept, under the caller's folder
    const [key] = Object.keys(res.shapes);
    const shape = res.shapes[key];
    expect(shape.train_order).toEqual(["modern", "fast", "modern", "fast"]);
    for (const e of ["modern", "fast"]) {
      expect(res.checks[`${key}: ${e}: optimizer steps = planned schedule`]).toBe(true);
      expect(res.checks[`${key}: ${e}: predict.py = independent (|diff| < 1e-4)`]).toBe(true);
      const t = shape.train[e];
      expect(t.steps).toBe(t.planned_steps);
      // per-step times from metrics.jsonl, the warm-up step of each run dropped
      expect(t.rounds.map((x: any) => x.timed_step_s.length)).toEqual([t.steps - 1, t.steps - 1]);
      expect(t.rounds[0].timed_step_s).toEqual(t.rounds[0].step_s.slice(1));
      // steps exclude loading: their sum is less than the process's wall time
      expect(t.rounds[0].step_s.reduce((a: number, b: number) => a + b, 0)).toBeLessThan(t.rounds[0].wall_s);
    }
    expect(res.checks[`${key}: modern: predict.py batch 16 answers = batch 1`]).toBe(true);
    expect(shape.scoring.prompts).toBeGreaterThanOrEqual(100);
    const train = res.ratios[`train_fast_vs_modern [${key}]`];
    expect(train).toMatchObject({ n: 2 });
    expect(train.min).toBeLessThanOrEqual(train.median);
    expect(train.median).toBeLessThanOrEqual(train.max);
    for (const b of [8, 16]) expect(res.ratios[`score_b${b}_vs_b1 [${key}]`].median).toBeGreaterThan(0);
    // progress while it runs, and the summary printed through quoteGpuRatio, labelled as a rehearsal
    expect(r.stderr).toContain("round 2/2: training fast");
    expect(r.stderr).toContain("timing scoring after loading");
    expect(r.stderr).toContain(quoteGpuRatio(res, `train_fast_vs_modern [${key}]`));
    expect(r.stderr).toContain("CPU rehearsal at toy shapes, not a GPU figure");
    console.log(`gpu-check (CPU tiny): ${Object.keys(res.checks).length} checks passed in ${res.total_s} s; ${Object.keys(res.ratios).map((k) => `${k} ${res.ratios[k].median}`).join("; ")}`);
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
