/**
 * Resume for long scoring runs: every scored example is appended to a journal as one JSON line
 * the moment it is known, so a killed run continues where it stopped and never rescores. The
 * first line records what was being scored (backend, model, prompts); a journal for something
 * else is refused rather than mixed in. A torn last line (killed mid-write) is ignored.
 */
import { existsSync, readFileSync } from "node:fs";
import { appendOutput, removeOutput, writeOutput } from "../util/outputs";
import { createHash } from "node:crypto";
import { UserError } from "../util/errors";
import type { ScoreInput } from "./inputs";

export interface JournalHeader {
  journal: "cci-predict";
  /** Everything that must match for old lines to be reused. */
  fingerprint: Record<string, unknown>;
}

export type Scores = [number, number, number];

/** A stable hash of the prompts (ids and token ids), so a journal never outlives a prompt change. */
export function promptsHash(inputs: readonly ScoreInput[]): string {
  const h = createHash("sha256");
  for (const x of inputs) h.update(`${x.id}\t${x.inputIds.join(",")}\n`);
  return h.digest("hex").slice(0, 16);
}

/** `…/NAME.json` → `…/NAME.journal.jsonl` (not a *.json file, so prediction readers skip it). */
export function journalPath(predictionFile: string): string {
  return predictionFile.replace(/\.json$/i, "") + ".journal.jsonl";
}

export class Journal {
  readonly done = new Map<string, Scores>();

  private constructor(readonly path: string | undefined) {}

  /** Open (or start) a journal; with a mismatched fingerprint, refuse unless `fresh`. Without a path (a stream output) it is kept in memory only. */
  static open(path: string | undefined, fingerprint: Record<string, unknown>, opts: { fresh?: boolean } = {}): Journal {
    const j = new Journal(path);
    if (path === undefined) return j;
    const header: JournalHeader = { journal: "cci-predict", fingerprint };
    if (opts.fresh) removeOutput(path);
    if (!existsSync(path)) {
      writeOutput(path, `${JSON.stringify(header)}\n`);
      return j;
    }
    const text = readFileSync(path, "utf8");
    // A kill mid-append leaves a line without its newline: end it so the next record starts clean.
    if (!text.endsWith("\n")) appendOutput(path, "\n");
    const lines = text.split("\n");
    let first: JournalHeader | undefined;
    try {
      first = JSON.parse(lines[0]) as JournalHeader;
    } catch {
      first = undefined;
    }
    if (first?.journal !== "cci-predict") throw new UserError(`${path}: not a cci predict journal (delete it, or pass --fresh)`);
    if (JSON.stringify(first.fingerprint) !== JSON.stringify(fingerprint)) {
      const diff = Object.keys({ ...fingerprint, ...first.fingerprint }).filter((k) => JSON.stringify(fingerprint[k]) !== JSON.stringify(first!.fingerprint[k]));
      throw new UserError(`${path}: journal of a different run (${diff.join(", ")} differ); pass --fresh to start over`);
    }
    for (const line of lines.slice(1)) {
      if (line.trim() === "") continue;
      let row: { id?: unknown; scores?: unknown } | null;
      try {
        row = JSON.parse(line);
      } catch {
        continue; // a line torn by a kill: that example is simply scored again
      }
      // Only finite scores count (1e999 parses to Infinity and would fail the run after all other scoring, on every resume); others are scored again.
      if (row && typeof row === "object" && typeof row.id === "string" && Array.isArray(row.scores) && row.scores.length === 3 && row.scores.every((s) => typeof s === "number" && Number.isFinite(s)))
        j.done.set(row.id, row.scores as Scores);
    }
    return j;
  }

  record(id: string, scores: Scores): void {
    if (this.done.has(id)) throw new Error(`journal: ${id} scored twice`);
    this.done.set(id, scores);
    if (this.path !== undefined) appendOutput(this.path, `${JSON.stringify({ id, scores })}\n`);
  }

  /** The run finished and its outputs are written: the journal has served. */
  remove(): void {
    if (this.path !== undefined) removeOutput(this.path);
  }
}
