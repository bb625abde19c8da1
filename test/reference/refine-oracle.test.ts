// The oracle of test/refine-oracle.test.ts (SPEC §2 restated in real Python) writes the original's
// refined files of the real corpus byte for byte — so matching it on adversarial corpora means
// matching what the original would write there.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REFERENCE, hasShared, importedCorpus } from "./shared";

const ORACLE = resolve(__dirname, "..", "fixtures", "refine", "spec_refine.py");
const PYTHON = process.env.CCI_REAL_PYTHON || "python3";
const hasRegex = spawnSync(PYTHON, ["-c", "import regex"], { encoding: "utf8" }).status === 0;

describe.skipIf(!hasShared || (!hasRegex && process.env.CCI_REQUIRE_SYSTEM !== "1"))("the refinement oracle on the real corpus", () => {
  it("writes the original's four refined files byte for byte", async () => {
    const out = mkdtempSync(join(tmpdir(), "cci-oracle-real-"));
    const py = spawnSync(PYTHON, [ORACLE, await importedCorpus(), out], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    const files = readdirSync(join(REFERENCE, "refined_data")).filter((f) => f.endsWith(".json"));
    expect(files.length).toBe(4);
    for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(REFERENCE, "refined_data", f))), f).toBe(true);
  });
});
