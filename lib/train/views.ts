/**
 * Notebook views of training data: one example's tokens with its label mask, as HTML.
 * Masked positions (label -100: the prompt) are grey; trained positions (the target) are bold
 * on light blue; eos tokens, which the original's collator also hides from attention, are boxed
 * in vermillion (colour-blind safe).
 */
import { escapeHtml } from "../charts/html";
import type { LoadedTokenizer } from "../tokenize/load";
import { IGNORE_INDEX, type SftRow } from "../tokenize/sft";

export interface MaskSummary {
  tokens: number;
  masked: number;
  trained: number;
  /** Positions whose id is the eos (= pad) id: attention-masked in training (SPEC §6a). */
  eosPositions: number[];
}

export function maskSummary(row: SftRow, eosId: number): MaskSummary {
  const masked = row.labels.filter((l) => l === IGNORE_INDEX).length;
  return {
    tokens: row.input_ids.length,
    masked,
    trained: row.input_ids.length - masked,
    eosPositions: row.input_ids.flatMap((id, i) => (id === eosId ? [i] : [])),
  };
}

/** Colours of the mask view (colour-blind safe: no red against green). */
const MASK_STYLE = { trained: "background:#cde4f7;font-weight:bold", masked: "color:#888", eos: "outline:2px solid #D55E00" } as const;

/**
 * The row's positions in runs that decode to whole characters: a Hangul syllable's UTF-8 bytes
 * can be split across byte-level tokens, and decoding such a token alone shows "\ufffd". A run
 * grows while its text ends in a partial character and the next token has the same label class.
 */
export function characterRuns(tok: LoadedTokenizer, row: SftRow, from: number, eosId: number): { start: number; ids: number[]; text: string }[] {
  const decode = (ids: number[]) => tok.tokenizer.decode(ids, { skip_special_tokens: false });
  const cls = (i: number) => (row.input_ids[i] === eosId ? "eos" : row.labels[i] === IGNORE_INDEX ? "masked" : "trained");
  const runs: { start: number; ids: number[]; text: string }[] = [];
  for (let i = from; i < row.input_ids.length; ) {
    const ids = [row.input_ids[i]];
    let text = decode(ids);
    let j = i + 1;
    // At most 4 tokens: a UTF-8 character has at most 4 bytes.
    while (text.endsWith("\ufffd") && j < row.input_ids.length && ids.length < 4 && cls(j) === cls(i)) {
      const longer = decode([...ids, row.input_ids[j]]);
      ids.push(row.input_ids[j]);
      text = longer;
      j++;
    }
    // A run that never completed its character is shown token by token, as decoded.
    if (text.endsWith("\ufffd") && ids.length > 1) {
      runs.push({ start: i, ids: [ids[0]], text: decode([ids[0]]) });
      i += 1;
      continue;
    }
    runs.push({ start: i, ids, text });
    i = j;
  }
  return runs;
}

/** Each token decoded (tokens that split a character decoded together), coloured by its label. */
export function labelMaskHtml(tok: LoadedTokenizer, row: SftRow, opts: { skipPromptTokens?: number } = {}): string {
  const eosId = tok.tokenizer.convert_tokens_to_ids(tok.eosToken) as number;
  const from = Math.min(opts.skipPromptTokens ?? 0, row.input_ids.length);
  const spans = characterRuns(tok, row, from, eosId).map(({ start: i, ids, text: raw }) => {
    const text = escapeHtml(raw).replace(/\n/g, "↵<br>");
    const trained = row.labels[i] !== IGNORE_INDEX;
    const style = ["padding:0 1px", "margin:0 1px", trained ? MASK_STYLE.trained : MASK_STYLE.masked, ids[0] === eosId ? MASK_STYLE.eos : "border-right:1px dotted #ccc"].join(";");
    const title = ids.length === 1 ? `${i}: id ${ids[0]}, label ${row.labels[i]}` : `${i}–${i + ids.length - 1}: ids ${ids.join(" ")} (one character), label ${row.labels[i]}`;
    return `<span title="${title}" style="${style}">${text}</span>`;
  });
  const skipped = from ? `<span style="color:#888">… ${from} prompt tokens not shown …</span> ` : "";
  return `<div style="font-family:NanumGothic, monospace;line-height:1.9;font-size:13px">${skipped}${spans.join("")}</div>`;
}
