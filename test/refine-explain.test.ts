import { describe, expect, it } from "vitest";
import { compareRefinements, ruleExamples, visible } from "../lib/refine/explain";
import { FAITHFUL_RULES, withoutRules } from "../lib/refine/rules";
import { htmlTable } from "../lib/notebooks/display";
import { example } from "./helpers/corpus";

describe("ruleExamples", () => {
  it("shows the text as it reaches the rule", () => {
    const ex = example([[1, "ㅋㅋ name1 안녕~"], [2, "좋아"]]);
    // delete-symbols runs before delete-greetings, so the ~ is already gone when greetings are deleted
    expect(ruleExamples([ex], "delete-greetings")).toEqual([{ id: ex.id, before: "ㅋㅋ name1 안녕", after: "ㅋㅋ name1 " }]);
  });
  it("stops at the limit", () => {
    const ex = example([[1, "a~"], [2, "b~"], [1, "c~"]]);
    expect(ruleExamples([ex], "delete-symbols", 2)).toHaveLength(2);
  });
});

describe("compareRefinements", () => {
  it("counts the examples and utterances a rule change affects", () => {
    const a = example([[1, "안녕하세요 반가워요"], [2, "네"]]);
    const b = example([[1, "밥 먹자"], [2, "좋아"]]);
    const cmp = compareRefinements([a, b], FAITHFUL_RULES, withoutRules(FAITHFUL_RULES, ["delete-greetings"]));
    expect(cmp).toMatchObject({ examplesChanged: 1, utterancesChanged: 1, changedIds: [a.id] });
  });
});

describe("display helpers", () => {
  it("makes whitespace visible", () => expect(visible("a b\n\u00a0\u200d")).toBe("a␣b⏎<U+00A0><U+200D>"));
  it("escapes cells and right-aligns numbers", () => {
    const html = htmlTable([{ text: "<b>", n: 1234 }]);
    expect(html).toContain("&lt;b&gt;");
    expect(html).toContain('<td style="text-align:right">1,234</td>');
  });
});

import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alignedDiffs, comparisonRows, conversationRows, differingUtterances } from "../lib/refine/explain";
import { compareWithReference } from "../lib/refine/verify";
import { refineFolder, STEP_COLUMNS, statsBySplitRows, statsRows } from "../lib/refine/run";
import { refineCorpus } from "../lib/refine/refine";
import { pythonJsonDumps } from "../lib/corpus/pyjson";

describe("notebook rows", () => {
  const ex = example([[1, "안녕하세요"], [1, "밥 먹었어요?"], [2, "네"]], [2]);
  it("marks references in a conversation", () => {
    expect(conversationRows(ex).map((r) => r.reference)).toEqual(["", "", "◀ reference"]);
  });
  it("compares two rule tables metric by metric", () => {
    const rows = comparisonRows(compareRefinements([ex], FAITHFUL_RULES, withoutRules(FAITHFUL_RULES, ["delete-greetings"])));
    expect(rows.find((r) => r.metric === "utterances emptied and dropped")).toEqual({ metric: "utterances emptied and dropped", base: 1, variant: 0, change: -1 });
    expect(differingUtterances([ex], FAITHFUL_RULES, withoutRules(FAITHFUL_RULES, ["delete-greetings"]))).toEqual([
      { example: ex.id, base: "밥␣먹었어요?", variant: "안녕하세요␣밥␣먹었어요?" },
    ]);
  });
  it("lays out per-split effects", () => {
    const rows = statsBySplitRows([{ split: "a", stats: refineCorpus([ex]).stats }]);
    expect(rows.at(-2)).toEqual({ step: "drop-empty", "a: utterances": 1, "a: chars removed": 0 });
  });
});

