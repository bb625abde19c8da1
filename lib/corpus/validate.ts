/**
 * One example's schema check, shared by every reader of corpus files. A failure is reported
 * through `fail(field, problem)`, which the caller turns into its one-line error (file, id, field).
 */
import { ANSWERS, isCategory } from "./schema";

export type Fail = (field: string, problem: string) => Error;

export interface ValidateOptions {
  /**
   * Check that every reference_id names an utterance of its conversation. On for the download
   * (import); off for other readers, because the original's refinement drops emptied utterances,
   * references among them, and keeps reference_id as it was (6 examples of the real corpus, and
   * one of the sample's, end up with references to dropped utterances; SPEC §2).
   */
  references?: "every";
}

export function validateExample(ex: unknown, fail: Fail, opts: ValidateOptions = {}): void {
  if (!isObject(ex)) throw fail("(example)", `expected an object, got ${kind(ex)}`);
  const deep = tooDeep(ex, MAX_DEPTH);
  if (deep) throw fail(deep, `nested more than ${MAX_DEPTH} levels deep (an example is a few levels; this is not corpus data)`);
  if (typeof ex.id !== "string" || ex.id === "") throw fail("id", `expected a non-empty string, got ${show(ex.id)}`);
  const input = ex.input;
  if (!isObject(input)) throw fail("input", `expected an object, got ${show(input)}`);
  const conv = input.conversation;
  // The download never has an empty conversation; a refined file may (the original writes `[]` for an example refinement empties).
  if (!Array.isArray(conv) || (conv.length === 0 && opts.references === "every")) throw fail("input.conversation", `expected a non-empty array, got ${show(conv)}`);
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
  if (opts.references === "every") {
    const named = new Set(conv.flatMap((u: { utterance_id: string | string[] }) => (Array.isArray(u.utterance_id) ? u.utterance_id : [u.utterance_id])));
    const dangling = (refs as string[]).findIndex((r) => !named.has(r));
    if (dangling >= 0) throw fail(`input.reference_id[${dangling}]`, `${show(refs[dangling])} names no utterance of this conversation`);
  }
  if (!isCategory(input.category)) throw fail("input.category", `unknown category ${show(input.category)} (expected 원인, 후행사건, 전제, 동기 or 반응)`);
  for (const key of ANSWERS) {
    if (typeof input[key] !== "string") throw fail(`input.${key}`, `expected a string, got ${show(input[key])}`);
  }
  if (!(ex.output === "" || (ANSWERS as readonly unknown[]).includes(ex.output)))
    throw fail("output", `expected "inference_1", "inference_2", "inference_3" or "", got ${show(ex.output)}`);
}

/**
 * How deep any value of an example may nest. The schema needs 4 levels; extra fields are kept
 * and written back, and a writer recursing thousands of levels would overflow the stack.
 */
export const MAX_DEPTH = 64;

/** The path of the first value nested deeper than `limit`, found without recursion; undefined if none. */
export function tooDeep(root: unknown, limit: number): string | undefined {
  if (fitsWithin(root, limit)) return undefined; // the common case, without building paths
  const stack: [unknown, number, string][] = [[root, 0, ""]];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= limit) return path.length > 40 ? `${path.slice(0, 40)}…` : path || "(example)";
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, depth + 1, `${path}[${i}]`]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, depth + 1, path ? `${path}.${k}` : k]);
  }
  return undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function show(v: unknown): string {
  if (v === undefined) return "nothing (missing)";
  let s: string;
  try {
    s = JSON.stringify(v);
  } catch {
    return `${kind(v)} nested too deeply to show`; // hostile input: a value thousands of levels deep
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Whether no object or array sits `limit` or more levels below `root` (no recursion, no paths). */
function fitsWithin(root: unknown, limit: number): boolean {
  if (typeof root !== "object" || root === null) return true;
  const values: object[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth >= limit) return false;
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const x of children) {
      if (typeof x === "object" && x !== null) {
        values.push(x);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}
