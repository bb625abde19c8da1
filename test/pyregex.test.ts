import { describe, expect, it } from "vitest";
import { pyLen, pyRegExp, pyStrip, translatePythonPattern } from "../lib/refine/pyregex";

// Python `regex`-module semantics (SPEC §2 table), checked character by character.
const WORD: [string, string, boolean][] = [
  ["Hangul syllable", "가", true],
  ["Hangul jamo", "ㅋ", true],
  ["U+11A2 ᆢ", "\u11a2", true],
  ["underscore", "_", true],
  ["combining acute U+0301", "\u0301", true],
  ["ZWNJ U+200C", "\u200c", true],
  ["ZWJ U+200D", "\u200d", true],
  ["Arabic-Indic three ٣", "\u0663", true],
  ["Roman numeral Ⅻ", "\u216b", true],
  ["ASCII letter", "a", true],
  ["superscript two ² (No)", "\u00b2", false],
  ["space", " ", false],
  ["exclamation", "!", false],
];

const SPACE: [string, string, boolean][] = [
  ["space", " ", true],
  ["newline", "\n", true],
  ["NEL U+0085", "\u0085", true],
  ["NBSP U+00A0", "\u00a0", true],
  ["ideographic space U+3000", "\u3000", true],
  ["line separator U+2028", "\u2028", true],
  ["file separator U+001C", "\u001c", false],
  ["unit separator U+001F", "\u001f", false],
  ["BOM U+FEFF", "\ufeff", false],
  ["letter", "a", false],
];

describe("\\w", () => {
  it.each(WORD)("%s", (_name, ch, expected) => {
    expect(pyRegExp(String.raw`^\w$`, "").test(ch)).toBe(expected);
    expect(pyRegExp(String.raw`^\W$`, "").test(ch)).toBe(!expected);
    expect(pyRegExp(String.raw`^[\w]$`, "").test(ch)).toBe(expected);
  });
});

describe("\\s", () => {
  it.each(SPACE)("%s", (_name, ch, expected) => {
    expect(pyRegExp(String.raw`^\s$`, "").test(ch)).toBe(expected);
    expect(pyRegExp(String.raw`^\S$`, "").test(ch)).toBe(!expected);
  });
});

describe("\\b", () => {
  const cases: [string, string, string][] = [
    ["start of text", "안녕", "X안녕"],
    ["after a space", "아 안녕", "아 X안녕"],
    ["no boundary after a syllable", "저는안녕", "저는안녕"],
    ["no boundary after _", "_안녕", "_안녕"],
    ["no boundary after a combining mark", "a\u0301안녕", "a\u0301안녕"],
    ["no boundary after ٣", "\u0663안녕", "\u0663안녕"],
    ["boundary after ² (not a word char)", "\u00b2안녕", "\u00b2X안녕"],
    ["boundary after !", "!안녕", "!X안녕"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(input.replace(pyRegExp(String.raw`\b(?=안녕)`, "g"), "X")).toBe(expected);
  });
});

describe("str.strip()", () => {
  const cases: [string, string, string][] = [
    ["spaces and tabs", " \t a b \n", "a b"],
    ["U+001C–U+001F are stripped", "\u001c\u001da\u001e\u001f", "a"],
    ["NEL and NBSP are stripped", "\u0085\u00a0a\u00a0", "a"],
    ["ideographic space and U+2028", "\u3000a\u2028", "a"],
    ["BOM is kept", "\ufeffa\ufeff", "\ufeffa\ufeff"],
    ["inner whitespace is kept", "a  b", "a  b"],
  ];
  it.each(cases)("%s", (_name, input, expected) => expect(pyStrip(input)).toBe(expected));
});

describe("translation details", () => {
  it("$ also matches before a final newline, as Python's", () => {
    expect(pyRegExp("a$", "").test("a\n")).toBe(true);
    expect(pyRegExp("a$", "").test("a\n\n")).toBe(false);
  });
  it("a leading ] in a class is literal", () => {
    expect(pyRegExp("[]x]", "").test("]")).toBe(true);
  });
  it("escaped punctuation Python allows is a literal", () => {
    expect(pyRegExp(String.raw`\~\@`, "").test("~@")).toBe(true);
  });
  it("refuses \\W inside a class instead of mistranslating it", () => {
    expect(() => translatePythonPattern(String.raw`[\W]`)).toThrow(/not supported/);
  });
  it("len counts code points", () => {
    expect(pyLen("가a😀")).toBe(3);
  });
});
