/**
 * The scoring rule and its backends on a tiny causal LM built in code (ONNX) with a tiny
 * tokenizer over the sample corpus: hand-computed softmax, batched = one-by-one, the openai client
 * against a stand-in server with faults, resume, refusals.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANSWERS } from "../lib/corpus/schema";
import { loadMember } from "../lib/ensemble/predictions";
import type { Scorer } from "../lib/infer/backend";
import { answerIdList, scoreInputs, type ScoreInput } from "../lib/infer/inputs";
import { journalPath } from "../lib/infer/journal";
import { leftPad, onnxScorer, planBatches } from "../lib/infer/onnx";
import { answerLogprobs, completionBody, openaiScorer } from "../lib/infer/openai";
import { runScoring } from "../lib/infer/predict";
import { scoreThree, softmax3 } from "../lib/infer/rule";
import { argmax as argmaxFirst } from "../lib/ensemble/vote";
import { logSoftmaxAt, startStandIn, type Fault } from "../lib/infer/standin";
import { tinyModelLastLogits, tinyModelWeights, writeTinyModel } from "../lib/infer/tiny-model";
import { loadTokenizer, type LoadedTokenizer } from "../lib/tokenize/load";
import { UserError } from "../lib/util/errors";
import { editJson, tinyTokenizerDir } from "./fixtures/tokenizers";
import { tinyLm, type TinyLm } from "./fixtures/tiny-lm";

/** `--template legacy`: tinyTokenizerDir folders have no chat template of their own. */
const LEGACY = { template: "legacy" } as const;

describe("the rule (SPEC §7)", () => {
  const CASES: { scores: number[]; answer: string }[] = [
    { scores: [2, 1, 0], answer: "inference_1" },
    { scores: [0, 3, 1], answer: "inference_2" },
    { scores: [-5, -4, -1], answer: "inference_3" },
    { scores: [1, 1, 1], answer: "inference_1" }, // exact ties → A (np.argmax)
    { scores: [0, 2, 2], answer: "inference_2" }, // B and C tied → B
    { scores: [1000, 999, -1000], answer: "inference_1" }, // no overflow
  ];
  it.each(CASES)("$scores → $answer", ({ scores, answer }) => {
    const r = scoreThree(scores);
    const e = scores.map((s) => Math.exp(s - Math.max(...scores)));
    const z = e[0] + e[1] + e[2];
    expect(r.probs[0]).toBeCloseTo(e[0] / z, 15);
    expect(r.probs[1]).toBeCloseTo(e[1] / z, 15);
    expect(r.probs[2]).toBeCloseTo(e[2] / z, 15);
    expect(r.answer).toBe(answer);
  });

  it("log-probs of one distribution give the softmax of the logits", () => {
    const logits = [0.3, -1.2, 2.5, 4.0, -0.7, 1.1];
    const ids = [0, 1, 2];
    const viaLogits = softmax3(ids.map((i) => logits[i]));
    const viaLogprobs = softmax3(logSoftmaxAt(logits, ids));
    viaLogits.forEach((p, k) => expect(viaLogprobs[k]).toBeCloseTo(p, 14));
  });

  it("argmax keeps the first of equal values", () => {
    expect(argmaxFirst([0.2, 0.4, 0.4])).toBe(1);
  });
});

describe("batching", () => {
  it("groups by length within the batch size and the logits cap", () => {
    expect(planBatches([5, 1, 3, 2, 4], 10, { batchSize: 2, maxLogits: 1e9, lastOnly: false })).toEqual([[1, 3], [2, 4], [0]]);
    // 2 rows × 4 positions × 10 > 70: the cap splits where the size would not
    expect(planBatches([4, 4, 4], 10, { batchSize: 8, maxLogits: 70, lastOnly: false })).toEqual([[0], [1], [2]]);
    expect(planBatches([4, 4, 4], 10, { batchSize: 8, maxLogits: 70, lastOnly: true })).toEqual([[0, 1, 2]]);
  });

  it("left-pads: every row ends at the last position, the mask covers the real tokens", () => {
    const { ids, mask, width } = leftPad([[7, 8, 9], [5]], 0);
    expect(width).toBe(3);
    expect(Array.from(ids, Number)).toEqual([7, 8, 9, 0, 0, 5]);
    expect(Array.from(mask, Number)).toEqual([1, 1, 1, 0, 0, 1]);
  });
});

