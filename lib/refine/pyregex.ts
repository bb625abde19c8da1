/**
 * Python `regex`-module semantics for JavaScript (SPEC §2).
 *
 * The original's patterns rely on Unicode `\w`, `\s` and `\b`; JavaScript's are ASCII-only
 * (or, for `\s`, a different set). `pyRegExp` translates a Python pattern into an equivalent
 * `u`-flag RegExp so a rule can be written — and read — in the original's own syntax.
 */

/** Python regex `\w`: Alphabetic, Mark, Decimal_Number, Connector_Punctuation, Join_Control. */
export const PY_WORD_CLASS = String.raw`\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}`;
/** Python regex `\s`: Unicode White_Space. */
export const PY_SPACE_CLASS = String.raw`\p{White_Space}`;
/** `str.isspace()`: White_Space plus the four information separators U+001C–U+001F. */
const PY_STRIP_CLASS = String.raw`\p{White_Space}\x1C-\x1F`;

const WORD = `[${PY_WORD_CLASS}]`;
const NOT_WORD = `[^${PY_WORD_CLASS}]`;

/** Escapes that mean the same inside and outside a class. */
const CLASS_ESCAPES: Record<string, string> = {
  w: PY_WORD_CLASS,
  s: PY_SPACE_CLASS,
  S: String.raw`\P{White_Space}`,
  d: String.raw`\p{Nd}`,
  D: String.raw`\P{Nd}`,
};

/** Escapes that only exist outside a class. */
const ATOM_ESCAPES: Record<string, string> = {
  w: WORD,
  W: NOT_WORD,
  s: String.raw`\p{White_Space}`,
  S: String.raw`\P{White_Space}`,
  d: String.raw`\p{Nd}`,
  D: String.raw`\P{Nd}`,
  // \b: between a word and a non-word character, or a word character and the text's ends.
  b: `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`,
  B: `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`,
  A: "^",
  Z: "$", // JavaScript `$` without the m flag is the very end
};

/** Characters JavaScript's `u` mode allows (and needs) to be escaped. */
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/".split(""));

/** Translate a Python `regex` pattern (V0, no flags) into a JavaScript `u`-mode source. */
export function translatePythonPattern(pattern: string): string {
  let out = "";
  let inClass = false;
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) throw new SyntaxError(`pattern ends with a lone backslash: ${pattern}`);
      const table = inClass ? CLASS_ESCAPES : ATOM_ESCAPES;
      if (next in table) out += table[next];
      else if (inClass && (next === "W" || next === "b" || next === "B"))
        throw new SyntaxError(`\\${next} inside a character class is not supported: ${pattern}`);
      else if (/[A-Za-z0-9]/.test(next)) out += `\\${next}`; // \n, \t, \u…, backrefs: same in JS
      else if (JS_SYNTAX.has(next) || (inClass && next === "-")) out += `\\${next}`;
      else out += `\\u{${next.codePointAt(0)!.toString(16)}}`; // Python allows escaping any punctuation
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      // A `]` first in a Python class (after an optional ^) is literal.
      if (chars[i + 1] === "^") out += chars[++i];
      if (chars[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    // Python's `$` (no MULTILINE) also matches just before a final newline.
    if (c === "$") out += "(?=\\n?$)";
    else out += c;
  }
  return out;
}

/** Compile a Python `regex` pattern to a JavaScript RegExp with the same meaning. */
export function pyRegExp(pattern: string, flags = "g"): RegExp {
  return new RegExp(translatePythonPattern(pattern), flags.includes("u") ? flags : `${flags}u`);
}

/** Python `re.sub(pattern, repl, text)` for a literal replacement. */
export function pySub(pattern: string, repl: string): (text: string) => string {
  const re = pyRegExp(pattern, "g");
  const literal = requiredLiteral(pattern);
  // A replacement without `$` is used as is (faster than a callback); one with `$` must stay literal.
  const replace = repl.includes("$") ? (text: string) => text.replace(re, () => repl) : (text: string) => text.replace(re, repl);
  // Text without the pattern's required literal cannot match: skip the regex (most utterances).
  return literal ? (text) => (text.includes(literal) ? replace(text) : text) : replace;
}

/** A `|` outside every group and class: the pattern is an alternation as a whole. */
function hasTopLevelAlternation(p: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return true;
  }
  return false;
}

/**
 * Characters every match must contain, read from the start of a pattern: after leading `\b` or
 * lookbehinds, the run of plain characters (minus a last one made optional by `?`, `*`, `{0` or `{,`).
 * "" when the pattern does not start that simply.
 */
export function requiredLiteral(pattern: string): string {
  let p = pattern;
  for (;;) {
    if (p.startsWith("\\b")) p = p.slice(2);
    else if (p.startsWith("(?<=") || p.startsWith("(?<!")) {
      const close = p.indexOf(")");
      if (close < 0 || p.slice(4, close).includes("(")) return "";
      p = p.slice(close + 1);
    } else break;
  }
  if (hasTopLevelAlternation(p)) return ""; // `a|b` matches "b" without the "a"
  const m = /^[^\\.^$*+?()[\]{}|]+/.exec(p);
  if (!m) return "";
  let lit = m[0];
  const next = p.slice(lit.length);
  if (/^(?:[?*]|\{0|\{,)/.test(next)) lit = [...lit].slice(0, -1).join(""); // Python's {,n} starts at 0
  return lit;
}

// Every strippable character is in the BMP (≤ U+3000): a table built from the class itself
// replaces a `[…]+$` regex, which retries at every position of the text.
const STRIP_CHAR = new RegExp(`^[${PY_STRIP_CLASS}]$`, "u");
const STRIPPABLE = Uint8Array.from({ length: 0x3001 }, (_, c) => (STRIP_CHAR.test(String.fromCharCode(c)) ? 1 : 0));
const strippable = (c: number) => c <= 0x3000 && STRIPPABLE[c] === 1;

/** Python `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && strippable(text.charCodeAt(a))) a++;
  while (b > a && strippable(text.charCodeAt(b - 1))) b--;
  return a === 0 && b === text.length ? text : text.slice(a, b);
}

/** Python `len(text)`: code points, not UTF-16 units. */
export function pyLen(text: string): number {
  // UTF-16 length minus one per surrogate pair; a lone surrogate counts one, as in Python.
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
