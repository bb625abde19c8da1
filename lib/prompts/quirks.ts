/**
 * Which examples the original's prompt quirks touch (SPEC §4), so faithful and fixed mode can be
 * compared: the josa overwrite (question replaced by its particle), a wrong but appended
 * particle (the test misreads a non-Hangul last character), and the Baseline's double eos.
 */
import { CATEGORIES, type Category, type Example } from "../corpus/schema";
import { VARIANTS, VARIANT_NAMES, renderQuestion, type VariantName } from "./variants";

export const QUIRKS = ["josa-overwrite", "wrong-particle", "double-eos"] as const;
export type Quirk = (typeof QUIRKS)[number];

export const QUIRK_DESCRIPTIONS: Readonly<Record<Quirk, string>> = {
  "josa-overwrite": "the question/instruction is replaced by its particle alone (로 / 를)",
  "wrong-particle": "the particle is appended but is the wrong one for the term",
  "double-eos": "the target is tokenized with a second eos",
};

export interface QuirkHit {
  variant: VariantName;
  quirk: Quirk;
  id: string;
  category: Category;
}

/** The quirks of one variant on one example (faithful mode against the right text). */
export function exampleQuirks(ex: Example, variant: VariantName): Quirk[] {
  const spec = VARIANTS[variant];
  const q = renderQuestion(spec.question, ex.input.category, "faithful");
  const out: Quirk[] = [];
  if (q.overwritten) out.push("josa-overwrite");
  else if (q.originalParticle !== q.correctParticle) out.push("wrong-particle");
  if (spec.appendsEosTwice) out.push("double-eos");
  return out;
}

export function quirkHits(examples: readonly Example[], variants: readonly VariantName[] = VARIANT_NAMES): QuirkHit[] {
  return variants.flatMap((variant) =>
    examples.flatMap((ex) => exampleQuirks(ex, variant).map((quirk) => ({ variant, quirk, id: ex.id, category: ex.input.category }))),
  );
}

/** One row per variant and quirk: how many examples it touches in each category, and in all. */
export type QuirkCountRow = { variant: VariantName; quirk: Quirk } & Record<Category, number> & { total: number };

export function quirkCounts(examples: readonly Example[], variants: readonly VariantName[] = VARIANT_NAMES): QuirkCountRow[] {
  const hits = quirkHits(examples, variants);
  const rows: QuirkCountRow[] = [];
  for (const variant of variants) {
    for (const quirk of QUIRKS) {
      const mine = hits.filter((h) => h.variant === variant && h.quirk === quirk);
      if (mine.length === 0) continue;
      const perCategory = Object.fromEntries(CATEGORIES.map((c) => [c.category, mine.filter((h) => h.category === c.category).length]));
      rows.push({ variant, quirk, ...(perCategory as Record<Category, number>), total: mine.length });
    }
  }
  return rows;
}

/**
 * Which of the entry's variants lose a category's question to the josa overwrite, and how many of
 * the eleven recipes train on them (`recipes` as SPEC §6 lists them: each names its variant).
 */
export function overwrittenQuestion(category: Category, recipes: readonly { dataset: VariantName }[]): { variants: VariantName[]; entryVariants: number; recipes: number; of: number } {
  const entry = VARIANT_NAMES.filter((v) => v !== "Baseline");
  const variants = entry.filter((v) => renderQuestion(VARIANTS[v].question, category, "faithful").overwritten);
  return { variants, entryVariants: entry.length, recipes: recipes.filter((r) => variants.includes(r.dataset)).length, of: recipes.length };
}

/** One line per category for notebook 03: the variants whose question the overwrite deletes, and the recipes on them. */
export function overwrittenLine(category: Category, r: ReturnType<typeof overwrittenQuestion>): string {
  return r.variants.length === 0
    ? `${category}: no variant loses its question`
    : `${category}: the question is deleted in ${r.variants.length} of the ${r.entryVariants} variants (${r.variants.join(", ")}); ${r.recipes} of the ${r.of} recipes train on them`;
}