describe("compareWithReference", () => {
  it("finds identical files and the first differing byte", () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-verify-"));
    mkdirSync(join(dir, "data"));
    mkdirSync(join(dir, "ref"));
    writeFileSync(join(dir, "data", "a.json"), pythonJsonDumps([ex0]));
    writeFileSync(join(dir, "data", "b.json"), pythonJsonDumps([ex0]));
    const refined = pythonJsonDumps(refineCorpus([ex0]).examples);
    writeFileSync(join(dir, "ref", "a.json"), refined);
    writeFileSync(join(dir, "ref", "b.json"), refined.replace("좋아", "좋다"));
    const [a, b] = compareWithReference(join(dir, "data"), join(dir, "ref"));
    expect(a).toMatchObject({ file: "a.json", identical: true, firstDifference: -1 });
    expect(b.identical).toBe(false);
    expect(b.firstDifference).toBe(Buffer.from(refined).indexOf(Buffer.from("좋아")) + 3);
  });
});
const ex0 = example([[1, "좋아요~"], [2, "ㅋㅋ 그래"]], [0]);

import { refineEffectFigure } from "../lib/charts/refine";

describe("refineEffectFigure", () => {
  it("draws one bar series per split over every step, in pipeline order", () => {
    const stats = refineCorpus([ex0]).stats;
    const fig = refineEffectFigure([{ split: "train", stats }, { split: "dev", stats }]);
    expect(fig.data.map((d) => d.name)).toEqual(["train", "dev"]);
    expect(fig.data[0].y).toEqual([...FAITHFUL_RULES.map((r) => r.name), "drop-empty", "merge-turns"]);
    expect((fig.data[0].x as number[])[FAITHFUL_RULES.findIndex((r) => r.name === "delete-symbols")]).toBe(1);
  });
});

describe("per-step effects", () => {
  it("net characters removed sum to characters before − after; merge-turns counts its spaces", () => {
    const exs = [
      example([[1, "안녕하세요~"], [1, "밥 먹었어요?"], [1, "ㅋㅋㅋ 저는요"], [2, "네\n먹었어요!!"], [2, "^^"]], [3]),
      example([[1, "name2 뭐 해?"], [1, "....."], [2, "ㅇㅇ 집"]], [0]),
    ];
    const { stats } = refineCorpus(exs);
    const rows = statsRows(stats);
    const merge = rows.find((r) => r.step === "merge-turns")!;
    expect(stats.turnsMerged).toBeGreaterThan(0);
    expect(merge[STEP_COLUMNS.chars]).toBe(-stats.turnsMerged);
    const net = rows.reduce((n, r) => n + Number(r[STEP_COLUMNS.chars]), 0);
    expect(net).toBe(stats.charsBefore - stats.charsAfter);
  });

  it("a folder's total counts train+dev's examples once", () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-total-"));
    mkdirSync(join(dir, "in"));
    const tr = [example([[1, "안녕 밥 먹었어?"], [1, "ㅋㅋ"]])];
    const dv = [example([[1, "반갑습니다~"], [2, "네"]])];
    writeFileSync(join(dir, "in", "train.json"), pythonJsonDumps(tr));
    writeFileSync(join(dir, "in", "dev.json"), pythonJsonDumps(dv));
    writeFileSync(join(dir, "in", "train+dev.json"), pythonJsonDumps([...tr, ...dv]));
    const { files, total } = refineFolder(join(dir, "in"), join(dir, "out"));
    expect(files).toHaveLength(3);
    expect(total.examples).toBe(2);
    expect(total.charsBefore).toBe(refineCorpus([...tr, ...dv]).stats.charsBefore);
  });
});

describe("aligned utterance differences", () => {
  it("an utterance only one side keeps is one difference; later ones still line up", () => {
    expect(alignedDiffs(["a", "b", "c", "d"], ["x", "a", "b", "c", "d"])).toEqual([{ base: "—", variant: "x" }]);
    expect(alignedDiffs(["a", "b", "c"], ["a", "B", "c"])).toEqual([{ base: "b", variant: "B" }]);
    expect(alignedDiffs(["a", "b"], ["a"])).toEqual([{ base: "b", variant: "—" }]);
  });

  it("keeping a greeting that faithful refinement drops changes one utterance, not every later one", () => {
    const ex = example([[1, "안녕하세요"], [2, "밥 먹었어요?"], [1, "네 먹었어요"], [2, "뭐 드셨어요?"]], [2]);
    const cmp = compareRefinements([ex], FAITHFUL_RULES, withoutRules(FAITHFUL_RULES, ["delete-greetings"]));
    expect(cmp.utterancesChanged).toBe(1);
  });
});
