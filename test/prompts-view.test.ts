import { describe, expect, it } from "vitest";
import { diffHtml, foldSame, modesDiffTable, quirkCounts, textDiff, variantsDiffTable, type VariantName } from "../lib/prompts";
import { promptLengthFigure, quirkFigure } from "../lib/charts/prompts";
import { example } from "./helpers/corpus";

const ex = example([[1, "안녕하세요"], [2, "네"], [1, "내일 여행 가요"]], [2], { category: "동기" }, "inference_1");

describe("prompt diffs as HTML", () => {
  it("marks added and removed words, escapes HTML and shows line breaks", () => {
    const parts = textDiff("화자1: <a>\n끝", "화자 1: <a>\n끝");
    expect(parts.filter((p) => p.kind !== "same")).toEqual([{ kind: "removed", text: "화자1: " }, { kind: "added", text: "화자 1: " }]);
    expect(textDiff("[Question]\n위 대화의 전제로", "로").filter((p) => p.kind === "removed").length).toBeGreaterThan(0);
    const html = diffHtml(parts);
    expect(html).toContain("&lt;a&gt;");
    expect(html).toContain("⏎\n");
    expect(html).toMatch(/<span style="background:#c8f0c8">/);
  });

  it("diffs whole Korean words, never single syllables", () => {
    const parts = textDiff("로 올바른 지문은?", "를 가장 잘 설명하는 문장은?");
    expect(parts).toEqual([{ kind: "removed", text: "로 올바른 지문은?" }, { kind: "added", text: "를 가장 잘 설명하는 문장은?" }]);
    expect(textDiff("같은 말 그대로", "같은 말 그대로").map((p) => p.kind)).toEqual(["same"]);
  });

  const folds: Record<string, { input: [string, number]; expected: string }> = {
    "short text is kept": { input: ["abcdef", 10], expected: "abcdef" },
    "long text keeps its ends": { input: ["abcdefghijkl", 4], expected: 'ab<span style="color:#888">… 8 unchanged characters …</span>kl' },
    "counts code points": { input: ["😀😀😀😀😀😀", 2], expected: '😀<span style="color:#888">… 4 unchanged characters …</span>😀' },
  };
  for (const [name, { input, expected }] of Object.entries(folds)) it(`fold: ${name}`, () => expect(foldSame(...input)).toBe(expected));

  it("the variants table has the base in full and one row per other variant", () => {
    const html = variantsDiffTable(ex);
    expect(html.match(/<tr><th style="text-align:left;vertical-align:top;overflow-wrap:anywhere;font-size:12px">/g)).toHaveLength(6);
    expect(html).toContain("CustomRefDataset (base)");
    expect(html).not.toMatch(/<script/);
  });

  it("the modes table lists only the variants whose prompt the fixes change", () => {
    const html = modesDiffTable(ex);
    const rows = [...html.matchAll(/<tr><th style="text-align:left;vertical-align:top;overflow-wrap:anywhere;font-size:12px">([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(rows).toEqual(["CustomRefDataset", "CustomRefOfficialTermDataset", "CustomRefDefinitionDataset", "CustomRefInstructionDataset", "SystemRefOfficialTermDataset", "Baseline"]);
    const cause = example([[1, "안녕하세요"], [2, "네 반가워요"]], [0], { category: "원인" });
    expect(modesDiffTable(cause, ["CustomRefDataset"] as VariantName[])).toContain("the same prompts");
  });
});

describe("prompt figures", () => {
  it("one box trace per series from precomputed quartiles (aggregates only)", () => {
    const fig = promptLengthFigure(
      [
        { name: "faithful", byVariant: [{ variant: "A", values: [1, 2, 3, 4, 5] }, { variant: "B", values: [3] }] },
        { name: "fixed", byVariant: [{ variant: "A", values: [4, 5] }, { variant: "B", values: [6] }] },
      ],
      { title: "t", unit: "Characters" },
    );
    expect(fig.data.map((d) => d.name)).toEqual(["faithful", "fixed"]);
    expect(fig.data[0]).toMatchObject({ x: ["A", "B"], lowerfence: [1, 3], median: [3, 3], upperfence: [5, 3], mean: [3, 3], q1: [2, 3], q3: [4, 3] });
    expect(fig.data[0]).not.toHaveProperty("y");
    expect(fig.layout.boxmode).toBe("group");
  });

  it("quirk bars: one stacked trace per category, one bar per variant and quirk", () => {
    const rows = quirkCounts([ex]);
    const fig = quirkFigure(rows, "q");
    expect(fig.data).toHaveLength(5);
    expect(fig.data[0].x).toHaveLength(rows.length);
    expect(fig.data.find((d) => String(d.name).startsWith("동기"))!.y).toEqual(rows.map((r) => r.동기));
  });
});

describe("a piece replaced wholesale", () => {
  it("shows the old text folded and the new in full, not a word soup", async () => {
    const { pieceHtml } = await import("../lib/prompts/diff-view");
    const html = pieceHtml("You are a helpful AI assistant. Please answer kindly.", "당신은 단일 선택 질문에 답하는 모델입니다.", 10);
    expect(html).toMatch(/^<span style="background:#ffd2d0;text-decoration:line-through">You a.*<\/span><span style="background:#c8f0c8">당신은 단일 선택 질문에 답하는 모델입니다\.<\/span>$/);
    expect(pieceHtml("same", "same", 10)).toContain("(same)");
  });
});
