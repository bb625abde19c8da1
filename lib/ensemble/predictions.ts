/**
 * Prediction files: the original's form (SPEC §7) — the raw corpus file with each `output`
 * filled in, written as Python json.dump — plus, optionally, the members' probabilities.
 *
 * Probabilities live in a sidecar beside the prediction, `{name}.probs.json`, so the prediction
 * itself stays byte-for-byte in the original's form. The sidecar is one JSON object mapping each
 * example id, in the prediction's order, to `[p1, p2, p3]`: the probabilities of inference_1,
 * inference_2, inference_3 (the softmax over the A/B/C logits, SPEC §7), each row summing to 1.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseCorpus } from "../corpus/load";
import { ANSWERS, type Answer, type Example } from "../corpus/schema";
import { pythonJsonDumps } from "../corpus/pyjson";
import { writeFileAtomic } from "../util/atomic";
import { UserError } from "../util/errors";
import { assertReadableInput } from "../util/output-rule";

/** One member of an ensemble: a prediction file read from disk. */
export interface Member {
  /** The file's stem (`{recipe name}` for `{recipe name}.json`). */
  name: string;
  file: string;
  examples: Example[];
  /** `[p1, p2, p3]` per example, aligned with `examples`, when a sidecar exists. */
  probs?: number[][];
}

const PROBS_SUFFIX = ".probs.json";
/** Rows must sum to 1 within this (float noise from a softmax written as JSON). */
const SUM_TOLERANCE = 1e-6;

/** `x/NAME.json` → `x/NAME.probs.json`. */
export function probsPath(predictionFile: string): string {
  return predictionFile.replace(/\.json$/i, "") + PROBS_SUFFIX;
}

export function isProbsFile(file: string): boolean {
  return file.toLowerCase().endsWith(PROBS_SUFFIX);
}

/** A prediction file's member name: its base name without `.json`. */
export function memberName(file: string): string {
  return basename(file).replace(/\.json$/i, "");
}

/**
 * A prediction file holding only `{id, output}` per example (as some scoring scripts write):
 * the corpus file it answers (`base`) supplies every other field.
 */
function isAnswersOnly(data: unknown): data is { id: unknown; output: unknown }[] {
  return Array.isArray(data) && data.length > 0 && data.every((x) => typeof x === "object" && x !== null && !("input" in x) && "id" in x && "output" in x);
}

function answersOnlyExamples(rows: { id: unknown; output: unknown }[], file: string, base: { file: string; examples: readonly Example[] } | undefined, allowEmpty: boolean): Example[] {
  if (!base) throw new UserError(`${file}: holds only {id, output} per example; give --base with the corpus file it answers (e.g. test.json), which supplies the rest`);
  if (rows.length !== base.examples.length) throw new UserError(`${file}: ${rows.length} examples, but the base ${base.file} has ${base.examples.length}`);
  return rows.map((r, i) => {
    const id = base.examples[i].id;
    if (r.id !== id) throw new UserError(`${file}: example #${i + 1}: id ${JSON.stringify(r.id)} does not line up with ${base.file}'s ${id}`);
    const ok = (ANSWERS as readonly unknown[]).includes(r.output) || (allowEmpty && r.output === "");
    if (!ok) throw new UserError(`${file}: example ${id}: output: expected inference_1, inference_2 or inference_3, got ${JSON.stringify(r.output)}`);
    return { ...base.examples[i], output: r.output as Answer };
  });
}

export interface LoadMemberOptions {
  /** Accept examples without an answer (a base file such as the raw test.json). */
  allowEmpty?: boolean;
  /** The corpus file a `{id, output}`-only prediction answers; it supplies the other fields. */
  base?: { file: string; examples: readonly Example[] };
  /** Read the `.probs.json` sidecar (default); a hard vote needs no probabilities and reads none. */
  probs?: boolean;
}

/**
 * Read a prediction file (validated as a corpus file, or `{id, output}` per example against
 * `base`) and its probabilities sidecar if present. Unless `allowEmpty`, every example must
 * carry an answer.
 */
