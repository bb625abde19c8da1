import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { ANSWERS, type Answer, type Example } from "../lib/corpus/schema";
import { voteFiles } from "../lib/ensemble/ensemble";
import { formatProbs, loadMember, parseProbs, probsPath, writePrediction } from "../lib/ensemble/predictions";
import { listPredictionFiles } from "../lib/ensemble/paths";
import { RECIPE_NAMES } from "../lib/train/recipes";
import { example } from "./helpers/corpus";

const CCI = resolve(__dirname, "..", "lib", "cli", "cci.mjs");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: resolve(__dirname, "..") });
const tmp = () => mkdtempSync(join(tmpdir(), "cci-vote-"));

/** A raw "test" file: examples with empty outputs. */
const base = (n: number): Example[] => Array.from({ length: n }, (_, i) => ({ ...example([[1, "안녕"], [2, "네"]]), id: `t-${i + 1}`, output: "" }));
const answers = (digits: string) => [...digits].map((d) => `inference_${d}` as Answer);

function writeMembers(dir: string, test: Example[], members: string[], names = members.map((_, i) => `m${i + 1}`)): string[] {
  return members.map((digits, i) => {
    const f = join(dir, `${names[i]}.json`);
    writePrediction(f, test, answers(digits));
    return f;
  });
}

