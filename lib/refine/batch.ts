/**
 * Refinement of one batch of raw examples → their output bytes: the unit of work that runs
 * inline for small files and on worker threads for large ones (`pool.ts`). Pure: bytes in,
 * bytes and counts out.
 */
import { examplesOf, type Batch } from "../corpus/elements";
import { ITEM_SEPARATOR, pythonJsonItem } from "../corpus/pyjson";
import { ALTERNATIVE_RULES, FAITHFUL_RULES, type RefineRule } from "./rules";
import { emptyStats, refineExample, type RefineStats } from "./refine";
import { UserError } from "../util/errors";

export interface CheckedBatch {
  ids: string[];
}

export interface RefinedBatch extends CheckedBatch {
  /** The refined examples as `json.dump(indent=4)` items joined by ITEM_SEPARATOR, UTF-8. */
  items: Uint8Array;
  stats: RefineStats;
}

/** Parse and check a batch (import's validation: the download's every reference_id must name an utterance). */
export function checkBatch(batch: Batch): CheckedBatch {
  return { ids: examplesOf(batch, { references: "every" }).map((e) => e.id) };
}

/** Parse, check and refine a batch. */
export function refineBatch(batch: Batch, rules: readonly RefineRule[]): RefinedBatch {
  const stats = emptyStats(rules);
  const examples = examplesOf(batch);
  const text = examples.map((ex) => pythonJsonItem(inFile(batch.file, () => refineExample(ex, rules, stats)))).join(ITEM_SEPARATOR);
  // TextEncoder gives a buffer of its own (never Node's shared pool), safe to transfer.
  return { ids: examples.map((e) => e.id), items: new TextEncoder().encode(text), stats };
}

const KNOWN_RULES = new Map<string, RefineRule>([...FAITHFUL_RULES, ...Object.values(ALTERNATIVE_RULES)].map((r) => [r.name, r]));

/** The rules as names a worker can look up, or undefined when one is not from the built-in tables (custom rules stay on the main thread). */
export function portableRuleNames(rules: readonly RefineRule[]): string[] | undefined {
  return rules.every((r) => KNOWN_RULES.get(r.name) === r) ? rules.map((r) => r.name) : undefined;
}

export function rulesFromNames(names: readonly string[]): RefineRule[] {
  return names.map((n) => {
    const rule = KNOWN_RULES.get(n);
    if (!rule) throw new Error(`unknown rule ${n}`);
    return rule;
  });
}

/** Name the file in a per-example refusal (`example X: …` → `FILE: example X: …`). */
function inFile<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw err instanceof UserError ? new UserError(`${file}: ${err.message}`, err.exitCode) : err;
  }
}
