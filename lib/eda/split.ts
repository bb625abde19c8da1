/** Everything the EDA reports about one split, computed once (pure). */
import type { Example, Split } from "../corpus/schema";
import { answerDistribution, categoryDistribution, charsPerConversation, questionsPerConversation, sharedConversations, summarize, turnsPerConversation, type CountRow, type Summary } from "./stats";
import { wordFrequencies, type WordCount } from "./words";

export interface SplitEda {
  split: Split;
  examples: number;
  /** Example ids, in order (to match raw and refined conversations). */
  ids: string[];
  /** Distinct conversations (each carries one to five questions). */
  conversations: number;
  /** How many distinct conversations carry 1, 2, … questions. */
  questionsPerConversation: { questions: number; conversations: number }[];
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
    ...reuse(examples),
    categories: categoryDistribution(examples),
    answers: answerDistribution(examples),
    turns,
    chars,
    turnsSummary: summarize(turns),
    charsSummary: summarize(chars),
    words: wordFrequencies(examples),
  };
}

function reuse(examples: readonly Example[]): Pick<SplitEda, "conversations" | "questionsPerConversation"> {
  const q = questionsPerConversation(examples);
  return { conversations: q.reduce((n, r) => n + r.conversations, 0), questionsPerConversation: q };
}

/** One overview row per split: sizes and turn/character min/mean/max (means to 2 decimals). */
export function overviewRow(s: SplitEda): Record<string, string | number> {
  const r2 = (x: number) => +x.toFixed(2);
  return {
    split: s.split,
    examples: s.examples,
    conversations: s.conversations,
    "turns min": s.turnsSummary.min,
    "turns mean": r2(s.turnsSummary.mean),
    "turns max": s.turnsSummary.max,
    "chars min": s.charsSummary.min,
    "chars mean": r2(s.charsSummary.mean),
    "chars max": s.charsSummary.max,
    "distinct words": s.words.length,
  };
}

/**
 * A distribution across splits: one row per key (first appearance over the splits), one
 * `count (percent%)` column per split that has it (test has no answers).
 */
export function distributionPivot(splits: readonly SplitEda[], which: "categories" | "answers", keyName: string = which === "categories" ? "category" : "answer"): Record<string, string>[] {
  const withRows = splits.filter((s) => s[which]);
  const keys = [...new Set(withRows.flatMap((s) => s[which]!.map((r) => r.key)))];
  return keys.map((key) => ({
    [keyName]: key,
    ...Object.fromEntries(
      withRows.map((s) => {
        const r = s[which]!.find((x) => x.key === key);
        return [s.split, r ? `${r.count} (${r.percent.toFixed(2)}%)` : "0 (0.00%)"];
      }),
    ),
  }));
}

/** Conversations shared between each pair of the competition splits (train, dev, test). */
export function overlapRows(splits: readonly (readonly [Split, readonly Example[]])[]): { splits: string; shared: number }[] {
  const rows: { splits: string; shared: number }[] = [];
  for (let i = 0; i < splits.length; i++)
    for (let j = i + 1; j < splits.length; j++) rows.push({ splits: `${splits[i][0]} ∩ ${splits[j][0]}`, shared: sharedConversations(splits[i][1], splits[j][1]) });
  return rows;
}

/** Rows `questions per conversation → conversations`, one column per split. */
export function reusePivot(splits: readonly SplitEda[]): Record<string, number>[] {
  const qs = [...new Set(splits.flatMap((s) => s.questionsPerConversation.map((r) => r.questions)))].sort((a, b) => a - b);
  return qs.map((q) => ({
    "questions per conversation": q,
    ...Object.fromEntries(splits.map((s) => [s.split, s.questionsPerConversation.find((r) => r.questions === q)?.conversations ?? 0])),
  }));
}
