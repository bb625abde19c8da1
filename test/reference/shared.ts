/**
 * Helpers for the CI-only reference checks: ../shared holds the real corpus as a user downloads
 * it and the original's outputs on it. Nothing from there is ever written inside the repo.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { importCorpus } from "../../lib/corpus/import";

export const SHARED = resolve(__dirname, "..", "..", "..", "shared");
export const REFERENCE = join(SHARED, "reference");
export const CORPUS_ZIP = join(SHARED, "corpus", "대화맥락추론_데이터.zip");
export const hasShared = existsSync(REFERENCE) && existsSync(CORPUS_ZIP);

let imported: Promise<string> | undefined;

/** The real corpus imported once per test file into a temp folder (outside the repo). */
export function importedCorpus(): Promise<string> {
  imported ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-real-"));
    await importCorpus(CORPUS_ZIP, dir);
    return dir;
  })();
  return imported;
}
