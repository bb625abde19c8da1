import { describe, expect, it } from "vitest";
import type { Answer, Category } from "../lib/corpus/schema";
import { agreementRate, cohenKappa, fleissKappa, fleissKappaFromCounts, pairwiseMatrix } from "../lib/analysis/agreement";
import { analyzeAgreement, analyzeEnsemble, HARD_VOTE, SOFT_VOTE } from "../lib/analysis/analyze";
import { bootstrapMean } from "../lib/analysis/bootstrap";
import { mcnemar, mcnemarFromCounts } from "../lib/analysis/mcnemar";
import { accuracy, confusionMatrix, correctness, indicesByCategory } from "../lib/analysis/metrics";
import { exhaustiveSubsets, greedyForwardSelection, oracleAccuracy, oracleBreakdown, voteAnswers } from "../lib/analysis/selection";

const ans = (digits: string) => [...digits].map((d) => `inference_${d}` as Answer);

/** Two raters' labels from a 2×2 table [[yes-yes, yes-no], [no-yes, no-no]]. */
function fromTable([[a, b], [c, d]]: number[][]): [string[], string[]] {
  const r1: string[] = [];
  const r2: string[] = [];
  const push = (n: number, x: string, y: string) => {
    for (let i = 0; i < n; i++) (r1.push(x), r2.push(y));
  };
  push(a, "yes", "yes");
  push(b, "yes", "no");
  push(c, "no", "yes");
  push(d, "no", "no");
  return [r1, r2];
}

describe("Cohen's kappa", () => {
  it.each([
    // po = 0.7, pe = 0.5·0.6 + 0.5·0.4 = 0.5 → 0.4
    { table: [[20, 5], [10, 15]], agreement: 0.7, kappa: 0.4 },
    // po = 0.6, pe = 0.6·0.7 + 0.4·0.3 = 0.54 → 0.06/0.46 = 3/23
    { table: [[45, 15], [25, 15]], agreement: 0.6, kappa: 3 / 23 },
    // perfect agreement on a balanced table
    { table: [[5, 0], [0, 5]], agreement: 1, kappa: 1 },
    // agreement exactly at chance: po = 0.5, pe = 0.5
    { table: [[5, 5], [5, 5]], agreement: 0.5, kappa: 0 },
  ])("$table → agreement $agreement, kappa $kappa", ({ table, agreement, kappa }) => {
    const [a, b] = fromTable(table);
    expect(agreementRate(a, b)).toBeCloseTo(agreement, 12);
    expect(cohenKappa(a, b)).toBeCloseTo(kappa, 12);
  });

  it("is NaN where both raters always give one and the same label (pe = 1)", () => {
    expect(cohenKappa(["x", "x"], ["x", "x"])).toBeNaN();
  });
});

describe("Fleiss' kappa", () => {
  it("reproduces the textbook example (10 items, 14 raters, 5 categories → 0.210)", () => {
    const counts = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    // P̄ = 0.378, P̄e = 0.2128 → (0.378 − 0.2128) / (1 − 0.2128) ≈ 0.2099
    expect(fleissKappaFromCounts(counts)).toBeCloseTo(0.20993, 4);
  });

  it("is 1 for unanimous raters over varied items and counts labels from ratings", () => {
    expect(fleissKappa([["a", "a", "a"], ["b", "b", "b"]], ["a", "b"])).toBe(1);
    // two raters: Fleiss' kappa uses pooled label frequencies (Scott's pi): po = 0.5, pe = 0.5 → 0
    expect(fleissKappa([["a", "a"], ["a", "b"], ["b", "a"], ["b", "b"]], ["a", "b"])).toBe(0);
  });

  it("refuses items with different numbers of raters", () => {
    expect(() => fleissKappaFromCounts([[1, 1], [3, 0]])).toThrow(/same number/);
  });
});

