/**
 * Vote a set of aligned prediction files into one: the base's examples with each output set to
 * the members' verdict. `hard` is the original's rule (SPEC §7); `soft` sums probabilities.
 * Weights, when given, scale each member's vote (hard) or probabilities (soft).
 */
import { ANSWERS, type Answer } from "../corpus/schema";
import { assertNotInput } from "../util/atomic";
import { UserError } from "../util/errors";
import { assertAligned } from "./align";
import { loadMember, writePrediction, type Member } from "./predictions";
import { hardVote, softVote, weightedHardVote } from "./vote";

export const VOTE_METHODS = ["hard", "soft"] as const;
export type VoteMethod = (typeof VOTE_METHODS)[number];

export interface VoteOptions {
  method?: VoteMethod;
  /** One weight per member, in member order. */
  weights?: readonly number[];
}

export interface VoteSummary {
  examples: number;
  members: number;
  method: VoteMethod;
  /** Every member gave the same answer. */
  unanimous: number;
  /** The winning count was shared by several answers (hard vote), so member order decided. */
  tiesBroken: number;
}

export interface VoteResult {
  answers: Answer[];
  /** Summed (weighted) probabilities normalised per example; soft voting only. */
  probs?: number[][];
  summary: VoteSummary;
}

/** Each member's answer per example: `votes[i][m]`. */
export function votesByExample(members: readonly Pick<Member, "examples">[]): Answer[][] {
  const n = members[0]?.examples.length ?? 0;
  return Array.from({ length: n }, (_, i) => members.map((m) => m.examples[i].output as Answer));
}

/** Vote aligned members (alignment is the caller's check; see `assertAligned`). */
export function voteMembers(members: readonly Member[], opts: VoteOptions = {}): VoteResult {
  const method = opts.method ?? "hard";
  if (members.length === 0) throw new UserError("vote: no member files");
  const weights = opts.weights;
  if (weights && weights.length !== members.length)
    throw new UserError(`vote: ${weights.length} weights for ${members.length} members (give one per file, in order)`);
  const votes = votesByExample(members);
  let answers: Answer[];
  let probs: number[][] | undefined;
  if (method === "hard") {
    answers = votes.map((v) => (weights ? weightedHardVote(v, weights) : hardVote(v)));
  } else {
    const missing = members.find((m) => !m.probs);
    if (missing) throw new UserError(`${missing.file}: no probabilities sidecar (${missing.name}.probs.json) — soft voting needs one for every member`);
    const total = weights ? weights.reduce((a, b) => a + b, 0) : members.length;
    probs = votes.map((_, i) => {
      const rows = members.map((m) => m.probs![i]);
      return ANSWERS.map((_, k) => rows.reduce((s, r, m) => s + (weights ? weights[m] : 1) * r[k], 0) / total);
    });
    answers = votes.map((_, i) => ANSWERS[softVote(members.map((m) => m.probs![i]), weights)]);
  }
  return { answers, probs, summary: summarise(votes, method) };
}

function summarise(votes: readonly Answer[][], method: VoteMethod): VoteSummary {
  let unanimous = 0;
  let tiesBroken = 0;
  for (const v of votes) {
    const counts = ANSWERS.map((a) => v.filter((x) => x === a).length);
    if (counts.some((c) => c === v.length)) unanimous++;
    const top = Math.max(...counts);
    if (counts.filter((c) => c === top).length > 1) tiesBroken++;
  }
  return { examples: votes.length, members: votes[0]?.length ?? 0, method, unanimous, tiesBroken };
}

export interface VoteFilesOptions extends VoteOptions {
  /** The file whose examples the output copies; defaults to the first member. */
  base?: string;
  out: string;
}

export interface VoteFilesResult extends VoteResult {
  base: string;
  members: Member[];
  out: string;
}

/** Load, check alignment, vote and write `out` in the original's form (with a probabilities sidecar for soft votes). */
export function voteFiles(files: readonly string[], opts: VoteFilesOptions): VoteFilesResult {
  if (files.length === 0) throw new UserError("vote: no member files");
  const baseFile = opts.base ?? files[0];
  assertNotInput(opts.out, [baseFile, ...files]);
  // The base first: members holding only {id, output} take every other field from it.
  const base = loadMember(baseFile, { allowEmpty: !!opts.base });
  const members = files.map((f) => (f === baseFile && !opts.base ? base : loadMember(f, { base })));
  assertAligned(base, members);
  const result = voteMembers(members, opts);
  writePrediction(opts.out, base.examples, result.answers, result.probs);
  return { ...result, base: baseFile, members, out: opts.out };
}
