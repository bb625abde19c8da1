import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import type { Example } from "../lib/corpus/schema";
import { splitShift } from "../lib/eda/compare";
import { pythonCsv, pythonCsvField, totalLengthsCsv } from "../lib/eda/csv";
import { distributionFrame, frameRows, overviewFrame, shiftFrame, wordsFrame } from "../lib/eda/frames";
import { edaFolder } from "../lib/eda/run";
import { distributionPivot, overlapRows, overviewRow, reusePivot, splitEda } from "../lib/eda/split";
import { answerDistribution, categoryDistribution, conversationChars, conversationKey, distribution, histogramBins, maxSameCategoryPerConversation, questionsPerConversation, sharedConversations, summarize } from "../lib/eda/stats";
import { distinctUtterances, normalizeToken, tokens, wordFrequencies } from "../lib/eda/words";
import { UserError } from "../lib/util/errors";
import { example } from "./helpers/corpus";

const cat = (category: Example["input"]["category"], output: Example["output"] = "inference_1") => example([[1, "가나"]], [0], { category }, output);

describe("distributions", () => {
  const CASES: Record<string, { input: [string[], string[]?]; expected: [string, number, number][] }> = {
    "first appearance order": { input: [["b", "a", "b", "c"]], expected: [["b", 2, 50], ["a", 1, 25], ["c", 1, 25]] },
    "fixed order keeps zeros": { input: [["y", "y", "x"], ["x", "y", "z"]], expected: [["x", 1, 100 / 3], ["y", 2, 200 / 3], ["z", 0, 0]] },
    empty: { input: [[]], expected: [] },
  };
  it.each(Object.entries(CASES))("%s", (_n, { input, expected }) => {
    const rows = distribution(...input);
    expect(rows.map((r) => [r.key, r.count, r.percent])).toEqual(expected.map(([k, c, p]) => [k, c, expect.closeTo(p, 10)]));
  });

  it("counts categories in order of first appearance and answers over inference_1..3", () => {
    const exs = [cat("동기", "inference_3"), cat("원인", "inference_3"), cat("동기", "inference_1")];
    expect(categoryDistribution(exs).map((r) => [r.key, r.count])).toEqual([["동기", 2], ["원인", 1]]);
    expect(answerDistribution(exs)!.map((r) => [r.key, r.count])).toEqual([["inference_1", 1], ["inference_2", 0], ["inference_3", 2]]);
  });

  it("has no answer distribution for a split without answers (test)", () => {
    expect(answerDistribution([cat("원인", ""), cat("전제", "")])).toBeNull();
  });
});

describe("per-conversation lengths", () => {
  const CASES: Record<string, { input: (readonly [number, string | number])[]; expected: number }> = {
    hangul: { input: [[1, "안녕하세요"], [2, "네"]], expected: 6 },
    "numbers read as str(u)": { input: [[1, 40], [2, 3.5]], expected: 5 },
    "code points, not UTF-16 units": { input: [[1, "😀a"]], expected: 2 },
    "newlines and spaces count": { input: [[1, "a\nb  c"]], expected: 6 },
  };
  it.each(Object.entries(CASES))("%s", (_n, { input, expected }) => {
    expect(conversationChars(example(input))).toBe(expected);
  });

  it("summarises min, mean, max", () => {
    expect(summarize([3, 1, 2, 6])).toEqual({ n: 4, min: 1, mean: 3, max: 6 });
    expect(summarize([]).n).toBe(0);
  });
});

describe("histogram bins", () => {
  const CASES: Record<string, { input: [number[], number]; expected: [number, number, number][] }> = {
    "width 1, one bin per value, gaps kept": { input: [[11, 13, 13], 1], expected: [[11, 12, 1], [12, 13, 0], [13, 14, 2]] },
    "width 50, aligned to multiples": { input: [[91, 99, 100, 149, 260], 50], expected: [[50, 100, 2], [100, 150, 2], [150, 200, 0], [200, 250, 0], [250, 300, 1]] },
    "max gets its own bin (unlike matplotlib's closed last bin)": { input: [[29, 30], 1], expected: [[29, 30, 1], [30, 31, 1]] },
    empty: { input: [[], 5], expected: [] },
  };
  it.each(Object.entries(CASES))("%s", (_n, { input, expected }) => {
    expect(histogramBins(...input).map((b) => [b.start, b.end, b.count])).toEqual(expected);
  });

  it("rejects a non-positive width", () => {
    expect(() => histogramBins([1], 0)).toThrow(RangeError);
  });
});

