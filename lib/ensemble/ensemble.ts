/**
 * Vote a set of aligned prediction files into one: the base's examples with each output set to
 * the members' verdict. `hard` is the original's rule (SPEC §7); `soft` sums probabilities.
 * Weights, when given, scale each member's vote (hard) or probabilities (soft).
 */
import { existsSync } from "node:fs";
import { loadCorpus } from "../corpus/load";
import { ANSWERS, type Answer, type Example } from "../corpus/schema";
import { OutputSet } from "../util/outputs";
import { UserError } from "../util/errors";
import { assertAligned, type Aligned } from "./align";
import { loadMember, probsPath, writePrediction, type Member } from "./predictions";
import { hardVote, softVote, topCountTied, weightedHardVote } from "./vote";

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
  if (weights) assertWeights(weights, members.length);
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

/** One weight per member, each finite and non-negative, summing to a finite number above 0. */
export function assertWeights(weights: readonly number[], members: number): void {
  if (weights.length !== members) throw new UserError(`vote: ${weights.length} weights for ${members} members (give one per file, in order)`);
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new UserError(`vote: --weights ${weights.join(",")}: expected finite non-negative numbers`);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) throw new UserError(`vote: --weights ${weights.join(",")}: the weights sum to 0, so no member counts`);
  if (!Number.isFinite(total)) throw new UserError(`vote: --weights ${weights.join(",")}: the weights' sum overflows; scale them down`);
}

function summarise(votes: readonly Answer[][], method: VoteMethod): VoteSummary {
  let unanimous = 0;
  let tiesBroken = 0;
  for (const v of votes) {
    if (v.every((x) => x === v[0])) unanimous++;
    if (topCountTied(v)) tiesBroken++;
  }
  return { examples: votes.length, members: votes[0]?.length ?? 0, method, unanimous, tiesBroken };
}

export interface VoteFilesOptions extends VoteOptions {
  /** The file whose examples the output copies; defaults to the first member. */
  base?: string;
  out: string;
  /** A labelled corpus file to score against: checked (aligned, every answer present) before anything is written. */
  gold?: string;
}

export interface VoteFilesResult extends VoteResult {
  base: string;
  members: Member[];
  out: string;
  gold?: Example[];
}

/**
 * Load, check alignment, vote and write `out` in the original's form (with a probabilities
 * sidecar for soft votes). Every input is read and checked before the output is written; the
 * output may be none of them (members, their sidecars, base, gold).
 */
export function voteFiles(files: readonly string[], opts: VoteFilesOptions): VoteFilesResult {
  if (files.length === 0) throw new UserError("vote: no member files");
  const method = opts.method ?? "hard";
  const baseFile = opts.base ?? files[0];
  const outputs = new OutputSet(voteInputs(files, opts));
  outputs.declare(opts.out);
  const probsOut = outputs.sidecar(opts.out, probsPath(opts.out)); // none beside a stream (/dev/null)
  if (method === "soft" && probsOut) outputs.declare(probsOut, "--out (its .probs.json sidecar)");
  // A hard vote has no probabilities: a sidecar left by an earlier soft vote would describe other answers.
  else if (probsOut && existsSync(probsOut)) outputs.remove(probsOut, "--out (its stale .probs.json sidecar)");
  const probs = method === "soft";
  // The base first: members holding only {id, output} take every other field from it.
  const base = loadMember(baseFile, { allowEmpty: !!opts.base, probs: opts.base ? false : probs });
  const members = files.map((f) => (f === baseFile && !opts.base ? base : loadMember(f, { base, probs })));
  assertAligned(base, members);
  const gold = opts.gold ? loadGold(opts.gold, base) : undefined;
  const result = voteMembers(members, opts);
  outputs.runSync(() => writePrediction(opts.out, base.examples, result.answers, probsOut ? result.probs : undefined, (p, d) => outputs.write(p, d)));
  return { ...result, base: baseFile, members, out: opts.out, gold };
}

/** What a vote reads: members, their sidecars, the base and the gold file. */
export function voteInputs(files: readonly string[], opts: Pick<VoteFilesOptions, "base" | "gold">): string[] {
  return [...files, ...files.map(probsPath), ...(opts.base ? [opts.base, probsPath(opts.base)] : []), ...(opts.gold ? [opts.gold] : [])];
}

function loadGold(file: string, base: Aligned): Example[] {
  const gold = loadCorpus(file);
  assertAligned({ file, examples: gold }, [base]);
  const blank = gold.find((e) => e.output === "");
  if (blank) throw new UserError(`${file}: example ${blank.id}: output: empty; --gold needs a labelled file (train or dev)`);
  return gold;
}
