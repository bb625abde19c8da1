/**
 * A researcher's variant as one typed, serialisable object: the refinement rule table (the
 * faithful nine, some switched off, some swapped for an alternative, custom Python-regex rules
 * inserted at a named position) plus the prompt mode (faithful quirks or fixed).
 *
 * The spec (`VariantSpec`) is what a file or the CLI flags say; `resolveVariant` checks it once,
 * listing every error on its own line, and returns the `Variant` every command runs with. The
 * record (`variantRecord`) is what provenance stores: name, prompt mode, the full rule table in
 * Python syntax and the spec it came from, so a result names exactly what produced it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { Command } from "commander";
import YAML from "yaml";
import { MODES, isMode, type Mode } from "../prompts/variants";
import { pyRegExp } from "../refine/pyregex";
import { ALTERNATIVE_RULES, FAITHFUL_RULES, patternRule, type RefineRule } from "../refine/rules";
import { UserError } from "../util/errors";
import { writeOutput } from "../util/outputs";

/** A custom rule: `regex.sub(pattern, replacement, text)`, inserted after the rule `after`. */
export interface CustomRuleSpec {
  /** The rule's name (letters, digits, dashes), unique in the table. */
  name: string;
  /** A pattern in Python `regex` syntax (compiled with lib/refine/pyregex.ts). */
  pattern: string;
  /** Literal replacement text (no backslashes: Python and JavaScript would read them differently). */
  replacement: string;
  /** A rule name in the table at that point (after --disable/--alt and earlier additions), "start" or "end". */
  after: string;
}

/** The file format (JSON or YAML) and what the flags build. Every key is optional; {} is the faithful variant. */
export interface VariantSpec {
  /** Used in folder and bundle names; derived from the tweaks when absent. */
  name?: string;
  /** Faithful rules switched off, by name. */
  disable?: string[];
  /** Faithful rules swapped for their alternative (ALTERNATIVE_RULES), by the faithful name. */
  alt?: string[];
  /** Custom rules, inserted in order. */
  add?: CustomRuleSpec[];
  /** Prompt mode: "faithful" (the original's quirks, default) or "fixed". */
  prompts?: Mode;
}

export interface Variant {
  name: string;
  /** The spec, normalised (empty lists and defaults left out; name filled in). */
  spec: VariantSpec;
  rules: readonly RefineRule[];
  prompts: Mode;
}

/** What provenance records of a variant (JSON-serialisable). */
export interface VariantRecord {
  name: string;
  prompts: Mode;
  rules: { name: string; python: string }[];
  spec: VariantSpec;
}

const SPEC_KEYS = ["name", "disable", "alt", "add", "prompts"] as const;
const CUSTOM_KEYS = ["name", "pattern", "replacement", "after"] as const;
/** Names safe in a file or folder name, and free of the --add-rule separators (`=`, `@`). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const MAX_DERIVED_NAME = 80;

/** Built-in names a custom rule may not take (the faithful ones and every alternative). */
const BUILT_IN = new Set([...FAITHFUL_RULES, ...Object.values(ALTERNATIVE_RULES)].map((r) => r.name));

export const FAITHFUL_VARIANT: Variant = Object.freeze({ name: "faithful", spec: Object.freeze({ name: "faithful" }), rules: FAITHFUL_RULES, prompts: "faithful" as Mode });

/**
 * Check a spec and build its variant. Every problem is reported, one line each (prefixed with
 * `source` when given, e.g. the file), in one UserError.
 */
