/**
 * `cci ablate` as a library: score the CPU members on each variant's corpus and on the faithful
 * one, and compare them example by example (paired.ts). The members are a cheap proxy for what a
 * variant does to a model that reads the refined corpus — not the entry's LLMs; a GPU user pairs
 * a recipe's prediction files instead (gpu.ts) and gets the same table.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BASELINE_MEMBERS } from "../baseline/members";
import { loadSplit } from "../corpus/locate";
import { ANSWERS, type Answer } from "../corpus/schema";
import { argmax, hardVote, softVote } from "../ensemble/vote";
import { FAITHFUL_RULES } from "../refine/rules";
import { FAITHFUL_VARIANT, resolveVariant, variantFileText, variantRecord, type Variant } from "../variant/variant";
import { buildDesign, describeDesign, goldOf, type DesignSpec } from "./design";
import { RAW_FOLDER, SCORES_FILE, scoreVariants, VARIANTS_FOLDER, type AblationVariant, type MemberScores, type StoredScores } from "./cpu";
import { pairedStats, verdict, type PairedOptions, type PairedStats } from "./paired";

/** Said in the printed table, the JSON and the docs. */
export const PROXY_NOTE =
  "The CPU members are lexical logistic-regression scorers: a cheap proxy for what a variant does to a model, not the entry's LLMs. Only lr-overlap-refined and lr-all-refined read the refined corpus; the five raw members are the same on every variant and enter only the votes.";

export const VOTES = ["hard vote (all)", "soft vote (all)"] as const;

export interface AblationRow extends PairedStats {
  variant: string;
  member: string;
  /** What the row's model reads: the raw corpus (unchanged by a variant), the variant's corpus, or the seven members' vote. */
  reads: "raw" | "refined" | "vote" | "predictions";
  verdict: string;
}

export interface AblationResult {
  note: string;
  design: DesignSpec & { examples: number; description: string };
  corpus: Record<string, string>;
  statistics: { interval: string; iterations: number; seed: string; mcnemar: string };
  reference: unknown;
  variants: { name: string; variant: unknown; reused: boolean }[];
  rows: AblationRow[];
}

export interface AblationOptions extends PairedOptions {
  data: string;
  variants: readonly AblationVariant[];
  /** The variant everything is compared with (default: the faithful rule table). */
  reference?: AblationVariant;
  design?: DesignSpec;
  /** Ablation folder: stored scores are reused from it, and `files` are laid out for it. */
  out?: string;
  jobs?: number;
  info?: (line: string) => void;
}

/** A variant as the ablation scores it (the prompt mode does not reach the CPU members: they read no prompts). */
export function ablationVariant(v: Variant): AblationVariant {
  return { name: v.name, rules: v.rules, record: variantRecord(v), file: variantFileText(v) };
}

export const FAITHFUL_ABLATION: AblationVariant = ablationVariant(FAITHFUL_VARIANT);

/** No refinement at all: the raw corpus (no rules, no dropping, no merging). */
export const NO_REFINEMENT: AblationVariant = {
  name: "no-refinement",
  rules: null,
  record: { name: "no-refinement", prompts: "faithful", rules: null, note: "the raw corpus: no rules, no dropping of emptied utterances, no merging" },
};

/** Leave-one-rule-out over the nine rules (named no-{rule}, as the variant flags name them), plus no refinement at all. */
export function eachRuleVariants(): AblationVariant[] {
  return [...FAITHFUL_RULES.map((r) => ablationVariant(resolveVariant({ disable: [r.name] }))), NO_REFINEMENT];
}

const sha256File = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
const correct = (probs: readonly number[][], gold: readonly Answer[]) => probs.map((p, i) => (ANSWERS[argmax(p)] === gold[i] ? 1 : 0));

/** The seven members' hard and soft votes on one variant (refined members of the variant, raw members shared). */
function votes(members: readonly MemberScores[], gold: readonly Answer[]): Record<(typeof VOTES)[number], number[]> {
  const answers = members.map((m) => m.probs.map((p) => ANSWERS[argmax(p)]));
  return {
    "hard vote (all)": gold.map((g, i) => (hardVote(answers.map((a) => a[i])) === g ? 1 : 0)),
    "soft vote (all)": gold.map((g, i) => (ANSWERS[softVote(members.map((m) => m.probs[i]))] === g ? 1 : 0)),
  };
}

/** Members in table order. */
const ordered = (ms: readonly MemberScores[]) => BASELINE_MEMBERS.map((s) => ms.find((m) => m.member === s.name)!).filter(Boolean);

