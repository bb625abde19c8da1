/**
 * Tables on the terminal: one row per record, the columns the rows name, and no extra index
 * column (console.table always adds "(index)" and quotes strings, so a table whose rows carry
 * their own "#" or name showed two index columns). Drawn by the `table` package, which measures
 * Hangul and other wide characters as two columns.
 *
 * Not named table.ts: in the tslab kernel a module named like the package it imports ("table")
 * resolves that import to itself (stack overflow in test/tslab-kernel.test.ts).
 */
import { getBorderCharacters, table } from "table";

export type Row = Record<string, unknown>;

/** A cell as text: strings bare, numbers and booleans as JavaScript prints them, absent as blank. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/** The rows as a box table (columns: every key, in first-seen order); numeric columns right-aligned. */
export function formatTable(records: readonly object[]): string {
  // Any record type (interfaces have no index signature, so they are not assignable to Row).
  const rows = records as readonly Row[];
  const head = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const numeric = head.map((k) => rows.every((r) => r[k] === undefined || r[k] === null || typeof r[k] === "number"));
  const data = [head, ...rows.map((r) => head.map((k) => cellText(r[k])))];
  return table(data, {
    border: getBorderCharacters("norc"), // single lines, as console.table draws them
    columns: numeric.map((n) => ({ alignment: n ? "right" : "left" })),
    // Rules above and under the header and at the bottom only, as console.table draws it.
    drawHorizontalLine: (i, size) => i === 0 || i === 1 || i === size,
  }).trimEnd();
}

/** Print the rows as a table on stdout (nothing for no rows). */
export function printTable(rows: readonly object[]): void {
  if (rows.length > 0) console.log(formatTable(rows));
}
