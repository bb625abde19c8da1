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