export async function runAblation(opts: AblationOptions): Promise<{ result: AblationResult; files: Map<string, string> }> {
  const say = opts.info ?? (() => {});
  const spec = opts.design ?? { kind: "dev" };
  const design = buildDesign(loadSplit(opts.data, "train"), loadSplit(opts.data, "dev"), spec);
  const gold = goldOf(design);
  const reference = opts.reference ?? FAITHFUL_ABLATION;
  say(`ablate: ${describeDesign(spec, gold.length)}; ${opts.variants.length} variant(s) against ${reference.name}`);
  const all = [reference, ...opts.variants.filter((v) => v.name !== reference.name)];
  const scored = await scoreVariants(design, all, { out: opts.out, jobs: opts.jobs, info: say });
  const iterations = opts.iterations ?? 2000;
  const seed = opts.seed ?? "cci-ablate";
  const membersOf = (i: number) => ordered([...scored.raw.members, ...scored.variants[i].members]);
  const ref = membersOf(0);
  const refCorrect = new Map(ref.map((m) => [m.member, correct(m.probs, gold)]));
  const refVotes = votes(ref, gold);
  const rows: AblationRow[] = [];
  all.forEach((v, i) => {
    if (i === 0) return;
    const ms = membersOf(i);
    const add = (member: string, reads: AblationRow["reads"], mine: number[], theirs: number[]) => {
      const s = pairedStats(mine, theirs, { iterations, seed });
      rows.push({ variant: v.name, member, reads, ...s, verdict: verdict(s) });
    };
    for (const m of ms) add(m.member, m.input, correct(m.probs, gold), refCorrect.get(m.member)!);
    const vv = votes(ms, gold);
    for (const name of VOTES) add(name, "vote", vv[name], refVotes[name]);
  });
  const corpus = Object.fromEntries(["train", "dev"].map((s) => [`${s}.json`, sha256File(join(opts.data, `${s}.json`))]));
  const result: AblationResult = {
    note: PROXY_NOTE,
    design: { ...spec, examples: gold.length, description: describeDesign(spec, gold.length) },
    corpus,
    statistics: {
      interval: "95 % paired percentile bootstrap of the accuracy difference (examples resampled with replacement)",
      iterations,
      seed,
      mcnemar: "exact two-sided binomial test on the discordant pairs",
    },
    reference: reference.record,
    variants: all.slice(1).map((v, i) => ({ name: v.name, variant: v.record, reused: scored.variants[i + 1].reused })),
    rows,
  };
  const files = new Map<string, string>();
  if (opts.out) {
    const store = (dir: string, key: string, variant: unknown, members: MemberScores[]) =>
      files.set(join(dir, SCORES_FILE), `${JSON.stringify({ key, variant, design: spec, members } satisfies StoredScores)}\n`);
    store(join(opts.out, RAW_FOLDER), scored.raw.key, null, scored.raw.members);
    all.forEach((v, i) => {
      const dir = join(opts.out!, VARIANTS_FOLDER, v.name);
      store(dir, scored.variants[i].key, v.record, scored.variants[i].members);
      if (v.file) files.set(join(dir, "variant.json"), v.file);
    });
  }
  return { result, files };
}

const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const pval = (p: number) => (p >= 0.001 ? p.toFixed(3) : p.toExponential(1));

const unchanged = (r: AblationRow) => r.variantOnly === 0 && r.faithfulOnly === 0;

/** Variants whose every member and vote answers every example as on the faithful corpus. */
export function identicalVariants(result: AblationResult): string[] {
  const names = [...new Set(result.rows.map((r) => r.variant))];
  return names.filter((v) => result.rows.filter((r) => r.variant === v).every(unchanged));
}

/**
 * The printed table: one row per variant and member that can change (refined members, votes,
 * prediction pairs); a variant that changes no answer at all is left to one line (`ablationSummary`).
 */
export function ablationTableRows(result: AblationResult): Record<string, string | number>[] {
  const same = new Set(identicalVariants(result));
  return result.rows
    .filter((r) => r.reads !== "raw" && !same.has(r.variant))
    .map((r) => ({
      variant: r.variant,
      member: r.member,
      accuracy: pct(r.accuracy),
      faithful: pct(r.faithfulAccuracy),
      "Δ pts": pts(r.diff),
      "95 % CI (pts)": `${pts(r.low)} … ${pts(r.high)}`,
      "width (pts)": +(100 * r.width).toFixed(1),
      "McNemar p": pval(r.mcnemarP),
      verdict: r.verdict,
    }));
}

/** The lines printed under the table: the proxy note and how wide the intervals are. */
export function ablationSummary(result: AblationResult): string[] {
  const shown = result.rows.filter((r) => r.reads !== "raw" && !unchanged(r));
  const same = identicalVariants(result);
  const widths = shown.map((r) => 100 * r.width);
  const beyond = shown.filter((r) => !r.withinNoise);
  const lines = [
    `ablate: ${result.design.description}; intervals ${result.statistics.interval.replace("95 % ", "")}, ${result.statistics.iterations} resamples.`,
  ];
  if (same.length > 0) lines.push(`ablate: same answers as the faithful corpus on every example, every member and vote: ${same.join(", ")}.`);
  if (widths.length > 0)
    lines.push(
      `ablate: interval widths ${Math.min(...widths).toFixed(1)}–${Math.max(...widths).toFixed(1)} points; ${beyond.length === 0 ? "every difference is within noise (each interval holds 0)" : `${beyond.length} of ${shown.length} differences exclude 0: ${beyond.map((r) => `${r.variant}/${r.member}`).join(", ")}`}.`,
    );
  return lines;
}

/** The CSV: one line per row of the JSON (raw members included), numbers unrounded. */
export function ablationCsv(result: AblationResult): string {
  const cols = ["variant", "member", "reads", "n", "accuracy", "faithfulAccuracy", "diff", "low", "high", "width", "mcnemarP", "variantOnly", "faithfulOnly", "withinNoise", "verdict"] as const;
  const cell = (v: unknown) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[cols.join(","), ...result.rows.map((r) => cols.map((c) => cell(r[c])).join(","))].join("\n")}\n`;
}
