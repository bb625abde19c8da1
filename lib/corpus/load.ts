import { readFileSync } from "node:fs";
import { ANSWERS, isCategory, type Example } from "./schema";
import { UserError } from "../util/errors";

/**
 * Parse and validate a corpus file. Bad input raises a UserError whose one line names the
 * file, the example id (or index) and the field, e.g.
 * `dev.json: example nikluge-…-dev-000003: input.conversation[4].speaker: expected 1 or 2, got "x"`.
 */
export function parseCorpus(text: string, file: string): Example[] {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw new UserError(`${file}: expected a JSON array of examples, got ${kind(data)}`);
  const seen = new Set<string>();
  data.forEach((ex, i) => {
    const where = `${file}: example ${isObject(ex) && typeof ex.id === "string" && ex.id ? ex.id : `#${i + 1}`}`;
    validateExample(ex, (field, problem) => new UserError(`${where}: ${field}: ${problem}`));
    const id = (ex as Example).id;
    if (seen.has(id)) throw new UserError(`${where}: id: duplicate id (also used by an earlier example)`);
    seen.add(id);
  });
  return data as Example[];
}

/** Read a corpus file from disk and validate it. */
export function loadCorpus(path: string): Example[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read (${code === "ENOENT" ? "no such file" : code ?? (err as Error).message})`);
  }
  return parseCorpus(text, path);
}

type Fail = (field: string, problem: string) => Error;

function validateExample(ex: unknown, fail: Fail): void {
  if (!isObject(ex)) throw fail("(example)", `expected an object, got ${kind(ex)}`);
  if (typeof ex.id !== "string" || ex.id === "") throw fail("id", `expected a non-empty string, got ${show(ex.id)}`);
  const input = ex.input;
  if (!isObject(input)) throw fail("input", `expected an object, got ${show(input)}`);
  const conv = input.conversation;
  if (!Array.isArray(conv) || conv.length === 0) throw fail("input.conversation", `expected a non-empty array, got ${show(conv)}`);
  conv.forEach((u, j) => {
    const f = `input.conversation[${j}]`;
    if (!isObject(u)) throw fail(f, `expected an object, got ${kind(u)}`);
    if (u.speaker !== 1 && u.speaker !== 2) throw fail(`${f}.speaker`, `expected 1 or 2, got ${show(u.speaker)}`);
    // The real test file holds a few numeric utterances; the original reads them as str(u).
    const t = u.utterance;
    if (typeof t !== "string" && !(typeof t === "number" && Number.isFinite(t)))
      throw fail(`${f}.utterance`, `expected a string (or number), got ${show(t)}`);
    const id = u.utterance_id;
    const okId = typeof id === "string" ? id !== "" : Array.isArray(id) && id.length > 0 && id.every((x) => typeof x === "string" && x !== "");
    if (!okId) throw fail(`${f}.utterance_id`, `expected a non-empty string or list of strings, got ${show(id)}`);
  });
  const refs = input.reference_id;
  if (!Array.isArray(refs) || refs.length === 0 || !refs.every((r) => typeof r === "string" && r !== ""))
    throw fail("input.reference_id", `expected a non-empty array of strings, got ${show(refs)}`);
  if (!isCategory(input.category)) throw fail("input.category", `unknown category ${show(input.category)} (expected 원인, 후행사건, 전제, 동기 or 반응)`);
  for (const key of ANSWERS) {
    if (typeof input[key] !== "string") throw fail(`input.${key}`, `expected a string, got ${show(input[key])}`);
  }
  if (!(ex.output === "" || (ANSWERS as readonly unknown[]).includes(ex.output)))
    throw fail("output", `expected "inference_1", "inference_2", "inference_3" or "", got ${show(ex.output)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function show(v: unknown): string {
  if (v === undefined) return "nothing (missing)";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
