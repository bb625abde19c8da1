import { describe, expect, it } from "vitest";
import type { Example } from "../lib/corpus/schema";
import {
  PARTICLE_EUL,
  PARTICLE_EURO,
  SYS_DEFAULT,
  SYS_TASK,
  VARIANT_NAMES,
  buildPrompt,
  correctParticle,
  faithfulAttach,
  fixedAttach,
  originalSaysFinalConsonant,
  pyMod,
  promptChars,
  pythonJsonLine,
  summarize,
  quirkCounts,
  quirkHits,
  toJsonl,
  type VariantName,
} from "../lib/prompts";
import { example } from "./helpers/corpus";

/** A small conversation with a one-character utterance, a numeric one and two references. */
function sample(category: Example["input"]["category"], output: Example["output"] = "inference_2"): Example {
  return example(
    [
      [1, "안녕하세요"],
      [2, "네"],
      [1, 40],
      [2, 7],
      [1, "내일 여행 가요"],
    ],
    [2, 4],
    { category, inference_1: "가", inference_2: "나 ", inference_3: "다" },
    output,
  );
}

const CONV_TIGHT = "[Conversation]\n화자1: 안녕하세요\n화자1: 40\n화자1: 내일 여행 가요";
const CONV_SPACED = "[Conversation]\n화자 1: 안녕하세요\n화자 1: 40\n화자 1: 내일 여행 가요";
const CONV_ALL = "[Conversation]\n화자1: 안녕하세요\n화자2: 네\n화자1: 40\n화자2: 7\n화자1: 내일 여행 가요";
const REFS = "[Utterance References]\n화자1: 40\n화자1: 내일 여행 가요";
const OPTIONS = "[Option]\nA. 가\nB. 나 \nC. 다";
const REF_Q = "[Question]\n위 대화의 특정 발화인 `Utterance References`에 대한 ";
const DEF_Q = "[Question]\n주어진 대화의 내용과 문맥으로 미루어 보았을 때, 특정 발화인 `Utterance References`에 대해 ";
const INS = "[Instruction]\n주어진 대화의 내용과 문맥을 바탕으로, 특정 발화인 `Utterance References`에 대한 ";

describe("the original's final-consonant test", () => {
  // Python: (ord(c) - ord("가")) % 28 > 0, with a non-negative modulo.
  const cases: Record<string, { input: string; expected: boolean }> = {
    "인 (final ㄴ)": { input: "원인", expected: true },
    "건 (final ㄴ)": { input: "후행사건", expected: true },
    "제 (no final)": { input: "전제", expected: false },
    "기 (no final)": { input: "동기", expected: false },
    "응 (final ㅇ)": { input: "반응", expected: true },
    "구 (no final)": { input: "기본 욕구", expected: false },
    ") — JS % would give -3": { input: "원인(cause)", expected: true },
    "* — JS % would give -2": { input: "**", expected: true },
    "가 itself": { input: "가", expected: false },
  };
  for (const [name, { input, expected }] of Object.entries(cases)) {
    it(name, () => expect(originalSaysFinalConsonant(input)).toBe(expected));
  }

  it("uses Python's modulo, not JavaScript's", () => {
    expect((")".charCodeAt(0) - "가".charCodeAt(0)) % 28).toBe(-3);
    expect(pyMod(")".charCodeAt(0) - "가".charCodeAt(0), 28)).toBe(25);
    expect(pyMod("*".charCodeAt(0) - "가".charCodeAt(0), 28)).toBe(26);
    expect(pyMod(28 * 3, 28)).toBe(0);
  });
});

describe("particles", () => {
  it("faithful mode overwrites the whole text when the test says 'no final consonant'", () => {
    expect(faithfulAttach("Q 전제", "전제", PARTICLE_EURO)).toEqual({ text: "로", overwritten: true });
    expect(faithfulAttach("Q 원인", "원인", PARTICLE_EURO)).toEqual({ text: "Q 원인으로", overwritten: false });
  });

  const right: Record<string, { input: [string, typeof PARTICLE_EURO]; expected: string }> = {
    "전제 → 로": { input: ["전제", PARTICLE_EURO], expected: "로" },
    "원인 → 으로": { input: ["원인", PARTICLE_EURO], expected: "으로" },
    "official term: read before the gloss, 원인(cause) → 으로": { input: ["원인(cause)", PARTICLE_EURO], expected: "으로" },
    "official term: 내적 동기(motivation) → 로": { input: ["내적 동기(motivation)", PARTICLE_EURO], expected: "로" },
    "definition ending in 욕구 → 를": { input: ["대화를 일으키는 '화자'의 감정이나 기본 욕구", PARTICLE_EUL], expected: "를" },
    "definition ending in 사건 → 을": { input: ["대화의 사건을 유발하는 사건", PARTICLE_EUL], expected: "을" },
  };
  for (const [name, { input, expected }] of Object.entries(right)) {
    it(`fixed mode: ${name}`, () => {
      expect(correctParticle(...input)).toBe(expected);
      expect(fixedAttach("x", ...input)).toEqual({ text: `x${expected}`, overwritten: false });
    });
  }
});

