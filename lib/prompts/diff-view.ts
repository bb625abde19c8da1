/**
 * Prompt variants side by side as HTML, with what differs highlighted: word-level diffs
 * (the `diff` package) of each variant's messages and target against a base variant, or of
 * faithful against fixed mode. Long unchanged stretches are folded so the differences stand out.
 */
import { diffArrays } from "diff";
import type { Example } from "../corpus/schema";
import { escapeHtml } from "../notebooks/display";
import { buildPrompt, type Prompt } from "./build";
import { VARIANT_NAMES, type Mode, type VariantName } from "./variants";

export interface DiffPart {
  kind: "same" | "added" | "removed";
  text: string;
}

/** Words, each with the whitespace after it: Korean words (eojeol) stay whole, with their particles and punctuation. */
export const wordTokens = (text: string): string[] => text.match(/\S+\s*|\s+/gu) ?? [];

/**
 * Word-level diff. (The diff package's own word diff treats every Hangul syllable as a separate
 * token, which reads as a character-level diff on Korean.)
 */
export function textDiff(base: string, other: string): DiffPart[] {
  return diffArrays(wordTokens(base), wordTokens(other)).map((c) => ({ kind: c.added ? "added" : c.removed ? "removed" : "same", text: c.value.join("") }));
}

const STYLE = {
  added: "background:#c8f0c8",
  removed: "background:#ffd2d0;text-decoration:line-through",
} as const;

/** Visible line breaks, so a changed newline can be seen. */
const showBreaks = (s: string) => escapeHtml(s).replace(/\n/g, "⏎\n");

/** Unchanged text longer than `fold` characters keeps its ends and says how much is hidden. */
export function foldSame(text: string, fold: number): string {
  const chars = Array.from(text);
  if (fold <= 0 || chars.length <= fold) return showBreaks(text);
  const keep = Math.floor(fold / 2);
  const hidden = chars.length - 2 * keep;
  return `${showBreaks(chars.slice(0, keep).join(""))}<span style="color:#888">… ${hidden} unchanged characters …</span>${showBreaks(chars.slice(-keep).join(""))}`;
}

export function diffHtml(parts: readonly DiffPart[], fold = 0): string {
  return parts.map((p) => (p.kind === "same" ? foldSame(p.text, fold) : `<span style="${STYLE[p.kind]}">${showBreaks(p.text)}</span>`)).join("");
}

const cell = (html: string) => `<td style="text-align:left;vertical-align:top;white-space:pre-wrap;font-family:monospace;font-size:12px">${html}</td>`;

/**
 * One piece (system, user or target) of `other` against `base`. A piece that shares less than
 * half its text with the base reads as a replacement: the old text folded, the new in full.
 */
export function pieceHtml(base: string, other: string, fold: number): string {
  if (base === other) return fold > 0 ? `<span style="color:#888">(same)</span>` : showBreaks(base);
  const parts = textDiff(base, other);
  const shared = parts.filter((p) => p.kind === "same").reduce((n, p) => n + p.text.length, 0);
  if (shared * 2 < Math.min(base.length, other.length)) {
    return `<span style="${STYLE.removed}">${foldSame(base, fold)}</span><span style="${STYLE.added}">${showBreaks(other)}</span>`;
  }
  return diffHtml(parts, fold);
}

function promptRow(label: string, base: Prompt, other: Prompt, fold: number): string {
  const texts = (p: Prompt) => [p.messages[0].content, p.messages[1].content, p.target];
  const b = texts(base);
  const o = texts(other);
  return `<tr><th style="text-align:left;vertical-align:top;overflow-wrap:anywhere;font-size:12px">${escapeHtml(label)}</th>${b.map((x, i) => cell(pieceHtml(x, o[i], fold))).join("")}</tr>`;
}

const COLS = `<colgroup><col style="width:13%"><col style="width:24%"><col style="width:49%"><col style="width:14%"></colgroup>`;
const HEAD = `${COLS}<thead><tr><th></th><th style="text-align:left">system</th><th style="text-align:left">user</th><th style="text-align:left">target</th></tr></thead>`;
const LEGEND = `<p style="font-size:12px">Highlighted: <span style="${STYLE.added}">added</span> and <span style="${STYLE.removed}">removed</span> against the first row; ⏎ marks a line break.</p>`;

/** The base variant in full, then every other variant as its differences from it. */
export function variantsDiffTable(ex: Example, opts: { base?: VariantName; mode?: Mode; fold?: number; variants?: readonly VariantName[] } = {}): string {
  const base = opts.base ?? "CustomRefDataset";
  const fold = opts.fold ?? 120;
  const basePrompt = buildPrompt(ex, base, { mode: opts.mode });
  const rows = [
    promptRow(`${base} (base)`, basePrompt, basePrompt, 0),
    ...(opts.variants ?? VARIANT_NAMES).filter((v) => v !== base).map((v) => promptRow(v, basePrompt, buildPrompt(ex, v, { mode: opts.mode }), fold)),
  ];
  return `${LEGEND}<table style="table-layout:fixed;width:100%">${HEAD}<tbody>${rows.join("")}</tbody></table>`;
}

/** Per variant, faithful against fixed mode on one example (rows only where they differ). */
export function modesDiffTable(ex: Example, variants: readonly VariantName[] = VARIANT_NAMES, fold = 80): string {
  const rows = variants.flatMap((v) => {
    const faithful = buildPrompt(ex, v);
    const fixed = buildPrompt(ex, v, { mode: "fixed" });
    return JSON.stringify(faithful) === JSON.stringify(fixed) ? [] : [promptRow(v, faithful, fixed, fold)];
  });
  if (rows.length === 0) return "<p>faithful and fixed mode give the same prompts for this example</p>";
  return `${LEGEND.replace("the first row", "faithful mode (removed) → fixed mode (added)")}<table style="table-layout:fixed;width:100%">${HEAD}<tbody>${rows.join("")}</tbody></table>`;
}
