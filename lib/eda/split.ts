/** Everything the EDA reports about one split, computed once (pure). */
import type { Example, Split } from "../corpus/schema";
import { answerDistribution, categoryDistribution, charsPerConversation, summarize, turnsPerConversation, type CountRow, type Summary } from "./stats";
import { wordFrequencies, type WordCount } from "./words";

export interface SplitEda {
  split: Split;
  examples: number;
  /** Example ids, in order (to match raw and refined conversations). */
  ids: string[];
  categories: CountRow[];
  /** null for a split without answers (test). */
  answers: CountRow[] | null;
  /** Turns per conversation, in example order. */
  turns: number[];
  /** Characters (code points) per conversation, in example order. */
  chars: number[];
  turnsSummary: Summary;
  charsSummary: Summary;
  words: WordCount[];
}

export function splitEda(split: Split, examples: readonly Example[]): SplitEda {
  const turns = turnsPerConversation(examples);
  const chars = charsPerConversation(examples);
  return {
    split,
    examples: examples.length,
    ids: examples.map((e) => e.id),
    categories: categoryDistribution(examples),
    answers: answerDistribution(examples),
    turns,
    chars,
    turnsSummary: summarize(turns),
    charsSummary: summarize(chars),
    words: wordFrequencies(examples),
  };
}

/** One overview row per split: sizes and turn/character min/mean/max (means to 2 decimals). */
export function overviewRow(s: SplitEda): Record<string, string | number> {
  const r2 = (x: number) => +x.toFixed(2);
  return {
    split: s.split,
    examples: s.examples,
    "turns min": s.turnsSummary.min,
    "turns mean": r2(s.turnsSummary.mean),
    "turns max": s.turnsSummary.max,
    "chars min": s.charsSummary.min,
    "chars mean": r2(s.charsSummary.mean),
    "chars max": s.charsSummary.max,
    "distinct words": s.words.length,
  };
}
