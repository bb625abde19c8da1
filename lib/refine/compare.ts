/**
 * Rule tweaking with deltas (`cci refine --compare`): refine one corpus with the faithful rule
 * table and with a tweaked one (rules switched off, swapped for an alternative, or added) and
 * say, step by step and in total, what the tweak changes. Pure functions over examples; the
 * CLI only loads the files and prints the rows.
 */
import type { Example } from "../corpus/schema";
import { alignedDiffs } from "./explain";
import { emptyStats, refineExample, type RefineStats } from "./refine";
import { ALTERNATIVE_RULES, FAITHFUL_RULES, type RefineRule } from "./rules";

/** What one step did under one rule table. */
export interface StepCounts {
  /** Utterances the step changed (drop-empty: dropped; merge-turns: joined to the turn before). */
  utterances: number;
  /** Net characters (code points) the step removed; merge-turns adds one space per join. */
  chars: number;
  /** Examples with at least one such utterance. */
  examples: number;
}

/** One step of the refinement under both tables. */
export interface StepDelta {
  /** The faithful rule's name (or the added rule's, or drop-empty / merge-turns). */
  step: string;
  /** "" (same rule), "off", "→ NAME" (swapped for rule NAME) or "added". */
  tweak: string;
  faithful: StepCounts;
  tweaked: StepCounts;
}

/** Totals of one refined output. */
export interface OutputTotals {
  examples: number;
  /** Utterances in the refined output (after drop-empty and merge-turns). */
  utterances: number;
  /** Of those, utterances whose text still holds two spaces in a row. */
  doubledSpaces: number;
  /** Code points of the refined utterances. */
  chars: number;
  /** Utterances whose text ended empty and were dropped. */
  utterancesDropped: number;
  referencesDropped: number;
  examplesWithoutReference: number;
  /** Examples whose whole conversation refinement removed (written `"conversation": []`). */
  emptyConversations: number;
  turnsMerged: number;
}

export interface RuleSetComparison {
  faithfulRules: string[];
  tweakedRules: string[];
  steps: StepDelta[];
  faithful: OutputTotals;
  tweaked: OutputTotals;
  /** Examples whose refined conversation (its utterance texts) differs between the two outputs. */
  examplesDiffering: number;
  /** Refined utterances that differ, after aligning the two conversations (one only one table keeps counts once). */
  utterancesDiffering: number;
}

/** The faithful rule a tweaked rule stands for: the same name, or the faithful rule it is the alternative of. */
function counterpart(rule: RefineRule, base: readonly RefineRule[]): number {
  const same = base.findIndex((r) => r.name === rule.name);
  if (same >= 0) return same;
  return base.findIndex((r) => ALTERNATIVE_RULES[r.name]?.name === rule.name);
}

export interface Slot {
  step: string;
  tweak: string;
  base?: number;
  tweaked?: number;
}

/**
 * The steps of both tables lined up: every faithful rule in order (with its counterpart in the
 * tweaked table, if any), and each tweaked rule with no counterpart placed after the step of
 * the tweaked rule before it.
 */
export function alignRules(base: readonly RefineRule[], tweaked: readonly RefineRule[]): Slot[] {
  const slots: Slot[] = base.map((r, i) => ({ step: r.name, tweak: "off", base: i }));
  let after = -1; // the slot the previous tweaked rule filled
  tweaked.forEach((rule, j) => {
    const i = counterpart(rule, base);
    const slot = i >= 0 ? slots.findIndex((s) => s.base === i && s.tweaked === undefined) : -1;
    if (slot >= 0) {
      slots[slot].tweaked = j;
      slots[slot].tweak = rule.name === base[i].name ? "" : `→ ${rule.name}`;
      after = slot;
    } else {
      slots.splice(after + 1, 0, { step: rule.name, tweak: "added", tweaked: j });
      after++;
    }
  });
  return slots;
}

/** Whether the tweaked table is the base table itself (same rules, same order). */
export function isSameRuleSet(base: readonly RefineRule[], tweaked: readonly RefineRule[]): boolean {
  return base.length === tweaked.length && base.every((r, i) => r === tweaked[i] || (r.name === tweaked[i].name && r.apply === tweaked[i].apply));
}

/** The tweak in words, e.g. "delete-jamo off; newline-to-space → collapse-whitespace". */
export function describeTweak(base: readonly RefineRule[], tweaked: readonly RefineRule[]): string {
  const parts = alignRules(base, tweaked)
    .filter((s) => s.tweak !== "")
    .map((s) => (s.tweak === "added" ? `${s.step} added` : `${s.step} ${s.tweak}`));
  return parts.length > 0 ? parts.join("; ") : "no tweak";
}

