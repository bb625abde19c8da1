import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCorpus } from "../../lib/corpus/load";
import { refineCorpus } from "../../lib/refine/refine";
import { buildPrompts, quirkCounts, toJsonl, type VariantName } from "../../lib/prompts";
import { REFERENCE, hasShared, importedCorpus } from "./shared";

const REFERENCED: VariantName[] = [
  "CustomRefDataset",
  "CustomRefOfficialTermDataset",
  "CustomRefDefinitionDataset",
  "CustomRefInstructionDataset",
  "SystemRefOfficialTermDataset",
];

function referenceRows(variant: string, kind: "raw" | "refined"): unknown[] {
  const text = readFileSync(join(REFERENCE, "prompts", `${variant}.dev-${kind}.jsonl`), "utf8");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

describe.skipIf(!hasShared)("prompt variants on the real dev split", () => {
  const dev = async (kind: "raw" | "refined") => {
    const raw = loadCorpus(join(await importedCorpus(), "dev.json"));
    return kind === "raw" ? raw : refineCorpus(raw).examples;
  };

  for (const kind of ["raw", "refined"] as const) {
    for (const variant of REFERENCED) {
      it(`${variant} on dev ${kind} equals the original's, object for object`, async () => {
        const ours = buildPrompts(await dev(kind), variant);
        const theirs = referenceRows(variant, kind);
        expect(ours.length).toBe(theirs.length);
        ours.forEach((row, i) => expect(row, `${variant} ${kind} line ${i + 1}`).toEqual(theirs[i]));
      });
    }
  }

  it("writes the reference files byte for byte through the CLI's writer", async () => {
    const ours = toJsonl(buildPrompts(await dev("refined"), "CustomRefInstructionDataset"));
    const theirs = readFileSync(join(REFERENCE, "prompts", "CustomRefInstructionDataset.dev-refined.jsonl"), "utf8");
    expect(ours === theirs).toBe(true);
  });

  it("the josa overwrite touches 전제 and 동기 (CustomRef) and 동기 (Definition, Instruction), as SPEC §4 says", async () => {
    const examples = [...loadCorpus(join(await importedCorpus(), "train.json")), ...(await dev("raw"))];
    const overwrite = quirkCounts(examples).filter((r) => r.quirk === "josa-overwrite");
    const touched = Object.fromEntries(
      overwrite.map((r) => [r.variant, (["원인", "후행사건", "전제", "동기", "반응"] as const).filter((c) => r[c] > 0)]),
    );
    expect(touched).toEqual({
      CustomRefDataset: ["전제", "동기"],
      CustomRefDefinitionDataset: ["동기"],
      CustomRefInstructionDataset: ["동기"],
      Baseline: ["전제", "동기"],
    });
  });
});