export function resolveVariant(spec: VariantSpec, source?: string): Variant {
  const errors: string[] = [];
  const err = (where: string, msg: string) => errors.push(`${source ? `${source}: ` : ""}${where}: ${msg}`);
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new UserError(`${source ? `${source}: ` : ""}expected an object with keys ${SPEC_KEYS.join(", ")}`);
  for (const k of Object.keys(spec)) if (!(SPEC_KEYS as readonly string[]).includes(k)) err(k, `unknown key (known: ${SPEC_KEYS.join(", ")})`);

  const names = (key: "disable" | "alt"): string[] => {
    const v = spec[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
      err(key, "expected a list of rule names");
      return [];
    }
    const seen = new Set<string>();
    for (const s of v) {
      if (seen.has(s)) err(key, `${s} is listed twice`);
      seen.add(s);
    }
    return [...seen];
  };
  const disable = names("disable");
  const alt = names("alt");
  const faithfulNames = FAITHFUL_RULES.map((r) => r.name);
  for (const n of disable) if (!faithfulNames.includes(n)) err("disable", `unknown rule ${n} (rules: ${faithfulNames.join(", ")})`);
  for (const n of alt) {
    if (disable.includes(n)) err("alt", `${n} is both disabled and swapped for its alternative; choose one (--disable ${n} or --alt ${n})`);
    else if (!faithfulNames.includes(n)) err("alt", `unknown rule ${n} (rules: ${faithfulNames.join(", ")})`);
    else if (!ALTERNATIVE_RULES[n]) err("alt", `rule ${n} has no alternative (alternatives exist for: ${Object.keys(ALTERNATIVE_RULES).join(", ")})`);
  }
  let rules: RefineRule[] = FAITHFUL_RULES.filter((r) => !disable.includes(r.name)).map((r) => (alt.includes(r.name) && ALTERNATIVE_RULES[r.name] ? ALTERNATIVE_RULES[r.name] : r));

  const add: CustomRuleSpec[] = [];
  if (spec.add !== undefined && !Array.isArray(spec.add)) err("add", "expected a list of {name, pattern, replacement, after}");
  (Array.isArray(spec.add) ? spec.add : []).forEach((c: unknown, i) => {
    const at = `add[${i}]${c && typeof c === "object" && typeof (c as CustomRuleSpec).name === "string" ? ` (${(c as CustomRuleSpec).name})` : ""}`;
    if (typeof c !== "object" || c === null || Array.isArray(c)) return err(at, "expected {name, pattern, replacement, after}");
    const r = c as Record<string, unknown>;
    let ok = true;
    for (const k of Object.keys(r)) if (!(CUSTOM_KEYS as readonly string[]).includes(k)) (err(at, `${k}: unknown key (known: ${CUSTOM_KEYS.join(", ")})`), (ok = false));
    for (const k of CUSTOM_KEYS) if (typeof r[k] !== "string") (err(at, `${k}: expected a string`), (ok = false));
    if (!ok) return;
    const rule = r as unknown as CustomRuleSpec;
    if (!RULE_NAME.test(rule.name)) return err(at, `name ${JSON.stringify(rule.name)}: use letters, digits, - and _ only`);
    if (BUILT_IN.has(rule.name) || rules.some((x) => x.name === rule.name) || rule.name === "start" || rule.name === "end") return err(at, `duplicate rule name ${rule.name}; give the custom rule a name of its own`);
    try {
      pyRegExp(rule.pattern);
    } catch (e) {
      return err(at, `bad pattern ${JSON.stringify(rule.pattern)}: ${(e as Error).message}`);
    }
    if (rule.replacement.includes("\\")) return err(at, `replacement ${JSON.stringify(rule.replacement)}: replacements are literal text; backslashes are not supported`);
    const made = patternRule(rule.name, rule.pattern, rule.replacement);
    if (rule.after === "start") rules = [made, ...rules];
    else if (rule.after === "end") rules = [...rules, made];
    else {
      const k = rules.findIndex((x) => x.name === rule.after);
      if (k < 0) return err(at, `after ${JSON.stringify(rule.after)}: no such rule in the table at that point (start, end, ${rules.map((x) => x.name).join(", ")})`);
      rules = [...rules.slice(0, k + 1), made, ...rules.slice(k + 1)];
    }
    add.push({ name: rule.name, pattern: rule.pattern, replacement: rule.replacement, after: rule.after });
  });

  let prompts: Mode = "faithful";
  if (spec.prompts !== undefined) {
    if (typeof spec.prompts !== "string" || !isMode(spec.prompts)) err("prompts", `expected ${MODES.join(" or ")}, got ${JSON.stringify(spec.prompts)}`);
    else prompts = spec.prompts;
  }
  const tweaked = disable.length > 0 || alt.length > 0 || add.length > 0 || prompts !== "faithful";
  if (spec.name !== undefined) {
    if (typeof spec.name !== "string" || !NAME.test(spec.name)) err("name", `${JSON.stringify(spec.name)}: use letters, digits, ., - and _ only (it becomes part of folder names)`);
    else if (spec.name === "faithful" && tweaked) err("name", `"faithful" names the untweaked variant only; give this one a name of its own`);
  }
  if (errors.length > 0) throw new UserError(errors.join("\n"));

  const canonicalRules = tweaked ? rules : FAITHFUL_RULES; // identity keeps worker threads usable
  const normal: VariantSpec = {
    ...(disable.length ? { disable } : {}),
    ...(alt.length ? { alt } : {}),
    ...(add.length ? { add } : {}),
    ...(prompts !== "faithful" ? { prompts } : {}),
  };
  const name = spec.name ?? derivedName(normal);
  return { name, spec: { name, ...normal }, rules: canonicalRules, prompts };
}

