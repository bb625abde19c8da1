/**
 * Python's `json.dumps(obj, ensure_ascii=False)` (separators `", "` and `": "`), one object per
 * line — the form of the reference prompt files and of every JSONL file we write.
 */
import { pythonNumber } from "../corpus/pyjson";

export function pythonJsonLine(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pythonNumber(value);
    case "object":
      if (Array.isArray(value)) return `[${value.map(pythonJsonLine).join(", ")}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJsonLine(v)}`)
        .join(", ")}}`;
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
}

/** Rows → JSONL text: one line each, each ending in a newline. */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => `${pythonJsonLine(r)}\n`).join("");
}