describe("Baseline (organisers' template ⓪, built from SPEC §4)", () => {
  const golden: Record<string, { input: { ex: Example; mode: "faithful" | "fixed" }; expected: { user: string; target: string } }> = {
    "후행사건, faithful: every utterance, raw category + 으로, target ends in two eos": {
      input: { ex: sample("후행사건"), mode: "faithful" },
      expected: { user: `${CONV_ALL}\n\n[Question]\n위 대화의 후행사건으로 올바른 지문은?\n\n${OPTIONS}`, target: "B. 나 </s></s>" },
    },
    "전제, faithful: the question collapses to its particle": {
      input: { ex: sample("전제", "inference_3"), mode: "faithful" },
      expected: { user: `${CONV_ALL}\n\n로 올바른 지문은?\n\n${OPTIONS}`, target: "C. 다</s></s>" },
    },
    "전제, fixed: the right particle and one eos": {
      input: { ex: sample("전제", "inference_3"), mode: "fixed" },
      expected: { user: `${CONV_ALL}\n\n[Question]\n위 대화의 전제로 올바른 지문은?\n\n${OPTIONS}`, target: "C. 다</s>" },
    },
    "동기, faithful, hidden answer: the trainer still appends one eos": {
      input: { ex: sample("동기", ""), mode: "faithful" },
      expected: { user: `${CONV_ALL}\n\n로 올바른 지문은?\n\n${OPTIONS}`, target: "</s>" },
    },
    "동기, fixed, hidden answer: empty target": {
      input: { ex: sample("동기", ""), mode: "fixed" },
      expected: { user: `${CONV_ALL}\n\n[Question]\n위 대화의 동기로 올바른 지문은?\n\n${OPTIONS}`, target: "" },
    },
  };
  for (const [name, { input, expected }] of Object.entries(golden)) {
    it(name, () => {
      const p = buildPrompt(input.ex, "Baseline", { mode: input.mode });
      expect(p.messages).toEqual([
        { role: "system", content: SYS_DEFAULT },
        { role: "user", content: expected.user },
      ]);
      expect(p.target).toBe(expected.target);
    });
  }
});

