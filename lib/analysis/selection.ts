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

export interface SubsetScore {
  /** Members in the subset, in input (voting) order. */
  members: string[];
  accuracy: number;
}

/**
 * Every non-empty subset of the members (2^n − 1 of them; 127 for seven), each hard-voted in
 * input order: the exhaustive answer to "does any subset beat the best member?", which greedy
 * selection (n steps) only samples. Refuses more than 16 members (65,535 subsets).
 */
export function exhaustiveSubsets(members: readonly { name: string; answers: readonly Answer[] }[], gold: readonly Answer[]): SubsetScore[] {
  if (members.length > 16) throw new RangeError(`exhaustiveSubsets: ${members.length} members is 2^${members.length} − 1 subsets; at most 16`);
  const out: SubsetScore[] = [];
  for (let mask = 1; mask < 1 << members.length; mask++) {
    const picked = members.filter((_, j) => mask & (1 << j));
    out.push({ members: picked.map((m) => m.name), accuracy: accuracy(voteAnswers(picked.map((m) => m.answers)), gold) });
  }
  return out;
}

/** Where the oracle's examples go under the hard vote of all members (in input order). */
export interface OracleBreakdown {
  examples: number;
  /** Examples at least one member answers right. */
  solvable: number;
  /** Of those, the vote answers right / wrong (the right member(s) outvoted). */
  voteRight: number;
  outvoted: number;
  /** Solvable examples the best member gets wrong, and how many of them the vote gets wrong too. */
  bestMisses: number;
  outvotedOfBestMisses: number;
}

export function oracleBreakdown(members: readonly { name: string; answers: readonly Answer[] }[], gold: readonly Answer[], best: string): OracleBreakdown {
  const bestMember = members.find((m) => m.name === best);
  if (!bestMember) throw new RangeError(`oracleBreakdown: no member named ${best}`);
  const vote = voteAnswers(members.map((m) => m.answers));
  const solvable = gold.map((g, i) => members.some((m) => m.answers[i] === g));
  const count = (f: (i: number) => boolean) => gold.filter((_, i) => f(i)).length;
  return {
    examples: gold.length,
    solvable: count((i) => solvable[i]),
    voteRight: count((i) => solvable[i] && vote[i] === gold[i]),
    outvoted: count((i) => solvable[i] && vote[i] !== gold[i]),
    bestMisses: count((i) => solvable[i] && bestMember.answers[i] !== gold[i]),
    outvotedOfBestMisses: count((i) => solvable[i] && bestMember.answers[i] !== gold[i] && vote[i] !== gold[i]),
  };
}
