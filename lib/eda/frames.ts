/**
 * The EDA statistics as danfojs DataFrames, for notebooks and anyone who wants to keep
 * analysing them (sort, filter, describe). Built from the plain results of ./split and ./compare.
 */
import { DataFrame } from "danfojs-node";
import { shiftRow, type SplitShift } from "./compare";
import type { SplitEda } from "./split";
import { overviewRow } from "./split";
import type { CountRow } from "./stats";
import type { WordCount } from "./words";

/** A distribution (category or answer) as columns key, count, percent. */
export function distributionFrame(rows: readonly CountRow[], keyName = "key"): DataFrame {
  return new DataFrame(rows.map((r) => ({ [keyName]: r.key, count: r.count, percent: +r.percent.toFixed(2) })));
}

/** One row per split: sizes and turn/character min/mean/max. */
export function overviewFrame(splits: readonly SplitEda[]): DataFrame {
  return new DataFrame(splits.map(overviewRow));
}

/** Per-conversation turns and characters of a split (one row per example). */
export function conversationsFrame(s: SplitEda): DataFrame {
  return new DataFrame({ id: s.ids, turns: s.turns, chars: s.chars });
}

/** The most frequent tokens. */
export function wordsFrame(words: readonly WordCount[], top = 30): DataFrame {
  return new DataFrame(words.slice(0, top).map((w) => ({ word: w.word, count: w.count })));
}

/** Raw-vs-refined shifts, one row per split. */
export function shiftFrame(shifts: readonly SplitShift[]): DataFrame {
  return new DataFrame(shifts.map(shiftRow));
}

/** A frame's rows as plain objects (for markdown tables and tests). */
export function frameRows(df: DataFrame): Record<string, string | number>[] {
  return df.values.map((row) => Object.fromEntries(df.columns.map((c, i) => [c, (row as (string | number)[])[i]])));
}
