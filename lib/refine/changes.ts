/**
 * Readable deltas of a tweak (`cci refine --compare --examples N`): refined utterances that differ
 * between the faithful table and a tweaked one, before → after, spread over distinct examples,
 * each with the step(s) that made the difference.
 */
import { diffArrays } from "diff";
import { type Example, utteranceIds, utteranceText } from "../corpus/schema";
import { alignRules } from "./compare";
import { visible } from "./explain";
import { refineExample } from "./refine";
import { FAITHFUL_RULES, type RefineRule } from "./rules";

export interface UtteranceChange {
  example: string;
  /** The ids of the source utterance(s) (several where turns merged). */
  utterances: string[];
  /** The refined text under the faithful table ("—": it has no such utterance). */
  faithful: string;
  /** Under the tweaked table. */
  tweaked: string;
  /** The tweaked steps that changed a source utterance differently, or drop-empty / merge-turns. */
  steps: string[];
}

/** Pairs of indices of the two conversations that differ, aligned as `alignedDiffs` does (−1: no counterpart). */
function alignedPairs(a: readonly string[], b: readonly string[]): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(removed.length, added.length); k++) out.push([removed[k] ?? -1, added[k] ?? -1]);
    removed = [];
    added = [];
  };
  for (const part of diffArrays([...a], [...b])) {
    const n = part.count ?? part.value.length;
    if (part.removed) for (let k = 0; k < n; k++) removed.push(i++);
    else if (part.added) for (let k = 0; k < n; k++) added.push(j++);
    else {
      flush();
      i += n;
      j += n;
    }
  }
  flush();
  return out;
}

/** The tweaked steps whose effect on `text` differs between the tables (each run on its own trace). */
function stepsFor(text: string, base: readonly RefineRule[], tweaked: readonly RefineRule[]): string[] {
  let a = text;
  let b = text;
  const steps: string[] = [];
  for (const slot of alignRules(base, tweaked)) {
    const ra = slot.base === undefined ? undefined : base[slot.base];
    const rb = slot.tweaked === undefined ? undefined : tweaked[slot.tweaked];
    const na = ra ? ra.apply(a) : a;
    const nb = rb ? rb.apply(b) : b;
    if (slot.tweak !== "" && (na !== a || nb !== b)) steps.push(slot.tweak === "added" ? `${slot.step} (added)` : `${slot.step} (${slot.tweak})`);
    a = na;
    b = nb;
  }
  return steps;
}

/** Every differing refined utterance of one example. */
export function exampleChanges(ex: Example, tweaked: readonly RefineRule[], base: readonly RefineRule[] = FAITHFUL_RULES): UtteranceChange[] {
  const fa = refineExample(ex, base).input.conversation;
  const tw = refineExample(ex, tweaked).input.conversation;
  const text = (u: { utterance: unknown }) => String(u.utterance);
  const raw = new Map(ex.input.conversation.flatMap((u) => utteranceIds(u).map((id) => [id, utteranceText(u)] as const)));
  return alignedPairs(fa.map(text), tw.map(text)).map(([i, j]) => {
    const ids = [...new Set([...(i >= 0 ? utteranceIds(fa[i]) : []), ...(j >= 0 ? utteranceIds(tw[j]) : [])])];
    const steps = [...new Set(ids.flatMap((id) => stepsFor(raw.get(id) ?? "", base, tweaked)))];
    if (i < 0 || j < 0) steps.push("drop-empty");
    // Same rule effects on every source utterance, yet different refined text: the merge differs.
    if (steps.length === 0 || (ids.length > 1 && i >= 0 && j >= 0 && utteranceIds(fa[i]).length !== utteranceIds(tw[j]).length)) steps.push("merge-turns");
    return { example: ex.id, utterances: ids, faithful: i >= 0 ? text(fa[i]) : "—", tweaked: j >= 0 ? text(tw[j]) : "—", steps };
  });
}

/**
 * `n` changed utterances spread over the corpus: the changed examples are taken evenly spaced
 * (first and last included), one utterance each; with fewer changed examples than `n`, further
 * utterances of the same examples fill in, round by round. Deterministic.
 */
export function spreadChanges(examples: readonly Example[], tweaked: readonly RefineRule[], n: number, base: readonly RefineRule[] = FAITHFUL_RULES): { changes: UtteranceChange[]; examplesChanged: number } {
  const per = examples.map((ex) => exampleChanges(ex, tweaked, base)).filter((c) => c.length > 0);
  const picked: UtteranceChange[] = [];
  if (per.length === 0 || n <= 0) return { changes: picked, examplesChanged: per.length };
  const order = per.length <= n ? per.map((_, k) => k) : Array.from({ length: n }, (_, k) => (n === 1 ? 0 : Math.round((k * (per.length - 1)) / (n - 1))));
  for (let round = 0; picked.length < n; round++) {
    let any = false;
    for (const k of order) {
      if (round < per[k].length && picked.length < n) {
        picked.push(per[k][round]);
        any = true;
      }
    }
    if (!any) break;
  }
  return { changes: picked, examplesChanged: per.length };
}

/** Rows for a table: whitespace made visible. */
export function changeRows(changes: readonly UtteranceChange[]): { example: string; utterance: string; "faithful → tweaked": string; "step(s)": string }[] {
  return changes.map((c) => ({ example: c.example, utterance: c.utterances.join(", "), "faithful → tweaked": `${visible(c.faithful)} → ${visible(c.tweaked)}`, "step(s)": c.steps.join(", ") }));
}
