import { describe, expect, it } from "vitest";
import { refineCorpus, refineExample } from "../lib/refine/refine";
import { example } from "./helpers/corpus";

const conv = (ex: ReturnType<typeof refineExample>) => ex.input.conversation.map((u) => [u.speaker, u.utterance, u.utterance_id]);

describe("drop-empty and merge-turns", () => {
  it("merges consecutive same-speaker utterances into a list of ids", () => {
    const ex = example([[1, "밥 먹었어?"], [1, "나는 아직"], [1, "배고파"], [2, "나도"]], [3]);
    const id = (i: number) => ex.input.conversation[i].utterance_id;
    expect(conv(refineExample(ex))).toEqual([
      [1, "밥 먹었어? 나는 아직 배고파", [id(0), id(1), id(2)]],
      [2, "나도", id(3)],
    ]);
  });

  it("never merges a reference utterance, nor the one after it", () => {
    const ex = example([[1, "하나"], [1, "둘"], [1, "셋"], [1, "넷"]], [1]);
    const id = (i: number) => ex.input.conversation[i].utterance_id;
    expect(conv(refineExample(ex))).toEqual([
      [1, "하나", id(0)],
      [1, "둘", id(1)],
      [1, "셋 넷", [id(2), id(3)]],
    ]);
  });

  it("drops emptied utterances before merging, so runs join across them", () => {
    const ex = example([[1, "좋아"], [2, "ㅋㅋㅋ"], [1, "그럼 가자"], [2, "응"]], [3]);
    const id = (i: number) => ex.input.conversation[i].utterance_id;
    expect(conv(refineExample(ex))).toEqual([
      [1, "좋아 그럼 가자", [id(0), id(2)]],
      [2, "응", id(3)],
    ]);
  });

  it("can delete a reference utterance (a bare greeting) and counts it", () => {
    const ex = example([[1, "안녕하세요!!"], [2, "네 반가워요"], [2, "오늘 날씨 좋네요"]], [0]);
    const { examples, stats } = refineCorpus([ex]);
    expect(conv(examples[0])).toEqual([[2, "네 반가워요 오늘 날씨 좋네요", [ex.input.conversation[1].utterance_id, ex.input.conversation[2].utterance_id]]]);
    expect(stats).toMatchObject({ utterancesDropped: 1, referencesDropped: 1, examplesWithoutReference: 1, turnsMerged: 1, turnsBefore: 3, turnsAfter: 1 });
  });

  it("reads numeric utterances as text and writes them as strings", () => {
    const ex = example([[1, "몇 살이야?"], [2, 40]], [1]);
    expect(refineExample(ex).input.conversation[1].utterance).toBe("40");
  });

  it("keeps the example's keys and other fields as read", () => {
    const ex = example([[1, "가"], [2, "나"]], [0]);
    const out = refineExample(ex);
    expect(Object.keys(out)).toEqual(["id", "input", "output"]);
    expect(Object.keys(out.input)).toEqual(Object.keys(ex.input));
    expect(Object.keys(out.input.conversation[0])).toEqual(["speaker", "utterance", "utterance_id"]);
    expect(out.input.inference_2).toBe(ex.input.inference_2);
  });

  it("records per-rule effects", () => {
    const { stats } = refineCorpus([example([[1, "ㅋㅋ 좋아~"], [2, "name1 최고"]], [0])]);
    const byRule = Object.fromEntries(stats.rules.map((r) => [r.rule, r]));
    expect(byRule["delete-symbols"]).toEqual({ rule: "delete-symbols", utterancesTouched: 1, charsRemoved: 1 });
    expect(byRule["name-to-speaker"]).toEqual({ rule: "name-to-speaker", utterancesTouched: 1, charsRemoved: 2 });
    expect(byRule["delete-jamo"].charsRemoved).toBe(2);
    expect(byRule["strip"].utterancesTouched).toBe(1);
  });
});
