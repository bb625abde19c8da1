/**
 * The real corpus must never be committed, not even a light edit of it: every tracked text file
 * is checked for any 16-character run that also occurs in an utterance or inference of the
 * competition corpus. Runs only where ../shared holds the download (CI); skipped elsewhere.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { pickSplits, readZipEntries, splitOfName, SOURCE_SPLITS } from "../lib/corpus/import";
import { parseCorpus } from "../lib/corpus/load";
import { utteranceText } from "../lib/corpus/schema";

const ROOT = resolve(__dirname, "..");
const CORPUS_ZIP = resolve(ROOT, "..", "shared", "corpus", "대화맥락추론_데이터.zip");
const RUN = 16;

/** Corpus texts shorter than a run cannot leak a run; longer ones give every window. */
function corpusWindows(texts: Iterable<string>): Set<string> {
  const windows = new Set<string>();
  for (const t of texts) {
    const cps = Array.from(t);
    for (let i = 0; i + RUN <= cps.length; i++) {
      const w = cps.slice(i, i + RUN).join("");
      // A window of only spaces, digits and ASCII punctuation is not corpus text (JSON indentation, numbers).
      if (/[^\s\d\p{P}\p{S}]/u.test(w)) windows.add(w);
    }
  }
  return windows;
}

/** The first run of `text` found in `windows`, with its offset, or null. */
export function firstShared(text: string, windows: ReadonlySet<string>): { at: number; run: string } | null {
  const cps = Array.from(text);
  for (let i = 0; i + RUN <= cps.length; i++) {
    const w = cps.slice(i, i + RUN).join("");
    if (windows.has(w)) return { at: i, run: w };
  }
  return null;
}

describe("firstShared", () => {
  const windows = corpusWindows(["가나다라마바사아자차카타파하거너더러"]);
  it("finds a shared 16-character run and nothing shorter", () => {
    expect(firstShared("xx나다라마바사아자차카타파하거너더yy", windows)?.at).toBe(2);
    expect(firstShared("나다라마바사아자차카타파하거너", windows)).toBeNull();
  });
});

describe.skipIf(!existsSync(CORPUS_ZIP))("no tracked file holds real corpus text", () => {
  it("shares no 16-character run with any utterance or inference", async () => {
    const entries = await readZipEntries(CORPUS_ZIP, (n) => splitOfName(n) !== null);
    const picked = pickSplits(CORPUS_ZIP, entries);
    const texts: string[] = [];
    for (const split of SOURCE_SPLITS) {
      for (const ex of parseCorpus(picked[split].data.toString("utf8"), split)) {
        for (const u of ex.input.conversation) texts.push(utteranceText(u));
        texts.push(ex.input.inference_1, ex.input.inference_2, ex.input.inference_3);
      }
    }
    const windows = corpusWindows(texts);
    expect(windows.size).toBeGreaterThan(10_000);

    const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    const leaks: string[] = [];
    for (const file of tracked) {
      const path = join(ROOT, file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      if (bytes.includes(0)) continue; // binary (PNG): no text to leak as such
      const hit = firstShared(bytes.toString("utf8"), windows);
      if (hit) leaks.push(`${file}: "${hit.run}" at character ${hit.at}`);
    }
    expect(leaks).toEqual([]);
  });
});
