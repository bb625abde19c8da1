/**
 * The original's nine utterance-refinement rules (SPEC §2, `run/refine.py`), in order, as data.
 *
 * A rule maps one utterance text to its refined text. Each keeps the original's pattern in
 * Python syntax (`python`), compiled with Python `regex` semantics, so the table reads like the
 * original and a reader can add a rule in the same form.
 */
import { pyRegExp, pyStrip, pySub } from "./pyregex";

export interface RefineRule {
  /** Stable name used to switch the rule off or replace it. */
  name: string;
  /** What the rule does, in one line. */
  description: string;
  /** The original's operation in Python syntax, for the reader. */
  python: string;
  apply: (text: string) => string;
}

const HANGUL_SYLLABLE = pyRegExp("[가-힣]", "");
const SYMBOL = pyRegExp(String.raw`[^\w\s]`, "");

/**
 * A rule made of `regex.sub(pattern, replacement)` steps in order: the Python text shown to the
 * reader and the function applied are built from the same patterns.
 */
function regexRule(name: string, description: string, ...steps: [pattern: string, replacement: string][]): RefineRule {
  const fns = steps.map(([p, r]) => pySub(p, r));
  return {
    name,
    description,
    python: steps.map(([p, r]) => `regex.sub(r"${p}", ${JSON.stringify(r)}, text)`).join("; "),
    apply: (text) => fns.reduce((t, f) => f(t), text),
  };
}

/** A rule made of `str.replace(old, new)` steps in order (every occurrence, left to right, no overlaps). */
function replaceStepsRule(name: string, description: string, ...steps: [old: string, replacement: string][]): RefineRule {
  return {
    name,
    description,
    python: `text${steps.map(([o, r]) => `.replace(${JSON.stringify(o)}, ${JSON.stringify(r)})`).join("")}`,
    apply: (text) => steps.reduce((t, [o, r]) => t.replaceAll(o, r), text),
  };
}

export const FAITHFUL_RULES: readonly RefineRule[] = [
  replaceStepsRule(
    "newline-to-space",
    "newlines become spaces; then one left-to-right pass turns double spaces into one (three become two)",
    ["\n", " "],
    ["  ", " "],
  ),
  regexRule(
    "ieung-to-eung",
    "a whole token of two or more ㅇ becomes 응",
    [String.raw`(?<=^|\s)ㅇ{2,}(?=$|\s)`, "응"],
  ),
  regexRule(
    "shorten-dots-questions",
    "four or more dots become ..., two or more question marks become ??",
    [String.raw`\.{4,}`, "..."],
    [String.raw`\?{2,}`, "??"],
  ),
  regexRule(
    "delete-symbols",
    "delete each of ~ ! > < @ _ / - ᆢ : ; ( ) ^",
    [String.raw`[~!><@_/\-ᆢ:;()^]`, ""],
  ),
  regexRule(
    "delete-greetings",
    "delete words starting 안녕 (hello) and then 반갑습 (nice to meet you)",
    [String.raw`\b안녕\w*`, ""],
    [String.raw`\b반갑습\w*`, ""],
  ),
  replaceStepsRule(
    "name-to-speaker",
    "the anonymised names name1 / name2 become 화자1 / 화자2",
    ["name1", "화자1"],
    ["name2", "화자2"],
  ),
  regexRule(
    "delete-jamo",
    "delete runs of lone Hangul jamo (ㅋㅋ, ㅠㅠ, ㅎㅎ …)",
    ["[ㄱ-ㅎㅏ-ㅣ]+", ""],
  ),
  {
    name: "blank-symbol-only",
    description: "text with no Hangul syllable but some symbol becomes empty",
    python: String.raw`"" if not regex.search(r"[가-힣]", text) and regex.search(r"[^\w\s]", text) else text`,
    apply: (t) => (!HANGUL_SYLLABLE.test(t) && SYMBOL.test(t) ? "" : t),
  },
  {
    name: "strip",
    description: "strip surrounding whitespace (Python str.strip)",
    python: "text.strip()",
    apply: pyStrip,
  },
];

/**
 * Alternatives a reader may swap in for a faithful rule, keyed by the rule they replace.
 * They are not part of the original; they exist to measure its choices.
 */
export const ALTERNATIVE_RULES: Readonly<Record<string, RefineRule>> = {
  "newline-to-space": regexRule("collapse-whitespace", "at step 1, every run of whitespace (newlines included) becomes one space; later deletions can still leave doubled spaces", [String.raw`\s+`, " "]),
};

export function ruleNames(rules: readonly RefineRule[] = FAITHFUL_RULES): string[] {
  return rules.map((r) => r.name);
}

/** The rules without those named; unknown names are an error so typos don't pass silently. */
export function withoutRules(rules: readonly RefineRule[], names: readonly string[]): RefineRule[] {
  assertKnown(rules, names);
  return rules.filter((r) => !names.includes(r.name));
}

/** The rules with the one named replaced. */
export function replaceRule(rules: readonly RefineRule[], name: string, replacement: RefineRule): RefineRule[] {
  assertKnown(rules, [name]);
  return rules.map((r) => (r.name === name ? replacement : r));
}

/** The rules with `rule` inserted after the one named (or first when `after` is null). */
export function insertRule(rules: readonly RefineRule[], rule: RefineRule, after: string | null): RefineRule[] {
  if (after === null) return [rule, ...rules];
  assertKnown(rules, [after]);
  const i = rules.findIndex((r) => r.name === after);
  return [...rules.slice(0, i + 1), rule, ...rules.slice(i + 1)];
}

/** Build a rule from a Python pattern and a literal replacement, e.g. for a notebook experiment. */
export function patternRule(name: string, pattern: string, replacement: string, description = `${pattern} → ${JSON.stringify(replacement)}`): RefineRule {
  return regexRule(name, description, [pattern, replacement]);
}

function assertKnown(rules: readonly RefineRule[], names: readonly string[]): void {
  const known = new Set(rules.map((r) => r.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new RangeError(`unknown refinement rule ${unknown.join(", ")} (known: ${[...known].join(", ")})`);
}