describe("the five variants", () => {
  const golden: Record<string, { input: { variant: VariantName; ex: Example; mode?: "faithful" | "fixed" }; expected: { system: string; user: string } }> = {
    "CustomRefDataset, 원인": {
      input: { variant: "CustomRefDataset", ex: sample("원인") },
      expected: { system: SYS_DEFAULT, user: `${CONV_TIGHT}\n\n${REFS}\n\n${REF_Q}원인으로 올바른 지문은?\n\n${OPTIONS}` },
    },
    "CustomRefDataset, 전제 (overwrite)": {
      input: { variant: "CustomRefDataset", ex: sample("전제") },
      expected: { system: SYS_DEFAULT, user: `${CONV_TIGHT}\n\n${REFS}\n\n로 올바른 지문은?\n\n${OPTIONS}` },
    },
    "CustomRefOfficialTermDataset, 동기: ) passes the test, 으로 is appended": {
      input: { variant: "CustomRefOfficialTermDataset", ex: sample("동기") },
      expected: { system: SYS_DEFAULT, user: `${CONV_TIGHT}\n\n${REFS}\n\n${REF_Q}**내적 동기(motivation)**으로 올바른 지문은?\n\n${OPTIONS}` },
    },
    "CustomRefOfficialTermDataset, 동기, fixed: 로": {
      input: { variant: "CustomRefOfficialTermDataset", ex: sample("동기"), mode: "fixed" },
      expected: { system: SYS_DEFAULT, user: `${CONV_TIGHT}\n\n${REFS}\n\n${REF_Q}**내적 동기(motivation)**로 올바른 지문은?\n\n${OPTIONS}` },
    },
    "CustomRefDefinitionDataset, 반응": {
      input: { variant: "CustomRefDefinitionDataset", ex: sample("반응") },
      expected: {
        system: SYS_DEFAULT,
        user: `${CONV_TIGHT}\n\n${REFS}\n\n${DEF_Q}**대화 사건에 대해 '청자'가 보일 수 있는 감정 반응**을 가장 잘 설명하는 문장은 무엇인가?\n\n${OPTIONS}`,
      },
    },
    "CustomRefDefinitionDataset, 동기 (overwrite)": {
      input: { variant: "CustomRefDefinitionDataset", ex: sample("동기") },
      expected: { system: SYS_DEFAULT, user: `${CONV_TIGHT}\n\n${REFS}\n\n를 가장 잘 설명하는 문장은 무엇인가?\n\n${OPTIONS}` },
    },
    "CustomRefInstructionDataset, 전제: instruction first": {
      input: { variant: "CustomRefInstructionDataset", ex: sample("전제") },
      expected: {
        system: SYS_DEFAULT,
        user: `${INS}**대화의 사건을 가능하게 하는 상태 혹은 사건**을 가장 잘 설명하는 문장을 선택하라.\n\n${CONV_TIGHT}\n\n${REFS}\n\n${OPTIONS}`,
      },
    },
    "CustomRefInstructionDataset, 동기 (overwrite): the message starts with 를": {
      input: { variant: "CustomRefInstructionDataset", ex: sample("동기") },
      expected: { system: SYS_DEFAULT, user: `를 가장 잘 설명하는 문장을 선택하라.\n\n${CONV_TIGHT}\n\n${REFS}\n\n${OPTIONS}` },
    },
    "SystemRefOfficialTermDataset, 후행사건: task system text, spaced conversation labels, tight reference labels": {
      input: { variant: "SystemRefOfficialTermDataset", ex: sample("후행사건") },
      expected: { system: SYS_TASK, user: `${CONV_SPACED}\n\n${REFS}\n\n${REF_Q}**후행 사건(subsequent event)**으로 올바른 추론문은?\n\n${OPTIONS}` },
    },
  };
  for (const [name, { input, expected }] of Object.entries(golden)) {
    it(name, () => {
      const p = buildPrompt(input.ex, input.variant, { mode: input.mode });
      expect(p.messages).toEqual([
        { role: "system", content: expected.system },
        { role: "user", content: expected.user },
      ]);
      expect(p.target).toBe("B. 나 </s>");
    });
  }

  it("SYS_TASK ends without a newline and has the exact line count of SPEC §4", () => {
    expect(SYS_TASK.split("\n")).toHaveLength(14);
    expect(SYS_TASK.endsWith("작업을 진행하세요.")).toBe(true);
  });

  it("targets: letter, inference, eos; empty when the answer is hidden; --eos changes the token", () => {
    expect(buildPrompt(sample("원인", "inference_1"), "CustomRefDataset").target).toBe("A. 가</s>");
    expect(buildPrompt(sample("원인", "inference_3"), "CustomRefDataset", { eos: "<|im_end|>" }).target).toBe("C. 다<|im_end|>");
    expect(buildPrompt(sample("원인", ""), "CustomRefDataset").target).toBe("");
  });

  it("a merged utterance (list of ids, after refinement) is never a reference line, as Python's `in` on a list", () => {
    const ex = example([[1, "첫 문장"], { speaker: 2, utterance: "합쳐진 발화", utterance_id: ["X.1", "X.2"] }], [0]);
    ex.input.reference_id = ["X.1", "X.2"];
    expect(buildPrompt(ex, "CustomRefDataset").messages[1].content).toContain("[Utterance References]\n\n");
  });

  it("'longer than one character' counts code points, as Python's len", () => {
    const ex = example([[1, "😀"], [2, "ab"]], [1]);
    expect(buildPrompt(ex, "CustomRefDataset").messages[1].content.startsWith("[Conversation]\n화자2: ab\n\n")).toBe(true);
  });
});

