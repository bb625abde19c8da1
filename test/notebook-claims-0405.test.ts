/**
 * Notebooks 04 and 05 state numbers; these tests pin each to what lib computes, so a change that
 * makes a sentence false fails. The committed outputs were computed on the real corpus; here the
 * same figures are recomputed from its shipped aggregates (test/fixtures/train/real-workloads.json).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INFER_BENCH_DEFAULTS } from "../lib/bench/infer";
import { memoryCheckLine, memoryCheckRows, summary04, summary05 } from "../lib/notebooks/gpu-guide";
import { GPUS, UTILISATION, memoryEstimate, type ComputePlan } from "../lib/train/compute";
import { modelShape, parameterCounts } from "../lib/train/models";
import { RECIPES } from "../lib/train/recipes";
import { trainerSchedule } from "../lib/train/schedule";
import { QLORA_SLOWDOWN, recipeTime, type Workload } from "../lib/train/steptime";
import { DOWNLOAD_BYTES_PER_S, loadSeconds } from "../lib/train/steptime-fixed";
import { H200_BUNDLE_RUN, H200_MEASUREMENT } from "../lib/train/steptime-h200";

type Cell = { cell_type: string; source: string[]; outputs?: { output_type: string; text?: string[] }[] };
const cells = (nb: string): Cell[] => JSON.parse(readFileSync(join(__dirname, "..", "notebooks", nb), "utf8")).cells;
const markdown = (cs: Cell[]) => cs.filter((c) => c.cell_type === "markdown").map((c) => c.source.join("")).join("\n");
const streams = (cs: Cell[]) => cs.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "stream").map((o) => (o.text ?? []).join("")));
const workloads = (JSON.parse(readFileSync(join(__dirname, "fixtures", "train", "real-workloads.json"), "utf8")) as { workloads: Record<string, Workload> }).workloads;

/** The parts of a ComputePlan the summaries read, rebuilt from the real corpus's aggregates. */
function plansFromAggregates(): ComputePlan[] {
  return RECIPES.map((r) => {
    const w = workloads[r.name];
    const time = recipeTime(w, r.model_id, H200_MEASUREMENT);
    const N = parameterCounts(modelShape(r.model_id)).total;
    const flops = 6 * N * w.trainingTokens + 2 * N * w.devTokens * w.evaluations;
    const flopH100 = ((flops / (GPUS["H100-80GB"].peakFlops * UTILISATION)) * (r.load_in_4bit ? QLORA_SLOWDOWN : 1)) / 3600;
    return { name: r.name, model_id: r.model_id, load_in_4bit: r.load_in_4bit, time, loadS: loadSeconds(r.model_id, r.load_in_4bit), gpuHours: { H200: (time.trainS + time.evalS) / 3600 }, flopHours: { "H100-80GB": flopH100 }, devKept: w.devExamples, devTokensPerEpoch: w.devTokens } as unknown as ComputePlan;
  });
}

