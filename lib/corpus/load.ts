import type { Example } from "./schema";
import { examplesOf, type Batch } from "./elements";
import { streamChunksSync, streamFileSync } from "./stream";

/**
 * Parse and validate a corpus file. Bad input raises a UserError whose one line names the
 * file, the example id (or index) and the field, e.g.
 * `dev.json: example nikluge-…-dev-000003: input.conversation[4].speaker: expected 1 or 2, got "x"`.
 *
 * Same reader as the streaming commands (`stream.ts`): each example is `JSON.parse`d on its own
 * bytes, so whole-file and streaming reads agree exactly; nesting deeper than `MAX_DEPTH`,
 * UTF-16 and invalid UTF-8 are refused in one line.
 */
export function parseCorpus(text: string | Buffer, file: string): Example[] {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const out: Example[] = [];
  streamChunksSync<Parsed>([bytes], file, parseBatch, (r) => out.push(...r.examples));
  return out;
}

/** Read a corpus file from disk and validate it. */
export function loadCorpus(path: string): Example[] {
  const out: Example[] = [];
  streamFileSync<Parsed>(path, parseBatch, (r) => out.push(...r.examples));
  return out;
}

interface Parsed {
  ids: string[];
  examples: Example[];
}

/** A batch's examples, parsed and checked (the explicit type keeps tslab's older TypeScript inferring as ours does). */
function parseBatch(b: Batch): Parsed {
  const examples = examplesOf(b);
  return { ids: examples.map((e) => e.id), examples };
}
