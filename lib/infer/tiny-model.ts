/**
 * A tiny causal language model written as an ONNX graph in code (no download, no training), in
 * the folder layout an export gives: `config.json`, `onnx/model.onnx` and, when asked, the
 * tokenizer files. transformers.js loads it with `AutoModelForCausalLM` offline.
 *
 * The graph: `logits[b, t] = (E[ids[b, t]] + Σ_{s ≤ t} mask[b, s] · E[ids[b, s]]) · W` — an
 * embedding lookup (Gather), zeroed where the attention mask is 0, summed causally (CumSum over
 * positions), plus the current token's own embedding, projected to the vocabulary (MatMul). The
 * last position's logits depend on the whole prompt and on the token there; left padding (mask 0)
 * leaves them unchanged, while right padding (a pad token last) or an ignored mask changes them —
 * so batched scoring equals one-by-one exactly when the last position and the mask are handled right.
 */
import { writeOutput } from "../util/outputs";
import { join } from "node:path";
import onnxProto, { type onnx as Onnx } from "onnx-proto";
import seedrandom from "seedrandom";

// onnx-proto is CommonJS (`module.exports = { onnx }`): take the namespace off the default export.
const { onnx } = onnxProto;

export interface TinyModelWeights {
  vocabSize: number;
  hidden: number;
  /** Embedding table, row-major [vocabSize, hidden]. */
  embedding: Float32Array;
  /** Output projection, row-major [hidden, vocabSize]. */
  projection: Float32Array;
  /** Optional hidden layers, each row-major [hidden, hidden], applied as tanh(state · L) before the projection. */
  layers?: Float32Array[];
}

export interface TinyModelShape {
  /** Hidden layers (compute per token that does not grow with the vocabulary); default 0. */
  layers?: number;
}

/** Seeded random weights in [-scale, scale). */
export function tinyModelWeights(vocabSize: number, hidden: number, seed = "cci-tiny-lm", scale = 1, shape: TinyModelShape = {}): TinyModelWeights {
  const rng = seedrandom(seed);
  const fill = (n: number, s = scale) => Float32Array.from({ length: n }, () => (rng() * 2 - 1) * s);
  const w: TinyModelWeights = { vocabSize, hidden, embedding: fill(vocabSize * hidden), projection: fill(hidden * vocabSize) };
  if (shape.layers) w.layers = Array.from({ length: shape.layers }, () => fill(hidden * hidden, 1 / Math.sqrt(hidden)));
  return w;
}

/**
 * The logits the graph computes at the last position of one unpadded prompt, in float64 —
 * the hand computation tests compare the ONNX run against.
 */
export function tinyModelLastLogits(w: TinyModelWeights, ids: readonly number[], tokens: readonly number[]): number[] {
  const h = new Float64Array(w.hidden);
  for (const id of [...ids, ids[ids.length - 1]]) for (let k = 0; k < w.hidden; k++) h[k] += w.embedding[id * w.hidden + k];
  for (const L of w.layers ?? []) {
    const next = new Float64Array(w.hidden);
    for (let j = 0; j < w.hidden; j++) {
      let s = 0;
      for (let k = 0; k < w.hidden; k++) s += h[k] * L[k * w.hidden + j];
      next[j] = Math.tanh(s);
    }
    h.set(next);
  }
  return tokens.map((v) => {
    let s = 0;
    for (let k = 0; k < w.hidden; k++) s += h[k] * w.projection[k * w.vocabSize + v];
    return s;
  });
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function floatTensor(name: string, dims: number[], data: Float32Array): Onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function int64Tensor(name: string, dims: number[], values: number[]): Onnx.ITensorProto {
  return { name, dims, dataType: INT64, int64Data: values };
}

function valueInfo(name: string, elemType: number, dims: (string | number)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
  };
}

/**
 * The serialized ONNX model (opset 13). With `lastOnly`, the graph also takes
 * `num_logits_to_keep` (as recent exports do): logits of the last k positions only (0 = all).
 */
