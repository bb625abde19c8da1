import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fitEncoder, encode, groupOutputs } from "../lib/baseline/design";
import { FEATURE_GROUPS, FEATURE_GROUP_NAMES } from "../lib/baseline/features";
import { BASELINE_MEMBERS, selectMembers } from "../lib/baseline/members";
import { loadModel } from "../lib/baseline/model";
import { modelDir, predictMembers, runBaseline } from "../lib/baseline/run";
import { loss, predictProbs, softmax, train, type ChoiceExample } from "../lib/baseline/scorer";
import { charNgrams, compact, coverage, dice, distinctive, exampleView, words } from "../lib/baseline/text";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { ANSWERS, type Example } from "../lib/corpus/schema";
import { loadMember } from "../lib/ensemble/predictions";
import { example } from "./helpers/corpus";

const CCI = resolve(__dirname, "..", "lib", "cli", "cci.mjs");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: resolve(__dirname, "..") });
const tmp = () => mkdtempSync(join(tmpdir(), "cci-baseline-"));

describe("text views", () => {
  it("n-grams ignore spaces and punctuation", () => {
    expect(compact("화자1은, 기분이 좋다!")).toBe("화자1은기분이좋다");
    expect([...charNgrams("가 나다.", 2)]).toEqual(["가나", "나다"]);
    expect(words("  네, 좋아요!  정말 ")).toEqual(["네", "좋아요", "정말"]);
  });

  it("coverage, dice and distinctive n-grams", () => {
    const a = new Set(["x", "y", "z"]);
    const b = new Set(["y", "z", "w", "v"]);
    expect(coverage(a, b)).toBeCloseTo(2 / 3, 12);
    expect(dice(a, b)).toBeCloseTo(4 / 7, 12);
    expect(coverage(new Set(), b)).toBe(0);
    expect([...distinctive(a, [a, b])]).toEqual(["x"]);
  });

  it("a view reads references, their speakers and the rest of that speaker's turns", () => {
    const ex = example([[1, "안녕"], [2, "비가 와"], [1, "우산 있어?"], [2, "없어"]], [1]);
    const v = exampleView(ex);
    expect(v.referenceSpeakers).toEqual([2]);
    expect(v.references).toBe("비가 와");
    expect(v.sameSpeaker).toBe("없어");
    expect(v.options).toHaveLength(3);
  });
});

/** Options where inference_2 is the one the others were edited from. */
// Our own text, shaped like the corpus: option 2 is the one the other two were edited from.
const EDITED = { inference_1: "화자2가 다니는 학교 앞에서 도서관 행사가 열리고 있다.", inference_2: "화자2가 다니는 학교 앞에서 체육관 행사가 열리고 있다.", inference_3: "화자2가 다니는 학교 앞에서 체육관 행사가 취소되었다." };

describe("feature groups", () => {
  const view = exampleView(example([[1, "체육관 가 봤어?"], [2, "응 행사하더라"]], [1], EDITED));

  it.each(FEATURE_GROUP_NAMES)("%s gives three rows of its named width (or tokens)", (name) => {
    const out = FEATURE_GROUPS[name].compute(view);
    expect(out.rows).toHaveLength(3);
    const names = (FEATURE_GROUPS[name] as { names?: readonly string[] }).names;
    if (out.kind === "dense") {
      expect(out.rows.every((r) => r.length === names!.length && r.every(Number.isFinite))).toBe(true);
    } else {
      expect(names).toBeUndefined();
    }
  });

  it("edits and centrality single out the option the others were edited from", () => {
    const edits = FEATURE_GROUPS.edits.compute(view);
    const names = FEATURE_GROUPS.edits.names;
    const col = (n: string) => (edits.rows as number[][]).map((r) => r[names.indexOf(n)]);
    // words: 1↔2 differ by one word, 2↔3 by two (체육관 shared), 1↔3 by three
    expect(col("words.mean")).toEqual([2, 1.5, 2.5]);
    expect(col("words.mean.isMin")).toEqual([0, 1, 0]);
    const cent = FEATURE_GROUPS.centrality.compute(view);
    expect((cent.rows as number[][]).map((r) => r[FEATURE_GROUPS.centrality.names.indexOf("bigram.mean.isMax")])).toEqual([0, 1, 0]);
  });

  it("speaker features name the reference speaker in the example's category only", () => {
    const out = FEATURE_GROUPS.speaker.compute(view).rows as number[][];
    const i = FEATURE_GROUPS.speaker.names.indexOf("원인.mentionsReferenceSpeaker");
    expect(out.map((r) => r[i])).toEqual([1, 1, 1]);
    expect(out.every((r) => r.reduce((a, b) => a + b, 0) === 1)).toBe(true);
  });

  it("lexicon tokens are the option's distinctive words and bigrams", () => {
    const rows = FEATURE_GROUPS.lexicon.compute(view).rows as string[][];
    expect(rows[2]).toContain("w:취소되었다");
    expect(rows[2]).not.toContain("w:화자2가");
  });
});

