/**
 * Provenance beside a result: `{stem}.provenance.json` next to a prediction file (the prediction
 * itself stays in the original's bytes, and `{stem}.probs.json` in its own fixed form). It names
 * the variant (name, rule table, prompt mode) and the sha256 of the corpus files used, so
 * `cci vote`, `cci ablate` and a reader can tell which variant produced which member.
 */
import { existsSync, readFileSync } from "node:fs";
import { UserError } from "../util/errors";
import type { CorpusRecord } from "./manifest";
import { FAITHFUL_VARIANT, variantRecord, type VariantRecord } from "./variant";

export const PROVENANCE_SUFFIX = ".provenance.json";

export interface Provenance {
  variant: VariantRecord;
  /** The corpus files the result was built from (sha256 by file name). */
  corpus: CorpusRecord;
  /** Anything else the writer wants on record (the recipe, the backend, …). */
  [key: string]: unknown;
}

/** `x/NAME.json` → `x/NAME.provenance.json`. */
export function provenancePath(resultFile: string): string {
  return resultFile.replace(/\.json$/i, "") + PROVENANCE_SUFFIX;
}

export function isProvenanceFile(file: string): boolean {
  return file.toLowerCase().endsWith(PROVENANCE_SUFFIX);
}

export function provenanceText(p: Provenance): string {
  return `${JSON.stringify(p, null, 2)}\n`;
}

/** The provenance beside a result file, or undefined when it has none (written before variants, or by another tool). */
export function readProvenance(resultFile: string): Provenance | undefined {
  const p = provenancePath(resultFile);
  if (!existsSync(p)) return undefined;
  let data: Provenance;
  try {
    data = JSON.parse(readFileSync(p, "utf8")) as Provenance;
  } catch (e) {
    throw new UserError(`${p}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  const v = data?.variant;
  if (!v || typeof v.name !== "string" || !Array.isArray(v.rules) || typeof v.prompts !== "string") throw new UserError(`${p}: variant: expected {name, prompts, rules, spec}`);
  return data;
}

/** The variant a result file records; faithful (marked unrecorded) when it has no provenance. */
export function resultVariant(resultFile: string): { record: VariantRecord; recorded: boolean } {
  const p = readProvenance(resultFile);
  return p ? { record: p.variant, recorded: true } : { record: variantRecord(FAITHFUL_VARIANT), recorded: false };
}

/** The variant's name for a listing: "faithful?" where nothing was recorded (assumed faithful). */
export function variantLabel(resultFile: string): string {
  const r = resultVariant(resultFile);
  return r.recorded ? r.record.name : "faithful?";
}
