import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeAgreement, analyzeEnsemble, HARD_VOTE } from "../lib/analysis/analyze";
import { agreementHeatmapFigure, categoryAccuracyFigure, ensembleSizeFigure } from "../lib/analysis/figures";
import { loadMemberSet, orderByNames } from "../lib/analysis/load";
import { confusionRows, formatP, mcnemarRows, overallAccuracyRows, voteRows } from "../lib/analysis/views";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import type { Answer, Category, Example } from "../lib/corpus/schema";
import { writePrediction } from "../lib/ensemble/predictions";
import { example } from "./helpers/corpus";

const ans = (digits: string) => [...digits].map((d) => `inference_${d}` as Answer);
const gold = ans("123123");
const cats: Category[] = ["원인", "원인", "원인", "반응", "반응", "반응"];
const members = [
  { name: "x", answers: ans("123111") },
  { name: "y", answers: ans("123222") },
  { name: "z", answers: ans("113123") },
];

describe("member sets from files", () => {
  const dir = mkdtempSync(join(tmpdir(), "cci-set-"));
  const dev: Example[] = gold.map((g, i) => ({ ...example([[1, "가"]]), id: `d-${i + 1}`, output: g, input: { ...example([[1, "가"]]).input, category: cats[i] } }));
  const devFile = join(dir, "dev.json");
  writeFileSync(devFile, pythonJsonDumps(dev));
  const files = members.map((m) => {
    const f = join(dir, `${m.name}.json`);
    writePrediction(f, dev, m.answers);
    return f;
  });

  it("loads members against gold with categories", () => {
    const set = loadMemberSet(files, devFile);
    expect(set.labelled).toBe(true);
    expect(set.members.map((m) => m.name)).toEqual(["x", "y", "z"]);
    expect(set.gold).toEqual(gold);
    expect(set.categories).toEqual(cats);
  });

  it("refuses members that do not line up with the base", () => {
    const f = join(dir, "short.json");
    writePrediction(f, dev.slice(1), ans("23123"));
    expect(() => loadMemberSet([f], devFile)).toThrow(`${f}: 5 examples, but the base ${devFile} has 6`);
  });

  it("orders files by a preferred list, then by name", () => {
    expect(orderByNames(["/p/b.json", "/p/z.json", "/p/a.json", "/p/y.json"], ["z", "y"])).toEqual(["/p/z.json", "/p/y.json", "/p/a.json", "/p/b.json"]);
  });

  it("vote rows show digits, verdicts and broken ties", () => {
    const set = loadMemberSet(files.slice(0, 2), devFile);
    const rows = voteRows(set, 6);
    // x,y disagree on the last three examples: a 1–1 tie each, won by x (first)
    expect(rows.map((r) => r.hard)).toEqual(["1", "2", "3", "1", "1", "1"]);
    expect(rows.map((r) => r["tie broken by order"])).toEqual(["", "", "", "yes", "yes", "yes"]);
    expect(rows[0]).toMatchObject({ id: "d-1", gold: "1", x: "1", y: "1", soft: "" });
  });
});

describe("tables", () => {
  const a = analyzeEnsemble(members, gold, cats, { iterations: 100 });

  it("overall accuracy rows, one per member and vote", () => {
    const rows = overallAccuracyRows(a.accuracy);
    expect(rows.map((r) => r.member)).toEqual(["x", "y", "z", HARD_VOTE]);
    expect(rows[2]).toMatchObject({ accuracy: "83.3 %", examples: 6 });
  });

  it("confusion rows, gold × answer", () => {
    expect(confusionRows(a, "z")).toEqual([
      { gold: "inference_1", "→ inference_1": 2, "→ inference_2": 0, "→ inference_3": 0 },
      { gold: "inference_2", "→ inference_1": 1, "→ inference_2": 1, "→ inference_3": 0 },
      { gold: "inference_3", "→ inference_1": 0, "→ inference_2": 0, "→ inference_3": 2 },
    ]);
  });

  it("McNemar rows from the named member's side", () => {
    const rows = mcnemarRows(a.mcnemar, "z");
    expect(rows.map((r) => r["z vs"])).toEqual(["x", "y", HARD_VOTE]);
    // z right & x wrong: examples 5 and 6; x right & z wrong: example 2 → p = 2·P(X ≤ 1 | n = 3) = 1
    expect(rows[0]).toMatchObject({ "only z right": 2, "only the other right": 1, "exact p": "1.0000" });
  });

  it("p-values keep small values readable", () => {
    expect(formatP(0.04331)).toBe("0.0433");
    expect(formatP(9.72e-11)).toBe("9.72e-11");
  });
});

