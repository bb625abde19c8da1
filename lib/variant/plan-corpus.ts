/**
 * What `cci train plan` trains a variant on, decided once: a raw corpus folder (refined here by
 * the variant's rules for the refined recipes), or a folder `cci refine` wrote (taken as refined,
 * its manifest's rules recorded; its raw source found through the manifest for the raw recipes).
 * A refined folder is never refined a second time, and flags that ask for other rules than the
 * folder's are refused in one line. Also: one variant per runs folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Example } from "../corpus/schema";
import { refineCorpus } from "../refine/refine";
import { UserError } from "../util/errors";
import { checkOutputFolder } from "../util/output-rule";
import { loadRunCorpus, type Corpus } from "../train/data";
import type { Selected } from "../train/bundle";
import { runFolders } from "../train/status";
import { corpusRecord, MANIFEST_NAME, readManifest, sha256File, type CorpusRecord } from "./manifest";
import { FAITHFUL_VARIANT, resolveVariant, sameRules, variantContentDigest, variantRecord, type Variant, type VariantOptions, type VariantRecord } from "./variant";

const shown = (p: string) => relative(process.cwd(), p) || ".";
const RUN_FILES = ["train.json", "dev.json"];

export interface PlanCorpus {
  variant: Variant;
  raw: Corpus;
  /** Set when the folder was already refined (its rows are used as they are). */
  refined?: Corpus;
  provenance: { variant: VariantRecord; raw?: CorpusRecord; refined?: CorpusRecord };
  /** One line for the user saying what was read. */
  note?: string;
}

/** Whether the options tweak the rule table (as opposed to the prompt mode only). */
export function flagsTweakRules(o: VariantOptions): boolean {
  return Boolean(o.rules) || (o.disable?.length ?? 0) > 0 || (o.alt?.length ?? 0) > 0 || (o.addRule?.length ?? 0) > 0;
}

const EMPTY: Corpus = { train: [], dev: [] };

/**
 * The corpus for `selected` from `dataDir` under `asked` (the variant the flags built).
 * `rulesGiven`: whether the flags named a rule table (else a refined folder's own is taken).
 */
export function planCorpus(dataDir: string, asked: Variant, rulesGiven: boolean, selected: readonly Selected[]): PlanCorpus {
  const found = readManifest(dataDir);
  const files = RUN_FILES.map((f) => join(dataDir, f)).filter((f) => existsSync(f));
  if (!found) {
    const raw = loadRunCorpus(dataDir);
    return { variant: asked, raw, provenance: { variant: variantRecord(asked), raw: corpusRecord(dataDir, files) } };
  }
  const { manifest, variant: folderVariant } = found;
  if (rulesGiven && !sameRules(asked.rules, folderVariant.rules))
    throw new UserError(
      `${shown(dataDir)}: already refined by \`cci refine\` (variant ${folderVariant.name}, ${MANIFEST_NAME}); the rule flags ask for ${asked.name}: plan from the raw corpus (${shown(resolve(dataDir, manifest.input.dir))}) with the flags, or drop them to train on the folder as refined`,
    );
  // The folder's rules, with the prompt mode the flags asked for.
  const spec = { ...folderVariant.spec, prompts: asked.prompts };
  if (asked.prompts !== (folderVariant.spec.prompts ?? "faithful")) delete spec.name;
  const variant = resolveVariant(spec, join(dataDir, MANIFEST_NAME));
  const refined = loadRunCorpus(dataDir);
  // The raw recipes need the raw corpus the folder came from: the manifest names it, with hashes.
  let raw = EMPTY;
  let rawRecord: CorpusRecord | undefined;
  const rawRecipes = selected.filter((s) => s.recipe.data === "raw");
  if (rawRecipes.length > 0) {
    const src = resolve(dataDir, manifest.input.dir);
    const stale = RUN_FILES.filter((f) => !existsSync(join(src, f)) || (manifest.input.files[f] !== undefined && sha256File(join(src, f)) !== manifest.input.files[f]));
    if (stale.length > 0)
      throw new UserError(
        `${shown(dataDir)}: a refined folder (${MANIFEST_NAME}); recipe ${rawRecipes.map((s) => s.index).join(", ")} read${rawRecipes.length === 1 ? "s" : ""} the raw corpus, but its source ${shown(src)} ${stale.length === RUN_FILES.length && !existsSync(src) ? "is not there" : `has changed (${stale.join(", ")})`}: plan raw recipes with --data RAW_FOLDER`,
      );
    raw = loadRunCorpus(src);
    rawRecord = corpusRecord(src, RUN_FILES.map((f) => join(src, f)));
  }
  return {
    variant,
    raw,
    refined,
    provenance: { variant: variantRecord(variant), raw: rawRecord, refined: corpusRecord(dataDir, files) },
    note: `train plan: ${shown(dataDir)} is already refined by \`cci refine\` (variant ${folderVariant.name}); the refined recipes read it as is${rawRecipes.length ? `, the raw ones its source ${shown(resolve(dataDir, manifest.input.dir))}` : ""}`,
  };
}