describe("word frequencies (the original's token normalisation)", () => {
  const TOKENS: Record<string, { input: string; expected: string }> = {
    "a run of ㅋ": { input: "ㅋㅋㅋㅋㅋ", expected: "ㅋㅋ" },
    "a single ㅎ becomes two": { input: "ㅎ", expected: "ㅎㅎ" },
    "each jamo in turn": { input: "ㅋㅋㅋㅎㅎㅇㄱㄱㄱㄴㄷㄷㄷ", expected: "ㅋㅋㅎㅎㅇㅇㄱㄱㄴㄴㄷㄷ" },
    "inside a word": { input: "아ㅋㅋㅋㅋ", expected: "아ㅋㅋ" },
    "other jamo untouched": { input: "ㅠㅠㅠ", expected: "ㅠㅠㅠ" },
    "syllables untouched": { input: "응응응", expected: "응응응" },
  };
  it.each(Object.entries(TOKENS))("%s", (_n, { input, expected }) => {
    expect(normalizeToken(input)).toBe(expected);
  });

  it("splits on single spaces only and drops tokens of one code point", () => {
    expect(tokens(["나 너무  좋아", "ㅋ 진짜\n최고"])).toEqual(["너무", "좋아", "ㅋㅋ", "진짜\n최고"]);
  });

  it("counts each distinct utterance once; the number 40 and the string '40' are distinct", () => {
    const a = example([[1, "좋아 좋아"], [2, 40]]);
    const b = example([[1, "좋아 좋아"], [2, "40"], [1, "좋아 정말"]]);
    expect(distinctUtterances([a, b])).toEqual(["좋아 좋아", "40", "40", "좋아 정말"]);
    expect(wordFrequencies([a, b])).toEqual([
      { word: "좋아", count: 3 },
      { word: "40", count: 2 },
      { word: "정말", count: 1 },
    ]);
  });
});

describe("total_utterance_lengths.csv (Python csv.writer)", () => {
  const FIELDS: Record<string, { input: string | number; expected: string }> = {
    plain: { input: "nikluge-2024-대화 맥락 추론-dev-000001", expected: "nikluge-2024-대화 맥락 추론-dev-000001" },
    number: { input: 725, expected: "725" },
    comma: { input: "a,b", expected: '"a,b"' },
    quote: { input: 'say "hi"', expected: '"say ""hi"""' },
    newline: { input: "a\nb", expected: '"a\nb"' },
    "carriage return": { input: "a\rb", expected: '"a\rb"' },
    empty: { input: "", expected: "" },
  };
  it.each(Object.entries(FIELDS))("field: %s", (_n, { input, expected }) => {
    expect(pythonCsvField(input)).toBe(expected);
  });

  it("ends every row with CRLF, quotes a row of one empty field", () => {
    expect(pythonCsv([["id", "n"], ["x", 1], [""]])).toBe('id,n\r\nx,1\r\n""\r\n');
  });

  it("writes the header and one row per example", () => {
    const a = { ...example([[1, "안녕"], [2, 40]]), id: "ex-1" };
    const b = { ...example([[1, "ㅋ"]]), id: "ex,2" };
    expect(totalLengthsCsv([a, b])).toBe('id,total_utterance_length\r\nex-1,4\r\n"ex,2",1\r\n');
  });
});

describe("split statistics and raw-vs-refined shift", () => {
  const raw = [{ ...example([[1, "가나다"], [1, "라"], [2, "마바"]]), id: "a" }, { ...example([[1, "가"], [2, "나"]]), id: "b" }];
  const refined = [{ ...example([[1, "가나다 라"], [2, "마바"]]), id: "a" }, { ...example([[1, "가"], [2, "나"]]), id: "b" }];

  it("summarises a split", () => {
    const s = splitEda("dev", raw);
    expect(overviewRow(s)).toEqual({ split: "dev", examples: 2, conversations: 2, "turns min": 2, "turns mean": 2.5, "turns max": 3, "chars min": 2, "chars mean": 4, "chars max": 6, "distinct words": 2 });
  });

  it("measures how refinement shifts turns and characters", () => {
    const shift = splitShift(splitEda("dev", raw), splitEda("dev", refined));
    expect(shift).toMatchObject({ examples: 2, turnsRaw: 2.5, turnsRefined: 2, turnsDelta: -0.5, charsRaw: 4, charsRefined: 4.5, charsDelta: 0.5, fewerTurns: 1, fewerChars: 0, maxTurnsDrop: 1, maxCharsDrop: 0 });
  });

  it("refuses folders that do not hold the same examples", () => {
    expect(() => splitShift(splitEda("dev", raw), splitEda("dev", [refined[1], refined[0]]))).toThrow(UserError);
    expect(() => splitShift(splitEda("dev", raw), splitEda("dev", refined.slice(0, 1)))).toThrow(/example b:/);
  });

  it("gives the same numbers as danfojs DataFrames", () => {
    const s = splitEda("dev", raw);
    expect(frameRows(distributionFrame(categoryDistribution(raw), "category"))).toEqual([{ category: "원인", count: 2, percent: 100 }]);
    expect(frameRows(overviewFrame([s]))).toEqual([overviewRow(s)]);
    expect(frameRows(wordsFrame(s.words, 1))).toEqual([{ word: s.words[0].word, count: s.words[0].count }]);
    expect(frameRows(shiftFrame([splitShift(s, splitEda("dev", refined))]))[0]).toMatchObject({ split: "dev", "Δ turns": -0.5 });
  });
});

