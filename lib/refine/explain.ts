/**
 * Views of what refinement does, for the notebook and the report: which texts a rule changes,
 * and how two rule tables differ on a corpus. Pure functions over examples.
 */
import { diffArrays } from "diff";
import { type Example, utteranceText } from "../corpus/schema";
import { refineCorpus, type RefineStats } from "./refine";
import { FAITHFUL_RULES, type RefineRule } from "./rules";

export interface RuleChange {
  id: string;
  /** The text as it reached the rule (after the rules before it). */
  before: string;
  after: string;
}

/** The first `limit` utterances the named rule changes, seen at the point the rule runs. */
export function ruleExamples(examples: readonly Example[], ruleName: string, limit = 3, rules: readonly RefineRule[] = FAITHFUL_RULES): RuleChange[] {
  const at = rules.findIndex((r) => r.name === ruleName);
  if (at < 0) throw new RangeError(`unknown refinement rule ${ruleName}`);
  const out: RuleChange[] = [];
  for (const ex of examples) {
    for (const u of ex.input.conversation) {
      const before = rules.slice(0, at).reduce((t, r) => r.apply(t), utteranceText(u));
      const after = rules[at].apply(before);
      if (after !== before) out.push({ id: ex.id, before, after });
      if (out.length >= limit) return out;
    }
  }
  return out;
}

export interface RefinementComparison {
  base: RefineStats;
  variant: RefineStats;
  /** Examples whose refined conversation differs between the two rule tables. */
  examplesChanged: number;
  /** Refined utterances (after merging) that differ, after aligning the two conversations (a dropped utterance counts once). */
  utterancesChanged: number;
  /** Ids of the changed examples, in corpus order. */
  changedIds: string[];
}

interface UtteranceDiff {
  example: string;
  /** The refined text under each table; "—" where that table has no counterpart. */
  base: string;
  variant: string;
}

/**
 * Two refined conversations aligned (a longest-common-subsequence diff of their texts), then
 * each changed stretch paired up in order: an utterance only one table keeps is one difference,
 * and the utterances after it still line up with their counterparts.
 */
export function alignedDiffs(a: readonly string[], b: readonly string[]): { base: string; variant: string }[] {
  const out: { base: string; variant: string }[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) out.push({ base: removed[k] ?? "—", variant: added[k] ?? "—" });
    removed = [];
    added = [];
  };
  for (const part of diffArrays([...a], [...b])) {
    if (part.removed) removed.push(...part.value);
    else if (part.added) added.push(...part.value);
    else flush();
  }
  flush();
  return out;
}

/** Refine with both tables and list, example by example, the aligned utterances that differ. */
function utteranceDiffs(examples: readonly Example[], base: readonly RefineRule[], variant: readonly RefineRule[]): { a: RefineStats; b: RefineStats; diffs: UtteranceDiff[] } {
  const a = refineCorpus(examples, base);
  const b = refineCorpus(examples, variant);
  const diffs: UtteranceDiff[] = [];
  const texts = (ex: Example) => ex.input.conversation.map((u) => String(u.utterance));
  a.examples.forEach((ex, i) => {
    for (const d of alignedDiffs(texts(ex), texts(b.examples[i]))) diffs.push({ example: ex.id, ...d });
  });
  return { a: a.stats, b: b.stats, diffs };
}

/** Refine a corpus with two rule tables and say what differs. */
export function compareRefinements(examples: readonly Example[], base: readonly RefineRule[], variant: readonly RefineRule[]): RefinementComparison {
  const { a, b, diffs } = utteranceDiffs(examples, base, variant);
  const changedIds = [...new Set(diffs.map((d) => d.example))];
  return { base: a, variant: b, examplesChanged: changedIds.length, utterancesChanged: diffs.length, changedIds };
}

/** Make whitespace visible: space ␣, newline ⏎, tab ⇥, and other invisible spaces as <U+XXXX>. */
export function visible(text: string): string {
  return text.replace(/[\s\u200b-\u200d\ufeff\x1c-\x1f]/gu, (c) => {
    if (c === " ") return "␣";
    if (c === "\n") return "⏎";
    if (c === "\t") return "⇥";
    return `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}

/** Rows showing what one rule changes, whitespace made visible, for a table. */
export function ruleExampleRows(examples: readonly Example[], ruleName: string, limit = 3): { example: string; before: string; after: string }[] {
  return ruleExamples(examples, ruleName, limit).map((c) => ({ example: c.id, before: visible(c.before), after: visible(c.after) }));
}

/** A conversation as rows (turn, speaker, text, ids, whether it is a reference). */
export function conversationRows(ex: Example): { turn: number; speaker: number; utterance: string; ids: string; reference: string }[] {
  const refs = new Set(ex.input.reference_id);
  return ex.input.conversation.map((u, i) => {
    const ids = Array.isArray(u.utterance_id) ? u.utterance_id : [u.utterance_id];
    return { turn: i + 1, speaker: u.speaker, utterance: visible(utteranceText(u)), ids: ids.join(", "), reference: ids.some((id) => refs.has(id)) ? "◀ reference" : "" };
  });
}

/** Side-by-side metrics of two rule tables on one corpus. */
export function comparisonRows(cmp: RefinementComparison): { metric: string; base: number; variant: number; change: number }[] {
  const per = (s: RefineStats, n: number) => (s.examples ? n / s.examples : 0);
  const row = (metric: string, a: number, b: number) => ({ metric, base: +a.toFixed(2), variant: +b.toFixed(2), change: +(b - a).toFixed(2) });
  const { base: a, variant: b } = cmp;
  return [
    row("examples whose refined conversation differs", 0, cmp.examplesChanged),
    row("refined utterances that differ", 0, cmp.utterancesChanged),
    row("mean turns per conversation", per(a, a.turnsAfter), per(b, b.turnsAfter)),
    row("mean characters per conversation", per(a, a.charsAfter), per(b, b.charsAfter)),
    row("utterances emptied and dropped", a.utterancesDropped, b.utterancesDropped),
    row("reference utterances dropped", a.referencesDropped, b.referencesDropped),
    row("examples left without a reference", a.examplesWithoutReference, b.examplesWithoutReference),
  ];
}

/** The first refined utterances that differ between two rule tables (for sample-level views). */
export function differingUtterances(examples: readonly Example[], base: readonly RefineRule[], variant: readonly RefineRule[], limit = 5): UtteranceDiff[] {
  return utteranceDiffs(examples, base, variant)
    .diffs.slice(0, limit)
    .map((d) => ({ example: d.example, base: visible(d.base), variant: visible(d.variant) }));
}
