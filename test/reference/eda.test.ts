import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { edaFolder } from "../../lib/eda/run";
import { refineFolder } from "../../lib/refine/run";
import { REFERENCE, hasShared, importedCorpus } from "./shared";

const SPLITS = ["train", "dev", "train+dev", "test"];

describe.skipIf(!hasShared)("EDA of the real corpus", () => {
  it("writes the 8 total_utterance_lengths CSVs byte-identical to the original's (raw and refined × 4 splits)", async () => {
    const data = await importedCorpus();
    const tmp = mkdtempSync(join(tmpdir(), "cci-eda-ref-"));
    refineFolder(data, join(tmp, "refined"));
    const folders = { raw: edaFolder(data, join(tmp, "raw")), refined: edaFolder(join(tmp, "refined"), join(tmp, "EDA-refined")) };
    for (const [variant, folder] of Object.entries(folders)) {
      expect(folder.splits.map((s) => s.split)).toEqual(SPLITS);
      for (const split of SPLITS) {
        const ours = readFileSync(join(folder.out, `${split}_total_utterance_lengths.csv`));
        const theirs = readFileSync(join(REFERENCE, "EDA", variant, `${split}_total_utterance_lengths.csv`));
        expect(ours.equals(theirs), `${variant}/${split}_total_utterance_lengths.csv differs from the reference`).toBe(true);
      }
    }
  });
});
