/**
 * cci ablate: its statistics against an independent computation (the exact bootstrap
 * distribution and exact McNemar p, computed here a second way and by a few lines of Python),
 * the k-fold design, the GPU-mode pairing of prediction files, and the command on the sample.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pairedStats } from "../lib/ablate/paired";
import { buildDesign } from "../lib/ablate/design";
import { pairPredictions, predictionVariant } from "../lib/ablate/gpu";
import { ablationFigure } from "../lib/charts/ablate";
import { eachRuleVariants } from "../lib/ablate/ablate";
import { loadSplit } from "../lib/corpus/locate";
import { ANSWERS, type Answer } from "../lib/corpus/schema";
import { writePrediction } from "../lib/ensemble/predictions";
import { cci, cleanTemp, readJson, ROOT, SAMPLE, tempDir } from "./helpers/train";
import { madeUpAblation } from "./helpers/chart-workspace";
import { loadVariantFile, resolveVariant, variantRecord } from "../lib/variant/variant";
import { provenancePath, provenanceText } from "../lib/variant/provenance";

afterAll(cleanTemp);

/** 0/1 vectors of n examples with `both` right on both, b right on the variant only, c on the faithful only. */
function fixed(n: number, both: number, b: number, c: number): { variant: number[]; faithful: number[] } {
  const variant: number[] = [];
  const faithful: number[] = [];
  // Interleaved so the pattern is not sorted (the bootstrap must not care, but a bug in pairing would).
  for (let i = 0; i < n; i++) {
    const k = (i * 37) % n;
    const [v, f] = k < both ? [1, 1] : k < both + b ? [1, 0] : k < both + b + c ? [0, 1] : [0, 0];
    variant.push(v);
    faithful.push(f);
  }
  return { variant, faithful };
}

/** Second implementation: the exact bootstrap distribution of the mean paired difference, its quantiles, and exact McNemar p (BigInt binomials). */
function exact(variant: number[], faithful: number[], level = 0.95) {
  const n = variant.length;
  const d = variant.map((v, i) => v - faithful[i]);
  const plus = d.filter((x) => x === 1).length;
  const minus = d.filter((x) => x === -1).length;
  const lg = (k: number) => { let s = 0; for (let i = 2; i <= k; i++) s += Math.log(i); return s; };
  const logF = Array.from({ length: n + 1 }, (_, k) => lg(k));
  const term = (k: number, p: number) => (k === 0 ? 0 : p === 0 ? -Infinity : k * Math.log(p));
  const mass = new Map<number, number>();
  for (let kp = 0; kp <= n; kp++)
    for (let km = 0; km <= n - kp; km++) {
      const kz = n - kp - km;
      const lw = logF[n] - logF[kp] - logF[km] - logF[kz] + term(kp, plus / n) + term(km, minus / n) + term(kz, (n - plus - minus) / n);
      if (lw > -Infinity) mass.set(kp - km, (mass.get(kp - km) ?? 0) + Math.exp(lw));
    }
  const support = [...mass.keys()].sort((a, b) => a - b);
  const quantile = (q: number) => {
    let acc = 0;
    for (const s of support) if ((acc += mass.get(s)!) >= q - 1e-12) return s / n;
    return support.at(-1)! / n;
  };
  const b = variant.filter((v, i) => v === 1 && faithful[i] === 0).length;
  const c = variant.filter((v, i) => v === 0 && faithful[i] === 1).length;
  const choose = (m: number, k: number) => { let r = 1n; for (let i = 0; i < k; i++) r = (r * BigInt(m - i)) / BigInt(i + 1); return r; };
  let tail = 0n;
  for (let k = 0; k <= Math.min(b, c); k++) tail += choose(b + c, k);
  const p = b + c === 0 ? 1 : Math.min(1, Number((2n * tail * 1_000_000_000_000n) / 2n ** BigInt(b + c)) / 1e12);
  const alpha = (1 - level) / 2;
  return { diff: (plus - minus) / n, low: quantile(alpha), high: quantile(1 - alpha), mcnemarP: p };
}

const CASES: [string, number, number, number, number][] = [
  ["dev-sized, variant better", 151, 100, 9, 3],
  ["dev-sized, variant worse", 151, 95, 2, 12],
  ["dev-sized, one discordant pair", 151, 110, 1, 0],
  ["k-fold-sized", 909, 640, 30, 14],
];

