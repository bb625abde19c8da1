/**
 * Python's `json.dumps(obj, ensure_ascii=False)` (separators `", "` and `": "`), one object per
 * line — the form of the reference prompt files and of every JSONL file we write.
 */
import { pythonJsonLine } from "../corpus/pyjson";

export { pythonJsonLine };

/** Rows → JSONL text: one line each, each ending in a newline. */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => `${pythonJsonLine(r)}\n`).join("");
}