describe("McNemar", () => {
  it("b = 10, c = 2: exact p = 2·79/4096, chi-square with continuity = 49/12", () => {
    const t = mcnemarFromCounts(10, 2);
    expect(t.exactP).toBeCloseTo((2 * 79) / 4096, 8);
    expect(t.chi2).toBeCloseTo(49 / 12, 12);
    expect(t.chi2P).toBeCloseTo(0.043308, 5);
  });

  it("is symmetric, 1 without discordant pairs, capped at 1 when b = c", () => {
    expect(mcnemarFromCounts(2, 10).exactP).toBeCloseTo(mcnemarFromCounts(10, 2).exactP, 12);
    expect(mcnemarFromCounts(0, 0)).toMatchObject({ exactP: 1, chi2: 0, chi2P: 1 });
    expect(mcnemarFromCounts(3, 3).exactP).toBe(1);
  });

  it("keeps small exact p-values (b = 54, c = 6: 2·Σ C(60, k)/2⁶⁰ for k ≤ 6 ≈ 9.72e-11)", () => {
    expect(mcnemarFromCounts(54, 6).exactP).toBeCloseTo(9.722961671898568e-11, 20);
    expect(mcnemarFromCounts(54, 6).exactP).toBeGreaterThan(0);
  });

  it("counts discordant pairs from correctness vectors", () => {
    expect(mcnemar([1, 1, 1, 0, 0, 1], [0, 0, 1, 1, 0, 1])).toMatchObject({ b: 2, c: 1 });
  });
});

describe("accuracy, categories, confusion", () => {
  it("scores answers against gold", () => {
    expect(correctness(ans("1231"), ans("1331"))).toEqual([1, 0, 1, 1]);
    expect(accuracy(ans("1231"), ans("1331"))).toBe(0.75);
  });

  it("groups example indices by category in the competition's order", () => {
    const cats: Category[] = ["반응", "원인", "반응", "전제"];
    expect(indicesByCategory(cats)).toEqual([
      { category: "원인", indices: [1] },
      { category: "전제", indices: [3] },
      { category: "반응", indices: [0, 2] },
    ]);
  });

  it("confusion rows are gold, columns predictions", () => {
    expect(confusionMatrix(ans("12313"), ans("11322"))).toEqual([
      [1, 1, 0],
      [1, 0, 1],
      [0, 0, 1],
    ]);
  });
});

describe("bootstrap", () => {
  it("is reproducible under a seed and brackets the estimate", () => {
    const v = Array.from({ length: 200 }, (_, i) => (i % 10 < 7 ? 1 : 0));
    const a = bootstrapMean(v, { seed: "s" });
    expect(bootstrapMean(v, { seed: "s" })).toEqual(a);
    expect(a.estimate).toBe(0.7);
    expect(a.low).toBeLessThan(0.7);
    expect(a.high).toBeGreaterThan(0.7);
    // normal approximation: ± 1.96·√(0.21/200) ≈ ± 0.0635
    expect(a.high - a.low).toBeGreaterThan(0.1);
    expect(a.high - a.low).toBeLessThan(0.155);
    expect(bootstrapMean(v, { seed: "other" })).not.toEqual(a);
  });

  it("has no width on constant data and NaN on none", () => {
    expect(bootstrapMean([1, 1, 1])).toMatchObject({ estimate: 1, low: 1, high: 1 });
    expect(bootstrapMean([]).estimate).toBeNaN();
  });
});

