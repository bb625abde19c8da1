/**
 * The CPU-trainable ensemble members, as one table: which input (raw or refined corpus,
 * SPEC §2), which feature groups, and the training settings. Settings were chosen once on
 * train/dev of the real corpus and are fixed; training never sees dev.
 */
import type { FeatureGroupName } from "./features";

export interface MemberSpec {
  name: string;
  description: string;
  input: "raw" | "refined";
  groups: FeatureGroupName[];
  /** Token features need this many occurrences in train options. */
  minCount: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty; stronger for the thousands of token features. */
  l2: number;
}

const TRAINING = { minCount: 2, epochs: 300, learningRate: 0.05, l2: 0.01 } as const;
const OVERLAP: FeatureGroupName[] = ["overlap", "overlapByCategory", "speaker", "length"];
const ALL: FeatureGroupName[] = ["overlap", "overlapByCategory", "speaker", "length", "edits", "centrality", "lexicon"];

export const BASELINE_MEMBERS: readonly MemberSpec[] = [
  { name: "lr-edits", description: "option-only: word/char edit distance to the other two options", input: "raw", groups: ["edits"], ...TRAINING },
  { name: "lr-centrality", description: "option-only: n-gram similarity to the other two options, length", input: "raw", groups: ["centrality", "length"], ...TRAINING },
  { name: "lr-lexicon", description: "option-only: learned distinctive words and bigrams, words per category", input: "raw", groups: ["lexicon", "lexiconByCategory"], ...TRAINING, l2: 0.1 },
  { name: "lr-overlap-raw", description: "overlap of each option with references and conversation, speaker, length — raw corpus", input: "raw", groups: OVERLAP, ...TRAINING },
  { name: "lr-overlap-refined", description: "the same on the refined corpus", input: "refined", groups: OVERLAP, ...TRAINING },
  { name: "lr-all-raw", description: "every group — raw corpus", input: "raw", groups: ALL, ...TRAINING },
  { name: "lr-all-refined", description: "every group — refined corpus", input: "refined", groups: ALL, ...TRAINING },
];

export const BASELINE_MEMBER_NAMES = BASELINE_MEMBERS.map((m) => m.name);

/** The members named, in table order; an unknown name is a RangeError listing the known ones. */
export function selectMembers(names?: readonly string[]): MemberSpec[] {
  if (!names || names.length === 0) return [...BASELINE_MEMBERS];
  const unknown = names.filter((n) => !BASELINE_MEMBER_NAMES.includes(n));
  if (unknown.length > 0) throw new RangeError(`unknown member ${unknown.join(", ")} (members: ${BASELINE_MEMBER_NAMES.join(", ")})`);
  return BASELINE_MEMBERS.filter((m) => names.includes(m.name));
}
