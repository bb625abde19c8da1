/**
 * The onnx backend: an exported causal LM folder (`config.json`, `onnx/model.onnx`, as optimum
 * or transformers.js export it; merge a LoRA adapter into its base before exporting) run by
 * @huggingface/transformers on onnxruntime-node, offline.
 *
 * Prompts are batched by length (sorted, so a batch pads little) with **left** padding: every
 * row's real last token then sits at the last position, the attention mask hides the padding,
 * and transformers.js derives position ids from the mask — so a row's logits there are those of
 * the unpadded prompt. A batch is also capped by the logits it materialises (rows × length ×
 * vocabulary floats) unless the model can return the last position only (`num_logits_to_keep`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../util/errors";
import type { OnScored, Scorer } from "./backend";
import type { ScoreInput } from "./inputs";

export interface OnnxOptions {
  /** Most prompts per forward pass (1 = one at a time, as the original). */
  batchSize?: number;
  /** Cap on the logits tensor of one pass, in floats (default 2^28 = 1 GiB). */
  maxLogits?: number;
  /** onnxruntime device: "cpu" (default) or "cuda" where the user installed the CUDA provider. */
  device?: string;
  /** Weight type of the export to load (default "fp32": onnx/model.onnx). */
  dtype?: string;
  /** Token id used to pad (hidden by the mask, so any valid id). */
  padId?: number;
}

export const DEFAULT_BATCH_SIZE = 8;
export const DEFAULT_MAX_LOGITS = 2 ** 28;

/** Split indices (already sorted by length) into batches within the size and logits caps. */
export function planBatches(lengths: readonly number[], vocab: number, opts: { batchSize: number; maxLogits: number; lastOnly: boolean }): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    const rows = cur.length + 1;
    const longest = lengths[i]; // sorted ascending: the newcomer is the longest
    const floats = rows * (opts.lastOnly ? 1 : longest) * vocab;
    if (cur.length > 0 && (rows > opts.batchSize || floats > opts.maxLogits)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** Left-pad rows of ids into flat int64 input_ids and attention_mask of shape [rows, longest]. */
export function leftPad(rows: readonly (readonly number[])[], padId: number): { ids: BigInt64Array; mask: BigInt64Array; width: number } {
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((r, b) => {
    const off = b * width + (width - r.length);
    r.forEach((id, t) => {
      ids[off + t] = BigInt(id);
      mask[off + t] = 1n;
    });
  });
  return { ids, mask, width };
}

interface LoadedModel {
  // transformers.js's PreTrainedModel, called as a function for one forward pass.
  (inputs: Record<string, unknown>): Promise<{ logits: { dims: number[]; data: Float32Array } }>;
  sessions: Record<string, { inputNames: string[] }>;
  config: { vocab_size?: number };
  dispose(): Promise<unknown>;
}

export async function onnxScorer(modelDir: string, answerIds: readonly number[], opts: OnnxOptions = {}): Promise<Scorer> {
  if (!existsSync(join(modelDir, "config.json"))) throw new UserError(`${modelDir}: no config.json (--model-dir needs an exported model folder: config.json + onnx/model.onnx)`);
  if (!existsSync(join(modelDir, "onnx"))) throw new UserError(`${modelDir}: no onnx/ folder (export the merged model to ONNX first, e.g. optimum-cli export onnx)`);
  // transformers.js takes seconds to import: only when this backend is used.
  const { AutoModelForCausalLM, Tensor, env } = await import("@huggingface/transformers");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  let model: LoadedModel;
  try {
    model = (await AutoModelForCausalLM.from_pretrained(modelDir, { local_files_only: true, dtype: (opts.dtype ?? "fp32") as "fp32", device: (opts.device ?? "cpu") as "cpu" })) as unknown as LoadedModel;
  } catch (err) {
    throw new UserError(`${modelDir}: cannot load the ONNX model (${(err as Error).message.split("\n")[0]})`);
  }
  const session = model.sessions.model ?? Object.values(model.sessions)[0];
  const lastOnly = session.inputNames.includes("num_logits_to_keep");
  const vocab = model.config.vocab_size ?? 0;
  const bad = answerIds.find((id) => !Number.isInteger(id) || id < 0 || (vocab > 0 && id >= vocab));
  if (bad !== undefined) throw new UserError(`${modelDir}: answer token id ${bad} is outside the model's vocabulary (${vocab}): tokenizer and model do not match`);
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxLogits = opts.maxLogits ?? DEFAULT_MAX_LOGITS;
  const padId = opts.padId ?? 0;

  return {
    describe: `onnx ${modelDir} (${opts.device ?? "cpu"}, batch ≤ ${batchSize}${lastOnly ? ", last position only" : ""})`,
    async score(inputs: readonly ScoreInput[], onScored: OnScored) {
      // An id past the embedding table reads out of bounds in onnxruntime (garbage or a crash), so refuse it by example first.
      if (vocab > 0) {
        for (const x of inputs) {
          const id = x.inputIds.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
          if (id !== undefined) throw new UserError(`${modelDir}: example ${x.id}: prompt token id ${id} is outside the model's vocabulary (${vocab}): tokenizer and model do not match`);
        }
      }
      const batches = planBatches(
        inputs.map((x) => x.inputIds.length),
        Math.max(vocab, 1),
        { batchSize, maxLogits, lastOnly },
      );
      for (const batch of batches) {
        const rows = batch.map((i) => inputs[i].inputIds);
        const { ids, mask, width } = leftPad(rows, padId);
        const feeds: Record<string, unknown> = {
          input_ids: new Tensor("int64", ids, [rows.length, width]),
          attention_mask: new Tensor("int64", mask, [rows.length, width]),
        };
        if (lastOnly) feeds.num_logits_to_keep = new Tensor("int64", BigInt64Array.from([1n]), []);
        const { logits } = await model(feeds);
        const [, positions, v] = logits.dims;
        batch.forEach((i, b) => {
          // Left padding: every row's last real token is at the last position.
          const base = (b * positions + positions - 1) * v;
          onScored(inputs[i].id, answerIds.map((id) => logits.data[base + id]) as [number, number, number]);
        });
      }
    },
    async close() {
      await model.dispose();
    },
  };
}