describe("paired statistics agree with an independent computation on fixed predictions", () => {
  it.each(CASES)("%s: interval within one example of the exact bootstrap quantiles, McNemar p exact", (_name, n, both, b, c) => {
    const { variant, faithful } = fixed(n, both, b, c);
    const s = pairedStats(variant, faithful, { iterations: 20_000 });
    const e = exact(variant, faithful);
    expect(s.variantOnly).toBe(b);
    expect(s.faithfulOnly).toBe(c);
    expect(s.diff).toBeCloseTo((b - c) / n, 12);
    expect(s.diff).toBeCloseTo(e.diff, 12);
    // A Monte Carlo percentile lands on the exact quantile's lattice point or its neighbour (1/n apart).
    expect(Math.abs(s.low - e.low)).toBeLessThanOrEqual(1 / n + 1e-9);
    expect(Math.abs(s.high - e.high)).toBeLessThanOrEqual(1 / n + 1e-9);
    expect(s.width).toBeCloseTo(s.high - s.low, 12);
    expect(s.mcnemarP).toBeCloseTo(e.mcnemarP, 9);
    expect(s.withinNoise).toBe(s.low <= 0 && s.high >= 0);
  });

  it("an unpaired (two independent accuracies) interval would be far wider: the test tells them apart", () => {
    const { variant, faithful } = fixed(151, 100, 9, 3);
    const paired = pairedStats(variant, faithful, { iterations: 5000 });
    // Unpaired standard error of a difference of two accuracies near 0.7 on 151 examples: about 7.4 points for the 95 % width ÷ 2.
    const p1 = variant.reduce((a, x) => a + x, 0) / 151;
    const p2 = faithful.reduce((a, x) => a + x, 0) / 151;
    const unpairedWidth = 2 * 1.96 * Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 151);
    expect(paired.width).toBeLessThan(unpairedWidth / 2);
  });

  const python = process.env.CCI_REAL_PYTHON ?? "python3";
  const hasPython = spawnSync(python, ["-c", "import math, fractions, json"], { encoding: "utf8" }).status === 0;
  it.skipIf(!hasPython).each(CASES)("%s: the same against Python (test/fixtures/ablate/paired_check.py)", (_name, n, both, b, c) => {
    const { variant, faithful } = fixed(n, both, b, c);
    const r = spawnSync(python, [join(ROOT, "test", "fixtures", "ablate", "paired_check.py")], { input: JSON.stringify({ variant, faithful }), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const py = JSON.parse(r.stdout) as { diff: number; low: number; high: number; mcnemar_p: number };
    const s = pairedStats(variant, faithful, { iterations: 20_000 });
    expect(s.diff).toBeCloseTo(py.diff, 12);
    expect(Math.abs(s.low - py.low)).toBeLessThanOrEqual(1 / n + 1e-9);
    expect(Math.abs(s.high - py.high)).toBeLessThanOrEqual(1 / n + 1e-9);
    expect(s.mcnemarP).toBeCloseTo(py.mcnemar_p, 9);
  });
});

describe("the k-fold design", () => {
  const train = loadSplit(SAMPLE, "train");
  const dev = loadSplit(SAMPLE, "dev");
  it("holds every train+dev example out exactly once, never training on it in that fold; same seed, same folds", () => {
    const d = buildDesign(train, dev, { kind: "kfold", folds: 5, seed: "s" });
    expect(d.evalIndex).toHaveLength(train.length + dev.length);
    const held = d.folds.flatMap((f) => f.eval).sort((a, b) => a - b);
    expect(held).toEqual(d.evalIndex);
    for (const f of d.folds) {
      expect(f.train.some((i) => f.eval.includes(i))).toBe(false);
      expect(f.train.length + f.eval.length).toBe(d.pool.length);
    }
    expect(buildDesign(train, dev, { kind: "kfold", folds: 5, seed: "s" }).folds).toEqual(d.folds);
    expect(buildDesign(train, dev, { kind: "kfold", folds: 5, seed: "t" }).folds).not.toEqual(d.folds);
  });
  it("dev design: train on train, score dev in its order", () => {
    const d = buildDesign(train, dev, { kind: "dev" });
    expect(d.folds).toHaveLength(1);
    expect(d.evalIndex.map((i) => d.pool[i].id)).toEqual(dev.map((e) => e.id));
  });
});

describe("GPU mode: paired prediction files", () => {
  const dev = loadSplit(SAMPLE, "dev");
  const answersFrom = (correct: number[]): Answer[] => dev.map((e, i) => (correct[i] ? (e.output as Answer) : ANSWERS[(ANSWERS.indexOf(e.output as Answer) + 1) % 3]));
  it("pairs a variant's file with the faithful one: the variant read from the sidecar, a file without one taken as faithful (and said)", () => {
    const dir = tempDir("cci-ablate-");
    const faithful = [1, 1, 1, 0, 1, 0, 1, 1, 0, 1];
    const variant = [1, 1, 1, 1, 1, 1, 1, 0, 0, 1];
    const fFile = join(dir, "recipe-9.faithful.json");
    const vFile = join(dir, "recipe-9.no-greetings.json");
    writePrediction(fFile, dev, answersFrom(faithful));
    writePrediction(vFile, dev, answersFrom(variant));
    // The provenance sidecar records the variant (what `cci predict` writes for a variant's bundle).
    const v = resolveVariant({ disable: ["delete-greetings"] });
    writeFileSync(provenancePath(vFile), provenanceText({ variant: variantRecord(v), corpus: {} as never }));
    expect(predictionVariant(vFile)).toMatchObject({ name: "no-delete-greetings", recorded: true });
    // A probs sidecar's `variant` key is read too, when there is no provenance file.
    const other = join(dir, "recipe-2.other.json");
    writePrediction(other, dev, answersFrom(variant));
    writeFileSync(other.replace(/\.json$/, ".probs.json"), JSON.stringify({ ...Object.fromEntries(dev.map((e) => [e.id, [1, 0, 0]])), variant: { name: "keep-jamo" } }));
    expect(predictionVariant(other)).toMatchObject({ name: "keep-jamo", recorded: true });
    // Two files of the same rule table under different names: said, since the difference is then run-to-run noise.
    const twin = join(dir, "recipe-9.rerun.json");
    writePrediction(twin, dev, answersFrom(variant));
    writeFileSync(provenancePath(twin), provenanceText({ variant: variantRecord(resolveVariant({ name: "rerun" })), corpus: {} as never }));
    const said: string[] = [];
    const f2 = join(dir, "recipe-9.f2.json");
    writePrediction(f2, dev, answersFrom(faithful));
    writeFileSync(provenancePath(f2), provenanceText({ variant: variantRecord(resolveVariant({})), corpus: {} as never }));
    pairPredictions({ variants: [twin], faithful: f2, gold: dev, goldFile: "dev.json", corpus: {}, warn: (l) => said.push(l) });
    expect(said.join("\n")).toMatch(/records the same rule table and prompt mode as .*rerun vs faithful/);
    expect(predictionVariant(fFile)).toMatchObject({ name: "faithful", recorded: false });
    const warnings: string[] = [];
    const r = pairPredictions({ variants: [vFile], faithful: fFile, gold: dev, goldFile: "dev.json", corpus: {}, warn: (l) => warnings.push(l) });
    expect(warnings.join("\n")).toMatch(/recipe-9\.faithful\.json records no variant; taken as faithful/);
    expect(r.rows).toHaveLength(1);
    const e = pairedStats(variant, faithful);
    expect(r.rows[0]).toMatchObject({ variant: "no-delete-greetings", member: "recipe-9.no-greetings", accuracy: 0.8, faithfulAccuracy: 0.7, variantOnly: 2, faithfulOnly: 1, mcnemarP: e.mcnemarP, low: e.low, high: e.high });
  });

  it("cci ablate --predictions without --faithful: one line, exit 2", () => {
    const r = cci(["ablate", "--predictions", join(SAMPLE, "dev.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("cci:"))).toHaveLength(1);
    expect(r.stderr).toMatch(/--predictions needs --faithful FILE/);
  });
});

describe("cci ablate on the bundled sample", () => {
  it("one variant: the table, the proxy note, json + csv + one folder per variant; a re-run reuses the stored scores", () => {
    const out = join(tempDir("cci-ablate-"), "abl");
    const r = cci(["ablate", "--data", SAMPLE, "--disable", "delete-greetings", "--out", out, "--jobs", "1", "--iterations", "500"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no-delete-greetings .*lr-all-refined/);
    expect(r.stdout).toMatch(/hard vote \(all\)/);
    expect(r.stderr).toMatch(/cheap proxy .* not the entry's LLMs/);
    expect(r.stderr).toMatch(/interval widths [\d.]+–[\d.]+ points/);
    const json = readJson(join(out, "ablation.json"));
    expect(json.variants.map((v: { name: string }) => v.name)).toEqual(["no-delete-greetings"]);
    expect(json.variants[0].variant.rules.map((x: { name: string }) => x.name)).not.toContain("delete-greetings");
    expect(json.corpus["dev.json"]).toMatch(/^[0-9a-f]{64}$/);
    // The five raw members are the same on every variant, by construction.
    for (const row of json.rows.filter((x: { reads: string }) => x.reads === "raw")) expect(row).toMatchObject({ diff: 0, variantOnly: 0, faithfulOnly: 0 });
    expect(json.rows).toHaveLength(7 + 2);
    expect(readFileSync(join(out, "ablation.csv"), "utf8").split("\n")[0]).toMatch(/^variant,member,reads,n,accuracy,faithfulAccuracy,diff,low,high,width,mcnemarP/);
    for (const d of ["raw-members", "variants/faithful", "variants/no-delete-greetings"]) expect(existsSync(join(out, d, "members.json")), d).toBe(true);
    // Each variant's folder holds its variant file, which --rules reads back to the same variant.
    expect(loadVariantFile(join(out, "variants", "no-delete-greetings", "variant.json")).rules.map((x) => x.name)).toEqual(json.variants[0].variant.rules.map((x: { name: string }) => x.name));
    const again = cci(["ablate", "--data", SAMPLE, "--disable", "delete-greetings", "--out", out, "--jobs", "1", "--iterations", "500"]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/reusing stored scores for raw members, faithful, no-delete-greetings/);
    expect(again.stderr).not.toMatch(/fitting the members/);
    expect(readJson(join(out, "ablation.json")).rows).toEqual(json.rows);
  }, 240_000);

  it("--rules A.json,B.json scores each file's variant; two files naming one variant are refused", () => {
    const dir = tempDir("cci-ablate-");
    const a = join(dir, "keep-greetings.json");
    const b = join(dir, "late-collapse.yaml");
    writeFileSync(a, JSON.stringify({ name: "keep-greetings", disable: ["delete-greetings"] }));
    writeFileSync(b, "name: late-collapse\nadd:\n  - name: collapse-spaces\n    pattern: ' {2,}'\n    replacement: ' '\n    after: delete-jamo\n");
    const out = join(dir, "abl");
    const r = cci(["ablate", "--data", SAMPLE, "--rules", `${a},${b}`, "--out", out, "--iterations", "200"]);
    expect(r.status, r.stderr).toBe(0);
    const json = readJson(join(out, "ablation.json"));
    expect(json.variants.map((v: { name: string }) => v.name)).toEqual(["keep-greetings", "late-collapse"]);
    expect(json.variants[1].variant.rules.map((x: { name: string }) => x.name)).toContain("collapse-spaces");
    const c = join(dir, "also-keep.json");
    writeFileSync(c, JSON.stringify({ name: "keep-greetings", disable: ["strip"] }));
    const dup = cci(["ablate", "--data", SAMPLE, "--rules", `${a},${c}`, "--out", join(dir, "dup")]);
    expect(dup.status).toBe(2);
    expect(dup.stderr).toMatch(/two --rules files name the variant keep-greetings/);
  }, 240_000);

  it("--out inside the corpus folder is refused before any work, in one line", () => {
    const r = cci(["ablate", "--data", SAMPLE, "--disable", "strip", "--out", join(SAMPLE, "abl")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*abl: is inside the corpus folder/);
    expect(existsSync(join(SAMPLE, "abl"))).toBe(false);
  });

  it.each([
    [["--rules", "no-such-file.json"], /no-such-file\.json: cannot read the rules file/],
    [["--disable", "no-such-rule"], /unknown rule no-such-rule/],
    [["--each-rule", "--disable", "strip"], /--each-rule makes its own variants/],
    [[], /say what to compare/],
    [["--each-rule", "--folds", "1"], /--folds 1: expected a whole number from 2/],
  ])("cci ablate %j: one line, exit 2, nothing written", (args, message) => {
    const out = join(tempDir("cci-ablate-"), "abl");
    const r = cci(["ablate", "--data", SAMPLE, "--out", out, ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});

describe("the ablation chart", () => {
  it("one row per variant, one series per member or vote, error bars from the intervals", () => {
    const result = madeUpAblation();
    const fig = ablationFigure(result);
    expect(fig.data.map((t) => t.name)).toEqual(["lr-overlap-refined", "lr-all-refined", "hard vote (all)", "soft vote (all)"]);
    expect(fig.data[0].y).toEqual(eachRuleVariants().map((v) => v.name));
    const row = result.rows.find((r) => r.member === "lr-all-refined")!;
    const t = fig.data[1] as { x: number[]; error_x: { array: number[]; arrayminus: number[] } };
    expect(t.x[0]).toBeCloseTo(100 * row.diff, 9);
    expect(t.x[0] + t.error_x.array[0]).toBeCloseTo(100 * row.high, 9);
    expect(t.x[0] - t.error_x.arrayminus[0]).toBeCloseTo(100 * row.low, 9);
    expect(String((fig.layout.title as { text: string }).text)).toMatch(/proxy/);
  });
});
