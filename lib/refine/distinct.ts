/**
 * Counting refinement's effects the way a reader means them. The corpus asks several questions
 * about one conversation, and every question carries its own copy of it: per-example counts
 * (RefineStats) count an utterance once per question. The rule steps act on text alone, so on
 * one copy per conversation they give the distinct utterances touched; drop-empty and
 * merge-turns depend on the question's references, so their per-question counts are the ones
 * that describe what each training row saw.
 */
import { conversationKey, type Example } from "../corpus/schema";
import { refineCorpus, type RefineStats } from "./refine";
import { FAITHFUL_RULES, type RefineRule } from "./rules";


/** The first example of each distinct conversation, in corpus order. */
export function onePerConversation(examples: readonly Example[]): Example[] {
  const seen = new Set<string>();
  return examples.filter((ex) => {
    const key = conversationKey(ex);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface StepCount {
  step: string;
  /** Utterances changed, counted once per question (each question carries its conversation). */
  copies: number;
  /** Utterances changed, counted once per conversation (rule steps only: they depend on text alone). */
  distinct: number | null;
}

/** Per rule step, utterance copies against distinct utterances touched; drop/merge per question only. */
export function distinctStepCounts(examples: readonly Example[], rules: readonly RefineRule[] = FAITHFUL_RULES): { copies: RefineStats; distinct: RefineStats; conversations: number; rows: StepCount[] } {
  const copies = refineCorpus(examples, rules).stats;
  const unique = onePerConversation(examples);
  const distinct = refineCorpus(unique, rules).stats;
  const rows: StepCount[] = [
    ...copies.rules.map((r, i) => ({ step: r.rule, copies: r.utterancesTouched, distinct: distinct.rules[i].utterancesTouched })),
    { step: "drop-empty", copies: copies.utterancesDropped, distinct: null },
    { step: "merge-turns", copies: copies.turnsMerged, distinct: null },
  ];
  return { copies, distinct, conversations: unique.length, rows };
}

/**
 * Characters: the rules' gross deletions, the spaces merge-turns adds back (one per merge), and
 * the net drop — so "X % of the characters removed" can say of which total.
 */
export function characterBalance(stats: RefineStats): { deleted: number; addedByMerges: number; net: number; byRule: Record<string, number> } {
  const byRule = Object.fromEntries(stats.rules.map((r) => [r.rule, r.charsRemoved]));
  const deleted = stats.rules.reduce((a, r) => a + Math.max(r.charsRemoved, 0), 0);
  return { deleted, addedByMerges: stats.turnsMerged, net: stats.charsBefore - stats.charsAfter, byRule };
}

/** Mean turns per question before and after, and the fall (what the original's report rounds to ≈ 5.5). */
export function turnFall(stats: RefineStats): { before: number; after: number; fall: number } {
  const per = (n: number) => (stats.examples ? n / stats.examples : 0);
  return { before: per(stats.turnsBefore), after: per(stats.turnsAfter), fall: per(stats.turnsBefore - stats.turnsAfter) };
}

/** Notebook 02's line: mean turns per question before → after (fall), per split and pooled. */
export function turnFallLine(entries: readonly { split: string; stats: RefineStats }[]): string {
  return `mean turns per question, before → after (fall): ${entries
    .map(({ split, stats }) => {
      const t = turnFall(stats);
      return `${split} ${t.before.toFixed(2)} → ${t.after.toFixed(2)} (${t.fall.toFixed(2)})`;
    })
    .join(", ")}`;
}

/** Notebook 02's line: where the characters went (gross deletions, merges' spaces, net) and one step's share of each. */
export function characterLine(split: string, stats: RefineStats, step: string): string {
  const b = characterBalance(stats);
  const s = b.byRule[step];
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(0)} %`;
  return (
    `${split}: the rules delete ${b.deleted} characters, merging adds ${b.addedByMerges} spaces back, net ${b.net} (${((100 * b.net) / stats.charsBefore).toFixed(1)} % of ${stats.charsBefore}); ` +
    `${step} deletes ${s}: ${pct(s, b.deleted)} of the deleted, ${pct(s, b.net)} of the net drop`
  );
}
