/** `{split}_total_utterance_lengths.csv` exactly as Python's `csv.writer` writes it (SPEC §3). */
import type { Example } from "../corpus/schema";
import { conversationChars } from "./stats";

/** csv.QUOTE_MINIMAL: quote a field holding the delimiter, the quote character, CR or LF. */
export function pythonCsvField(value: string | number): string {
  const s = String(value);
  // Python also quotes a row made of one empty field, so the line is not blank.
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows → CSV text with Python's default `\r\n` line ends. */
export function pythonCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((r) => (r.length === 1 && r[0] === "" ? '""' : r.map(pythonCsvField).join(","))).map((l) => `${l}\r\n`).join("");
}

/** The original's per-conversation length table: `id,total_utterance_length`, one row per example. */
export function totalLengthsCsv(examples: readonly Example[]): string {
  return pythonCsv([["id", "total_utterance_length"], ...examples.map((e) => [e.id, conversationChars(e)])]);
}
