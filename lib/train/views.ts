/**
 * Notebook views of training data: one example's tokens with its label mask, as HTML.
 * Masked positions (label -100: the prompt) are grey; trained positions (the target) are bold
 * on green; eos tokens, which the original's collator also hides from attention, are boxed red.
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

/** Each token decoded on its own, coloured by its label. */
export function labelMaskHtml(tok: LoadedTokenizer, row: SftRow, opts: { skipPromptTokens?: number } = {}): string {
  const eosId = tok.tokenizer.convert_tokens_to_ids(tok.eosToken) as number;
  const from = Math.min(opts.skipPromptTokens ?? 0, row.input_ids.length);
  const spans = row.input_ids.slice(from).map((id, k) => {
    const i = k + from;
    const text = escapeHtml(tok.tokenizer.decode([id], { skip_special_tokens: false })).replace(/\n/g, "↵<br>");
    const trained = row.labels[i] !== IGNORE_INDEX;
    const style = [
      "padding:0 1px",
      "margin:0 1px",
      trained ? "background:#c8f7c5;font-weight:bold" : "color:#888",
      id === eosId ? "outline:2px solid #d62728" : "border-right:1px dotted #ccc",
    ].join(";");
    return `<span title="${i}: id ${id}, label ${row.labels[i]}" style="${style}">${text}</span>`;
  });
  const skipped = from ? `<span style="color:#888">… ${from} prompt tokens not shown …</span> ` : "";
  return `<div style="font-family:NanumGothic, monospace;line-height:1.9;font-size:13px">${skipped}${spans.join("")}</div>`;
}
