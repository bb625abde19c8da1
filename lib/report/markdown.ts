import { markdownTable } from "markdown-table";

/** Rows of plain objects → a GitHub markdown table (columns from the first row). */
export function table(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return "_(none)_";
  const cols = Object.keys(rows[0]);
  const align = cols.map((c) => (typeof rows[0][c] === "number" ? "r" : "l"));
  return markdownTable([cols, ...rows.map((r) => cols.map((c) => String(r[c] ?? "")))], { align });
}
