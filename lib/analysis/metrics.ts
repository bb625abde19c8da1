/** Accuracy and confusion of one member against gold answers. */
import { ANSWERS, CATEGORIES, type Answer, type Category } from "../corpus/schema";

/** A member's answers (and probabilities) aligned with a list of examples. */
export interface MemberAnswers {
  name: string;
  answers: readonly Answer[];
  probs?: readonly (readonly number[])[];
}

/** 1 where the answer is right, else 0. */
export function correctness(answers: readonly Answer[], gold: readonly Answer[]): number[] {
  if (answers.length !== gold.length) throw new RangeError(`${answers.length} answers but ${gold.length} gold labels`);
  return answers.map((a, i) => (a === gold[i] ? 1 : 0));
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function accuracy(answers: readonly Answer[], gold: readonly Answer[]): number {
  return mean(correctness(answers, gold));
}

/** Indices of the examples of each category, in the competition's category order (empty ones left out). */
export function indicesByCategory(categories: readonly Category[]): { category: Category; indices: number[] }[] {
  return CATEGORIES.map(({ category }) => ({ category, indices: categories.flatMap((c, i) => (c === category ? [i] : [])) })).filter(
    (g) => g.indices.length > 0,
  );
}

/** counts[g][p]: examples whose gold is ANSWERS[g] and prediction ANSWERS[p]. */
export function confusionMatrix(answers: readonly Answer[], gold: readonly Answer[]): number[][] {
  const m = ANSWERS.map(() => ANSWERS.map(() => 0));
  answers.forEach((a, i) => m[ANSWERS.indexOf(gold[i])][ANSWERS.indexOf(a)]++);
  return m;
}
