import { describe, expect, it } from "vitest";
import { ANSWERS, type Answer } from "../lib/corpus/schema";
import { argmax, hardVote, pyMaxBy, softVote, weightedHardVote } from "../lib/ensemble/vote";

/**
 * Golden table computed with CPython 3 by `max(votes, key=votes.count)` over
 * `votes = ["inference_" + d for d in digits]`; 40 of the 60 cases have tied top counts.
 */
const PYTHON_GOLDEN: [digits: string, winner: string][] = [
  ["1221", "1"],
  ["32", "3"],
  ["13122", "1"],
  ["31313221312", "3"],
  ["32113", "3"],
  ["13223", "3"],
  ["12", "1"],
  ["321", "3"],
  ["11131223223", "1"],
  ["22231331231", "2"],
  ["11312332212", "1"],
  ["133131", "1"],
  ["32112", "2"],
  ["21312112221", "2"],
  ["2332323322", "2"],
  ["123", "1"],
  ["2211", "2"],
  ["23", "2"],
  ["23222111211", "2"],
  ["323121", "3"],
  ["1313233121", "1"],
  ["21", "2"],
  ["32132123", "3"],
  ["32213113", "3"],
  ["211233", "2"],
  ["213231", "2"],
  ["12323131231", "1"],
  ["223332", "2"],
  ["32232323", "3"],
  ["32133211", "3"],
  ["3223", "3"],
  ["12311213233", "1"],
  ["22313311122", "2"],
  ["13", "1"],
  ["31", "3"],
  ["21321332312", "2"],
  ["231", "2"],
  ["11331133", "1"],
  ["12321212331", "1"],
  ["33121221233", "3"],
  ["22222331212", "2"],
  ["112", "1"],
  ["23311311111", "1"],
  ["223", "2"],
  ["12321333321", "3"],
  ["22221", "2"],
  ["32313212332", "3"],
  ["32223312112", "2"],
  ["222", "2"],
  ["33311", "3"],
  ["111", "1"],
  ["12212", "2"],
  ["323", "3"],
  ["1333122", "3"],
  ["22321", "2"],
  ["3123331", "3"],
  ["31333131331", "3"],
  ["23221222123", "2"],
  ["13333", "3"],
  ["3111232", "1"],
];

const toVotes = (digits: string) => [...digits].map((d) => `inference_${d}` as Answer);

/** A direct transcription of the Python semantics: the first vote whose count equals the largest count. */
function bruteForce(votes: readonly string[]): string {
  const count = (v: string) => votes.filter((x) => x === v).length;
  const top = Math.max(...votes.map(count));
  return votes.find((v) => count(v) === top)!;
}

/** Every sequence of `n` votes over three answers. */
function* allVotes(n: number): Generator<Answer[]> {
  for (let code = 0; code < 3 ** n; code++) yield Array.from({ length: n }, (_, i) => ANSWERS[Math.floor(code / 3 ** i) % 3]);
}

describe("hardVote = Python max(votes, key=votes.count)", () => {
  it.each(PYTHON_GOLDEN)("%s → inference_%s", (digits, winner) => {
    expect(hardVote(toVotes(digits))).toBe(`inference_${winner}`);
  });

  it("matches the brute-force transcription on every sequence of 1–8 votes (9,840 sequences, most of them tied)", () => {
    let ties = 0;
    for (let n = 1; n <= 8; n++)
      for (const votes of allVotes(n)) {
        const counts = ANSWERS.map((a) => votes.filter((v) => v === a).length).sort((a, b) => b - a);
        if (counts[0] === counts[1]) ties++;
        expect(hardVote(votes)).toBe(bruteForce(votes));
      }
    expect(ties).toBeGreaterThan(1000);
  });

  it("ties go to the answer that appears first, not to the lowest answer", () => {
    expect(hardVote(toVotes("3311"))).toBe("inference_3");
    expect(hardVote(toVotes("21122112233"))).toBe("inference_2");
  });

  it("an empty vote raises as Python's max does", () => {
    expect(() => hardVote([])).toThrow(/empty sequence/);
  });
});

describe("pyMaxBy", () => {
  it("keeps the first of equal keys", () => {
    expect(pyMaxBy(["a", "bb", "cc", "d"], (s) => s.length)).toBe("bb");
  });
});

describe("weightedHardVote", () => {
  it.each([
    { votes: "1223", weights: [3, 1, 1, 1], expected: "inference_1" },
    { votes: "1223", weights: [1, 1, 1, 1], expected: "inference_2" },
    // 1 and 3 both weigh 2: the first to appear wins
    { votes: "3121", weights: [2, 1, 1, 0], expected: "inference_3" },
  ])("$votes with $weights → $expected", ({ votes, weights, expected }) => {
    expect(weightedHardVote(toVotes(votes), weights)).toBe(expected);
  });

  it("equals the plain hard vote under equal weights", () => {
    for (const votes of allVotes(5)) expect(weightedHardVote(votes, [1, 1, 1, 1, 1])).toBe(hardVote(votes));
  });

  it("refuses a weight count that differs from the votes", () => {
    expect(() => weightedHardVote(toVotes("12"), [1])).toThrow(/2 votes but 1 weights/);
  });
});

describe("softVote", () => {
  it.each([
    { probs: [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]], weights: undefined, expected: 1 },
    { probs: [[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]], weights: [3, 1], expected: 0 },
    { probs: [[0.6, 0.4, 0], [0.4, 0.6, 0]], weights: undefined, expected: 0 },
    // two members lean to inference_3, one is sure of inference_1: the hard vote says 3, the soft vote 1
    { probs: [[0.2, 0.2, 0.6], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]], weights: undefined, expected: 0 },
  ])("$probs, weights $weights → $expected", ({ probs, weights, expected }) => {
    expect(softVote(probs, weights)).toBe(expected);
  });

  it("argmax takes the first of equal values", () => {
    expect(argmax([0.2, 0.4, 0.4])).toBe(1);
  });
});
