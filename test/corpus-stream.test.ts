/**
 * The streaming reader and writer against whole-file JSON.parse + json.dump: the scanner on
 * chunks of every size, its refusals, and a fuzz test over random corpora (odd escapes,
 * numbers, duplicate keys, lone surrogates, very long utterances, empty arrays) comparing
 * streaming refinement — inline and on worker threads — with whole-file refinement byte for byte.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { scratch } from "./helpers/scratch";
import { ArrayScanner, MAX_DEPTH } from "../lib/corpus/scan";
import { firstInvalidUtf8, printable } from "../lib/corpus/elements";
import { streamChunksSync } from "../lib/corpus/stream";
import { CorpusWriter } from "../lib/corpus/stream-write";
import { parseCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { refineBatch } from "../lib/refine/batch";
import { refineCorpus } from "../lib/refine/refine";
import { FAITHFUL_RULES } from "../lib/refine/rules";
import { refineFile, refineFileAsync } from "../lib/refine/run";
import type { Example } from "../lib/corpus/schema";

const tmp = scratch("cci-stream-");

/** Elements of `text` as the scanner cuts them when fed `size`-byte chunks. */
function scan(text: string | Buffer, size: number): string[] {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  const out: string[] = [];
  const s = new ArrayScanner((el) => out.push(el.toString()));
  for (let o = 0; o < bytes.length; o += size) s.push(bytes.subarray(o, o + size));
  s.end();
  return out;
}