/** The variant a bundle was planned with (faithful for bundles planned before variants). */
export function bundleVariant(dir: string): VariantRecord {
  try {
    const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as { variant?: VariantRecord };
    return run.variant ?? variantRecord(FAITHFUL_VARIANT);
  } catch {
    return variantRecord(FAITHFUL_VARIANT);
  }
}

/**
 * One variant per runs folder: refuse to plan `variant` beside bundles of another one (those this
 * plan replaces excepted), naming the folder to use instead.
 */
export function checkRunsFolderVariant(runsDir: string, variant: Variant, replaced: readonly string[], suggestion: string): void {
  checkOutputFolder(runsDir); // a bad --out is named as planning names it, before its bundles are read
  const mine = variantContentDigest(variant);
  const others = runFolders(runsDir)
    .filter((r) => !replaced.includes(r.name))
    .map((r) => ({ name: r.name, v: bundleVariant(r.dir) }))
    .filter((r) => variantContentDigest(r.v) !== mine);
  if (others.length === 0) return;
  const names = [...new Set(others.map((o) => o.v.name))];
  throw new UserError(
    `${shown(runsDir)}: holds bundles of variant ${names.join(", ")} (${others.slice(0, 3).map((o) => o.name).join(", ")}${others.length > 3 ? ", …" : ""}); one variant per runs folder: plan ${variant.name} into its own, e.g. --out ${suggestion}`,
  );
}

/**
 * The examples a prompt-rendering command (prompts, export-sft) renders from one corpus file:
 * the file as it is, or — when rule flags are given — the file refined by the variant's rules.
 * A file of a `cci refine` folder is never refined again: rule flags on it are refused.
 */
export function promptExamples(file: string, variant: Variant, o: VariantOptions, load: (f: string) => Example[]): { examples: Example[]; refinedHere: boolean; recorded: VariantRecord; corpus: CorpusRecord } {
  const dir = dirname(file);
  const found = existsSync(join(dir, MANIFEST_NAME)) ? readManifest(dir) : undefined;
  const raw = load(file);
  const corpus = corpusRecord(dir, [file]);
  if (!flagsTweakRules(o)) return { examples: raw, refinedHere: false, recorded: variantRecord(found ? resolveVariant({ ...found.variant.spec, prompts: variant.prompts, name: undefined }) : variant), corpus };
  if (found) throw new UserError(`${shown(file)}: already refined by \`cci refine\` (variant ${found.variant.name}, ${MANIFEST_NAME} beside it); the rule flags would refine it again: give the raw file with the flags, or drop them`);
  return { examples: refineCorpus(raw, variant.rules).examples, refinedHere: true, recorded: variantRecord(variant), corpus };
}