describe("answer tokens", () => {
  it("refuses a tokenizer without B, naming it", async () => {
    const dir = tinyTokenizerDir();
    try {
      editJson(dir, "tokenizer.json", (j) => {
        delete j.model.vocab.B;
      });
      const tok = await loadTokenizer(dir, LEGACY);
      expect(() => answerIdList(tok)).toThrow(UserError);
      expect(() => answerIdList(tok)).toThrow(/no token "B"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts the real Llama-3 tokenizer: A/B/C = 32/33/34", async () => {
    const tok = await loadTokenizer(resolve(__dirname, "..", "node_modules", "@lenml", "tokenizer-llama3", "models"));
    expect(answerIdList(tok)).toEqual([32, 33, 34]);
  });
});

describe("backends on a tiny causal LM", () => {
  let lm: TinyLm;
  let tok: LoadedTokenizer;
  let inputs: ScoreInput[];
  let ids: [number, number, number];
  const collect = async (scorer: Scorer, xs: readonly ScoreInput[] = inputs) => {
    const got = new Map<string, [number, number, number]>();
    const counts = new Map<string, number>();
    await scorer.score(xs, (id, s) => {
      got.set(id, s);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    });
    await scorer.close?.();
    return { got, counts };
  };
  /** Hand computation: the graph's last-position logits in float64, then e^x / Σ e^x. */
  const handProbs = (x: ScoreInput) => {
    const l = tinyModelLastLogits(lm.weights, x.inputIds, ids);
    const e = l.map(Math.exp);
    return e.map((v) => v / (e[0] + e[1] + e[2]));
  };

  beforeAll(async () => {
    lm = tinyLm();
    tok = await loadTokenizer(lm.tokDir);
    ids = answerIdList(tok);
    inputs = scoreInputs(tok, [...lm.dev, ...lm.test], { variant: "CustomRefDataset", mode: "faithful", data: "raw" });
  }, 60_000);
  afterAll(() => lm?.cleanup());

  it("prompts are the chat template's ids, of varied length", () => {
    const lengths = new Set(inputs.map((x) => x.inputIds.length));
    expect(lengths.size).toBeGreaterThan(5);
  });

  it("onnx one-by-one matches a hand-computed three-way softmax", async () => {
    const { got } = await collect(await onnxScorer(lm.modelDir, ids, { batchSize: 1 }));
    const answers = new Set<string>();
    for (const x of inputs) {
      const r = scoreThree(got.get(x.id)!);
      handProbs(x).forEach((p, k) => expect(r.probs[k]).toBeCloseTo(p, 5));
      expect(r.answer).toBe(ANSWERS[argmaxFirst(handProbs(x))]);
      answers.add(r.answer);
    }
    expect(answers.size).toBeGreaterThan(1); // the model's answers depend on the prompt
  });

  it("batched (left padding) equals one-by-one", async () => {
    const one = (await collect(await onnxScorer(lm.modelDir, ids, { batchSize: 1 }))).got;
    const batched = (await collect(await onnxScorer(lm.modelDir, ids, { batchSize: 6 }))).got;
    for (const x of inputs) {
      const [a, b] = [scoreThree(one.get(x.id)!), scoreThree(batched.get(x.id)!)];
      expect(b.answer).toBe(a.answer);
      a.probs.forEach((p, k) => expect(b.probs[k]).toBeCloseTo(p, 5));
    }
  });

  it("a model returning the last position only (num_logits_to_keep), with hidden layers, matches the hand computation batched", async () => {
    const w = tinyModelWeights(lm.weights.vocabSize, 8, "layers", 0.1, { layers: 2 });
    const dir = writeTinyModel(join(lm.root, "last-only"), w, { lastOnly: true });
    const scorer = await onnxScorer(dir, ids, { batchSize: 5 });
    expect(scorer.describe).toMatch(/last position only/);
    const { got } = await collect(scorer);
    for (const x of inputs) {
      const l = tinyModelLastLogits(w, x.inputIds, ids);
      scoreThree(l).probs.forEach((p, k) => expect(scoreThree(got.get(x.id)!).probs[k]).toBeCloseTo(p, 5));
    }
  });

  const vocabIds = () => Array.from({ length: lm.weights.vocabSize }, (_, i) => i);
  const serverLogprobs = (prompt: number[], tokenIds: number[]) => logSoftmaxAt(tinyModelLastLogits(lm.weights, prompt, vocabIds()), tokenIds);

  it("openai: the same probabilities through 503s, 429s, a dropped connection and a slow answer; each example once", async () => {
    const faults: Record<number, Fault> = { 2: "503", 3: "drop", 5: "slow", 7: "429", 9: "503", 10: "503" };
    const server = await startStandIn({ logprobs: serverLogprobs, fault: (n) => faults[n], slowMs: 2000, idleMs: 20_000 });
    const retries: string[] = [];
    try {
      const scorer = openaiScorer({ url: server.url, model: "tiny", answerIds: ids, concurrency: 4, timeoutMs: 400, backoffMs: 5, onRetry: (id, _a, why) => retries.push(`${id}: ${why}`) });
      const { got, counts } = await collect(scorer);
      expect(got.size).toBe(inputs.length);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      for (const x of inputs) {
        const r = scoreThree(got.get(x.id)!);
        handProbs(x).forEach((p, k) => expect(r.probs[k]).toBeCloseTo(p, 9));
      }
      expect(server.stats.faults).toEqual({ "503": 3, drop: 1, slow: 1, "429": 1 });
      expect(retries).toHaveLength(6);
      expect(retries.join("\n")).toMatch(/HTTP 503/);
      expect(retries.join("\n")).toMatch(/no answer within 400 ms/);
      expect(retries.join("\n")).toMatch(/connection/);
    } finally {
      await server.close();
    }
  }, 30_000);

  it("openai via allowed_token_ids (processed log-probs) gives the same probabilities", async () => {
    const server = await startStandIn({ logprobs: serverLogprobs, idleMs: 20_000 });
    try {
      const { got } = await collect(openaiScorer({ url: server.url, model: "tiny", answerIds: ids, via: "allowed_token_ids" }));
      for (const x of inputs) handProbs(x).forEach((p, k) => expect(scoreThree(got.get(x.id)!).probs[k]).toBeCloseTo(p, 9));
    } finally {
      await server.close();
    }
  });

  it("openai refuses an answer that lacks one of the three tokens, naming it", async () => {
    const server = await startStandIn({ logprobs: serverLogprobs, fault: () => "omit-B", idleMs: 20_000 });
    try {
      await expect(collect(openaiScorer({ url: server.url, model: "tiny", answerIds: ids, concurrency: 1 }), inputs.slice(0, 1))).rejects.toThrow(
        new RegExp(`lacks the log-prob of B \\(token ${ids[1]}\\)`),
      );
    } finally {
      await server.close();
    }
  });

  it("a killed run resumes from its journal without rescoring", async () => {
    const server = await startStandIn({ logprobs: serverLogprobs, idleMs: 20_000 });
    const out = join(lm.root, "resume", "tiny.json");
    const raw = [...lm.dev, ...lm.test];
    const job = { name: "tiny", raw, inputs, out, fingerprint: { model: "tiny", url: server.url } };
    try {
      // First run: "killed" (an error thrown from the scorer) after 7 examples.
      const inner = openaiScorer({ url: server.url, model: "tiny", answerIds: ids, concurrency: 1 });
      let n = 0;
      const dying: Scorer = {
        describe: "dying",
        score: (xs, on) =>
          inner.score(xs, (id, s) => {
            if (n++ === 7) throw new Error("killed");
            on(id, s);
          }),
      };
      await expect(runScoring(job, dying)).rejects.toThrow(/killed/);
      expect(existsSync(out)).toBe(false);
      expect(readFileSync(journalPath(out), "utf8").trim().split("\n")).toHaveLength(1 + 7);
      const before = server.stats.answered;
      const r = await runScoring(job, openaiScorer({ url: server.url, model: "tiny", answerIds: ids, concurrency: 3 }));
      expect(r.resumed).toBe(7);
      expect(r.scored).toBe(inputs.length - 7);
      expect(server.stats.answered - before).toBe(inputs.length - 7);
      expect(existsSync(journalPath(out))).toBe(false);
      const m = loadMember(out);
      expect(m.examples.map((e) => e.id)).toEqual(raw.map((e) => e.id));
      expect(m.probs).toHaveLength(raw.length);
      // A journal of another run is refused, not mixed in.
      n = 0;
      await expect(runScoring({ ...job, out: join(lm.root, "resume", "other.json") }, dying)).rejects.toThrow(/killed/);
      await expect(runScoring({ ...job, out: join(lm.root, "resume", "other.json"), fingerprint: { model: "else" } }, inner)).rejects.toThrow(/journal of a different run \(model, url differ\)/);
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe("openai request and answer shapes", () => {
  it("sends token ids, max_tokens 1 and the answer ids", () => {
    expect(completionBody("m", [1, 2], [32, 33, 34], "logprob_token_ids")).toMatchObject({ model: "m", prompt: [1, 2], max_tokens: 1, logprob_token_ids: [32, 33, 34], return_tokens_as_token_ids: true });
    expect(completionBody("m", [1], [32, 33, 34], "allowed_token_ids")).toMatchObject({ allowed_token_ids: [32, 33, 34], logprobs: 3 });
  });
  it("reads token_id:N keys or plain letters", () => {
    const wrap = (top: Record<string, number>) => ({ choices: [{ logprobs: { top_logprobs: [top] } }] });
    expect(answerLogprobs(wrap({ "token_id:32": -1, "token_id:33": -2, "token_id:34": -3 }), [32, 33, 34])).toEqual([-1, -2, -3]);
    expect(answerLogprobs(wrap({ A: -1, B: -2, C: -3 }), [32, 33, 34])).toEqual([-1, -2, -3]);
    expect(answerLogprobs(wrap({ A: -1 }), [32, 33, 34])).toBe("the answer lacks the log-prob of B (token 33), C (token 34)");
    expect(answerLogprobs({}, [32, 33, 34])).toMatch(/no choices/);
  });
});
