/**
 * train+dev.json spliced from refined train and dev (derived.ts) must give the bytes a
 * whole-file refinement of train+dev gives — and must not be used when the file is not
 * exactly train's examples then dev's.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratch } from "./helpers/scratch";
import { importCorpus } from "../lib/corpus/import";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { fileEquals } from "../lib/refine/derived";
import { refineFolder, refineFolderAsync } from "../lib/refine/run";
import { corpusText, example } from "./helpers/corpus";

const tmp = scratch("cci-derived-");

/** A download folder whose examples refinement actually changes, imported into `data`. */
async function imported(train: number, dev: number, crlf = false): Promise<string> {
  const src = tmp();
  const text = (prefix: string, n: number) => {
    const t = pythonJsonDumps(Array.from({ length: n }, (_, i) => ({ ...example([[1, "안녕하세요~ ㅋㅋ"], [1, "name2 좋아요!!"], [2, "ㅇㅇ 그래요...."]], [2]), id: `${prefix}-${i}` })));
    return crlf ? t.replaceAll("\n", "\r\n") : t;
  };
  writeFileSync(join(src, "x_train.json"), text("train", train));
  writeFileSync(join(src, "x_dev.json"), text("dev", dev));
  writeFileSync(join(src, "x_test.json"), corpusText("test", 2));
  const data = join(tmp(), "data");
  await importCorpus(src, data);
  return data;
}

/** Every output of the async (spliced) run equals the sync run's (each file refined on its own). */
async function expectSameAsWholeFile(data: string, spliced: boolean): Promise<void> {
  const a = join(tmp(), "a");
  const b = join(tmp(), "b");
  refineFolder(data, a);
  const { files } = await refineFolderAsync(data, b);
  expect(files.map((f) => f.output.split("/").at(-1))).toEqual(["dev.json", "test.json", "train+dev.json", "train.json"]);
  expect(files.map((f) => f.spliced === true)).toEqual([false, false, spliced, false]);
  for (const f of readdirSync(a)) expect(readFileSync(join(b, f), "utf8"), f).toBe(readFileSync(join(a, f), "utf8"));
  expect(readdirSync(b).sort()).toEqual(readdirSync(a).sort());
}

describe("train+dev spliced from refined train and dev", () => {
  it.each([
    [3, 2, false],
    [3, 2, true],
    [0, 2, false],
    [3, 0, false],
    [0, 0, false],
  ])("train %i, dev %i examples (CRLF %s): same bytes as refining train+dev itself", async (train, dev, crlf) => {
    await expectSameAsWholeFile(await imported(train, dev, crlf), true);
  });

  it("refines train+dev itself when it is not exactly train then dev", async () => {
    const data = await imported(3, 2);
    const td = JSON.parse(readFileSync(join(data, "train+dev.json"), "utf8"));
    writeFileSync(join(data, "train+dev.json"), JSON.stringify(td.reverse()));
    await expectSameAsWholeFile(data, false);
  });

  it("still refuses an id in both train and dev (as the whole file would)", async () => {
    const data = await imported(2, 2);
    const dev = readFileSync(join(data, "dev.json"), "utf8").replaceAll("dev-0", "train-0");
    writeFileSync(join(data, "dev.json"), dev);
    const train = readFileSync(join(data, "train.json"), "utf8");
    writeFileSync(join(data, "train+dev.json"), `${train.replace(/\s*\]\s*$/, "")},${dev.replace(/^\s*\[/, "")}`);
    const out = join(tmp(), "out");
    await expect(refineFolderAsync(data, out)).rejects.toThrow(/train\+dev\.json: example train-0: id: duplicate id/);
  });

  it("compares files with ranges byte for byte", () => {
    const d = tmp();
    mkdirSync(join(d, "x"));
    writeFileSync(join(d, "a"), "hello world");
    writeFileSync(join(d, "b"), "hello");
    expect(fileEquals(join(d, "a"), [{ file: join(d, "b"), from: 0, to: 5 }, { bytes: Buffer.from(" world") }])).toBe(true);
    expect(fileEquals(join(d, "a"), [{ file: join(d, "b"), from: 0, to: 5 }, { bytes: Buffer.from(" worle") }])).toBe(false);
    expect(fileEquals(join(d, "a"), [{ bytes: Buffer.from("hello") }])).toBe(false);
  });
});
