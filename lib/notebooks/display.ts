/**
 * HTML for notebook output (tslab shows it with `tslab.display.html(...)`). Pure string
 * builders, so they are tested like everything else and the notebooks stay free of logic.
 */

import { escapeHtml } from "../charts/html";

export { escapeHtml };

export interface TableOptions {
  caption?: string;
  /** Number formatting for numeric cells (default: locale grouping, 2 decimals at most). */
  digits?: number;
}

/** Rows of plain objects → an HTML table (columns from the union of keys, first-seen order). */
export function htmlTable(rows: readonly object[], opts: TableOptions = {}): string {
  const records = rows as readonly Record<string, unknown>[];
  const cols = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    if (typeof v === "number") return `<td style="text-align:right">${Number.isInteger(v) ? v.toLocaleString("en") : v.toFixed(opts.digits ?? 2)}</td>`;
    return `<td style="text-align:left">${escapeHtml(v === undefined || v === null ? "" : String(v))}</td>`;
  };
  const caption = opts.caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(opts.caption)}</caption>` : "";
  const head = `<tr>${cols.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = records.map((r) => `<tr>${cols.map((c) => cell(r[c])).join("")}</tr>`).join("");
  return `<table>${caption}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}
