/**
 * The same paired table for prediction files: a recipe trained on a variant against the same
 * recipe trained on the faithful corpus, both answering dev. Each prediction records its variant
 * under a `variant` key of its `{name}.probs.json` sidecar; a file without one is taken as
 * faithful, and the table says so.
 */
import { existsSync, readFileSync } from "node:fs";
import { loadMember, memberName, probsPath } from "../ensemble/predictions";
import { readProvenance } from "../variant/provenance";
import { variantContentDigest, type VariantRecord } from "../variant/variant";
import type { Example } from "../corpus/schema";
import { UserError } from "../util/errors";
import type { AblationResult, AblationRow } from "./ablate";
import { pairedStats, verdict, type PairedOptions } from "./paired";

export interface RecordedVariant {
  name: string;
  /** The record as written (null when the file has none). */
  record: unknown;
  /** False: no `variant` key beside the file, so it counts as faithful. */
  recorded: boolean;
}

/**
 * The variant a prediction file records: its `{stem}.provenance.json` (what `cci predict` and
 * `cci baseline` write), else a `variant` key in its `{stem}.probs.json`; faithful when neither.
 */
export function predictionVariant(file: string): RecordedVariant {
  const prov = readProvenance(file);
  if (prov) return { name: prov.variant.name, record: prov.variant, recorded: true };
  const side = probsPath(file);
  if (existsSync(side)) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(side, "utf8"));
    } catch {
      data = undefined; // loadMember reports a broken sidecar in its own words
    }
    const v = data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>).variant : undefined;
    if (typeof v === "string") return { name: v, record: v, recorded: true };
    if (v && typeof v === "object" && typeof (v as { name?: unknown }).name === "string") return { name: (v as { name: string }).name, record: v, recorded: true };
    if (v !== undefined) throw new UserError(`${side}: variant: expected a variant record with a name, got ${JSON.stringify(v).slice(0, 80)}`);
  }
  return { name: "faithful", record: null, recorded: false };
}

/** Two recorded variants that build the same data (rules and prompt mode), whatever their names. */
function sameTable(a: unknown, b: unknown): boolean {
  const ok = (x: unknown): x is VariantRecord => !!x && typeof x === "object" && Array.isArray((x as VariantRecord).rules) && typeof (x as VariantRecord).prompts === "string";
  return ok(a) && ok(b) && variantContentDigest(a) === variantContentDigest(b);
}

function correctness(file: string, gold: readonly Example[], goldFile: string): number[] {
  const m = loadMember(file, { probs: false });
  const byId = new Map(m.examples.map((e) => [e.id, e.output]));
  return gold.map((g) => {
    const a = byId.get(g.id);
    if (a === undefined) throw new UserError(`${file}: example ${g.id}: missing; the file must answer every example of ${goldFile}`);
    return a === g.output ? 1 : 0;
  });
}

export interface PairOptions extends PairedOptions {
  /** Each variant's prediction file. */
  variants: readonly string[];
  /** The same recipe's predictions on the faithful corpus. */
  faithful: string;
  gold: readonly Example[];
  goldFile: string;
  corpus: Record<string, string>;
  /** Warnings (a file without a recorded variant, a "faithful" side that records another). */
  warn?: (line: string) => void;
}

export const PREDICTIONS_NOTE = "Paired prediction files: each variant's answers against the faithful answers of the same recipe, example by example.";

export function pairPredictions(opts: PairOptions): AblationResult {
  const warn = opts.warn ?? (() => {});
  const blank = opts.gold.find((e) => e.output === "");
  if (blank) throw new UserError(`${opts.goldFile}: example ${blank.id}: output: empty; pairing needs gold answers (use dev)`);
  const ref = predictionVariant(opts.faithful);
  if (!ref.recorded) warn(`ablate: ${opts.faithful} records no variant; taken as faithful`);
  else if (ref.name !== "faithful") warn(`ablate: ${opts.faithful} records variant ${ref.name}, not faithful; the differences are against it`);
  const refCorrect = correctness(opts.faithful, opts.gold, opts.goldFile);
  const iterations = opts.iterations ?? 2000;
  const seed = opts.seed ?? "cci-ablate";
  const variants: AblationResult["variants"] = [];
  const rows: AblationRow[] = opts.variants.map((file) => {
    const v = predictionVariant(file);
    if (!v.recorded) warn(`ablate: ${file} records no variant; taken as faithful (named by its file: ${memberName(file)})`);
    else if (ref.recorded && sameTable(v.record, ref.record)) warn(`ablate: ${file} records the same rule table and prompt mode as ${opts.faithful} (${v.name} vs ${ref.name}); the difference is run-to-run, not the variant's`);
    const name = v.recorded ? v.name : `${memberName(file)} (no variant recorded)`;
    variants.push({ name, variant: v.record, reused: false });
    const s = pairedStats(correctness(file, opts.gold, opts.goldFile), refCorrect, { iterations, seed });
    return { variant: name, member: memberName(file), reads: "predictions", ...s, verdict: verdict(s) };
  });
  return {
    note: PREDICTIONS_NOTE,
    design: { kind: "dev", examples: opts.gold.length, description: `paired prediction files on ${opts.goldFile} (${opts.gold.length} examples)` },
    corpus: opts.corpus,
    statistics: {
      interval: "95 % paired percentile bootstrap of the accuracy difference (examples resampled with replacement)",
      iterations,
      seed,
      mcnemar: "exact two-sided binomial test on the discordant pairs",
    },
    reference: ref.record ?? { name: "faithful", note: `${opts.faithful} records no variant; taken as faithful` },
    variants,
    rows,
  };
}
