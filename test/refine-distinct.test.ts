/**
 * lib/refine/distinct.ts: refinement counted per distinct conversation as well as per question
 * (issue 30.1: "utterances touched" counted each conversation once per question about it).
 */
import { describe, expect, it } from "vitest";
import type { Example } from "../lib/corpus/schema";
import { addStats } from "../lib/refine/refine";
import { characterBalance, distinctStepCounts, onePerConversation, turnFall } from "../lib/refine/distinct";
import { example } from "./helpers/corpus";

/** Two questions about one conversation (the second a copy with another reference), and one about another. */
function corpus(): Example[] {
  const a = example([[1, "ㅋㅋㅋ 좋아"], [1, "안녕하세요"], [2, "응 그래~"]], [0]);
  const a2: Example = { ...a, id: `${a.id}-q2`, input: { ...a.input, reference_id: [String(a.input.conversation[2].utterance_id)] } };
  const b = example([[1, "배고파ㅠㅠ"], [2, "밥 먹자"]], [1]);
  return [a, a2, b];
}

describe("refinement counted per distinct conversation", () => {
  it("keeps the first question of each conversation", () => {
    const c = corpus();
    expect(onePerConversation(c).map((e) => e.id)).toEqual([c[0].id, c[2].id]);
  });

  it("rule steps: copies count the shared conversation twice, distinct once; drop/merge only per question", () => {
    const d = distinctStepCounts(corpus());
    const row = (s: string) => d.rows.find((r) => r.step === s)!;
    // jamo: "ㅋㅋㅋ 좋아" (×2 copies) and "배고파ㅠㅠ" → 3 copies, 2 distinct utterances
    expect(row("delete-jamo")).toEqual({ step: "delete-jamo", copies: 3, distinct: 2 });
    // greeting "안녕하세요" is emptied: 2 copies, 1 distinct; then dropped once per question
    expect(row("delete-greetings")).toMatchObject({ copies: 2, distinct: 1 });
    expect(row("drop-empty")).toEqual({ step: "drop-empty", copies: 2, distinct: null });
    expect(row("merge-turns").distinct).toBeNull();
    expect(d.conversations).toBe(2);
    expect(d.copies.turnsBefore).toBe(8);
    expect(d.distinct.turnsBefore).toBe(5);
  });

  it("character balance: gross deletions, spaces merging adds back, net = before − after", () => {
    const { copies } = distinctStepCounts(corpus());
    const b = characterBalance(copies);
    expect(b.net).toBe(copies.charsBefore - copies.charsAfter);
    expect(b.deleted - b.addedByMerges).toBe(b.net);
    expect(b.byRule["delete-jamo"]).toBe(3 + 3 + 2); // ㅋㅋㅋ twice, ㅠㅠ once
  });

  it("mean turns per question before, after and the fall, also over pooled splits", () => {
    const { copies } = distinctStepCounts(corpus());
    const t = turnFall(copies);
    expect(t.before).toBeCloseTo(8 / 3);
    expect(t.fall).toBeCloseTo(t.before - t.after);
    const pooled = turnFall(addStats(copies, copies));
    expect(pooled.fall).toBeCloseTo(t.fall);
  });
});
