import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCalibration, mergeCalibrations, readCalibration, timeSummary } from "../lib/train/calibrate";
import { selectRecipes } from "../lib/train/bundle";
import { loadRunCorpus } from "../lib/train/data";
import { computePlans } from "../lib/train/plan";
import { shapeModel, type Calibration } from "../lib/train/steptime";
import { H200_MEASUREMENT } from "../lib/train/steptime-h200";
import { UserError } from "../lib/util/errors";
import { ROOT, SAMPLE, cci, cleanTemp, readJson, tempDir } from "./helpers/train";

afterAll(cleanTemp);

const solar = (micro: number): Calibration => ({ device: "NVIDIA H100 80GB HBM3", shapes: { "beomi/Solar-Ko-Recovery-11B": { params: 10993668096, train: { "256": { micro_s: micro }, "1024": { micro_s: micro } } } } });

describe("calibration files", () => {
  it("accepts the shipped measurement and names the first defect of a bad file in one line", () => {
    expect(checkCalibration(JSON.parse(JSON.stringify(H200_MEASUREMENT)), "x").device).toBe("NVIDIA H200");
    const bad = (c: unknown) => {
      try {
        checkCalibration(c, "cal.json");
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(bad([])).toBe("cal.json: (top level): expected an object");
    expect(bad({ shapes: {} })).toBe("cal.json: device: expected a device name (a string)");
    expect(bad({ device: "cpu", shapes: {} })).toBe("cal.json: shapes: no base measured");
    expect(bad({ device: "cpu", shapes: { m: { params: 5, train: { "256": { micro_s: -1 } } } } })).toBe("cal.json: shapes.m.train.256.micro_s: expected seconds > 0");
    expect(bad({ device: "cpu", shapes: { m: { params: 5, train: { abc: { micro_s: 1 } } } } })).toBe('cal.json: shapes.m.train: "abc" is not a sequence length');
    const dir = tempDir();
    writeFileSync(join(dir, "c.json"), "{ nope");
    expect(() => readCalibration(join(dir, "c.json"))).toThrow(/c\.json: not JSON/);
  });

  it("merges per-base runs of one machine and refuses runs of two", () => {
    const a = solar(1);
    const b: Calibration = { device: a.device, shapes: { "x2bee/POLAR-14B-v0.5": { params: 14221316096, train: { "512": { micro_s: 2 } } } } };
    expect(Object.keys(mergeCalibrations([a, b]).shapes)).toEqual(["beomi/Solar-Ko-Recovery-11B", "x2bee/POLAR-14B-v0.5"]);
    expect(() => mergeCalibrations([a, { ...b, device: "cpu" }])).toThrow(/different devices/);
  });

  it("a plan with a calibration prices its bases from it, scales POLAR by parameters and says so", async () => {
    const corpus = loadRunCorpus(join(SAMPLE));
    const cal = solar(2);
    const plans = await computePlans(selectRecipes("8,5"), corpus, { mode: "faithful", calibration: cal });
    const p8 = plans.find((p) => p.index === 8)!.plan;
    const p5 = plans.find((p) => p.index === 5)!.plan;
    expect(p8.time.device).toBe("NVIDIA H100 80GB HBM3");
    expect(p8.time.microStepS).toBeCloseTo(2, 9);
    expect(p8.gpuHours["H100-80GB"]).toBeCloseTo((p8.time.trainS + p8.time.evalS) / 3600, 9);
    expect(p5.time.how).toBe("not measured: beomi/Solar-Ko-Recovery-11B's times × 1.29 (parameter ratio)");
    const lines = timeSummary(plans.map((p) => p.plan), cal);
    expect(lines[0]).toMatch(/^time: times measured on NVIDIA H100 80GB HBM3/);
    expect(lines).toContain("  x2bee/POLAR-14B-v0.5: not measured: beomi/Solar-Ko-Recovery-11B's times × 1.29 (parameter ratio)");
    expect(lines.find((l) => l.startsWith("  wall time"))).toMatch(/1 GPU .*, 4 GPUs .*, 8 GPUs /);
    expect(lines.find((l) => l.startsWith("  on H100-80GB"))).toMatch(/download once: 2 base\(s\), 50 GB, /);
  });
});

describe("benchmark.py's refusals (standard library only, before torch is imported)", () => {
  it("outside a bundle, or in one planned before compute.json had a shape: one line, exit 2", () => {
    const dir = tempDir();
    const py = (args: string[]) => spawnSync("python3", [join(ROOT, "lib", "train", "python", "benchmark.py"), ...args], { encoding: "utf8" });
    const none = py(["--bundle", dir]);
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toBe(`benchmark: ${join(dir, "run.json")}: no run.json (run inside a bundle written by \`cci train plan\`)`);
    writeFileSync(join(dir, "run.json"), "{}");
    writeFileSync(join(dir, "compute.json"), "{}");
    const old = py(["--bundle", dir]);
    expect(old.status).toBe(2);
    expect(old.stderr.trim()).toBe(`benchmark: ${join(dir, "compute.json")}: no shape (plan the bundle again with this version of cci)`);
    writeFileSync(join(dir, "compute.json"), JSON.stringify({ shape: { hidden_size: 8 } }));
    const lengths = py(["--bundle", dir, "--lengths", "64,x"]);
    expect(lengths.status).toBe(2);
    expect(lengths.stderr.trim()).toBe("benchmark: --lengths 64,x: expected comma-separated whole numbers");
  });
});

// CPU with the real libraries: train.py --benchmark at a tiny shape, through `cci train calibrate`, read back by the plan
const REAL = process.env.CCI_REAL_PYTHON;
if (!REAL) console.log("train-calibrate: CCI_REAL_PYTHON is not set, so the real-library benchmark test is skipped");
describe.skipIf(!REAL)("train.py --benchmark on the real libraries (tiny shape, CPU)", () => {
  it("writes calibration.json in the measurement format, and `train plan --calibration` reads it", () => {
    const runs = tempDir();
    const env = { ...process.env, MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: "100000000000" };
    const plan = cci(["train", "plan", "--recipe", "8", "--out", runs, "--data", SAMPLE], env);
    expect(plan.status, plan.stderr).toBe(0);
    const cal = join(runs, "cal.json");
    const r = cci(["train", "calibrate", "--recipe", "8", "--runs", runs, "--tiny", "--lengths", "64,256", "--repeats", "2", "--device", "cpu", "--python", REAL!, "--out", cal], env);
    expect(r.status, r.stderr).toBe(0);
    const file = readJson<Calibration>(cal);
    expect(file.device).toBe("cpu");
    const e = file.shapes["beomi/Solar-Ko-Recovery-11B"];
    expect(Object.keys(e.train)).toEqual(["64", "256"]);
    expect(e.tiny).toBe(true);
    expect(e.shape).toEqual({ hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 8192 });
    expect(e.lora_dtype).toBe("torch.float32");
    for (const p of Object.values(e.train)) expect(p.micro_s).toBeGreaterThan(0);
    expect(Object.keys(e.score_b1!)).toEqual(["64", "256"]);
    const again = cci(["train", "plan", "--recipe", "8", "--out", runs, "--data", SAMPLE, "--calibration", cal, "--force"], env);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/time: times measured on cpu .*TINY shape override/);
    const compute = readJson(join(runs, "CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_1e-4", "compute.json"));
    expect(compute.time.device).toBe("cpu");
    const line = shapeModel(e).micro;
    const forwarded = compute.schedule.examplesPerEpoch.reduce((a: number, b: number) => a + b, 0);
    expect(compute.time.microStepS).toBeCloseTo(line.fixedS + line.perTokenS * Math.max(compute.trainingTokens / forwarded, line.minL), 9);
    expect(compute.time.how).toMatch(/^measured at an overridden shape \(hidden_size 64, /);
  }, 120_000);
});
