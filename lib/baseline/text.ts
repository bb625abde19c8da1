/**
 * Text views of an example for the lexical members: the three options, the reference
 * utterances, the whole conversation, and their character n-grams and words.
 */
import { ANSWERS, utteranceIds, utteranceText, type Category, type Example } from "../corpus/schema";

/** Whitespace and punctuation are not part of n-grams: Korean spacing varies, particles attach. */
export function compact(text: string): string {
  return text.replace(/[\s\p{P}\p{S}]+/gu, "");
}

/** Character n-grams (code points) of the compacted text, as a set. */
export function charNgrams(text: string, n: number): Set<string> {
  const chars = [...compact(text)];
  const out = new Set<string>();
  for (let i = 0; i + n <= chars.length; i++) out.add(chars.slice(i, i + n).join(""));
  return out;
}

/** Words: whitespace-separated, punctuation trimmed, empty dropped. */
export function words(text: string): string[] {
  return text
    .split(/\s+/)
    .map((w) => w.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ""))
    .filter(Boolean);
}

/** |a ∩ b| */
export function intersectionSize<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
}

/** |a ∩ b| / |a|, 0 for empty a. */
export function coverage<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  return a.size === 0 ? 0 : intersectionSize(a, b) / a.size;
}

/** Dice coefficient 2|a ∩ b| / (|a| + |b|), 0 when both are empty. */
export function dice<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  return a.size + b.size === 0 ? 0 : (2 * intersectionSize(a, b)) / (a.size + b.size);
}

/** Elements of `set` that not every one of `all` holds: what tells an option from the others. */
export function distinctive<T>(set: ReadonlySet<T>, all: readonly ReadonlySet<T>[]): Set<T> {
  return new Set([...set].filter((x) => !all.every((s) => s.has(x))));
}

/** What the features read of one example, computed once. */
export interface ExampleView {
  id: string;
  category: Category;
  options: string[];
  /** Speakers (1/2) of the reference utterances, in conversation order. */
  referenceSpeakers: number[];
  references: string;
  conversation: string;
  /** Utterances of the reference speakers that are not references. */
  sameSpeaker: string;
}

export function exampleView(ex: Example): ExampleView {
  const refs = new Set(ex.input.reference_id);
  const isRef = (ids: string[]) => ids.some((id) => refs.has(id));
  const conv = ex.input.conversation;
  const refUtts = conv.filter((u) => isRef(utteranceIds(u)));
  const speakers = [...new Set(refUtts.map((u) => u.speaker))];
  return {
    id: ex.id,
    category: ex.input.category,
    options: ANSWERS.map((a) => ex.input[a]),
    referenceSpeakers: speakers,
    references: refUtts.map(utteranceText).join("\n"),
    conversation: conv.map(utteranceText).join("\n"),
    sameSpeaker: conv
      .filter((u) => speakers.includes(u.speaker) && !isRef(utteranceIds(u)))
      .map(utteranceText)
      .join("\n"),
  };
}
