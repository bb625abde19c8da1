import { describe, expect, it } from "vitest";
import { ALTERNATIVE_RULES, FAITHFUL_RULES, insertRule, patternRule, replaceRule, ruleNames, withoutRules } from "../lib/refine/rules";
import { refineText } from "../lib/refine/refine";

const rule = (name: string) => {
  const r = FAITHFUL_RULES.find((x) => x.name === name);
  if (!r) throw new Error(name);
  return r.apply;
};

// Each rule on its own: {input, expected} per case (SPEC §2, Python regex semantics).
const GOLDEN: Record<string, [input: string, expected: string][]> = {
  "newline-to-space": [
    ["a\nb", "a b"],
    ["a  b", "a b"],
    ["a   b", "a  b"], // one non-overlapping pass: three spaces become two
    ["a    b", "a  b"],
    ["a\n\nb", "a b"],
    ["a\n b", "a b"],
  ],
  "ieung-to-eung": [
    ["ㅇㅇ 알겠어", "응 알겠어"],
    ["ㅇㅇㅇ", "응"],
    ["알겠어ㅇㅇ", "알겠어ㅇㅇ"],
    ["ㅇ 하나", "ㅇ 하나"],
    ["네 ㅇㅇ", "네 응"],
    ["ㅇㅇ\u00a0네", "응\u00a0네"], // NBSP is \s
    ["ㅇㅇ\u3000네", "응\u3000네"],
    ["ㅇㅇ\u001c네", "ㅇㅇ\u001c네"], // U+001C is not \s
    ["ㅇㅇ\ufeff", "ㅇㅇ\ufeff"],
    ["ㅇㅇ\n", "응\n"], // $ before a final newline
  ],
  "shorten-dots-questions": [
    [".....", "..."],
    ["....", "..."],
    ["...", "..."],
    ["???", "??"],
    ["??", "??"],
    ["정말?.....??", "정말?...??"],
  ],
  "delete-symbols": [
    ["^^ 좋아요~!", " 좋아요"],
    ["a-b_c/d", "abcd"],
    ["(웃음) :) ;)", "웃음  "],
    ["<@>", ""],
    ["그래\u11a2", "그래"],
    ["?.,", "?.,"],
  ],
  "delete-greetings": [
    ["안녕하세요 반가워요", " 반가워요"],
    ["반갑습니다!", "!"],
    ["반갑습니당 안녕", " "],
    ["아 안녕", "아 "],
    ["저는안녕", "저는안녕"],
    ["_안녕", "_안녕"],
    ["\u00b2안녕하세요", "\u00b2"],
    ["안녕\u200d하세요", ""], // ZWJ is \w, so \w* runs on
    ["안녕!하세요", "!하세요"],
    ["반가워요", "반가워요"],
  ],
  "name-to-speaker": [
    ["name1님 안녕", "화자1님 안녕"],
    ["name2, name1", "화자2, 화자1"],
    ["name12", "화자12"],
  ],
  "delete-jamo": [
    ["ㅋㅋㅋ좋아ㅠㅠ", "좋아"],
    ["ㄱ", ""],
    ["ㅏㅣ", ""],
    ["ㆍ", "ㆍ"], // U+318D is outside ㄱ-ㅣ
    ["각", "각"],
  ],
  "blank-symbol-only": [
    ["?!", ""],
    ["...", ""],
    ["40", "40"],
    ["OK", "OK"],
    ["ok!", ""],
    ["좋아!", "좋아!"],
    ["\u00b2", ""], // No is not \w
    ["\u216b", "\u216b"],
    [" ", " "],
    ["", ""],
  ],
  strip: [
    ["  가  ", "가"],
    ["\u0085가\u001f", "가"],
    ["\ufeff가", "\ufeff가"],
  ],
};

describe("each faithful rule", () => {
  it("covers all nine rules, in the original's order", () => {
    expect(ruleNames()).toEqual(Object.keys(GOLDEN));
  });
  for (const [name, cases] of Object.entries(GOLDEN)) {
    it.each(cases)(`${name}: %j → %j`, (input, expected) => expect(rule(name)(input)).toBe(expected));
  }
});

describe("the rule chain", () => {
  const CHAIN: [string, string][] = [
    ["안녕하세요!! ㅎㅎ", ""],
    ["ㅇㅇ 알겠어~ name2님도 같이 가요^^", "응 알겠어 화자2님도 같이 가요"],
    ["진짜.....??? ㅋㅋㅋ", "진짜...??"],
    ["줄바꿈\n  있음", "줄바꿈  있음"], // \n → space, then one pass over "   " leaves two
    ["ㅠㅠ", ""],
    ["^^;;", ""],
    ["40", "40"],
    [" 앞뒤 공백 ", "앞뒤 공백"],
  ];
  it.each(CHAIN)("%j → %j", (input, expected) => expect(refineText(input)).toBe(expected));
});

describe("rule table edits", () => {
  it("switches a rule off", () => {
    const rules = withoutRules(FAITHFUL_RULES, ["delete-greetings"]);
    expect(refineText("안녕하세요", rules)).toBe("안녕하세요");
  });
  it("replaces a rule with its alternative", () => {
    const rules = replaceRule(FAITHFUL_RULES, "newline-to-space", ALTERNATIVE_RULES["newline-to-space"]);
    expect(refineText("a   b", rules)).toBe("a b");
  });
  it("adds a rule written in Python syntax", () => {
    const rules = insertRule(FAITHFUL_RULES, patternRule("drop-digits", String.raw`\d+`, ""), "name-to-speaker");
    expect(refineText("화자 name1 3번", rules)).toBe("화자 화자 번");
  });
  it("rejects unknown rule names", () => {
    expect(() => withoutRules(FAITHFUL_RULES, ["no-such-rule"])).toThrow(/unknown refinement rule no-such-rule/);
  });
});