describe("notebook 04's stated numbers", () => {
  const nb = cells("04-training-launches.ipynb");
  const md = markdown(nb);
  const out = streams(nb).join("\n");

  it("the closing summary printed is what the real corpus's aggregates give", () => {
    const lines = summary04(plansFromAggregates()).map((l) => `- ${l}`);
    for (const l of lines) expect(out).toContain(l);
    expect(out).toMatch(/is 0\.95–1\.04× the probe's own projection/);
    expect(out).toContain("a consistency check, not a validation");
  });

  it("44 updates × 64 = 2,816 micro-steps on the 758 train examples", () => {
    expect(md).toContain("44 updates × 64 = 2,816 micro-steps on the 758 train examples");
    const s = trainerSchedule(758, { epochs: 4, gradientAccumulationSteps: 64 });
    expect(s.realSteps).toBe(44);
    expect(s.examplesPerEpoch.reduce((a, b) => a + b, 0)).toBe(2816);
    for (const w of Object.values(workloads)) expect(w.microSteps).toBe(2816);
  });

  it("the measurement's lengths, batch sizes, the printed micro-step range, the 4-bit factor and the download rate", () => {
    expect(md).toContain("from 256 to 1536 tokens");
    for (const s of Object.values(H200_MEASUREMENT.shapes)) expect(Object.keys(s.train)).toEqual(["256", "512", "768", "1024", "1536"]);
    expect(md).toContain("Scoring 16 prompts per forward and training 8 sequences per micro-step");
    const micro = Object.values(H200_MEASUREMENT.shapes).flatMap((s) => Object.values(s.train).map((t) => t.micro_s));
    expect(out).toContain(`batch-1 micro-step: ${Math.min(...micro).toFixed(2)}–${Math.max(...micro).toFixed(2)} s over 15 (base, length) pairs`);
    expect(md).toContain("multiplies 4-bit bases by an assumed 1.5");
    expect(QLORA_SLOWDOWN).toBe(1.5);
    expect(md).toContain("assumed 100 MB/s");
    expect(DOWNLOAD_BYTES_PER_S).toBe(100e6);
  });

  it("memory: above the probe's peaks only by its flat margin, as the prose says and the cell prints", () => {
    expect(md).toContain("this margin is what keeps\nit above the measured peaks: its components alone come out below them at every length");
    expect(md).not.toContain("stayed below the plan's estimate");
    const rows = memoryCheckRows();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.plan).toBeGreaterThan(r.measured);
      expect(r.planWithoutMargin).toBeLessThan(r.measured);
    }
    expect(out).toContain(memoryCheckLine(rows));
  });

  it("calls every training hour projected, never measured", () => {
    expect(md).toContain("Every cost below is **projected**: no recipe has been timed end to end");
    expect(md).not.toMatch(/What training costs: measured/);
    expect(out).not.toMatch(/measured H200 train h/);
  });

  it("prints no sample-workspace path in the cluster jobs", () => {
    expect(out).not.toMatch(/sample-work/);
    expect(out).toMatch(/\$REPO\/resource\/runs\/slurm\/train\.sbatch/);
  });
});

describe("notebook 05's stated numbers", () => {
  const nb = cells("05-inference.ipynb");
  const md = markdown(nb);
  const out = streams(nb).join("\n");

  it("the closing summary printed is what the measurement and the real corpus's aggregates give", () => {
    const p = H200_BUNDLE_RUN.predict_py;
    const batched = out.match(/batch 8 against one by one: same answer on (\d+) of (\d+)/)!;
    const server = out.match(/against ONNX one by one: same answer on (\d+) of (\d+)/)!;
    const devFiles = /No recipe has dev predictions/.test(out) ? 0 : -1;
    const lines = summary05(plansFromAggregates(), { prompts: +batched[2], batchedAgree: +batched[1], serverAgree: +server[1], devFiles }, { predictSeconds: p.seconds, rows: p.rows, maxDiff: p.maxAbsDiffVsIndependent }).map((l) => `- ${l}`);
    for (const l of lines) expect(out).toContain(l);
  });

  it("the appendix describes the bench as configured and prints its ratios", () => {
    const o = INFER_BENCH_DEFAULTS;
    expect(md).toContain(`an\n${o.vocab.toLocaleString("en")}-token vocabulary, random prompts of ${o.minTokens}–${o.maxTokens} tokens`);
    expect(md).toContain(`concurrency ${o.concurrencies.slice(0, -1).join(", ")} and ${o.concurrencies.at(-1)}`);
    expect(md).toContain(`fixed ${o.serviceMs} ms service time`);
    expect(out).toMatch(/onnx \(all positions\): 2\.2–2\.6× slower than its first setting/);
    expect(md).toContain("on a CPU batching it is slower than scoring one by one");
  });
});

describe("the run book's compute-plan numbers", () => {
  it("match what the plan gives on the real corpus's aggregates", () => {
    const readme = readFileSync(join(__dirname, "..", "reports", "guide", "runbook.md"), "utf8").replace(/\s+/g, " ");
    const lines = summary04(plansFromAggregates());
    const ratios = lines[0].match(/is (\d\.\d\d–\d\.\d\d)×/)![1];
    expect(readme).toContain(`the bf16 recipes ${ratios}× the probe's own projected hours`);
    const walls = lines[2].match(/1 GPU ([\d.]+) h, 4 GPUs ([\d.]+) h, 8 GPUs ([\d.]+) h/)!.slice(1).map((x) => (+x).toFixed(1));
    expect(readme).toContain(`≈ ${walls.join(" / ")} h on H200s`);
    const [h200, old] = lines[1].match(/: ([\d.]+) H200-hours.*said ([\d.]+) H100-hours/)!.slice(1);
    expect(readme).toContain(`it said ${old} H100-hours; the projection from the measured micro-steps says ≈ ${h200} H200-hours`);
  });
});
