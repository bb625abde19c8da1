/**
 * The CPU members on each variant's corpus, reusing what is already computed.
 *
 * Only the members that read the refined corpus (`input: "refined"`) depend on the variant; the
 * raw members are fitted once per design and shared by every variant's vote. A variant's
 * members are keyed by the sha256 of the corpus they train and score on (the refined pool), the
 * member specs and the design: a re-run, or a variant that refines to the same text as another,
 * reuses the stored scores instead of fitting again.
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BASELINE_MEMBERS, type MemberSpec } from "../baseline/members";
import type { Example } from "../corpus/schema";
import { refineCorpus } from "../refine/refine";
import type { RefineRule } from "../refine/rules";
import type { EvalDesign } from "./design";
import { runCorpusJobs } from "./pool";

/** One variant to score: its rule table (null: no refinement at all, the raw corpus) and its record for provenance. */
export interface AblationVariant {
  name: string;
  rules: readonly RefineRule[] | null;
  /** The serialisable variant (name, rule table, prompt mode), written into the outputs. */
  record: unknown;
  /** Its variant file's text (what `--rules` reads back), written as variants/{name}/variant.json; absent for no refinement. */
  file?: string;
}

/** A member's scores on the design's evaluation order. */
export interface MemberScores {
  member: string;
  input: MemberSpec["input"];
  probs: number[][];
}

/** What a variant folder's members.json holds. */
export interface StoredScores {
  key: string;
  variant: unknown;
  design: EvalDesign["spec"];
  members: MemberScores[];
}

export const RAW_FOLDER = "raw-members";
export const VARIANTS_FOLDER = "variants";
export const SCORES_FILE = "members.json";

const hash = (x: unknown) => createHash("sha256").update(typeof x === "string" ? x : JSON.stringify(x)).digest("hex");

/** The pool the variant's refined members read. */
export function variantPool(pool: readonly Example[], rules: AblationVariant["rules"]): Example[] {
  return rules === null ? [...pool] : refineCorpus(pool, rules).examples;
}

function scoreKey(pool: readonly Example[], members: readonly MemberSpec[], design: EvalDesign): string {
  return hash({ pool: hash(pool), members, design: design.spec, folds: design.folds.length, evalIndex: hash(design.evalIndex) });
}

/** Scores stored under `out` (any variant folder and the raw folder), by key. */
export function storedScores(out: string | undefined): Map<string, StoredScores> {
  const found = new Map<string, StoredScores>();
  if (!out) return found;
  const files = [join(out, RAW_FOLDER, SCORES_FILE)];
  const vdir = join(out, VARIANTS_FOLDER);
  if (existsSync(vdir)) for (const d of readdirSync(vdir, { withFileTypes: true })) if (d.isDirectory()) files.push(join(vdir, d.name, SCORES_FILE));
  for (const f of files) {
    if (!existsSync(f)) continue;
    try {
      const s = JSON.parse(readFileSync(f, "utf8")) as StoredScores;
      if (typeof s.key === "string" && Array.isArray(s.members)) found.set(s.key, s);
    } catch {
      /* unreadable: computed again and rewritten */
    }
  }
  return found;
}

interface Group {
  label: string;
  key: string;
  members: MemberSpec[];
  pool: Example[];
  cached?: StoredScores;
}

export interface ScoredGroup {
  label: string;
  key: string;
  members: MemberScores[];
  /** Reused from an earlier run rather than fitted now. */
  reused: boolean;
}

export interface ScoreOptions {
  /** Ablation folder whose stored scores may be reused. */
  out?: string;
  jobs?: number;
  /** Progress lines. */
  info?: (line: string) => void;
}

/**
 * Fit and score: the raw members once, the refined members once per variant. Returns the raw
 * group and one group per variant (same order), each with its key for storing.
 */
export async function scoreVariants(design: EvalDesign, variants: readonly AblationVariant[], opts: ScoreOptions = {}): Promise<{ raw: ScoredGroup; variants: ScoredGroup[] }> {
  const say = opts.info ?? (() => {});
  const stored = storedScores(opts.out);
  const rawSpecs = BASELINE_MEMBERS.filter((m) => m.input === "raw");
  const refinedSpecs = BASELINE_MEMBERS.filter((m) => m.input === "refined");
  const t0 = performance.now();
  const groups: Group[] = [{ label: "raw members", key: scoreKey(design.pool, rawSpecs, design), members: rawSpecs, pool: design.pool }];
  for (const v of variants) {
    const pool = variantPool(design.pool, v.rules);
    groups.push({ label: v.name, key: scoreKey(pool, refinedSpecs, design), members: refinedSpecs, pool });
  }
  say(`ablate: refined the corpus ${variants.length} ways in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Fit each distinct key once: stored, or shared with an earlier group of this run.
  const todo = new Map<string, Group>();
  for (const g of groups) {
    g.cached = stored.get(g.key);
    if (!g.cached && !todo.has(g.key)) todo.set(g.key, g);
  }
  const reused = groups.filter((g) => g.cached).map((g) => g.label);
  if (reused.length > 0) say(`ablate: reusing stored scores for ${reused.join(", ")}`);
  const pending = [...todo.values()];
  const fitted = new Map<string, Map<string, number[][]>>();
  if (pending.length > 0) {
    const t1 = performance.now();
    const threads = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), pending.length));
    const folds = design.folds.length;
    say(`ablate: fitting the members on ${pending.length} corpora (${folds > 1 ? `${folds} folds each` : "train → dev"}) on ${threads} thread${threads > 1 ? "s" : ""} …`);
    const position = new Map(design.evalIndex.map((idx, pos) => [idx, pos]));
    let finished = 0;
    const results = await runCorpusJobs(
      pending.map((g) => ({ members: g.members.map((m) => m.name), pool: g.pool, folds: design.folds })),
      threads,
      (i) => say(`ablate: [${++finished}/${pending.length}] ${pending[i].label} (${((performance.now() - t1) / 1000).toFixed(1)} s)`),
    );
    pending.forEach((g, i) => {
      const byMember = new Map<string, number[][]>();
      for (const m of g.members) {
        const probs = new Array<number[]>(design.evalIndex.length);
        results[i][m.name].forEach((foldProbs, f) => design.folds[f].eval.forEach((idx, k) => (probs[position.get(idx)!] = foldProbs[k])));
        byMember.set(m.name, probs);
      }
      fitted.set(g.key, byMember);
    });
  }
  const scored = groups.map((g): ScoredGroup => {
    if (g.cached) return { label: g.label, key: g.key, members: g.cached.members, reused: true };
    const byMember = fitted.get(g.key)!;
    return { label: g.label, key: g.key, members: g.members.map((m) => ({ member: m.name, input: m.input, probs: byMember.get(m.name)! })), reused: false };
  });
  return { raw: scored[0], variants: scored.slice(1) };
}
