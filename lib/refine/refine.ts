/**
 * Refinement of a corpus (SPEC §2): the rule table over every utterance, then dropping emptied
 * utterances, then merging consecutive same-speaker utterances that are not references.
 */
import { type Example, type Utterance, utteranceIds, utteranceText } from "../corpus/schema";
import { FAITHFUL_RULES, type RefineRule } from "./rules";
import { pyLen, pyStrip } from "./pyregex";

/** What one rule did over a corpus. */
export interface RuleEffect {
  rule: string;
  /** Utterances whose text the rule changed. */
  utterancesTouched: number;
  /** Net characters (code points) the rule removed; negative where it added. */
  charsRemoved: number;
}

/** What a refinement run did. */
export interface RefineStats {
  examples: number;
  rules: RuleEffect[];
  /** Utterances whose text ended empty and were dropped. */
  utterancesDropped: number;
  /** Of those, utterances named in reference_id. */
  referencesDropped: number;
  /** Examples that lost every reference utterance. */
  examplesWithoutReference: number;
  /** Utterances that joined a preceding one of the same speaker. */
  turnsMerged: number;
  turnsBefore: number;
  turnsAfter: number;
  charsBefore: number;
  charsAfter: number;
  /** Ids of examples whose every utterance refinement removed (written `"conversation": []`, as the original does); absent when none. */
  emptied?: string[];
}

export function emptyStats(rules: readonly RefineRule[]): RefineStats {
  return {
    examples: 0,
    rules: rules.map((r) => ({ rule: r.name, utterancesTouched: 0, charsRemoved: 0 })),
    utterancesDropped: 0,
    referencesDropped: 0,
    examplesWithoutReference: 0,
    turnsMerged: 0,
    turnsBefore: 0,
    turnsAfter: 0,
    charsBefore: 0,
    charsAfter: 0,
  };
}

/** Apply the rules to one text; count each rule's effect into `effects` when given. */
export function refineText(text: string, rules: readonly RefineRule[] = FAITHFUL_RULES, effects?: RuleEffect[]): string {
  let t = text;
  rules.forEach((rule, i) => {
    const next = rule.apply(t);
    if (effects && next !== t) {
      effects[i].utterancesTouched++;
      effects[i].charsRemoved += pyLen(t) - pyLen(next);
    }
    t = next;
  });
  return t;
}

interface Cleaned {
  speaker: number;
  text: string;
  ids: string[];
}

/**
 * Merge consecutive same-speaker utterances. An utterance joins the current run iff it has the
 * run's speaker, it is not a reference, and the run's last utterance is not a reference — so
 * reference utterances always stand alone.
 */
export function mergeTurns(utterances: readonly Cleaned[], references: ReadonlySet<string>): Utterance[] {
  const runs: Cleaned[][] = [];
  const isRef = (u: Cleaned) => u.ids.some((id) => references.has(id));
  for (const u of utterances) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run && last && last.speaker === u.speaker && !isRef(u) && !isRef(last)) run.push(u);
    else runs.push([u]);
  }
  return runs.map((run) => {
    const ids = run.flatMap((u) => u.ids);
    return {
      speaker: run[0].speaker,
      utterance: pyStrip(run.map((u) => u.text).join(" ")),
      utterance_id: run.length === 1 && run[0].ids.length === 1 ? ids[0] : ids,
    };
  });
}

/** Refine one example; key order of the example is kept as read. */
export function refineExample(ex: Example, rules: readonly RefineRule[] = FAITHFUL_RULES, stats?: RefineStats): Example {
  const refs = new Set(ex.input.reference_id);
  const cleaned: Cleaned[] = [];
  let refsLeft = 0;
  for (const u of ex.input.conversation) {
    const before = utteranceText(u);
    const text = refineText(before, rules, stats?.rules);
    const ids = utteranceIds(u);
    const isRef = ids.some((id) => refs.has(id));
    if (stats) stats.charsBefore += pyLen(before);
    if (text === "") {
      if (stats) {
        stats.utterancesDropped++;
        if (isRef) stats.referencesDropped++;
      }
      continue;
    }
    if (isRef) refsLeft++;
    cleaned.push({ speaker: u.speaker, text, ids });
  }
  // The original writes `"conversation": []` for an example refinement empties; so do we (faithful), and the caller warns by id.
  if (cleaned.length === 0 && stats) (stats.emptied ??= []).push(ex.id);
  const conversation = mergeTurns(cleaned, refs);
  if (stats) {
    stats.examples++;
    stats.turnsBefore += ex.input.conversation.length;
    stats.turnsAfter += conversation.length;
    stats.turnsMerged += cleaned.length - conversation.length;
    stats.charsAfter += conversation.reduce((n, u) => n + pyLen(String(u.utterance)), 0);
    if (refsLeft === 0) stats.examplesWithoutReference++;
  }
  return { ...ex, input: { ...ex.input, conversation } };
}

/** Refine a corpus; returns the refined examples and what each step did. */
export function refineCorpus(examples: readonly Example[], rules: readonly RefineRule[] = FAITHFUL_RULES): { examples: Example[]; stats: RefineStats } {
  const stats = emptyStats(rules);
  return { examples: examples.map((ex) => refineExample(ex, rules, stats)), stats };
}

/** Add one run's stats into a running total (same rule table). */
export function addStats(total: RefineStats, part: RefineStats): RefineStats {
  const sum = (k: keyof Omit<RefineStats, "rules">) => (total[k] as number) + (part[k] as number);
  return {
    examples: sum("examples"),
    rules: total.rules.map((r, i) => ({
      rule: r.rule,
      utterancesTouched: r.utterancesTouched + part.rules[i].utterancesTouched,
      charsRemoved: r.charsRemoved + part.rules[i].charsRemoved,
    })),
    utterancesDropped: sum("utterancesDropped"),
    referencesDropped: sum("referencesDropped"),
    examplesWithoutReference: sum("examplesWithoutReference"),
    turnsMerged: sum("turnsMerged"),
    turnsBefore: sum("turnsBefore"),
    turnsAfter: sum("turnsAfter"),
    charsBefore: sum("charsBefore"),
    charsAfter: sum("charsAfter"),
    ...(total.emptied || part.emptied ? { emptied: [...(total.emptied ?? []), ...(part.emptied ?? [])] } : {}),
  };
}

/** One warning line for examples refinement emptied (undefined when none): the ids, distinct, at most 10 shown. */
export function emptiedWarning(files: readonly { input: string; stats: RefineStats }[]): string | undefined {
  const ids = [...new Set(files.flatMap((f) => f.stats.emptied ?? []))];
  if (ids.length === 0) return undefined;
  const shown = ids.length > 10 ? `${ids.slice(0, 10).join(", ")}, … (${ids.length} in all)` : ids.join(", ");
  return `warning: refinement empties the whole conversation of ${ids.length === 1 ? "example" : `${ids.length} examples`} ${shown}; written as "conversation": [] as the original does`;
}
