/** What an ensemble could gain: oracle accuracy and greedy forward selection of members. */
import type { Answer } from "../corpus/schema";
import { hardVote } from "../ensemble/vote";
import { accuracy } from "./metrics";

/** Share of examples that at least one member answers right (an upper bound for any vote). */
export function oracleAccuracy(members: readonly (readonly Answer[])[], gold: readonly Answer[]): number {
  if (members.length === 0 || gold.length === 0) return NaN;
  return gold.filter((g, i) => members.some((m) => m[i] === g)).length / gold.length;
}

/** Hard vote (SPEC §7) of members in the given order, per example. */
export function voteAnswers(members: readonly (readonly Answer[])[]): Answer[] {
  const n = members[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => hardVote(members.map((m) => m[i])));
}

export interface SelectionStep {
  size: number;
  /** The member added at this step. */
  added: string;
  /** Members selected so far, in selection (and voting) order. */
  members: string[];
  accuracy: number;
}

/**
 * Greedy forward selection: start empty; at each step add the member whose addition gives the
 * best hard-vote accuracy (voting in selection order), until every member is in. Ties between
 * candidates go to the earlier member in the input order. The steps trace accuracy vs size.
 */
export function greedyForwardSelection(members: readonly { name: string; answers: readonly Answer[] }[], gold: readonly Answer[]): SelectionStep[] {
  const chosen: number[] = [];
  const steps: SelectionStep[] = [];
  while (chosen.length < members.length) {
    let best = -1;
    let bestAcc = -Infinity;
    members.forEach((_, j) => {
      if (chosen.includes(j)) return;
      const acc = accuracy(voteAnswers([...chosen, j].map((k) => members[k].answers)), gold);
      if (acc > bestAcc) {
        best = j;
        bestAcc = acc;
      }
    });
    chosen.push(best);
    steps.push({ size: chosen.length, added: members[best].name, members: chosen.map((k) => members[k].name), accuracy: bestAcc });
  }
  return steps;
}