describe("figures", () => {
  const a = analyzeEnsemble(members, gold, cats, { iterations: 100 });

  it("heatmap: one cell per pair, with text", () => {
    const fig = agreementHeatmapFigure(analyzeAgreement(members), "cohenKappa", "κ");
    expect(fig.data[0]).toMatchObject({ type: "heatmap", x: ["x", "y", "z"], zmin: 0, zmax: 1 }); // κ on the agreement scale: 0 (chance or below) white, 1 dark
    expect((fig.data[0].text as string[][])[0][0]).toBe("1.00");
  });

  it("per-category bars (horizontal: categories down the page): one trace per member, asymmetric error bars from the intervals", () => {
    const fig = categoryAccuracyFigure(a.accuracy, "acc");
    expect(fig.data.map((t) => t.name)).toEqual(["x", "y", "z", HARD_VOTE]);
    const x = fig.data[0] as { orientation: string; x: number[]; y: string[]; error_x: { array: number[]; arrayminus: number[] } };
    expect(x.orientation).toBe("h");
    expect(x.y).toEqual(["all", "원인<br>(cause)", "반응<br>(emotional reaction)"]);
    const row = a.accuracy.find((r) => r.member === "x" && r.category === "all")!;
    expect(x.x[0]).toBe(row.estimate);
    expect(x.error_x.array[0]).toBeCloseTo(row.high - row.estimate, 12);
    expect(x.error_x.arrayminus[0]).toBeCloseTo(row.estimate - row.low, 12);
  });

  it("size curve: one point per selection step, reference lines for best, oracle and chance", () => {
    const fig = ensembleSizeFigure(a.selection, { bestMember: 5 / 6, oracle: a.oracle }, "size");
    expect(fig.data[0].x).toEqual([1, 2, 3]);
    expect((fig.layout.shapes as unknown[]).length).toBe(3);
  });
});

describe("accuracy per category as a table", () => {
  it("one row per member, one column per category with its size", async () => {
    const { categoryAccuracyRows } = await import("../lib/analysis/views");
    const rows = categoryAccuracyRows([
      { member: "m", category: "all", estimate: 0.5, low: 0.4, high: 0.6, n: 4 },
      { member: "m", category: "원인", estimate: 1, low: 1, high: 1, n: 2 },
    ] as never);
    expect(rows).toEqual([{ member: "m", "all (n = 4)": "50.0 %", "원인 (n = 2)": "100.0 %" }]);
  });
});

describe("vote order", () => {
  it("changes only tied examples: the earliest member's answer wins a tie", async () => {
    const { voteOrderRows } = await import("../lib/analysis/views");
    const m = (name: string, d: string) => ({ name, answers: [...d].map((x) => `inference_${x}` as "inference_1") });
    const members = [m("a", "11"), m("b", "22"), m("c", "22"), m("d", "12")];
    const gold = ["inference_1", "inference_2"] as const;
    expect(voteOrderRows(members, gold, { "a first": ["a", "b", "c", "d"], "b first": ["b", "a", "c", "d"] })).toEqual([
      { "member order": "a first", "hard-vote accuracy": "100.0 %", "ties broken by order": 1 },
      { "member order": "b first", "hard-vote accuracy": "50.0 %", "ties broken by order": 1 },
    ]);
  });
});
