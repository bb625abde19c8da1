/** How refinement shifts turns and lengths: raw and refined splits matched by example id. */
import type { Split } from "../corpus/schema";
import { UserError } from "../util/errors";
import type { SplitEda } from "./split";

export interface SplitShift {
  split: Split;
  examples: number;
  turnsRaw: number;
  turnsRefined: number;
  /** Mean change per conversation (refined − raw). */
  turnsDelta: number;
  charsRaw: number;
  charsRefined: number;
  charsDelta: number;
  /** Conversations refinement left with fewer turns / fewer characters. */
  fewerTurns: number;
  fewerChars: number;
  /** Largest single drops. */
  maxTurnsDrop: number;
  maxCharsDrop: number;
}

/**
 * Compare one split before and after refinement. Refinement keeps every example in order, so
 * both must list the same ids; otherwise the folders are unrelated (or the refined one is stale).
 */
export function splitShift(raw: SplitEda, refined: SplitEda): SplitShift {
  const i = raw.ids.findIndex((id, k) => id !== refined.ids[k]);
  if (raw.examples !== refined.examples || i >= 0)
    throw new UserError(
      `${raw.split}: example ${raw.ids[i] ?? `#${refined.examples + 1}`}: the refined split does not hold the same examples in the same order (refine the raw folder again)`,
    );
  const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const drops = (a: readonly number[], b: readonly number[]) => a.map((x, k) => x - b[k]);
  const turnDrops = drops(raw.turns, refined.turns);
  const charDrops = drops(raw.chars, refined.chars);
  const r2 = (x: number) => +x.toFixed(2);
  return {
    split: raw.split,
    examples: raw.examples,
    turnsRaw: r2(mean(raw.turns)),
    turnsRefined: r2(mean(refined.turns)),
    turnsDelta: r2(-mean(turnDrops)),
    charsRaw: r2(mean(raw.chars)),
    charsRefined: r2(mean(refined.chars)),
    charsDelta: r2(-mean(charDrops)),
    fewerTurns: turnDrops.filter((d) => d > 0).length,
    fewerChars: charDrops.filter((d) => d > 0).length,
    maxTurnsDrop: Math.max(0, ...turnDrops),
    maxCharsDrop: Math.max(0, ...charDrops),
  };
}

/** A shift as a table row with readable column names. */
export function shiftRow(s: SplitShift): Record<string, string | number> {
  return {
    split: s.split,
    examples: s.examples,
    "turns raw": s.turnsRaw,
    "turns refined": s.turnsRefined,
    "Δ turns": s.turnsDelta,
    "chars raw": s.charsRaw,
    "chars refined": s.charsRefined,
    "Δ chars": s.charsDelta,
    "fewer turns": s.fewerTurns,
    "fewer chars": s.fewerChars,
    "max turns drop": s.maxTurnsDrop,
    "max chars drop": s.maxCharsDrop,
  };
}
