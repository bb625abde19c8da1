import { describe, expect, it } from "vitest";
import { pythonJsonDumps, pythonNumber } from "../lib/corpus/pyjson";

// Expected strings are what Python 3 prints for json.dumps(obj, ensure_ascii=False, indent=4).
const CASES: [name: string, value: unknown, expected: string][] = [
  ["empty list", [], "[]"],
  ["empty object", {}, "{}"],
  ["nested", { a: [1, { b: "x" }], c: [] }, '{\n    "a": [\n        1,\n        {\n            "b": "x"\n        }\n    ],\n    "c": []\n}'],
  ["Korean stays raw", ["한국어"], '[\n    "한국어"\n]'],
  ["escapes", ['a"b\\c\n\t\r\b\f\u0001\u001f\u007f'], '[\n    "a\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\u007f"\n]'],
  ["U+2028 stays raw", ["\u2028"], '[\n    "\u2028"\n]'],
  ["key order kept", { z: 1, a: 2 }, '{\n    "z": 1,\n    "a": 2\n}'],
  ["literals", [true, false, null], "[\n    true,\n    false,\n    null\n]"],
];

describe("pythonJsonDumps", () => {
  it.each(CASES)("%s", (_n, value, expected) => expect(pythonJsonDumps(value)).toBe(expected));
  it("writes no trailing newline", () => expect(pythonJsonDumps([1]).endsWith("]")).toBe(true));
});

describe("pythonNumber (float repr)", () => {
  const NUMS: [number, string][] = [
    [40, "40"],
    [-3, "-3"],
    [0.5, "0.5"],
    [1e-7, "1e-07"],
    [1.5e-5, "1.5e-05"],
    [0.0001, "0.0001"],
    [1e16 + 0.5, "1e+16"],
    [2.5e20, "2.5e+20"],
  ];
  it.each(NUMS)("%d → %s", (n, s) => expect(pythonNumber(n)).toBe(s));
});

import { pythonJsonLine } from "../lib/corpus/pyjson";

describe("pythonJsonLine (no indent)", () => {
  it.each([
    [{ a: [1, "한"], b: {}, c: [] }, '{"a": [1, "한"], "b": {}, "c": []}'],
    [[{ x: null }], '[{"x": null}]'],
  ] as const)("%j", (value, expected) => expect(pythonJsonLine(value)).toBe(expected));
});