/** A readable name from the tweaks ("faithful" when none), or one from the digest when too long. */
function derivedName(s: VariantSpec): string {
  const parts = [
    ...(s.disable ?? []).map((n) => `no-${n}`),
    ...(s.alt ?? []).map((n) => `alt-${n}`),
    ...(s.add ?? []).map((r) => `add-${r.name}`),
    ...(s.prompts === "fixed" ? ["fixed-prompts"] : []),
  ];
  if (parts.length === 0) return "faithful";
  const name = parts.join("+");
  if (name.length <= MAX_DERIVED_NAME && /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) return name;
  return `variant-${sha256Hex(canonicalJson(s)).slice(0, 12)}`;
}

/** Whether the variant is the original's (rules and prompts), whatever its name. */
export function isFaithful(v: Variant): boolean {
  return v.prompts === "faithful" && sameRules(v.rules, FAITHFUL_RULES);
}

/** Whether two rule tables are the same rules in the same order (by name and Python text). */
export function sameRules(a: readonly RefineRule[], b: readonly RefineRule[]): boolean {
  return a.length === b.length && a.every((r, i) => r.name === b[i].name && r.python === b[i].python);
}

/** The provenance record of a variant. */
export function variantRecord(v: Variant): VariantRecord {
  return { name: v.name, prompts: v.prompts, rules: v.rules.map((r) => ({ name: r.name, python: r.python })), spec: v.spec };
}

/** sha256 of the canonical (sorted-key) JSON of the record: a short id is its first characters. */
export function variantDigest(v: Variant): string {
  return sha256Hex(canonicalJson(variantRecord(v)));
}

/** sha256 of what the variant does (rules and prompt mode), whatever its name: equal iff two variants produce the same data. */
export function variantContentDigest(v: Variant | VariantRecord): string {
  return sha256Hex(canonicalJson({ prompts: v.prompts, rules: v.rules.map((r) => ({ name: r.name, python: r.python })) }));
}

/** A variant back from its record (e.g. a run.json's), checked: the spec must rebuild the recorded rules. */
export function variantFromRecord(rec: VariantRecord, source?: string): Variant {
  const v = resolveVariant(rec.spec, source);
  if (variantContentDigest(v) !== variantContentDigest(rec)) throw new UserError(`${source ? `${source}: ` : ""}variant ${rec.name}: its recorded rule table differs from what its spec builds today (rules changed since it was recorded)`);
  return v;
}

/** One line naming the variant and its tweaks, for listings and progress lines. */
export function describeVariant(v: Variant): string {
  if (isFaithful(v)) return v.name === "faithful" ? "faithful" : `${v.name} (faithful)`;
  const s = v.spec;
  const parts = [
    ...(s.disable ?? []).map((n) => `${n} off`),
    ...(s.alt ?? []).map((n) => `${n} → ${ALTERNATIVE_RULES[n].name}`),
    ...(s.add ?? []).map((r) => `${r.name} added after ${r.after}`),
    ...(v.prompts === "fixed" ? ["fixed prompts"] : []),
  ];
  return `${v.name}: ${parts.join("; ")}`;
}

// --- files ---------------------------------------------------------------------------------

/** Read a variant file (JSON, or YAML by its .yaml/.yml extension). */
export function loadVariantFile(path: string): Variant {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`${path}: cannot read the rules file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(extname(path)) ? YAML.parse(text) : JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid ${/\.ya?ml$/i.test(extname(path)) ? "YAML" : "JSON"}: ${(e as Error).message.split("\n")[0]}`);
  }
  return resolveVariant((data ?? {}) as VariantSpec, path);
}

/** The file text of a variant or spec (validated first): JSON, or YAML for a .yaml/.yml path. */
export function variantFileText(v: Variant | VariantSpec, path = "variant.json"): string {
  const spec = "rules" in v && "prompts" in v && Array.isArray((v as Variant).rules) ? (v as Variant).spec : resolveVariant(v as VariantSpec).spec;
  return /\.ya?ml$/i.test(extname(path)) ? YAML.stringify(spec, { lineWidth: 0 }) : `${JSON.stringify(spec, null, 2)}\n`;
}

/** Write a variant (or spec) to a file `--rules` reads back to the same variant. */
export function saveVariantFile(v: Variant | VariantSpec, path: string): void {
  writeOutput(path, variantFileText(v, path), { flag: "variant file" });
}

// --- the command line ----------------------------------------------------------------------