describe("voteFiles", () => {
  it("writes the base with each output filled, as Python json.dump, ties to the first member's answer", () => {
    const dir = tmp();
    const test = base(4);
    // per example: votes are column i of the members
    const files = writeMembers(dir, test, ["1231", "2231", "2311", "1322"]);
    const out = join(dir, "final.json");
    const r = voteFiles(files, { out });
    // ex1: 1,2,2,1 → tie, 1 first; ex2: 2,2,3,3 → 2; ex3: 3,3,1,2 → 3; ex4: 1,1,1,2 → 1
    expect(r.answers).toEqual(answers("1231"));
    expect(readFileSync(out, "utf8")).toBe(pythonJsonDumps(test.map((e, i) => ({ ...e, output: r.answers[i] }))));
    expect(r.summary).toMatchObject({ examples: 4, members: 4, unanimous: 0, tiesBroken: 2 });
  });

  it("copies the --base file's examples (e.g. the raw test.json with empty outputs)", () => {
    const dir = tmp();
    const test = base(2);
    const baseFile = join(dir, "test.json");
    writeFileSync(baseFile, pythonJsonDumps(test));
    const files = writeMembers(dir, test, ["12", "32", "33"]);
    const out = join(dir, "final.json");
    voteFiles(files, { out, base: baseFile });
    expect(JSON.parse(readFileSync(out, "utf8")).map((e: Example) => e.output)).toEqual(["inference_3", "inference_2"]);
  });

  it("refuses a member whose ids do not line up, naming file, index and both ids", () => {
    const dir = tmp();
    const test = base(3);
    const [a] = writeMembers(dir, test, ["123"]);
    const swapped = [test[0], test[2], test[1]];
    const [b] = writeMembers(dir, swapped, ["123"], ["b"]);
    expect(() => voteFiles([a, b], { out: join(dir, "o.json") })).toThrow(`${b}: example #2: id t-3 does not line up with ${a}'s t-2`);
    expect(existsSync(join(dir, "o.json"))).toBe(false);
  });

  it("refuses members of another length", () => {
    const dir = tmp();
    const [a] = writeMembers(dir, base(3), ["123"]);
    const [b] = writeMembers(dir, base(2), ["12"], ["short"]);
    expect(() => voteFiles([a, b], { out: join(dir, "o.json") })).toThrow(`${b}: 2 examples, but the base ${a} has 3`);
  });

  it("refuses a member without answers", () => {
    const dir = tmp();
    const f = join(dir, "blank.json");
    writeFileSync(f, pythonJsonDumps(base(1)));
    expect(() => voteFiles([f], { out: join(dir, "o.json") })).toThrow(/blank\.json: example t-1: output: empty/);
  });

  it("refuses to write over an input", () => {
    const dir = tmp();
    const files = writeMembers(dir, base(1), ["1", "2"]);
    expect(() => voteFiles(files, { out: files[1] })).toThrow(/refusing to write over the input/);
  });

  it("soft voting averages the sidecar probabilities and writes its own sidecar", () => {
    const dir = tmp();
    const test = base(2);
    const f1 = join(dir, "p1.json");
    const f2 = join(dir, "p2.json");
    writePrediction(f1, test, answers("13"), [[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]);
    writePrediction(f2, test, answers("22"), [[0.1, 0.8, 0.1], [0.3, 0.4, 0.3]]);
    const out = join(dir, "soft.json");
    const r = voteFiles([f1, f2], { out, method: "soft" });
    expect(r.answers).toEqual(answers("23"));
    expect(loadMember(out).probs![0]).toEqual([0.3, 0.55, 0.15000000000000002]);
  });

  it("soft voting refuses a member without probabilities", () => {
    const dir = tmp();
    const files = writeMembers(dir, base(1), ["1", "2"]);
    expect(() => voteFiles(files, { out: join(dir, "o.json"), method: "soft" })).toThrow(/m1\.json: no probabilities sidecar/);
  });
});

describe("probabilities sidecar", () => {
  it("sits beside the prediction and round-trips", () => {
    expect(probsPath("/x/CustomRefDataset-Solar.json")).toBe("/x/CustomRefDataset-Solar.probs.json");
    const text = formatProbs(["a", "b"], [[0.25, 0.25, 0.5], [1, 0, 0]]);
    expect(text).toBe('{\n  "a": [0.25, 0.25, 0.5],\n  "b": [1, 0, 0]\n}\n');
    expect(parseProbs(text, "f", ["a", "b"])).toEqual([[0.25, 0.25, 0.5], [1, 0, 0]]);
  });

  it.each([
    ["a missing id", '{"a": [1, 0, 0]}', /f: example b: no probabilities for this id/],
    ["two numbers", '{"a": [1, 0], "b": [1, 0, 0]}', /f: example a: expected \[p1, p2, p3\]/],
    ["a negative", '{"a": [1.5, -0.5, 0], "b": [1, 0, 0]}', /f: example a: expected \[p1, p2, p3\] of non-negative/],
    ["a row not summing to 1", '{"a": [0.5, 0.4, 0], "b": [1, 0, 0]}', /f: example a: probabilities sum to 0\.9/],
    ["an array", "[]", /f: expected a JSON object/],
  ])("refuses %s", (_n, text, message) => {
    expect(() => parseProbs(text, "f", ["a", "b"])).toThrow(message);
  });

  it("listing prediction files skips sidecars and the vote's own output", () => {
    const dir = tmp();
    writePrediction(join(dir, "b.json"), base(1), answers("1"), [[1, 0, 0]]);
    writePrediction(join(dir, "a.json"), base(1), answers("1"));
    writeFileSync(join(dir, "final-result.json"), "[]");
    expect(listPredictionFiles(dir).map((f) => f.slice(dir.length + 1))).toEqual(["a.json", "b.json"]);
  });
});

describe("cci vote", () => {
  it("votes files into --out and prints agreement (and accuracy with --gold)", () => {
    const dir = tmp();
    const test = base(3);
    const files = writeMembers(dir, test, ["123", "133", "223"]);
    const gold = join(dir, "dev.json");
    writeFileSync(gold, pythonJsonDumps(test.map((e, i) => ({ ...e, output: ANSWERS[[0, 2, 2][i]] }))));
    const out = join(dir, "out.json");
    const r = cci("vote", "--out", out, "--gold", gold, ...files);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).map((e: Example) => e.output)).toEqual(answers("123"));
    expect(r.stdout).toMatch(/\(vote\)/);
    expect(r.stdout).toMatch(/accuracy/);
  });

  it("with no files votes the eleven recipes into final-result.json", () => {
    const dir = tmp();
    const test = base(2);
    writeMembers(dir, test, RECIPE_NAMES.map((_, i) => (i < 5 ? "12" : i < 8 ? "33" : "21")), [...RECIPE_NAMES]);
    const r = cci("vote", "--dir", dir);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "final-result.json"), "utf8")).map((e: Example) => e.output)).toEqual(answers("12"));
  });

  it("with no files and recipes missing, says which in one line", () => {
    const dir = tmp();
    writeMembers(dir, base(1), ["1"], [RECIPE_NAMES[0]]);
    const r = cci("vote", "--dir", dir);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cci: vote: 10 of the 11 recipe predictions missing in .*: Refined_SystemRefOfficialTermDataset-POLAR-14B-v0\.5-QLoRA_2e-4\.json, /);
    expect(lines[0]).not.toMatch(new RegExp(`${RECIPE_NAMES[0]}\\.json`));
  });

  it.each([
    ["no --out with files", ["a.json"], /--out OUT\.json is required/],
    ["an unknown method", ["--method", "rank", "--out", "o.json", "a.json"], /--method rank: expected hard or soft/],
  ])("rejects %s", (_n, args, message) => {
    const r = cci("vote", ...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(message);
  });

  it("rejects misaligned files in one line", () => {
    const dir = tmp();
    const [a] = writeMembers(dir, base(2), ["12"]);
    const [b] = writeMembers(dir, base(3), ["123"], ["long"]);
    const r = cci("vote", "--out", join(dir, "o.json"), a, b);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([`cci: ${b}: 3 examples, but the base ${a} has 2`]);
  });
});

