import { describe, expect, it } from "vitest";
import { parseCorpus } from "../lib/corpus/load";
import { UserError } from "../lib/util/errors";
import { example } from "./helpers/corpus";

const good = () => example([[1, "가나"], [2, 40]], [1]);
const text = (xs: unknown) => JSON.stringify(xs);
const mutate = (f: (ex: any) => void) => {
  const ex = good();
  f(ex);
  return text([ex]);
};

// Each bad input gives one line naming the file, the example and the field.
const BAD: [name: string, input: string, message: RegExp][] = [
  ["not JSON", "[{", /^f\.json: not valid JSON/],
  ["not an array", '{"a": 1}', /^f\.json: expected a JSON array of examples, got an object$/],
  ["example not an object", "[1]", /^f\.json: example #1: \(example\): expected an object, got a number$/],
  ["missing id", mutate((e) => delete e.id), /^f\.json: example #1: id: expected a non-empty string, got nothing \(missing\)$/],
  ["missing input", mutate((e) => delete e.input), /example test-\d+: input: expected an object/],
  ["conversation not a list", mutate((e) => (e.input.conversation = {})), /input\.conversation: expected a non-empty array/],
  ["bad speaker", mutate((e) => (e.input.conversation[0].speaker = "1")), /input\.conversation\[0\]\.speaker: expected 1 or 2, got "1"$/],
  ["utterance null", mutate((e) => (e.input.conversation[1].utterance = null)), /input\.conversation\[1\]\.utterance: expected a string \(or number\), got null$/],
  ["utterance_id missing", mutate((e) => delete e.input.conversation[0].utterance_id), /input\.conversation\[0\]\.utterance_id: expected a non-empty string or list of strings/],
  ["reference_id not a list", mutate((e) => (e.input.reference_id = "x")), /input\.reference_id: expected a non-empty array of strings, got "x"$/],
  ["unknown category", mutate((e) => (e.input.category = "결과")), /input\.category: unknown category "결과"/],
  ["inference missing", mutate((e) => delete e.input.inference_3), /input\.inference_3: expected a string, got nothing/],
  ["bad output", mutate((e) => (e.output = "inference_4")), /output: expected "inference_1", "inference_2", "inference_3" or "", got "inference_4"$/],
  ["duplicate ids", text([{ ...good(), id: "dup" }, { ...good(), id: "dup" }]), /^f\.json: example dup: id: duplicate id/],
];

describe("parseCorpus", () => {
  it.each(BAD)("rejects %s", (_n, input, message) => {
    let err: unknown;
    try {
      parseCorpus(input, "f.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain("\n");
  });

  it("accepts what the real files hold: numeric utterances, several references, empty test output", () => {
    const ex = example([[1, "가"], [2, 40], [1, "나"]], [1, 2], {}, "");
    expect(parseCorpus(text([ex]), "f.json")).toEqual([ex]);
  });

  it("accepts an empty conversation (the original's refinement writes one for an example it empties)", () => {
    const ex = good();
    ex.input.conversation = [];
    expect(parseCorpus(text([ex]), "f.json")).toEqual([ex]);
  });

  it("accepts refined files (merged utterance ids) and a UTF-8 BOM", () => {
    const ex = example([{ speaker: 1, utterance: "가 나", utterance_id: ["a.1", "a.2"] }, [2, "다"]], [1]);
    expect(parseCorpus(`\ufeff${text([ex])}`, "f.json")).toHaveLength(1);
  });
});
