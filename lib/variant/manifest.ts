/**
 * Provenance of corpora: the sha256 of each corpus file a result was built from, and the small
 * manifest `cci refine` leaves in a refined folder so no later command refines it a second time
 * without knowing (train plan reads it: the folder is taken as refined by the recorded rules).
 *
 * The manifest's name does not end in .json, so corpus globs (`*.json`) never read it as a split.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import YAML from "yaml";
import { corpusFiles } from "../corpus/locate";
import { UserError } from "../util/errors";
import { variantFromRecord, variantRecord, type Variant, type VariantRecord } from "./variant";

export const MANIFEST_NAME = "cci-refine-manifest.yaml";

/** The corpus files of a result: where they were, and the sha256 of each (by file name). */
export interface CorpusRecord {
  dir: string;
  files: Record<string, string>;
}

export interface RefineManifest {
  /** What wrote the folder. */
  written_by: "cci refine";
  variant: VariantRecord;
  /** The raw corpus it was refined from (dir relative to the refined folder). */
  input: CorpusRecord;
  /** The refined files as written. */
  output: CorpusRecord;
}

export const sha256File = (p: string): string => createHash("sha256").update(readFileSync(p)).digest("hex");
const shown = (p: string) => relative(process.cwd(), p) || ".";

/** sha256 of the given corpus files (or every *.json of `dir`), keyed by file name. */
export function corpusRecord(dir: string, files: readonly string[] = corpusFiles(dir)): CorpusRecord {
  return { dir: shown(dir), files: Object.fromEntries([...files].sort().map((f) => [basename(f), sha256File(f)])) };
}

/** The manifest text for a folder refined from `inDir`'s `inputs` (the outputs hashed as staged). */
export function manifestText(v: Variant, input: CorpusRecord, output: CorpusRecord): string {
  const m: RefineManifest = { written_by: "cci refine", variant: variantRecord(v), input, output };
  return `# Written by \`cci refine\`: this folder is already refined by the rules below.\n# \`cci train plan --data\` reads it and does not refine the folder again.\n${YAML.stringify(m, { lineWidth: 0 })}`;
}

/** A refined folder's manifest, checked, or undefined when the folder has none. */
export function readManifest(dir: string): { manifest: RefineManifest; variant: Variant } | undefined {
  const p = join(dir, MANIFEST_NAME);
  if (!existsSync(p)) return undefined;
  let m: RefineManifest;
  try {
    m = YAML.parse(readFileSync(p, "utf8")) as RefineManifest;
  } catch (e) {
    throw new UserError(`${shown(p)}: not a readable manifest (${(e as Error).message.split("\n")[0]}); refine the folder again with \`cci refine\``);
  }
  if (!m || m.written_by !== "cci refine" || !m.variant || !m.output?.files) throw new UserError(`${shown(p)}: not a \`cci refine\` manifest (written_by, variant, output missing); refine the folder again`);
  const variant = variantFromRecord(m.variant, shown(p));
  for (const [f, sum] of Object.entries(m.output.files)) {
    const file = join(dir, f);
    if (existsSync(file) && sha256File(file) !== sum) throw new UserError(`${shown(file)}: changed since \`cci refine\` wrote it (sha256 differs from ${MANIFEST_NAME}); refine again, or remove the manifest if you edited it on purpose`);
  }
  return { manifest: m, variant };
}