export interface VariantOptions {
  rules?: string;
  disable?: string[];
  alt?: string[];
  addRule?: string[];
  promptMode?: string;
  /** `cci prompts --mode` / `export-sft --mode`: an alias of --prompt-mode kept for old scripts. */
  mode?: string;
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)];
const repeat = (v: string, prev: string[] = []) => [...prev, v];

/** How --add-rule is written, for help texts and errors. */
export const ADD_RULE_SYNTAX = "NAME=PATTERN=>REPLACEMENT@AFTER";

/**
 * Add the variant flags to a command. `prompts`: the command renders prompts, so it takes
 * --prompt-mode too.
 */
export function addVariantOptions(cmd: Command, opts: { prompts?: boolean } = {}): Command {
  cmd
    .option("--rules <file>", "a variant file (JSON or YAML: disable, alt, add, prompts; see lib/variant/README.md)")
    .option("--disable <rules>", "switch refinement rules off (comma-separated names; see cci refine --list-rules)", list)
    .option("--alt <rules>", "swap a rule for its alternative (e.g. newline-to-space → collapse-whitespace)", list)
    .option(
      "--add-rule <rule>",
      `add a custom rule, repeatable: '${ADD_RULE_SYNTAX}' (PATTERN in Python regex syntax, single-quoted in the shell; split at the first =, the last => and the last @; AFTER: a rule name, start or end)`,
      repeat,
    );
  if (opts.prompts) cmd.option("--prompt-mode <mode>", `prompt mode: ${MODES.join(" or ")} (default faithful, or the --rules file's)`);
  return cmd;
}

/** Parse one --add-rule value: NAME=PATTERN=>REPLACEMENT@AFTER. */
export function parseAddRule(v: string): CustomRuleSpec {
  const eq = v.indexOf("=");
  const arrow = v.lastIndexOf("=>");
  const at = v.lastIndexOf("@");
  if (eq <= 0 || arrow <= eq || at < arrow + 2)
    throw new UserError(`--add-rule ${JSON.stringify(v)}: expected '${ADD_RULE_SYNTAX}', e.g. 'collapse-spaces= {2,}=> @delete-jamo' (AFTER: a rule name, start or end)`);
  return { name: v.slice(0, eq), pattern: v.slice(eq + 1, arrow), replacement: v.slice(arrow + 2, at), after: v.slice(at + 1) };
}

/**
 * The variant the flags ask for: the --rules file (or faithful), plus --disable, --alt and
 * --add-rule, plus the prompt mode. Checked once; every error on its own line.
 */
export function variantFromOptions(opts: VariantOptions): Variant {
  const base: VariantSpec = opts.rules ? loadVariantFile(opts.rules).spec : {};
  const adds = (opts.addRule ?? []).map(parseAddRule);
  if (opts.promptMode !== undefined && opts.mode !== undefined && opts.promptMode !== opts.mode)
    throw new UserError(`--prompt-mode ${opts.promptMode} and --mode ${opts.mode} disagree; --mode is an alias of --prompt-mode, give one`);
  const mode = opts.promptMode ?? opts.mode;
  const flag = opts.promptMode !== undefined ? "--prompt-mode" : "--mode";
  if (mode !== undefined && !isMode(mode)) throw new UserError(`${flag}: expected ${MODES.join(" or ")}, got "${mode}"`);
  const flagged = (opts.disable?.length ?? 0) + (opts.alt?.length ?? 0) + adds.length > 0 || (mode !== undefined && mode !== (base.prompts ?? "faithful"));
  const spec: VariantSpec = {
    // The file's name describes the file's variant only; flags on top make a new one (named from its tweaks).
    ...(flagged ? {} : base.name !== undefined ? { name: base.name } : {}),
    disable: [...(base.disable ?? []), ...(opts.disable ?? [])],
    alt: [...(base.alt ?? []), ...(opts.alt ?? [])],
    add: [...(base.add ?? []), ...adds],
    ...(mode !== undefined ? { prompts: mode as Mode } : base.prompts ? { prompts: base.prompts } : {}),
  };
  if (opts.rules) return resolveVariant(spec, flagged ? `${opts.rules} with the flags` : opts.rules);
  try {
    return resolveVariant(spec);
  } catch (e) {
    // Flags only: name the flag rather than the file key.
    const lines = (e as Error).message.split("\n").map((l) => l.replace(/^(disable|alt|prompts): /, (_m, k: string) => (k === "prompts" ? "--prompt-mode: " : `--${k}: `)).replace(/^add\[\d+\]/, "--add-rule"));
    throw new UserError(lines.join("\n"));
  }
}

// --- hashing -------------------------------------------------------------------------------

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** JSON with object keys sorted at every level: one text per value, for digests. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}
