import { describe, expect, it } from "vitest";
import { computePlan, explainSchedule, memoryEstimate } from "../lib/train/compute";
import type { SplitData } from "../lib/train/data";
import { MODEL_SHAPES, loraParameterCount, modelShape, parameterCounts } from "../lib/train/models";
import { RECIPES } from "../lib/train/recipes";
import { engineSchedule, modernTrainerSchedule, trainerSchedule } from "../lib/train/schedule";
import { adapterDtypeTable } from "../lib/train/adapter-dtype";
import { resolvedRecipe, selectRecipes } from "../lib/train/bundle";

const TARGETS8 = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"];

const opts = { epochs: 4, gradientAccumulationSteps: 64 };

describe("optimizer steps as transformers 4.41's Trainer counts them", () => {
  // [kept examples, max_steps, real updates, updates per epoch, examples per epoch]
  const CASES: [number, number, number, number[], number[]][] = [
    // 30 (the sample): each epoch's partial window steps, and so does the never-reset sample counter
    // at 64 (in epoch 3): max_steps 4 is reached at the end of epoch 3 and epoch 4 never runs.
    [30, 4, 4, [1, 1, 2], [30, 30, 30]],
    [64, 4, 4, [1, 1, 1, 1], [64, 64, 64, 64]],
    [128, 8, 8, [2, 2, 2, 2], [128, 128, 128, 128]],
    // 758 (the real train split, nothing dropped): windows run across epochs; stops at step 44,
    // 542 examples into epoch 4 (4·11 = 44 updates need 44·64 = 2816 samples = 3·758 + 542).
    [758, 44, 44, [11, 12, 12, 9], [758, 758, 758, 542]],
    // 100: max_steps 4 is reached in the third epoch; the fourth never runs.
    [100, 4, 4, [1, 2, 1], [100, 100, 56]],
  ];
  it.each(CASES)("%i examples → max_steps %i, %i real updates", (n, maxSteps, real, perEpoch, seen) => {
    const s = trainerSchedule(n, opts);
    expect(s.maxSteps).toBe(maxSteps);
    expect(s.realSteps).toBe(real);
    expect(s.stepsPerEpoch).toEqual(perEpoch);
    expect(s.examplesPerEpoch).toEqual(seen);
  });

  it("explains both counts", () => {
    expect(explainSchedule(trainerSchedule(30, opts))).toBe(
      "30 kept examples: max_steps = ceil(4 × max(30 // 64, 1)) = 4, the length of the warm-up + cosine schedule. Each epoch's last, partial window gets its own update (is_last_step_and_steps_less_than_grad_acc), and the sample counter, never reset between epochs, also triggers one whenever it reaches a multiple of 64. Replaying the loop: updates per epoch 1, 1, 2; training stops at update 4 in epoch 3 of 4; epoch 4 never runs.",
    );
    expect(explainSchedule(trainerSchedule(758, opts))).toMatch(/= 44, .*leftover 54 examples roll into the next epoch's first window \(the sample counter is never reset; 3 windows span two epochs\)\. Replaying the loop: updates per epoch 11, 12, 12, 9; training stops at update 44 in epoch 4 of 4, 216 examples of that epoch unseen\.$/);
  });
});

describe("model facts and the compute plan", () => {
  it("reproduces the parameter counts the model cards and leaderboard state", () => {
    const b = (id: string) => +(parameterCounts(MODEL_SHAPES[id]).total / 1e9).toFixed(2);
    expect(b("beomi/Solar-Ko-Recovery-11B")).toBe(10.99);
    expect(b("x2bee/POLAR-14B-v0.5")).toBe(14.22);
    expect(b("chihoonlee10/T3Q-ko-solar-dpo-v7.0")).toBe(10.73);
  });

  it("counts LoRA parameters over the eight targets, lm_head included", () => {
    const m = MODEL_SHAPES["beomi/Solar-Ko-Recovery-11B"];
    // per layer: q,o 16·8192; k,v 16·(4096+1024); gate,up,down 16·(4096+14336); lm_head 16·(4096+64000)
    const perLayer = 16 * (2 * 8192 + 2 * 5120 + 3 * 18432);
    expect(loraParameterCount(m, 16, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"])).toBe(48 * perLayer + 16 * (4096 + 64000));
  });

  it("puts a 4-bit run's weights at about a quarter of bf16's", () => {
    const bf16 = memoryEstimate(RECIPES[2], 1000);
    const q = memoryEstimate(RECIPES[8], 1000); // same base, launched 4-bit (recipe 9's quirk)
    expect(bf16.weightsGiB).toBeCloseTo((10.99e9 * 2) / 1024 ** 3, 0);
    expect(q.weightsGiB / bf16.weightsGiB).toBeGreaterThan(0.25);
    expect(q.weightsGiB / bf16.weightsGiB).toBeLessThan(0.35);
    expect(q.activationsGiB).toBeCloseTo(bf16.activationsGiB, 6);
  });

  it("plans from per-example lengths: kept, dropped, tokens, 6·N·T", () => {
    const lengths = (n: number, total: number) => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, prompt: total - 5, total, target: 5 }));
    const split = (n: number, dropped: string[]): SplitData => ({ rows: [], tokens: null, lengths: lengths(n, 500), counted: "tokenizer", dropped, limit: 4096 });
    const train = { ...split(130, ["e0", "e1"]), rows: Array(130) } as SplitData;
    const p = computePlan(RECIPES[2], train, split(20, []));
    expect([p.trainExamples, p.kept, p.dropped, p.devKept]).toEqual([130, 128, 2, 20]);
    expect(p.schedule.maxSteps).toBe(8);
    expect(p.tokensPerEpoch).toBe(128 * 500);
    expect(p.trainingTokens).toBe(4 * 128 * 500);
    expect(p.flops).toBeCloseTo(6 * p.parameters * 4 * 128 * 500 + 2 * p.parameters * 20 * 500 * 4, -6);
    expect(p.flopHours["H100-80GB"]).toBeLessThan(p.flopHours["A100-40GB"]);
    // time from the measured step time: 4·128 micro-steps of Solar-Ko, flat in length, + 4 evaluations of 20
    expect(p.time.trainFixedS / (4 * 128)).toBeCloseTo((0.8372 + 0.9063 + 0.9498 + 0.8766 + 0.7869) / 5, 9);
    expect(p.gpuHours.H200).toBeCloseTo((p.time.trainS + p.time.evalS) / 3600, 9);
    expect(p.gpuHours["H100-80GB"]).toBeLessThanOrEqual(p.gpuHours["A100-40GB"]);
    expect(p.lengthQuantiles).toEqual({ p10: 500, p50: 500, p90: 500, max: 500 });
  });
});