describe("ArrayScanner", () => {
  const TRICKY = String.raw`[ {"a": "x\"]}\\", "b": [1, {"c": "\\"}]}, "str,]", -1.5e+3 , true,null,{"d":"\u005c\"}"} ,[[]],{}]`;
  it.each([1, 2, 3, 5, 7, 64, 1 << 20])("cuts the same elements in %i-byte chunks", (size) => {
    const els = scan(TRICKY, size);
    expect(els.map((e) => JSON.parse(e))).toEqual(JSON.parse(TRICKY));
  });

  it("records where the array's content starts and ends (for splicing)", () => {
    const text = "\uFEFF \r\n[\r\n  {\"a\": 1},\r\n  {\"b\": 2}\r\n]\r\n";
    const s = new ArrayScanner(() => {});
    s.push(Buffer.from(text));
    s.end();
    const b = Buffer.from(text);
    expect(b.subarray(0, s.openEnd).toString()).toBe("\uFEFF \r\n[");
    expect(b.subarray(s.lastEnd).toString()).toBe("\r\n]\r\n");
    expect(s.count).toBe(2);
  });

  const REFUSE: [string, string | Buffer, RegExp][] = [
    ["an empty file", "", /an empty file/],
    ["an object", '{"a": 1}', /expected a JSON array of examples, got an object/],
    ["a truncated array", '[{"a": 1}', /ends before the array closes/],
    ["a trailing comma", "[1,]", /comma before the closing bracket/],
    ["two commas", "[1,,2]", /missing value/],
    ["a missing comma", '[{"a":1} {"b":2}]', /expected ',' or ']' after example #1, found '\{'/],
    ["text after the array", "[1] x", /after the closing bracket/],
    ["deep nesting", `[${"[".repeat(MAX_DEPTH + 5)}${"]".repeat(MAX_DEPTH + 5)}]`, new RegExp(`nested deeper than ${MAX_DEPTH} levels`)],
    ["UTF-16 with a byte-order mark", Buffer.from("\uFEFF[]", "utf16le"), /looks like UTF-16/],
    ["UTF-16 without one", Buffer.from("[]", "utf16le"), /looks like UTF-16/],
  ];
  it.each(REFUSE)("refuses %s", (_n, text, message) => expect(() => scan(text, 3)).toThrow(message));
});

describe("parseCorpus refusals are one printable line", () => {
  const ex = (over: string) => `[{"id": "a", "input": ${over}, "output": ""}]`;
  it("names invalid UTF-8 with its byte offset", () => {
    const bytes = Buffer.concat([Buffer.from('[{"id": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]);
    expect(() => parseCorpus(bytes, "f.json")).toThrow(/^f\.json: not valid UTF-8 \(example #1, near byte 9\); save the file as UTF-8$/);
  });
  it("never echoes raw control characters", () => {
    let message = "";
    try {
      parseCorpus(Buffer.from(ex('"\u0000\u0001"')), "f.json");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^f\.json: /);
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000-\u001f]/);
  });
  it("finds the first invalid UTF-8 byte", () => {
    expect(firstInvalidUtf8(Buffer.from("가나다"))).toBe(9);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // an encoded surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe0, 0x80, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xea, 0xb0]))).toBe(1); // truncated
    expect(printable("a\u0000b")).toBe("a\\u0000b");
  });
});

// ---- fuzz: random corpora, streaming vs whole-file ----

const ODD_STRINGS = [
  "\\",
  '"',
  "\\\\\"",
  "\n\r\t\b\f",
  "\u0001\u001f\u007f",
  "\u2028\u2029",
  "\ud800", // lone high surrogate
  "\udfff", // lone low surrogate
  "😀🎉",
  "ㅋㅋㅋ ㅠㅠ",
  "안녕하세요~!! name1님 반갑습니다",
  "......????",
  "ㅇㅇ ㅇㅇㅇ",
  "]},[{",
  "  \u3000 ",
  "",
];

function randomText(rng: () => number, long: boolean): string {
  const parts: string[] = [];
  const n = long ? 2000 + Math.floor(rng() * 4000) : 1 + Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) {
    const r = rng();
    if (r < 0.4) parts.push(ODD_STRINGS[Math.floor(rng() * ODD_STRINGS.length)]);
    else if (r < 0.7) parts.push(String.fromCharCode(0xac00 + Math.floor(rng() * 11172)).repeat(1 + Math.floor(rng() * 4)));
    else parts.push(" ", "abc", "1.5", "~", "\\u0041");
  }
  return parts.join("");
}

const NUMBERS = ["0", "-0", "1", "-17", "3.25", "1e-7", "1E+21", "-2.5e-300", "12345678901234567890", "0.1", "1.0", "2e308"];

function randomJunk(rng: () => number, depth: number): string {
  const r = rng();
  if (depth > 3 || r < 0.3) return NUMBERS[Math.floor(rng() * NUMBERS.length)];
  if (r < 0.5) return JSON.stringify(randomText(rng, false));
  if (r < 0.6) return ["true", "false", "null", "[]", "{}"][Math.floor(rng() * 5)];
  if (r < 0.8) return `[${Array.from({ length: Math.floor(rng() * 3) }, () => randomJunk(rng, depth + 1)).join(", ")}]`;
  // objects with duplicate keys: JSON.parse keeps the last value at the first key's position
  return `{"k": ${randomJunk(rng, depth + 1)}, "z": 1, "k": ${randomJunk(rng, depth + 1)}}`;
}

/** A random corpus file's text: valid examples, written with varied whitespace, escapes and extras. */
function randomCorpus(seed: string): string {
  const rng = seedrandom(seed);
  const n = Math.floor(rng() * 12);
  const ws = () => [" ", "", "\n", "\r\n    ", "\t"][Math.floor(rng() * 5)];
  const str = (s: string) => {
    const j = JSON.stringify(s);
    // sometimes escape every non-ASCII character (\uXXXX), as ensure_ascii=True writers do
    return rng() < 0.3 ? j.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : j;
  };
  const examples: string[] = [];
  for (let e = 0; e < n; e++) {
    const turns = 1 + Math.floor(rng() * 8);
    const conv: string[] = [];
    for (let t = 0; t < turns; t++) {
      const utt = rng() < 0.1 ? NUMBERS[Math.floor(rng() * 4)] : str(randomText(rng, rng() < 0.05));
      const uid = rng() < 0.2 ? `[${str(`U${e}.${t}`)}, ${str(`U${e}.${t}b`)}]` : str(`U${e}.${t}`);
      conv.push(`{${ws()}"speaker":${ws()}${1 + Math.floor(rng() * 2)},${ws()}"utterance": ${utt}, "utterance_id": ${uid}${rng() < 0.2 ? `, "extra": ${randomJunk(rng, 0)}` : ""}}`);
    }
    // One utterance every rule keeps: a conversation refinement empties is refused (issue 12), on both paths alike.
    conv.push(`{"speaker": 1, "utterance": "마지막 말", "utterance_id": ${str(`U${e}.last`)}}`);
    const ref = str(`U${e}.${Math.floor(rng() * turns)}`);
    const dupId = rng() < 0.1 ? `"id": "shadowed", ` : "";
    examples.push(
      `{${dupId}"id": ${str(`ex-${seed}-${e}`)}, "input": {"conversation": [${conv.join(`,${ws()}`)}], "reference_id": [${ref}], ` +
        `"category": ${str(["원인", "후행사건", "전제", "동기", "반응"][e % 5])}, "inference_1": ${str(randomText(rng, false))}, ` +
        `"inference_2": "b", "inference_3": "c"${rng() < 0.3 ? `, "empty": []` : ""}}, "output": ${str(["inference_1", "inference_2", "inference_3", ""][e % 4])}}`,
    );
  }
  return `${rng() < 0.2 ? "\uFEFF" : ""}${ws()}[${ws()}${examples.join(`,${ws()}`)}${ws()}]${ws()}`;
}

/** The whole-file path: JSON.parse the text, refine, json.dump. */
function wholeFile(text: string): string {
  const data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Example[];
  return pythonJsonDumps(refineCorpus(data, FAITHFUL_RULES).examples);
}

/** The streaming path with random chunk and batch sizes, into a file. */
function streamed(text: string, rng: () => number, dir: string): string {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let o = 0; o < bytes.length; ) {
    const size = 1 + Math.floor(rng() * 300);
    chunks.push(bytes.subarray(o, o + size));
    o += size;
  }
  const path = join(dir, "streamed.json");
  const writer = new CorpusWriter(path);
  streamChunksSync(chunks, "fuzz.json", (b) => refineBatch(b, FAITHFUL_RULES), (r) => writer.writeItems(r.items, r.ids.length), { batchBytes: 1 + Math.floor(rng() * 4000) });
  writer.close();
  return readFileSync(path, "utf8");
}

describe("fuzz: streaming refinement = whole-file refinement, byte for byte", () => {
  const SEEDS = Array.from({ length: 60 }, (_, i) => `s${i}`);
  it("on 60 random corpora, random chunk and batch sizes", () => {
    const dir = tmp();
    let nonEmpty = 0;
    for (const seed of SEEDS) {
      const text = randomCorpus(seed);
      const expected = wholeFile(text);
      if (expected !== "[]") nonEmpty++;
      expect(streamed(text, seedrandom(`chunks-${seed}`), dir), seed).toBe(expected);
      // and through the file-level entry point
      writeFileSync(join(dir, "in.json"), text);
      refineFile(join(dir, "in.json"), join(dir, "out.json"));
      expect(readFileSync(join(dir, "out.json"), "utf8"), seed).toBe(expected);
    }
    expect(nonEmpty).toBeGreaterThan(40);
  });

  it("on worker threads too (output order kept)", async () => {
    const dir = tmp();
    const text = `[${SEEDS.map((s) => randomCorpus(s).replace(/^\uFEFF?\s*\[|\]\s*$/g, "").trim()).filter(Boolean).join(",")}]`;
    writeFileSync(join(dir, "in.json"), text);
    await refineFileAsync(join(dir, "in.json"), join(dir, "out.json"), FAITHFUL_RULES, { threads: 2 });
    expect(readFileSync(join(dir, "out.json"), "utf8")).toBe(wholeFile(text));
    expect(readdirSync(dir).sort()).toEqual(["in.json", "out.json"]);
  });
});