describe("encoder", () => {
  it("standardises dense columns on train and keeps a min-count vocabulary", () => {
    const exs = [example([[1, "가"]], [0], EDITED), example([[1, "나"]], [0], { ...EDITED, inference_3: "화자1은 취소되었다." })];
    const outs = groupOutputs(exs, ["length", "lexicon"]);
    const enc = fitEncoder(outs, ["length", "lexicon"], 2);
    expect(enc.dense.map((d) => d.name)).toEqual(FEATURE_GROUPS.length.names.map((n) => `length/${n}`));
    expect(enc.vocabulary.every((t) => t.startsWith("lexicon/"))).toBe(true);
    const rows = encode(enc, exs, outs).flatMap((e) => e.options);
    const j = 0;
    const mean = rows.reduce((s, r) => s + r.values[j], 0) / rows.length;
    expect(mean).toBeCloseTo(0, 10);
  });
});

describe("conditional-logit scorer", () => {
  const row = (pairs: [number, number][]) => ({ indices: Int32Array.from(pairs.map((p) => p[0])), values: Float64Array.from(pairs.map((p) => p[1])) });

  it("softmax is shift-invariant and sums to 1", () => {
    const p = softmax([1, 2, 3]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(softmax([1001, 1002, 1003])).toEqual(p);
  });

  it("its gradient matches finite differences", () => {
    const data: ChoiceExample[] = [
      { options: [row([[0, 1], [2, 0.5]]), row([[1, 1]]), row([[0, -1], [1, 2]])], label: 2 },
      { options: [row([[2, 1]]), row([[0, 0.3]]), row([[1, -0.7], [2, 0.2]])], label: 0 },
    ];
    const w = Float64Array.from([0.3, -0.2, 0.1]);
    const g = new Float64Array(3);
    loss(w, data, 0.1, g);
    for (let i = 0; i < 3; i++) {
      const h = 1e-6;
      const up = Float64Array.from(w);
      const down = Float64Array.from(w);
      up[i] += h;
      down[i] -= h;
      expect(g[i]).toBeCloseTo((loss(up, data, 0.1) - loss(down, data, 0.1)) / (2 * h), 6);
    }
  });

  it("learns a separable choice (the right option has the larger feature 0)", () => {
    const data: ChoiceExample[] = Array.from({ length: 30 }, (_, i) => {
      const label = i % 3;
      return { options: [0, 1, 2].map((k) => row([[0, k === label ? 1 : 0], [1, ((i * 7 + k * 3) % 5) / 5]])), label };
    });
    const w = train(data, 2, { epochs: 200, learningRate: 0.1, l2: 0.001 });
    expect(data.every((ex) => predictProbs(w, ex).indexOf(Math.max(...predictProbs(w, ex))) === ex.label)).toBe(true);
    expect(w[0]).toBeGreaterThan(1);
  });
});

describe("members", () => {
  it("at least three, uniquely named, raw and refined inputs", () => {
    expect(BASELINE_MEMBERS.length).toBeGreaterThanOrEqual(3);
    expect(new Set(BASELINE_MEMBERS.map((m) => m.name)).size).toBe(BASELINE_MEMBERS.length);
    expect(new Set(BASELINE_MEMBERS.map((m) => m.input))).toEqual(new Set(["raw", "refined"]));
  });

  it("refuses unknown names", () => {
    expect(() => selectMembers(["lr-nope"])).toThrow(/unknown member lr-nope/);
    expect(selectMembers(["lr-centrality", "lr-edits"]).map((m) => m.name)).toEqual(["lr-edits", "lr-centrality"]);
  });
});

/** A small corpus: the answer is always the option the others were edited from, at a varying position. */
function tinyCorpus(dir: string): void {
  const make = (split: string, n: number, labelled: boolean): Example[] =>
    Array.from({ length: n }, (_, i) => {
      const k = i % 3;
      const opts = [EDITED.inference_2, EDITED.inference_1, EDITED.inference_3];
      // put the central option (index 0 of opts) at position k
      const placed = [opts[(3 - k) % 3], opts[(4 - k) % 3], opts[(5 - k) % 3]];
      const ex = example([[1, "체육관 가 봤어?"], [2, `응 행사 ${i}`]], [1], { inference_1: placed[0], inference_2: placed[1], inference_3: placed[2] }, labelled ? ANSWERS[k] : "");
      return { ...ex, id: `${split}-${i + 1}` };
    });
  writeFileSync(join(dir, "train.json"), pythonJsonDumps(make("train", 24, true)));
  writeFileSync(join(dir, "dev.json"), pythonJsonDumps(make("dev", 9, true)));
  writeFileSync(join(dir, "test.json"), pythonJsonDumps(make("test", 6, false)));
}

describe("runBaseline", () => {
  it("trains, writes model + config, predictions in the original's form with probabilities, for dev and test", () => {
    const data = tmp();
    const results = tmp();
    tinyCorpus(data);
    const members = ["lr-edits", "lr-overlap-refined"];
    const r = runBaseline({ data, results, members });
    expect(r.trained.map((t) => t.member)).toEqual(members);
    for (const m of members) {
      expect(existsSync(join(modelDir(results, m), "model.json"))).toBe(true);
      const config = JSON.parse(readFileSync(join(modelDir(results, m), "config.json"), "utf8"));
      expect(config.member.name).toBe(m);
      expect(config.corpus.examples).toBe(24);
      const test = loadMember(join(results, "predictions", `${m}.json`));
      expect(test.examples.map((e) => e.id)).toEqual(Array.from({ length: 6 }, (_, i) => `test-${i + 1}`));
      expect(test.probs).toHaveLength(6);
      // the file is the raw test.json with outputs filled, as json.dump writes it
      const raw = JSON.parse(readFileSync(join(data, "test.json"), "utf8")) as Example[];
      expect(readFileSync(test.file, "utf8")).toBe(pythonJsonDumps(raw.map((e, i) => ({ ...e, output: test.examples[i].output }))));
      expect(existsSync(join(results, "predictions", "dev", `${m}.probs.json`))).toBe(true);
    }
    // the edit-distance member finds the central option every time
    expect(r.dev.find((d) => d.member === "lr-edits")!.devAccuracy).toBe(1);
    expect(r.dev.map((d) => d.member)).toEqual([...members, "hard vote (all)", "soft vote (all)"]);
  });

  it("predicting from the saved models gives the same answers", () => {
    const data = tmp();
    const results = tmp();
    tinyCorpus(data);
    const first = runBaseline({ data, results, members: ["lr-centrality"] });
    expect(loadModel(modelDir(results, "lr-centrality")).spec.name).toBe("lr-centrality");
    const again = predictMembers({ data, results, members: ["lr-centrality"] });
    expect(again.map((p) => p.answers)).toEqual(first.predictions.map((p) => p.answers));
  });
});

describe("cci baseline", () => {
  it("run on a corpus folder prints dev accuracy and chance", () => {
    const data = tmp();
    const results = tmp();
    tinyCorpus(data);
    const r = cci("baseline", "run", "--data", data, "--results", results, "--members", "lr-edits,lr-lexicon");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/lr-edits/);
    expect(r.stdout).toMatch(/hard vote \(all\)/);
    expect(r.stderr).toMatch(/chance is 33\.3 %/);
  });

  it.each([
    ["an unknown member", (d: string) => ["run", "--data", d, "--members", "lr-nope"], /^cci: baseline: unknown member lr-nope/],
    ["a folder without a corpus", () => ["run", "--data", tmp()], /no corpus here/],
    ["predict before train", (d: string) => ["predict", "--data", d, "--results", tmp(), "--members", "lr-edits"], /model\.json: no model here; train first/],
  ])("rejects %s in one line", (_n, args, message) => {
    const data = tmp();
    tinyCorpus(data);
    const r = cci("baseline", ...args(data));
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("corpus:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
