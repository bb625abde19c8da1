/**
 * The original's EDA statistics (SPEC §3) as plain numbers: distributions, turns and characters
 * per conversation, and histogram bins. Pure functions; DataFrame views live in ./frames.
 */
import { ANSWERS, conversationKey, utteranceText, type Example } from "../corpus/schema";
import { pyLen } from "../refine/pyregex";

/** One bar of a distribution: a value, how often it occurs, and its share in percent. */
export interface CountRow {
  key: string;
  count: number;
  percent: number;
}

/**
 * Count values; rows in order of first appearance (Python's Counter) unless `order` is given,
 * in which case exactly those keys appear (zero counts included). Percent is of all values.
 */
export function distribution(values: readonly string[], order?: readonly string[]): CountRow[] {
  const counts = new Map<string, number>((order ?? []).map((k) => [k, 0]));
  for (const v of values) if (!order || counts.has(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  const total = values.length;
  return [...counts].map(([key, count]) => ({ key, count, percent: total ? (count / total) * 100 : 0 }));
}

/** Category bars, in order of first appearance as the original's Counter. */
export function categoryDistribution(examples: readonly Example[]): CountRow[] {
  return distribution(examples.map((e) => e.input.category));
}

/** Answer bars over inference_1..3; null where no example has an answer (test). */
export function answerDistribution(examples: readonly Example[]): CountRow[] | null {
  if (!examples.some((e) => e.output !== "")) return null;
  return distribution(examples.map((e) => e.output), ANSWERS);
}

/** Turns (utterances) per conversation. */
export function turnsPerConversation(examples: readonly Example[]): number[] {
  return examples.map((e) => e.input.conversation.length);
}

/** Characters of one conversation: the sum of `len(str(utterance))`, in code points. */
export function conversationChars(example: Example): number {
  let n = 0;
  for (const u of example.input.conversation) n += pyLen(utteranceText(u));
  return n;
}

/** Characters per conversation, in code points as Python's `len`. */
export function charsPerConversation(examples: readonly Example[]): number[] {
  return examples.map(conversationChars);
}

export interface Summary {
  n: number;
  min: number;
  mean: number;
  max: number;
}

/** Minimum, mean and maximum (NaN for no values). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, min: NaN, mean: NaN, max: NaN };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { n: values.length, min, mean: sum / values.length, max };
}

/** One histogram bin: values v with start ≤ v < end. */
export interface Bin {
  start: number;
  end: number;
  count: number;
}

/**
 * Bins of `width` aligned to multiples of it, from the one holding the minimum to the one
 * holding the maximum, empty bins included. (The original's matplotlib bins closed the last
 * one on both sides, so with width 1 its last bar also held max−1; ours keep each value apart.)
 */
export function histogramBins(values: readonly number[], width: number): Bin[] {
  if (!(width > 0)) throw new RangeError(`bin width must be positive, got ${width}`);
  if (values.length === 0) return [];
  const { min, max } = summarize(values);
  const first = Math.floor(min / width);
  const bins: Bin[] = [];
  for (let k = first; k <= Math.floor(max / width); k++) bins.push({ start: k * width, end: (k + 1) * width, count: 0 });
  for (const v of values) bins[Math.floor(v / width) - first].count++;
  return bins;
}

/**
 * A histogram never gets more than this many bins: a pathological value (one 10 MB utterance)
 * widens the bins rather than making a chart of millions of bars. The real corpus needs ~60.
 */
export const MAX_BINS = 500;

/** `width`, or the smallest multiple of it that spans the values in at most `maxBins` bins. */
export function fitBinWidth(values: readonly number[], width: number, maxBins = MAX_BINS): number {
  const { min, max } = summarize(values);
  if (!Number.isFinite(min) || !Number.isFinite(max)) return width;
  const count = (w: number) => Math.floor(max / w) - Math.floor(min / w) + 1;
  let w = width * Math.max(1, Math.ceil(count(width) / maxBins));
  while (count(w) > maxBins) w += width;
  return w;
}

/** The largest bin count (at least `floor`), without spreading thousands of bins into Math.max. */
export function topCount(bins: readonly Bin[], floor = 1): number {
  return bins.reduce((m, b) => (b.count > m ? b.count : m), floor);
}

export { conversationKey };

/** How many questions each distinct conversation carries: rows `questions → conversations`. */
export function questionsPerConversation(examples: readonly Example[]): { questions: number; conversations: number }[] {
  const perConversation = new Map<string, number>();
  for (const e of examples) perConversation.set(conversationKey(e), (perConversation.get(conversationKey(e)) ?? 0) + 1);
  const hist = new Map<number, number>();
  for (const n of perConversation.values()) hist.set(n, (hist.get(n) ?? 0) + 1);
  return [...hist].sort((a, b) => a[0] - b[0]).map(([questions, conversations]) => ({ questions, conversations }));
}

/** Distinct conversations that appear in both sets of examples. */
/** Questions of `b` asked about a conversation that also appears in `a` (e.g. dev questions on a chat train has). */
export function questionsOnSharedConversations(a: readonly Example[], b: readonly Example[]): number {
  const inA = new Set(a.map(conversationKey));
  return b.filter((e) => inA.has(conversationKey(e))).length;
}

export function sharedConversations(a: readonly Example[], b: readonly Example[]): number {
  const inA = new Set(a.map(conversationKey));
  return new Set(b.map(conversationKey).filter((k) => inA.has(k))).size;
}

/** The most questions of one category asked about a single conversation (1: never the same type twice). */
export function maxSameCategoryPerConversation(examples: readonly Example[]): number {
  const counts = new Map<string, number>();
  for (const e of examples) {
    const k = `${conversationKey(e)}\u0001${e.input.category}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}
