import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refineFolder, refineFolderAsync } from "../../lib/refine/run";
import { loadCorpus } from "../../lib/corpus/load";
import { readZipEntries } from "../../lib/corpus/import";
import { CORPUS_ZIP, REFERENCE, hasShared, importedCorpus } from "./shared";

const SPLITS = ["train", "dev", "test", "train+dev"];

describe.skipIf(!hasShared)("real corpus", () => {
  it("imports the competition zip: splits byte for byte, train+dev = train then dev", async () => {
    const dir = await importedCorpus();
    const entries = await readZipEntries(CORPUS_ZIP, () => true);
    for (const split of ["train", "dev", "test"]) {
      const entry = entries.find((e) => e.name.endsWith(`_${split}.json`))!;
      expect(readFileSync(join(dir, `${split}.json`)).equals(entry.data), split).toBe(true);
    }
    const ids = (s: string) => loadCorpus(join(dir, `${s}.json`)).map((e) => e.id);
    expect(ids("train+dev")).toEqual([...ids("train"), ...ids("dev")]);
    expect([ids("train").length, ids("dev").length, ids("test").length]).toEqual([758, 151, 605]);
  });

  it("refines byte-identically to the original's refined_data", async () => {
    const out = mkdtempSync(join(tmpdir(), "cci-refined-"));
    refineFolder(await importedCorpus(), out);
    for (const split of SPLITS) {
      const ours = readFileSync(join(out, `${split}.json`));
      const theirs = readFileSync(join(REFERENCE, "refined_data", `${split}.json`));
      expect(ours.equals(theirs), `${split}.json differs from the reference`).toBe(true);
    }
  });

  it("refines byte-identically the way the CLI does (streaming, worker threads, train+dev spliced)", async () => {
    const out = mkdtempSync(join(tmpdir(), "cci-refined-"));
    const { files } = await refineFolderAsync(await importedCorpus(), out, undefined, undefined, { threads: 2 });
    expect(files.find((f) => f.output.endsWith("train+dev.json"))?.spliced).toBe(true);
    for (const split of SPLITS) {
      const ours = readFileSync(join(out, `${split}.json`));
      const theirs = readFileSync(join(REFERENCE, "refined_data", `${split}.json`));
      expect(ours.equals(theirs), `${split}.json differs from the reference`).toBe(true);
    }
  });
});