/** One refinement, example by example: the output, the summed stats, and how many examples each step touched. */
function refineCounting(examples: readonly Example[], rules: readonly RefineRule[]) {
  let stats = emptyStats(rules);
  const ruleExamples = rules.map(() => 0);
  let dropExamples = 0;
  let mergeExamples = 0;
  const out = examples.map((ex) => {
    const one = emptyStats(rules);
    const refined = refineExample(ex, rules, one);
    one.rules.forEach((r, i) => {
      if (r.utterancesTouched > 0) ruleExamples[i]++;
    });
    if (one.utterancesDropped > 0) dropExamples++;
    if (one.turnsMerged > 0) mergeExamples++;
    stats = addStatsInPlace(stats, one);
    return refined;
  });
  return { examples: out, stats, ruleExamples, dropExamples, mergeExamples };
}

function addStatsInPlace(total: RefineStats, part: RefineStats): RefineStats {
  total.examples += part.examples;
  total.rules.forEach((r, i) => {
    r.utterancesTouched += part.rules[i].utterancesTouched;
    r.charsRemoved += part.rules[i].charsRemoved;
  });
  total.utterancesDropped += part.utterancesDropped;
  total.referencesDropped += part.referencesDropped;
  total.examplesWithoutReference += part.examplesWithoutReference;
  total.turnsMerged += part.turnsMerged;
  total.turnsBefore += part.turnsBefore;
  total.turnsAfter += part.turnsAfter;
  total.charsBefore += part.charsBefore;
  total.charsAfter += part.charsAfter;
  if (part.emptied) (total.emptied ??= []).push(...part.emptied);
  return total;
}

const texts = (ex: Example) => ex.input.conversation.map((u) => String(u.utterance));

function totals(out: readonly Example[], s: RefineStats): OutputTotals {
  return {
    examples: s.examples,
    utterances: s.turnsAfter,
    doubledSpaces: out.reduce((n, ex) => n + texts(ex).filter((t) => t.includes("  ")).length, 0),
    chars: s.charsAfter,
    utterancesDropped: s.utterancesDropped,
    referencesDropped: s.referencesDropped,
    examplesWithoutReference: s.examplesWithoutReference,
    emptyConversations: s.emptied?.length ?? 0,
    turnsMerged: s.turnsMerged,
  };
}

const ZERO: StepCounts = { utterances: 0, chars: 0, examples: 0 };

/** Refine `examples` with the faithful table (`base`) and with `tweaked`, and set the two side by side. */
export function compareRuleSets(examples: readonly Example[], tweaked: readonly RefineRule[], base: readonly RefineRule[] = FAITHFUL_RULES): RuleSetComparison {
  const a = refineCounting(examples, base);
  const b = refineCounting(examples, tweaked);
  const ruleCounts = (r: ReturnType<typeof refineCounting>, i: number | undefined): StepCounts =>
    i === undefined ? ZERO : { utterances: r.stats.rules[i].utterancesTouched, chars: r.stats.rules[i].charsRemoved, examples: r.ruleExamples[i] };
  const steps: StepDelta[] = alignRules(base, tweaked).map((s) => ({ step: s.step, tweak: s.tweak, faithful: ruleCounts(a, s.base), tweaked: ruleCounts(b, s.tweaked) }));
  const drop = (r: typeof a): StepCounts => ({ utterances: r.stats.utterancesDropped, chars: 0, examples: r.dropExamples });
  const merge = (r: typeof a): StepCounts => ({ utterances: r.stats.turnsMerged, chars: -r.stats.turnsMerged, examples: r.mergeExamples });
  steps.push({ step: "drop-empty", tweak: "", faithful: drop(a), tweaked: drop(b) }, { step: "merge-turns", tweak: "", faithful: merge(a), tweaked: merge(b) });
  let examplesDiffering = 0;
  let utterancesDiffering = 0;
  a.examples.forEach((ex, i) => {
    const n = alignedDiffs(texts(ex), texts(b.examples[i])).length;
    if (n > 0) examplesDiffering++;
    utterancesDiffering += n;
  });
  return {
    faithfulRules: base.map((r) => r.name),
    tweakedRules: tweaked.map((r) => r.name),
    steps,
    faithful: totals(a.examples, a.stats),
    tweaked: totals(b.examples, b.stats),
    examplesDiffering,
    utterancesDiffering,
  };
}

