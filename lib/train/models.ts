/**
 * Architecture facts of the four base models the recipes fine-tune (SPEC §6), as constants.
 * They come from the models' public Hugging Face config.json files and model cards; where we
 * could not read a config, the entry says what is assumed. Only the compute plan uses them.
 */

export interface ModelShape {
  model_id: string;
  /** Llama-architecture shape (all four are LlamaForCausalLM). */
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  vocab_size: number;
  /** Input embedding and lm_head are separate matrices (tie_word_embeddings false). */
  tie_word_embeddings: boolean;
  /** Characters per token for the token estimate without a tokenizer (see CHARS_PER_TOKEN_SOURCE). */
  chars_per_token: number;
  /** Where the numbers come from, and what is assumed. */
  source: string;
}

/** SOLAR-10.7B's depth-up-scaled Llama shape (upstage/SOLAR-10.7B-v1.0 config.json). */
const SOLAR_SHAPE = { hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 48, num_attention_heads: 32, num_key_value_heads: 8, tie_word_embeddings: false } as const;

/**
 * The model card of beomi/Solar-Ko-Recovery-11B tokenizes "안녕하세요, 오늘은 날씨가 좋네요."
 * (19 characters) as 26 tokens with SOLAR-10.7B's 32,000-token vocabulary and 7 tokens with its
 * expanded 64,000-token one. Those two ratios are the only token estimate we use without a tokenizer.
 */
export const CHARS_PER_TOKEN_SOURCE = 'Solar-Ko-Recovery-11B model card: "안녕하세요, 오늘은 날씨가 좋네요." = 19 chars → 26 tokens (SOLAR 32k vocab), 7 tokens (Solar-Ko 64k vocab)';
const SOLAR_32K_CPT = 19 / 26;
const SOLAR_KO_64K_CPT = 19 / 7;

export const MODEL_SHAPES: Record<string, ModelShape> = {
  "beomi/Solar-Ko-Recovery-11B": {
    model_id: "beomi/Solar-Ko-Recovery-11B",
    ...SOLAR_SHAPE,
    vocab_size: 64000,
    chars_per_token: SOLAR_KO_64K_CPT,
    source: "model card: SOLAR-10.7B-based (Llama), vocabulary expanded to 64,000, 10.99B parameters; layer shape assumed to be SOLAR-10.7B's (it reproduces the stated 10.99B)",
  },
  "chihoonlee10/T3Q-ko-solar-dpo-v7.0": {
    model_id: "chihoonlee10/T3Q-ko-solar-dpo-v7.0",
    ...SOLAR_SHAPE,
    vocab_size: 32000,
    chars_per_token: SOLAR_32K_CPT,
    source: "assumed: a DPO fine-tune in the T3Q-ko-solar line (earlier versions: of davidkim205/nox-solar-10.7b-v4, 10.7B parameters), so SOLAR-10.7B's shape and 32,000-token vocabulary; its config was not read",
  },
  "x2bee/POLAR-14B-v0.2": {
    model_id: "x2bee/POLAR-14B-v0.2",
    ...SOLAR_SHAPE,
    num_hidden_layers: 64,
    vocab_size: 32000,
    chars_per_token: SOLAR_32K_CPT,
    source: "config.json: LlamaForCausalLM, 64 layers, hidden 4096, intermediate 14336, 32 heads / 8 KV heads, vocab 32000 (Open Ko-LLM leaderboard: 14.22B parameters)",
  },
  "x2bee/POLAR-14B-v0.5": {
    model_id: "x2bee/POLAR-14B-v0.5",
    ...SOLAR_SHAPE,
    num_hidden_layers: 64,
    vocab_size: 32000,
    chars_per_token: SOLAR_32K_CPT,
    source: "a fine-tune's config.json derived from it: same shape as v0.2 (64 layers, vocab 32000); Open Ko-LLM leaderboard: 14.22B parameters",
  },
};

export function modelShape(modelId: string): ModelShape {
  const s = MODEL_SHAPES[modelId];
  if (!s) throw new RangeError(`no architecture facts for ${modelId}`);
  return s;
}

/** One linear layer a LoRA can target: its input and output widths. */
export interface LinearShape {
  name: string;
  in: number;
  out: number;
  /** How many of it the model has. */
  count: number;
}

export function linearShapes(m: ModelShape): LinearShape[] {
  const head = m.hidden_size / m.num_attention_heads;
  const kv = head * m.num_key_value_heads;
  const L = m.num_hidden_layers;
  return [
    { name: "q_proj", in: m.hidden_size, out: m.hidden_size, count: L },
    { name: "k_proj", in: m.hidden_size, out: kv, count: L },
    { name: "v_proj", in: m.hidden_size, out: kv, count: L },
    { name: "o_proj", in: m.hidden_size, out: m.hidden_size, count: L },
    { name: "gate_proj", in: m.hidden_size, out: m.intermediate_size, count: L },
    { name: "up_proj", in: m.hidden_size, out: m.intermediate_size, count: L },
    { name: "down_proj", in: m.intermediate_size, out: m.hidden_size, count: L },
    { name: "lm_head", in: m.hidden_size, out: m.vocab_size, count: 1 },
  ];
}

export interface ParameterCounts {
  /** Every parameter. */
  total: number;
  /** The decoder layers' linear weights (what bitsandbytes quantizes in 4-bit). */
  blockLinear: number;
  /** Embedding, lm_head and norms (kept in bf16 under 4-bit loading). */
  unquantized: number;
}

export function parameterCounts(m: ModelShape): ParameterCounts {
  const shapes = linearShapes(m);
  const blockLinear = shapes.filter((s) => s.name !== "lm_head").reduce((a, s) => a + s.in * s.out * s.count, 0);
  const embed = m.vocab_size * m.hidden_size;
  const lmHead = m.tie_word_embeddings ? 0 : m.vocab_size * m.hidden_size;
  const norms = m.hidden_size * (2 * m.num_hidden_layers + 1);
  return { total: blockLinear + embed + lmHead + norms, blockLinear, unquantized: embed + lmHead + norms };
}

/** LoRA parameters: r·(in + out) for every targeted linear layer. */
export function loraParameterCount(m: ModelShape, r: number, targets: readonly string[]): number {
  return linearShapes(m)
    .filter((s) => targets.includes(s.name))
    .reduce((a, s) => a + r * (s.in + s.out) * s.count, 0);
}
