import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BENCH_CASES, selectCases } from "../lib/bench/bench";
import { scaleCorpus, writeScaledCorpus } from "../lib/bench/scale";
import { loadCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("bench cases", () => {
  it("--only matches whole names", () => {
    expect(selectCases(["import-refine-x100"]).map((c) => c.name)).toEqual(["import-refine-x100"]);
    expect(selectCases(["startup", "import-refine-x1"]).map((c) => c.name)).toEqual(["import-refine-x1", "startup"]);
    expect(() => selectCases(["x100"])).toThrow(/^bench: no case named x100 \(cases: import-refine-x1, /);
    expect(selectCases(undefined)).toBe(BENCH_CASES);
  });

  it("has the x100 and x300 cases, every name unique", () => {
    const names = BENCH_CASES.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["import-refine-x1", "startup", "import-refine-x100", "import-refine-x300"]));
    expect(new Set(names).size).toBe(names.length);
  });

  it("writes scaled corpora item by item in the bytes of the whole list, with new ids", () => {
    const out = mkdtempSync(join(tmpdir(), "cci-bench-"));
    dirs.push(out);
    const sample = join(__dirname, "..", "resource", "sample");
    writeScaledCorpus(sample, join(out, "x3"), 3);
    for (const split of ["train", "dev", "test"]) {
      const expected = pythonJsonDumps(scaleCorpus(loadCorpus(join(sample, `${split}.json`)), 3));
      expect(readFileSync(join(out, "x3", `${split}.json`), "utf8"), split).toBe(expected);
    }
    const ids = loadCorpus(join(out, "x3", "dev.json")).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((id) => id.endsWith("#r2"))).toBe(true);
  });
});
