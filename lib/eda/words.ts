/**
 * Word frequencies with the original's token normalisation (SPEC §3): the set of distinct
 * utterances joined by spaces and split on " ", jamo runs shortened, one-character tokens dropped.
 */
import { utteranceText, type Example } from "../corpus/schema";
import { pyLen } from "../refine/pyregex";

/** Each jamo whose runs (even a single one) become two of it, in the original's order. */
export const JAMO_RUNS: readonly string[] = ["ㅋ", "ㅎ", "ㅇ", "ㄱ", "ㄴ", "ㄷ"];
const RUN_PATTERNS = JAMO_RUNS.map((j) => [new RegExp(`${j}+`, "gu"), j + j] as const);

/** `ㅋㅋㅋㅋ` → `ㅋㅋ`, `ㅎ` → `ㅎㅎ`, and so on for each jamo in turn. */
export function normalizeToken(token: string): string {
  let t = token;
  for (const [re, two] of RUN_PATTERNS) t = t.replace(re, two);
  return t;
}

/**
 * Distinct utterances in order of first appearance. As the original's `set` of raw values,
 * the number 40 and the string "40" are two entries.
 */
export function distinctUtterances(examples: readonly Example[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of examples) {
    for (const u of e.input.conversation) {
      const key = `${typeof u.utterance}:${u.utterance}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(utteranceText(u));
      }
    }
  }
  return out;
}

/** The kept tokens of some texts: joined by " ", split on " ", normalised, length ≥ 2. */
export function tokens(texts: readonly string[]): string[] {
  return texts
    .join(" ")
    .split(" ")
    .map(normalizeToken)
    .filter((t) => pyLen(t) > 1);
}

export interface WordCount {
  word: string;
  count: number;
}

/** Token counts, most frequent first; ties keep first appearance (Python's set order is arbitrary). */
export function wordFrequencies(examples: readonly Example[]): WordCount[] {
  const counts = new Map<string, number>();
  for (const t of tokens(distinctUtterances(examples))) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count);
}