describe("edaFolder", () => {
  it("analyses every split present, building train+dev, and writes each CSV", () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-eda-"));
    const out = join(dir, "EDA");
    writeFileSync(join(dir, "train.json"), pythonJsonDumps([{ ...example([[1, "가나"]]), id: "t1" }]));
    writeFileSync(join(dir, "dev.json"), pythonJsonDumps([{ ...example([[1, "다"]]), id: "d1" }]));
    const r = edaFolder(dir, out);
    expect(r.splits.map((s) => [s.split, s.examples])).toEqual([["train", 1], ["dev", 1], ["train+dev", 2]]);
    expect(readFileSync(join(out, "train+dev_total_utterance_lengths.csv"), "utf8")).toBe("id,total_utterance_length\r\nt1,2\r\nd1,1\r\n");
  });

  it("names the folder when it holds no corpus", () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-eda-"));
    expect(() => edaFolder(dir, join(dir, "out"))).toThrow(/no corpus files/);
  });
});

describe("distribution pivot", () => {
  it("puts splits side by side, leaving out splits without answers", () => {
    const train = splitEda("train", [cat("원인", "inference_2"), cat("동기", "inference_2")]);
    const test = splitEda("test", [cat("동기", "")]);
    expect(distributionPivot([train, test], "categories")).toEqual([
      { category: "원인", train: "1 (50.00%)", test: "0 (0.00%)" },
      { category: "동기", train: "1 (50.00%)", test: "1 (100.00%)" },
    ]);
    expect(distributionPivot([train, test], "answers")).toEqual([
      { answer: "inference_1", train: "0 (0.00%)" },
      { answer: "inference_2", train: "2 (100.00%)" },
      { answer: "inference_3", train: "0 (0.00%)" },
    ]);
  });
});

describe("conversations shared by several questions", () => {
  const conv = example([[1, "가"], [2, "나"]]);
  const q = (c: Example, id: string, category: Example["input"]["category"] = "원인") => ({ ...c, id, input: { ...c.input, category } });
  const other = example([[1, "다"]]);

  it("counts distinct conversations and questions per conversation", () => {
    const exs = [q(conv, "a"), q(conv, "b", "동기"), q(conv, "c", "전제"), q(other, "d")];
    expect(questionsPerConversation(exs)).toEqual([{ questions: 1, conversations: 1 }, { questions: 3, conversations: 1 }]);
    expect(splitEda("train", exs).conversations).toBe(2);
    expect(maxSameCategoryPerConversation(exs)).toBe(1);
    expect(maxSameCategoryPerConversation([...exs, q(conv, "e", "동기")])).toBe(2);
  });

  it("identifies a conversation by its utterance ids, merged or not", () => {
    const merged = { ...conv, input: { ...conv.input, conversation: [{ speaker: 1, utterance: "가 나", utterance_id: conv.input.conversation.map((u) => String(u.utterance_id)) }] } };
    expect(conversationKey(merged)).toBe(conversationKey(conv));
  });

  it("counts conversations shared between splits", () => {
    expect(sharedConversations([q(conv, "a"), q(other, "b")], [q(conv, "c"), q(conv, "d")])).toBe(1);
    expect(overlapRows([["train", [q(conv, "a")]], ["dev", [q(conv, "b")]], ["test", [q(other, "c")]]])).toEqual([
      { splits: "train ∩ dev", shared: 1 },
      { splits: "train ∩ test", shared: 0 },
      { splits: "dev ∩ test", shared: 0 },
    ]);
  });
});

describe("reuse pivot", () => {
  it("lines up the questions-per-conversation counts of each split", () => {
    const c = example([[1, "가"]]);
    const train = splitEda("train", [c, { ...c, id: "x" }, example([[1, "나"]])]);
    const dev = splitEda("dev", [example([[1, "다"]])]);
    expect(reusePivot([train, dev])).toEqual([
      { "questions per conversation": 1, train: 1, dev: 1 },
      { "questions per conversation": 2, train: 1, dev: 0 },
    ]);
  });
});

describe("questions on shared conversations", () => {
  it("counts the questions of the second split whose chat the first split also has", async () => {
    const { questionsOnSharedConversations } = await import("../lib/eda/stats");
    const { example } = await import("./helpers/corpus");
    const chat = (id: string) => ({ speaker: 1, utterance: "같은 대화", utterance_id: id });
    const a = [example([chat("C1.1")]), example([chat("C2.1")])];
    const b = [example([chat("C1.1")]), example([chat("C1.1")]), example([chat("C3.1")])];
    expect(questionsOnSharedConversations(a, b)).toBe(2);
  });
});
