import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCorpus } from "../lib/corpus/load";
import { refineCorpus } from "../lib/refine/refine";
import { ANSWERS, CATEGORIES } from "../lib/corpus/schema";

const dir = resolve(__dirname, "..", "resource", "sample");
const split = (s: string) => loadCorpus(join(dir, `${s}.json`));

describe("the bundled sample corpus", () => {
  const train = split("train");
  const dev = split("dev");
  const test = split("test");
  const all = [...train, ...dev, ...test];

  it("has at least 40 conversations in the real schema, answers in train and dev only", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect([...train, ...dev].every((e) => (ANSWERS as readonly string[]).includes(e.output))).toBe(true);
    expect(test.every((e) => e.output === "")).toBe(true);
    expect(split("train+dev").map((e) => e.id)).toEqual([...train, ...dev].map((e) => e.id));
  });

  it("covers every category in every split", () => {
    for (const s of [train, dev, test]) expect(new Set(s.map((e) => e.input.category))).toEqual(new Set(CATEGORIES.map((c) => c.category)));
  });

  it("exercises every refinement rule, a reference that refinement empties, numeric utterances and several references", () => {
    const { stats } = refineCorpus(all);
    for (const r of stats.rules) expect(r.utterancesTouched, r.rule).toBeGreaterThan(0);
    expect(stats.referencesDropped).toBeGreaterThan(0);
    expect(stats.turnsMerged).toBeGreaterThan(0);
    expect(all.some((e) => e.input.conversation.some((u) => typeof u.utterance === "number"))).toBe(true);
    expect(all.some((e) => e.input.reference_id.length > 1)).toBe(true);
  });

  it("holds no text of the competition corpus (its ids start with MDRW)", () => {
    expect(JSON.stringify(all)).not.toMatch(/MDRW/);
  });
});
