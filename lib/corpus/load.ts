import { readFileSync } from "node:fs";
import type { Example } from "./schema";
import { isObject, kind, validateExample, type ValidateOptions } from "./validate";
import { UserError } from "../util/errors";
import { assertReadableInput } from "../util/output-rule";

/**
 * Parse and validate a corpus file. Bad input raises a UserError whose one line names the
 * file, the example id (or index) and the field, e.g.
 * `dev.json: example nikluge-…-dev-000003: input.conversation[4].speaker: expected 1 or 2, got "x"`.
 */
export function parseCorpus(text: string, file: string, opts: ValidateOptions = {}): Example[] {
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
    validateExample(ex, (field, problem) => new UserError(`${where}: ${field}: ${problem}`), opts);
    const id = (ex as Example).id;
    if (seen.has(id)) throw new UserError(`${where}: id: duplicate id (also used by an earlier example)`);
    seen.add(id);
  });
  return data as Example[];
}

/** Read a corpus file from disk and validate it. */
export function loadCorpus(path: string): Example[] {
  let text: string;
  assertReadableInput(path);
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read (${code === "ENOENT" ? "no such file" : code ?? (err as Error).message})`);
  }
  return parseCorpus(text, path);
}