describe("oracle and greedy selection", () => {
  const gold = ans("111111");
  const members = [
    { name: "A", answers: ans("111222") }, // 3/6
    { name: "B", answers: ans("122111") }, // 4/6
    { name: "C", answers: ans("211211") }, // 4/6
    { name: "D", answers: ans("333333") }, // 0/6
  ];

  it("oracle: any member right", () => {
    expect(oracleAccuracy(members.map((m) => m.answers), gold)).toBe(1);
    expect(oracleAccuracy([ans("222222"), ans("333333")], gold)).toBe(0);
  });

  it("votes members in order (ties to the earlier member)", () => {
    expect(voteAnswers([ans("12"), ans("21")])).toEqual(ans("12"));
  });

  it("adds the member that helps the vote most, ties to the earlier member", () => {
    const steps = greedyForwardSelection(members, gold);
    // size 1: B and C tie at 4/6 → B. size 2: B+A 4/6 (ties to B), B+C 4/6, B+D 4/6 → A (earliest).
    // size 3: B,A,C votes per example: (1,1,2)(2,1,1)(2,1,1)(1,2,2)(1,2,1)(1,2,1) → 1,1,1,2,1,1 = 5/6; B,A,D → 4/6 → C.
    expect(steps.map((s) => s.added)).toEqual(["B", "A", "C", "D"]);
    expect(steps.map((s) => s.accuracy)).toEqual([4 / 6, 4 / 6, 5 / 6, 5 / 6]);
    expect(steps[2].members).toEqual(["B", "A", "C"]);
  });

  it("scores every subset (2^n − 1), voting in input order", () => {
    const all = exhaustiveSubsets(members, gold);
    expect(all).toHaveLength(15);
    expect(new Set(all.map((s) => s.members.join())).size).toBe(15);
    // Greedy never visits {A, C}: votes (1,2)(1,1)(1,1)(2,2)(2,1)(2,1) → ties to A: 1,1,1,2,2,2 = 3/6.
    expect(all.find((s) => s.members.join() === "A,C")!.accuracy).toBe(3 / 6);
    // The best subset here is B,A,C (5/6): the exhaustive maximum equals greedy's on this set.
    expect(Math.max(...all.map((s) => s.accuracy))).toBe(5 / 6);
    expect(() => exhaustiveSubsets(Array.from({ length: 17 }, (_, i) => ({ name: `m${i}`, answers: gold })), gold)).toThrow(/at most 16/);
  });

  it("oracle breakdown: solvable examples the vote gets and those where the right member is outvoted", () => {
    // all four, vote in order A,B,C,D per example: (1,1,2,3)→1 ✓ (1,2,1,3)→1 ✓ (1,2,1,3)→1 ✓ (2,1,2,3)→2 ✗ (2,1,1,3)→1 ✓ (2,1,1,3)→1 ✓
    const b = oracleBreakdown(members, gold, "B");
    expect(b).toEqual({ examples: 6, solvable: 6, voteRight: 5, outvoted: 1, bestMisses: 2, outvotedOfBestMisses: 0 });
    expect(() => oracleBreakdown(members, gold, "Z")).toThrow(/no member named Z/);
  });
});

describe("analyzeEnsemble", () => {
  const gold = ans("123123");
  const cats: Category[] = ["원인", "원인", "원인", "동기", "동기", "동기"];
  const members = [
    { name: "x", answers: ans("123111"), probs: Array(6).fill([0.6, 0.3, 0.1]) },
    { name: "y", answers: ans("123222"), probs: Array(6).fill([0.2, 0.7, 0.1]) },
    { name: "z", answers: ans("113123"), probs: Array(6).fill([0.3, 0.3, 0.4]) },
  ];

  it("adds hard and soft vote rows and per-category intervals", () => {
    const a = analyzeEnsemble(members, gold, cats, { iterations: 200 });
    const overall = a.accuracy.filter((r) => r.category === "all").map((r) => [r.member, r.estimate]);
    // hard vote: (1,1,1)(2,2,1)(3,3,3)(1,2,1)(1,2,2)(1,2,3) → 1 2 3 1 2 1: wrong only on the last → 5/6.
    // soft vote: every row sums to [1.1, 1.3, 0.6] → always inference_2 → 2/6.
    expect(overall).toEqual([["x", 4 / 6], ["y", 4 / 6], ["z", 5 / 6], [HARD_VOTE, 5 / 6], [SOFT_VOTE, 2 / 6]]);
    expect(a.accuracy.filter((r) => r.member === "z").map((r) => r.category)).toEqual(["all", "원인", "동기"]);
    expect(a.oracle).toBe(1);
    expect(a.selection).toHaveLength(3);
    expect(a.mcnemar).toHaveLength(10);
    expect(a.confusion.find((c) => c.member === "z")!.counts).toEqual([[2, 0, 0], [1, 1, 0], [0, 0, 2]]);
  });

  it("agreement only, for unlabelled files", () => {
    const a = analyzeAgreement(members);
    expect(a.agreement[0][1]).toBe(3 / 6);
    expect(a.agreement[0][0]).toBe(1);
    expect(a.unanimous).toBe(2);
    expect(a.examples).toBe(6);
    expect(pairwiseMatrix([ans("12"), ans("11")], agreementRate)).toEqual([[1, 0.5], [0.5, 1]]);
  });
});

describe("McNemar pairs in the analysis", () => {
  it("names both members and keeps the discordant counts", () => {
    const gold = ans("1111");
    const a = analyzeEnsemble([{ name: "p", answers: ans("1112") }, { name: "q", answers: ans("1222") }], gold, ["원인", "원인", "원인", "원인"], { iterations: 10 });
    expect(a.mcnemar[0]).toMatchObject({ memberA: "p", memberB: "q", b: 2, c: 0 });
  });
});