export function tinyModelOnnx(w: TinyModelWeights, opts: { lastOnly?: boolean } = {}): Uint8Array {
  const nodes: Onnx.INodeProto[] = [
    { opType: "Gather", input: ["embedding", "input_ids"], output: ["emb"], attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
    { opType: "Cast", input: ["attention_mask"], output: ["mask_f"], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] },
    { opType: "Unsqueeze", input: ["mask_f", "axes_last"], output: ["mask3"] },
    { opType: "Mul", input: ["emb", "mask3"], output: ["masked"] },
    { opType: "CumSum", input: ["masked", "axis_seq"], output: ["context"] },
    { opType: "Add", input: ["context", "emb"], output: ["state0"] },
  ];
  const layers = w.layers ?? [];
  layers.forEach((_, i) => {
    nodes.push({ opType: "MatMul", input: [`state${i}`, `layer${i}`], output: [`pre${i}`] });
    nodes.push({ opType: "Tanh", input: [`pre${i}`], output: [`state${i + 1}`] });
  });
  let last = `state${layers.length}`;
  if (opts.lastOnly) {
    // keep positions [-k, end): Slice(state, starts = -k, ends = INT64_MAX, axes = 1); k = 0 keeps all
    nodes.push({ opType: "Neg", input: ["num_logits_to_keep"], output: ["neg_k"] });
    nodes.push({ opType: "Unsqueeze", input: ["neg_k", "axes_first"], output: ["starts"] });
    nodes.push({ opType: "Slice", input: [last, "starts", "ends_max", "axes_seq"], output: ["kept"] });
    last = "kept";
  }
  nodes.push({ opType: "MatMul", input: [last, "projection"], output: ["logits"] });
  const graph: Onnx.IGraphProto = {
    name: "cci-tiny-causal-lm",
    node: nodes,
    initializer: [
      floatTensor("embedding", [w.vocabSize, w.hidden], w.embedding),
      floatTensor("projection", [w.hidden, w.vocabSize], w.projection),
      int64Tensor("axes_last", [1], [2]),
      int64Tensor("axis_seq", [], [1]),
      ...layers.map((L, i) => floatTensor(`layer${i}`, [w.hidden, w.hidden], L)),
      ...(opts.lastOnly ? [int64Tensor("axes_first", [1], [0]), int64Tensor("ends_max", [1], [Number.MAX_SAFE_INTEGER]), int64Tensor("axes_seq", [1], [1])] : []),
    ],
    input: [
      valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]),
      valueInfo("attention_mask", INT64, ["batch_size", "sequence_length"]),
      ...(opts.lastOnly ? [valueInfo("num_logits_to_keep", INT64, [])] : []),
    ],
    output: [valueInfo("logits", FLOAT, ["batch_size", "sequence_length", w.vocabSize])],
  };
  const model = onnx.ModelProto.create({ irVersion: 7, producerName: "cci-workbench", opsetImport: [{ domain: "", version: 13 }], graph });
  return onnx.ModelProto.encode(model).finish();
}

/** A `config.json` transformers.js accepts for a decoder-only model without a KV cache. */
export function tinyModelConfig(w: TinyModelWeights): Record<string, unknown> {
  return {
    model_type: "llama",
    architectures: ["LlamaForCausalLM"],
    vocab_size: w.vocabSize,
    hidden_size: w.hidden,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    num_key_value_heads: 1,
    use_cache: false,
  };
}

/** Write `config.json` and `onnx/model.onnx` into `dir`; returns `dir`. */
export function writeTinyModel(dir: string, w: TinyModelWeights, opts: { lastOnly?: boolean } = {}): string {
  writeOutput(join(dir, "config.json"), `${JSON.stringify(tinyModelConfig(w), null, 2)}\n`);
  writeOutput(join(dir, "onnx", "model.onnx"), tinyModelOnnx(w, opts));
  return dir;
}