/** Two comparisons (of different files, same two tables) summed. */
export function addComparisons(x: RuleSetComparison, y: RuleSetComparison): RuleSetComparison {
  if (x.faithfulRules.join() !== y.faithfulRules.join() || x.tweakedRules.join() !== y.tweakedRules.join()) throw new RangeError("comparisons of different rule tables cannot be summed");
  const add = <T extends object>(p: T, q: T): T => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, (v as number) + (q[k as keyof T] as number)])) as T;
  return {
    ...x,
    steps: x.steps.map((s, i) => ({ ...s, faithful: add(s.faithful, y.steps[i].faithful), tweaked: add(s.tweaked, y.steps[i].tweaked) })),
    faithful: add(x.faithful, y.faithful),
    tweaked: add(x.tweaked, y.tweaked),
    examplesDiffering: x.examplesDiffering + y.examplesDiffering,
    utterancesDiffering: x.utterancesDiffering + y.utterancesDiffering,
  };
}

/** What the short column names of `stepDeltaRows` mean, in one line. */
export const STEP_LEGEND = "utt: utterances changed, chars: characters removed (net), ex: examples affected; Δ = tweaked − faithful";

/**
 * Per-step rows: utterances changed, characters removed and examples affected, faithful vs
 * tweaked and the difference (tweaked − faithful). `changedOnly`: just the steps the tweak
 * touches (a tweak of its own, or any count that differs).
 */
export function stepDeltaRows(cmp: RuleSetComparison, opts: { changedOnly?: boolean } = {}): Record<string, string | number>[] {
  const differs = (s: StepDelta) => s.tweak !== "" || (Object.keys(s.faithful) as (keyof StepCounts)[]).some((k) => s.faithful[k] !== s.tweaked[k]);
  return cmp.steps.filter((s) => !opts.changedOnly || differs(s)).map((s) => ({
    step: s.step,
    tweak: s.tweak,
    "utt faithful": s.faithful.utterances,
    "utt tweaked": s.tweaked.utterances,
    "utt Δ": s.tweaked.utterances - s.faithful.utterances,
    "chars faithful": s.faithful.chars,
    "chars tweaked": s.tweaked.chars,
    "chars Δ": s.tweaked.chars - s.faithful.chars,
    "ex faithful": s.faithful.examples,
    "ex tweaked": s.tweaked.examples,
    "ex Δ": s.tweaked.examples - s.faithful.examples,
  }));
}

const round2 = (n: number) => +n.toFixed(2);

/** Whole-output rows: what differs between the two outputs (Δ only), then each total faithful vs tweaked and the difference. */
export function totalDeltaRows(cmp: RuleSetComparison): { metric: string; faithful?: number; tweaked?: number; Δ: number }[] {
  const { faithful: a, tweaked: b } = cmp;
  const row = (metric: string, x: number, y: number) => ({ metric, faithful: round2(x), tweaked: round2(y), Δ: round2(y - x) });
  const per = (t: OutputTotals, n: number) => (t.examples ? n / t.examples : 0);
  return [
    { metric: "examples whose refined conversation differs", faithful: undefined, tweaked: undefined, Δ: cmp.examplesDiffering },
    { metric: "refined utterances that differ", faithful: undefined, tweaked: undefined, Δ: cmp.utterancesDiffering },
    row("refined utterances", a.utterances, b.utterances),
    row("refined utterances with a doubled space", a.doubledSpaces, b.doubledSpaces),
    row("characters after refinement", a.chars, b.chars),
    row("mean turns per conversation", per(a, a.utterances), per(b, b.utterances)),
    row("mean characters per conversation", per(a, a.chars), per(b, b.chars)),
    row("utterances emptied and dropped", a.utterancesDropped, b.utterancesDropped),
    row("reference utterances dropped", a.referencesDropped, b.referencesDropped),
    row("examples left without a reference", a.examplesWithoutReference, b.examplesWithoutReference),
    row("examples with an empty conversation", a.emptyConversations, b.emptyConversations),
    row("turns merged", a.turnsMerged, b.turnsMerged),
  ];
}

/** One row per split (and "total"): the headline deltas of each. */
export function splitDeltaRows(results: readonly { split: string; cmp: RuleSetComparison }[]): Record<string, string | number>[] {
  return results.map(({ split, cmp }) => ({
    split,
    examples: cmp.faithful.examples,
    "examples differing": cmp.examplesDiffering,
    "utterances differing": cmp.utterancesDiffering,
    "doubled spaces faithful": cmp.faithful.doubledSpaces,
    "doubled spaces tweaked": cmp.tweaked.doubledSpaces,
    "Δ utterances": cmp.tweaked.utterances - cmp.faithful.utterances,
    "Δ characters": cmp.tweaked.chars - cmp.faithful.chars,
    "Δ dropped": cmp.tweaked.utterancesDropped - cmp.faithful.utterancesDropped,
    "Δ empty conversations": cmp.tweaked.emptyConversations - cmp.faithful.emptyConversations,
  }));
}