describe("cci vote: file lists as a shell gives them", () => {
  it("skips *.probs.json sidecars matched by a glob, saying so", () => {
    const dir = tmp();
    const test = base(2);
    writePrediction(join(dir, "lr-a.json"), test, answers("12"), [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1]]);
    writePrediction(join(dir, "lr-b.json"), test, answers("13"), [[0.5, 0.4, 0.1], [0.1, 0.2, 0.7]]);
    const out = join(dir, "out.json");
    const r = cci("vote", "--out", out, join(dir, "lr-a.json"), join(dir, "lr-a.probs.json"), join(dir, "lr-b.json"), join(dir, "lr-b.probs.json"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 probabilities sidecar\(s\) \(\*\.probs\.json\) skipped/);
    expect(JSON.parse(readFileSync(out, "utf8")).map((e: Example) => e.output)).toEqual(answers("12"));
  });

  it("votes members holding only {id, output}, the base supplying the rest", () => {
    const dir = tmp();
    const test = base(3);
    const raw = join(dir, "test.json");
    writeFileSync(raw, pythonJsonDumps(test));
    const files = ["123", "133", "223"].map((digits, m) => {
      const f = join(dir, `slim${m}.json`);
      writeFileSync(f, JSON.stringify(test.map((e, i) => ({ id: e.id, output: `inference_${digits[i]}` }))));
      return f;
    });
    const out = join(dir, "out.json");
    const r = cci("vote", "--base", raw, "--out", out, ...files);
    expect(r.status, r.stderr).toBe(0);
    const voted = JSON.parse(readFileSync(out, "utf8")) as Example[];
    expect(voted.map((e) => e.output)).toEqual(answers("123"));
    expect(voted[0].input).toEqual(test[0].input);
  });

  it("without --base, a {id, output}-only first file is refused in one line", () => {
    const dir = tmp();
    const f = join(dir, "slim.json");
    writeFileSync(f, JSON.stringify([{ id: "t-1", output: "inference_1" }]));
    const r = cci("vote", "--out", join(dir, "o.json"), f);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`cci: ${f}: holds only {id, output} per example; give --base with the corpus file it answers (e.g. test.json), which supplies the rest`);
  });

  it("refuses a {id, output} member whose ids do not line up with the base", () => {
    const dir = tmp();
    const test = base(2);
    const raw = join(dir, "test.json");
    writeFileSync(raw, pythonJsonDumps(test));
    const f = join(dir, "slim.json");
    writeFileSync(f, JSON.stringify([{ id: "t-2", output: "inference_1" }, { id: "t-1", output: "inference_1" }]));
    const r = cci("vote", "--base", raw, "--out", join(dir, "o.json"), f);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/slim\.json: example #1: id "t-2" does not line up with .*test\.json's t-1$/);
  });
});