/**
 * A prediction file's examples: a corpus file (parsed once, the common case), or, where that
 * fails, `{id, output}` rows answered against `opts.base`; else the corpus reader's own error.
 */
function parsePrediction(text: string, file: string, opts: LoadMemberOptions): Example[] {
  try {
    return parseCorpus(text, file);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    let data: unknown;
    try {
      data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      throw err;
    }
    if (!isAnswersOnly(data)) throw err;
    return answersOnlyExamples(data, file, opts.base, !!opts.allowEmpty);
  }
}

export function loadMember(file: string, opts: LoadMemberOptions = {}): Member {
  if (file.toLowerCase().endsWith(".provenance.json")) throw new UserError(`${file}: a provenance sidecar, not a prediction file (it is read beside ${memberName(file).replace(/\.provenance$/i, "")}.json)`);
  if (isProbsFile(file)) throw new UserError(`${file}: a probabilities sidecar, not a prediction file (it is read beside ${memberName(file).replace(/\.probs$/i, "")}.json)`);
  const text = readText(file);
  const examples = parsePrediction(text, file, opts);
  if (!opts.allowEmpty) {
    const blank = examples.find((ex) => ex.output === "");
    if (blank) throw new UserError(`${file}: example ${blank.id}: output: empty — not a prediction file (every output must be inference_1/2/3)`);
  }
  const side = probsPath(file);
  // A hard vote never reads sidecars (opts.probs false): it needs no probabilities.
  const probs = opts.probs !== false && existsSync(side) ? parseProbs(readText(side), side, examples.map((e) => e.id)) : undefined;
  return { name: memberName(file), file, examples, probs };
}

/** The sidecar's text: one `"id": [p1, p2, p3]` line per example, in order. */
export function formatProbs(ids: readonly string[], probs: readonly (readonly number[])[]): string {
  if (ids.length !== probs.length) throw new RangeError(`${ids.length} ids but ${probs.length} probability rows`);
  const lines = ids.map((id, i) => `  ${JSON.stringify(id)}: [${probs[i].map((p) => JSON.stringify(p)).join(", ")}]`);
  return `{\n${lines.join(",\n")}\n}\n`;
}

/** Parse and validate a sidecar against the prediction's ids; returns rows in the prediction's order. */
export function parseProbs(text: string, file: string, ids: readonly string[]): number[][] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new UserError(`${file}: expected a JSON object {id: [p1, p2, p3]}`);
  const table = data as Record<string, unknown>;
  return ids.map((id) => {
    const row = table[id];
    if (row === undefined) throw new UserError(`${file}: example ${id}: no probabilities for this id`);
    const ok = Array.isArray(row) && row.length === ANSWERS.length && row.every((p) => typeof p === "number" && Number.isFinite(p) && p >= 0);
    if (!ok) throw new UserError(`${file}: example ${id}: expected [p1, p2, p3] of non-negative numbers, got ${JSON.stringify(row)}`);
    const sum = (row as number[]).reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new UserError(`${file}: example ${id}: probabilities sum to ${sum}, not 1`);
    return row as number[];
  });
}

/** The base's examples with each output replaced by the given answer (key order kept). */
export function fillOutputs(base: readonly Example[], answers: readonly Answer[]): Example[] {
  if (base.length !== answers.length) throw new RangeError(`${base.length} examples but ${answers.length} answers`);
  return base.map((ex, i) => ({ ...ex, output: answers[i] }));
}

/** Where a writer puts a file: at once (default), or staged in a command's OutputSet. */
export type WriteSink = (path: string, data: string) => void;

/** Write a prediction file in the original's form, and its probabilities sidecar when given. */
export function writePrediction(file: string, base: readonly Example[], answers: readonly Answer[], probs?: readonly (readonly number[])[], write: WriteSink = writeFileAtomic): void {
  write(file, pythonJsonDumps(fillOutputs(base, answers)));
  if (probs) write(probsPath(file), formatProbs(base.map((e) => e.id), probs));
}

function readText(file: string): string {
  assertReadableInput(file);
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read (${code === "ENOENT" ? "no such file" : code ?? (err as Error).message})`);
  }
}