describe("report section", () => {
  it("tabulates the eleven recipes' plan on the sample corpus, saying the counts are estimates", async () => {
    const { trainingSection } = await import("../lib/report/sections/training");
    const { sampleWorkspace } = await import("../lib/corpus/locate");
    const md = await trainingSection.build(sampleWorkspace());
    expect(md).toMatch(/^The eleven recipes of SPEC §6 on 30 train and 10 dev examples/);
    expect(md.split("\n").filter((l) => l.startsWith("| ")).length).toBe(1 + 1 + 11);
    expect(md).toMatch(/Token counts here are estimates/);
    expect(md).toMatch(/training stops at update 4 in epoch 3 of 4; epoch 4 never runs/);
  });
});

describe("the engine's own schedule and the adapter's dtype (issue 28)", () => {
  const lengths = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, prompt: 495, total: 500, target: 5 }));
  const split = (n: number): SplitData => ({ rows: Array(n), tokens: null, lengths: lengths(n), counted: "tokenizer", dropped: [], limit: 4096 });
  const opts = { epochs: 4, gradientAccumulationSteps: 64 };

  it("trl: transformers ≥ 4.46's loop — every epoch's last partial window updates (48 on the real split, not 44)", () => {
    expect(modernTrainerSchedule(758, opts)).toMatchObject({ loop: "transformers-4.46+", maxSteps: 48, realSteps: 48, stepsPerEpoch: [12, 12, 12, 12], examplesPerEpoch: [758, 758, 758, 758], unseenInLastEpoch: 0 });
    expect(trainerSchedule(758, opts)).toMatchObject({ loop: "transformers-4.41", maxSteps: 44, realSteps: 44, stepsPerEpoch: [11, 12, 12, 9] });
    // the issue's bundle: 70 examples, trl makes 8 updates where modern makes 4
    expect([engineSchedule("trl", 70, opts).realSteps, engineSchedule("modern", 70, opts).realSteps]).toEqual([8, 4]);
    expect(modernTrainerSchedule(8, { epochs: 2, gradientAccumulationSteps: 3 }).stepsPerEpoch).toEqual([3, 3]);
    expect(modernTrainerSchedule(128, opts).realSteps).toBe(8);
    for (const e of ["faithful", "modern", "fast"] as const) expect(engineSchedule(e, 758, opts)).toEqual(trainerSchedule(758, opts));
  });

  it("computePlan counts the engine's steps; compute.json's explanation names the loop", () => {
    const trl = computePlan(RECIPES[2], split(70), split(10), undefined, { engine: "trl" });
    const modern = computePlan(RECIPES[2], split(70), split(10), undefined, { engine: "modern" });
    expect([trl.schedule.realSteps, modern.schedule.realSteps]).toEqual([8, 4]);
    expect(trl.engine).toBe("trl");
    expect(trl.time.trainFixedS).toBeGreaterThan(modern.time.trainFixedS); // 280 micro-steps, not 4 · 64 = 256
    expect(explainSchedule(trl.schedule)).toMatch(/transformers ≥ 4\.46 \(what trl sft runs.*ceil\(4 × ceil\(70 \/ 64\)\) = 8.*2, 2, 2, 2/);
  });

  it("memory follows the adapter's dtype: bf16 LoRA on a bf16 base, fp32 on 4-bit layers with a bf16 lm_head LoRA, fp32 when chosen", () => {
    const m = modelShape(RECIPES[2].model_id);
    const all = loraParameterCount(m, 16, TARGETS8);
    const head = 16 * (m.hidden_size + m.vocab_size);
    const gib = (bytes: number) => (bytes * 2) / 1024 ** 3; // weights + gradients
    expect(memoryEstimate(RECIPES[2], 1000, "original").loraGiB).toBeCloseTo(gib(all * 2), 9);
    expect(memoryEstimate(RECIPES[2], 1000, "fp32").loraGiB).toBeCloseTo(gib(all * 4), 9);
    expect(memoryEstimate(RECIPES[8], 1000, "original").loraGiB).toBeCloseTo(gib((all - head) * 4 + head * 2), 9);
    expect(memoryEstimate(RECIPES[8], 1000, "trl").loraGiB).toBeCloseTo(gib(all * 2), 9);
    expect(memoryEstimate(RECIPES[2], 1000, "trl").optimizerGiB).toBeCloseTo(gib(all * 4), 9);
    const p = computePlan(RECIPES[2], split(70), split(10), undefined, { adapterDtype: "fp32" });
    expect(p.memory.totalGiB - computePlan(RECIPES[2], split(70), split(10)).memory.totalGiB).toBeCloseTo(gib(all * 2) * 2, 9);
    expect(adapterDtypeTable(RECIPES[0], "original")).toEqual({ lm_head: "bf16", others: "fp32" });
    expect(adapterDtypeTable(RECIPES[2], "original")).toEqual({ lm_head: "bf16", others: "bf16" });
  });

  it("run.json records the choice; fp32 adds --adapter_dtype fp32 to train.py's argv; trl refuses a choice", () => {
    const [sel] = selectRecipes("3");
    expect(resolvedRecipe(sel, "faithful", "modern").adapter_dtype).toBe("original");
    const fp32 = resolvedRecipe(sel, "faithful", "modern", "fp32");
    expect(fp32.adapter_dtype).toBe("fp32");
    expect(fp32.argv.slice(-4)).toEqual(["--engine", "modern", "--adapter_dtype", "fp32"]);
    expect(resolvedRecipe(sel, "faithful", "faithful").argv).not.toContain("--adapter_dtype");
    expect(resolvedRecipe(sel, "faithful", "trl").adapter_dtype).toBe("trl");
    expect(() => resolvedRecipe(sel, "faithful", "trl", "fp32")).toThrow(/the trl engine's adapter dtype is TRL's own/);
  });
});

describe("lib/train/ENGINES.md", () => {
  it("shows the adapter-dtype table the code applies", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { adapterDtypeMarkdown } = await import("../lib/train/adapter-dtype");
    expect(readFileSync(join(__dirname, "..", "lib", "train", "ENGINES.md"), "utf8")).toContain(adapterDtypeMarkdown(RECIPES));
  });
});
