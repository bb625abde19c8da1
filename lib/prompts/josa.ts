/**
 * Korean particles (josa) after a term, as the original chose them and as they should be.
 *
 * The original tests the term's last character with `(ord(c) - ord("가")) % 28 > 0` — Python's
 * modulo, which is never negative — and reads "true" as "has a final consonant". For characters
 * outside the Hangul syllables that test is meaningless (`)` says "final consonant"), and where
 * it says "no final consonant" the original *assigns* the particle instead of appending it
 * (the josa-overwrite quirk, SPEC §4).
 */
import { josa } from "es-hangul";

/** A particle pair: after a final consonant, and after a vowel. */
export interface ParticlePair {
  afterConsonant: string;
  afterVowel: string;
}

export const PARTICLE_EURO: ParticlePair = { afterConsonant: "으로", afterVowel: "로" };
export const PARTICLE_EUL: ParticlePair = { afterConsonant: "을", afterVowel: "를" };

const GA = "가".codePointAt(0)!;

/** Python's `a % b` for a positive divisor: the result takes the divisor's sign. */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** The original's test on the term's last character (code point, as Python indexes strings). */
export function originalSaysFinalConsonant(term: string): boolean {
  const last = Array.from(term).at(-1);
  if (last === undefined) throw new RangeError("empty term");
  return pyMod(last.codePointAt(0)! - GA, 28) > 0;
}

/** What the original does: append after a "final consonant", otherwise overwrite the whole text. */
export function faithfulAttach(text: string, term: string, pair: ParticlePair): { text: string; overwritten: boolean } {
  return originalSaysFinalConsonant(term)
    ? { text: text + pair.afterConsonant, overwritten: false }
    : { text: pair.afterVowel, overwritten: true };
}

/**
 * The right particle for a term. A trailing parenthetical gloss (`원인(cause)`) is read as the
 * word before it, as Korean text does; es-hangul decides from the last Hangul syllable.
 */
export function correctParticle(term: string, pair: ParticlePair): string {
  const spoken = term.replace(/\s*\([^()]*\)\s*$/u, "") || term;
  const option = `${pair.afterConsonant}/${pair.afterVowel}` as "으로/로" | "을/를";
  return josa.pick(spoken, option);
}

/** What the corrected mode does: always append the right particle. */
export function fixedAttach(text: string, term: string, pair: ParticlePair): { text: string; overwritten: boolean } {
  return { text: text + correctParticle(term, pair), overwritten: false };
}
