// Notebook 02's byte-identity cell (issue 18.4): it compares when the original's outputs are at
// hand, from any clone (CCI_REFERENCE), and otherwise says in one line what it needs.
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { referenceCheck, referenceRoot } from "../lib/refine/verify";
import { loadCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { refineCorpus } from "../lib/refine/refine";

const SAMPLE = join(__dirname, "..", "resource", "sample");

function fixture() {
  const root = mkdtempSync(join(tmpdir(), "cci-ref-"));
  const repo = join(root, "repo");
  const data = join(repo, "resource", "data");
  mkdirSync(data, { recursive: true });
  for (const f of ["train.json", "dev.json", "test.json"]) copyFileSync(join(SAMPLE, f), join(data, f));
  return { root, repo, data, ws: { kind: "real" as const, root: repo, data } };
}

describe("referenceCheck", () => {
  it("finds ../shared/reference beside the checkout, or CCI_REFERENCE", () => {
    expect(referenceRoot("/x/repo", {})).toBe("/x/shared/reference");
    expect(referenceRoot("/x/repo", { CCI_REFERENCE: "/y/ref" })).toBe("/y/ref");
  });

  it("says in one line what it needs", () => {
    const { repo, ws } = fixture();
    const sample = referenceCheck({ ...ws, kind: "sample" }, {});
    expect(sample).toEqual({ skipped: expect.stringMatching(/^byte-identity check skipped: it needs the real corpus in resource\/data \(npx cci import <zip> --out resource\/data\)$/) });
    const none = referenceCheck(ws, { CCI_REFERENCE: join(repo, "nowhere") });
    expect(none).toEqual({ skipped: "byte-identity check skipped: no original's refined files in nowhere/refined_data (set CCI_REFERENCE to the folder that holds refined_data/)" });
  });

  it("compares byte for byte when the files are there, and finds a changed byte", () => {
    const { root, data, ws } = fixture();
    const refined = join(root, "ref", "refined_data");
    mkdirSync(refined, { recursive: true });
    for (const f of ["train.json", "dev.json"]) writeFileSync(join(refined, f), pythonJsonDumps(refineCorpus(loadCorpus(join(data, f))).examples));
    const bad = Buffer.from(pythonJsonDumps(refineCorpus(loadCorpus(join(data, "dev.json"))).examples));
    bad[100] ^= 1;
    writeFileSync(join(refined, "dev.json"), bad);
    const r = referenceCheck(ws, { CCI_REFERENCE: join(root, "ref") });
    expect("rows" in r && r.rows.map((x) => [x.file, x.identical, x.firstDifference])).toEqual([
      ["dev.json", false, 100],
      ["train.json", true, -1],
    ]);
  });
});
