import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeEntryName, importCorpus, isUnsafeEntryName, splitOfName, spliceTrainDev } from "../lib/corpus/import";
import { loadCorpus } from "../lib/corpus/load";
import { corpusText, makeZip } from "./helpers/corpus";

const tmp = () => mkdtempSync(join(tmpdir(), "cci-import-"));
const DIR = "대화맥락추론_데이터";
const download = (crlf = false) => {
  const t = (p: string, n: number) => (crlf ? corpusText(p, n).replaceAll("\n", "\r\n") : corpusText(p, n));
  return { [`${DIR}/${DIR.replace("_데이터", "")}_train.json`]: t("train", 3), [`${DIR}/${DIR.replace("_데이터", "")}_dev.json`]: t("dev", 2), [`${DIR}/${DIR.replace("_데이터", "")}_test.json`]: t("test", 2) };
};
const writeZip = async (files: Record<string, string>, opts = {}) => {
  const path = join(tmp(), "download.zip");
  writeFileSync(path, await makeZip(files, opts));
  return path;
};
const ids = (path: string) => loadCorpus(path).map((e) => e.id);

describe("import", () => {
  it("imports a zip: the three splits byte for byte, and train+dev", async () => {
    const files = download(true);
    const out = tmp();
    const result = await importCorpus(await writeZip(files), out);
    expect(result.map((r) => [r.split, r.examples])).toEqual([["train", 3], ["dev", 2], ["test", 2], ["train+dev", 5]]);
    expect(readFileSync(join(out, "train.json"), "utf8")).toBe(Object.values(files)[0]);
    expect(ids(join(out, "train+dev.json"))).toEqual([...ids(join(out, "train.json")), ...ids(join(out, "dev.json"))]);
    // the splice keeps the download's CRLF layout
    expect(readFileSync(join(out, "train+dev.json"), "utf8")).toContain("    },\r\n    {");
  });

  it("reads CP949 entry names written without the UTF-8 flag", async () => {
    const out = tmp();
    const result = await importCorpus(await writeZip(download(), { cp949: true }), out);
    expect(result[0].from).toContain(`${DIR}/대화맥락추론_train.json`);
  });

  it("imports the unpacked folder", async () => {
    const src = tmp();
    for (const [name, text] of Object.entries(download())) {
      mkdirSync(join(src, DIR), { recursive: true });
      writeFileSync(join(src, name), text);
    }
    const out = tmp();
    await importCorpus(src, out);
    expect(readdirSync(out).sort()).toEqual(["dev.json", "test.json", "train+dev.json", "train.json"]);
  });

  const refuse: [string, () => Promise<Record<string, string>>, RegExp][] = [
    ["an entry escaping the output folder", async () => ({ ...download(), "../evil_x.json": "[]" }), /would land outside the output folder/],
    ["an absolute entry", async () => ({ ...download(), "/etc/x.json": "[]" }), /would land outside the output folder/],
    ["a missing split", async () => Object.fromEntries(Object.entries(download()).filter(([k]) => !k.endsWith("dev.json"))), /no dev split found/],
    ["two files for one split", async () => ({ ...download(), "other/x_test.json": corpusText("t2", 1) }), /two files for the test split/],
    ["an id used in both train and dev", async () => ({ ...download(), [`${DIR}/대화맥락추론_dev.json`]: corpusText("train", 1) }), /example train-1: id: also used in the train split/],
    ["an invalid split file", async () => ({ ...download(), [`${DIR}/대화맥락추론_test.json`]: '[{"id": 1}]' }), /대화맥락추론_test\.json: example #1: id: expected a non-empty string/],
  ];
  it.each(refuse)("refuses %s and writes nothing", async (_n, files, message) => {
    const out = join(tmp(), "out");
    await expect(importCorpus(await writeZip(await files()), out)).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a source that is not a zip", async () => {
    const bad = join(tmp(), "x.zip");
    writeFileSync(bad, "not a zip");
    await expect(importCorpus(bad, tmp())).rejects.toThrow(/not a readable zip archive/);
  });
});

describe("import helpers", () => {
  it.each([
    ["대화맥락추론_train.json", "train"],
    ["a/b/대화맥락추론_dev.json", "dev"],
    ["test.json", "test"],
    ["contest.json", null],
    ["train.jsonl", null],
  ] as const)("splitOfName(%s) = %s", (name, split) => expect(splitOfName(name)).toBe(split));

  it.each([
    ["../x", true],
    ["a/../../x", true],
    ["/abs", true],
    ["C:\\x", true],
    ["a\\..\\x", true],
    ["a/b.json", false],
    ["..a/b", false],
  ] as const)("isUnsafeEntryName(%s) = %s", (name, unsafe) => expect(isUnsafeEntryName(name)).toBe(unsafe));

  it("decodes names: UTF-8 flag, plain UTF-8, CP949, Unicode-path field", () => {
    const name = "대화맥락추론_train.json";
    expect(decodeEntryName(Buffer.from(name), 0x800)).toBe(name);
    expect(decodeEntryName(Buffer.from(name), 0)).toBe(name);
    expect(decodeEntryName(iconv.encode(name, "cp949"), 0)).toBe(name);
    const field = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), Buffer.from(name)]);
    expect(decodeEntryName(Buffer.from("garbled"), 0, [{ id: 0x7075, data: field }])).toBe(name);
  });

  it("splices train+dev, including empty sides", () => {
    expect(JSON.parse(spliceTrainDev("[\n 1\n]", "[\n 2\n]", { train: 1, dev: 1 }))).toEqual([1, 2]);
    expect(spliceTrainDev("[]", "[2]", { train: 0, dev: 1 })).toBe("[2]");
    expect(spliceTrainDev("[1]", "[]", { train: 1, dev: 0 })).toBe("[1]");
  });
});