describe("quirk report", () => {
  const corpus = [sample("원인"), sample("전제"), sample("동기"), sample("동기"), sample("반응")];

  it("counts, per variant and category, the examples each quirk touches", () => {
    const rows = quirkCounts(corpus);
    const pick = (variant: string, quirk: string) => rows.find((r) => r.variant === variant && r.quirk === quirk);
    expect(pick("CustomRefDataset", "josa-overwrite")).toMatchObject({ 전제: 1, 동기: 2, 원인: 0, total: 3 });
    expect(pick("CustomRefDefinitionDataset", "josa-overwrite")).toMatchObject({ 동기: 2, 전제: 0, total: 2 });
    expect(pick("CustomRefInstructionDataset", "josa-overwrite")).toMatchObject({ 동기: 2, total: 2 });
    expect(pick("CustomRefOfficialTermDataset", "josa-overwrite")).toBeUndefined();
    expect(pick("CustomRefOfficialTermDataset", "wrong-particle")).toMatchObject({ 동기: 2, total: 2 });
    expect(pick("SystemRefOfficialTermDataset", "wrong-particle")).toMatchObject({ 동기: 2, total: 2 });
    expect(pick("Baseline", "josa-overwrite")).toMatchObject({ 전제: 1, 동기: 2, total: 3 });
    expect(pick("Baseline", "double-eos")).toMatchObject({ total: 5 });
  });

  it("names the examples, and fixed mode changes exactly the touched prompts", () => {
    for (const variant of VARIANT_NAMES) {
      const touched = new Set(quirkHits(corpus, [variant]).map((h) => h.id));
      for (const ex of corpus) {
        const same = JSON.stringify(buildPrompt(ex, variant)) === JSON.stringify(buildPrompt(ex, variant, { mode: "fixed" }));
        expect(same, `${variant} ${ex.input.category}`).toBe(!touched.has(ex.id));
      }
    }
  });
});

describe("JSONL as Python json.dumps(ensure_ascii=False)", () => {
  const golden: Record<string, { input: unknown; expected: string }> = {
    "separators and raw Hangul": { input: { id: "a", messages: [{ role: "user", content: "화자1: 네\n" }], target: "" }, expected: '{"id": "a", "messages": [{"role": "user", "content": "화자1: 네\\n"}], "target": ""}' },
    "numbers and empty containers": { input: { a: [1, 2.5, 1e-7], b: [], c: {} }, expected: '{"a": [1, 2.5, 1e-07], "b": [], "c": {}}' },
    "control characters escaped, quotes and backslashes": { input: ["\u0001\t\"\\"], expected: '["\\u0001\\t\\"\\\\"]' },
  };
  for (const [name, { input, expected }] of Object.entries(golden)) {
    it(name, () => expect(pythonJsonLine(input)).toBe(expected));
  }
  it("one line per row, each ending in a newline", () => expect(toJsonl([1, 2])).toBe("1\n2\n"));
});

describe("prompt sizes", () => {
  it("counts the characters (code points) of all messages", () => {
    expect(promptChars({ messages: [{ role: "system", content: "ab" }, { role: "user", content: "😀가" }], target: "xyz" })).toBe(4);
  });
  it("summarizes lengths with one decimal (p95 interpolated, 19.05 → 19.1)", () => {
    const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(summarize(oneToTwenty)).toEqual({ n: 20, min: 1, mean: 10.5, median: 10.5, p95: 19.1, max: 20 });
    expect(summarize([]).n).toBe(0);
  });
  it("fixed mode is never shorter than faithful where the question was overwritten", () => {
    const ex = sample("전제");
    expect(promptChars(buildPrompt(ex, "CustomRefDataset", { mode: "fixed" }))).toBeGreaterThan(promptChars(buildPrompt(ex, "CustomRefDataset")));
  });
});

describe("which recipes lose a category's question (notebook 03)", () => {
  it("동기: deleted in 3 of the 5 entry variants, so 8 of the 11 recipes never see it; 전제: 1 variant, 3 recipes", async () => {
    const { overwrittenQuestion, overwrittenLine } = await import("../lib/prompts/quirks");
    const { RECIPES } = await import("../lib/train/recipes");
    const motive = overwrittenQuestion("동기", RECIPES);
    expect(motive.variants).toEqual(["CustomRefDataset", "CustomRefDefinitionDataset", "CustomRefInstructionDataset"]);
    expect([motive.entryVariants, motive.recipes, motive.of]).toEqual([5, 8, 11]);
    expect(overwrittenLine("동기", motive)).toBe(
      "동기: the question is deleted in 3 of the 5 variants (CustomRefDataset, CustomRefDefinitionDataset, CustomRefInstructionDataset); 8 of the 11 recipes train on them",
    );
    const premise = overwrittenQuestion("전제", RECIPES);
    expect([premise.variants, premise.recipes]).toEqual([["CustomRefDataset"], 3]);
    expect(overwrittenQuestion("원인", RECIPES).recipes).toBe(0);
    // A recipe list on other variants counts none.
    expect(overwrittenQuestion("동기", [{ dataset: "SystemRefOfficialTermDataset" }]).recipes).toBe(0);
  });
});
