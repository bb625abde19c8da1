/**
 * The fast paths of lib/refine/pyregex.ts (literal prefilter, table-based strip, pyLen) against
 * the straightforward definitions they replace.
 */
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { pyLen, pyStrip, pySub, requiredLiteral } from "../lib/refine/pyregex";

describe("requiredLiteral", () => {
  it.each([
    [String.raw`\b안녕\w*`, "안녕"],
    [String.raw`\b반갑습\w*`, "반갑습"],
    [String.raw`(?<=^|\s)ㅇ{2,}(?=$|\s)`, "ㅇ"],
    ["ab?c", "a"],
    ["ab*", "a"],
    ["ab{0,2}", "a"],
    ["ab{2}", "ab"],
    ["ab{,2}", "a"],
    ["name1", "name1"],
    [String.raw`\.{4,}`, ""],
    ["[ㄱ-ㅎ]+", ""],
    ["a|b", ""],
    ["ab(c|d)", "ab"],
    ["[|]ab", ""],
  ])("%s → %s", (pattern, literal) => expect(requiredLiteral(pattern)).toBe(literal));

  it("never prefilters away a match (alternation included)", () => {
    // "a|b" matches "b" without an "a": the prefilter must not be used for it.
    expect(pySub("a|b", "x")("b")).toBe("x");
  });
});

const ALPHABET = ["a", " ", "\t", "\n", "\u3000", "\u00a0", "\u001c", "\u200b", "가", "😀", "\ud800", "\udc00", "ㅇ", "안녕", ".", "?"];
const randomString = (rng: () => number) => Array.from({ length: Math.floor(rng() * 12) }, () => ALPHABET[Math.floor(rng() * ALPHABET.length)]).join("");

describe("pyStrip and pyLen on random strings", () => {
  const rng = seedrandom("pyregex-fast");
  const strings = Array.from({ length: 3000 }, () => randomString(rng));
  const STRIP = /^[\p{White_Space}\x1C-\x1F]+|[\p{White_Space}\x1C-\x1F]+$/gu;
  it("pyStrip = the regex it replaced", () => {
    for (const s of strings) expect(pyStrip(s), JSON.stringify(s)).toBe(s.replace(STRIP, ""));
  });
  it("pyLen = code points", () => {
    for (const s of strings) expect(pyLen(s), JSON.stringify(s)).toBe([...s].length);
  });
});
