import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { example } from "./helpers/corpus";

const CCI = resolve(__dirname, "..", "lib", "cli", "cci.mjs");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: resolve(__dirname, "..") });
const tmp = () => mkdtempSync(join(tmpdir(), "cci-cli-"));
const file = (name: string, text: string) => {
  const path = join(tmp(), name);
  writeFileSync(path, text);
  return path;
};

describe("cci refine", () => {
  it("refines a file and writes Python json.dump bytes", () => {
    const input = file("dev.json", pythonJsonDumps([example([[1, "안녕하세요~"], [1, "ㅇㅇ 좋아요"], [2, "name1님 ㅋㅋ"]], [2])]));
    const out = join(tmp(), "out.json");
    const r = cci("refine", input, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.endsWith("]")).toBe(true);
    const [ex] = JSON.parse(text);
    expect(ex.input.conversation.map((u: { utterance: string }) => u.utterance)).toEqual(["응 좋아요", "화자1님"]);
  });

  // Bad input: non-zero exit, one line naming file / example / field, no stack trace, no output file.
  const BAD: [name: string, setup: () => string[], message: RegExp][] = [
    ["invalid JSON", () => [file("a.json", "[{"), "--out", join(tmp(), "o.json")], /^cci: .*a\.json: not valid JSON/],
    ["a bad field", () => [file("b.json", JSON.stringify([{ ...example([[1, "가"]]), output: "x" }])), "--out", join(tmp(), "o.json")], /^cci: .*b\.json: example test-\d+: output: expected/],
    ["a missing file", () => ["/nonexistent/c.json", "--out", join(tmp(), "o.json")], /^cci: \/nonexistent\/c\.json: cannot read \(no such file\)$/],
    ["an unknown rule", () => [file("d.json", "[]"), "--out", join(tmp(), "o.json"), "--disable", "nope"], /^cci: --disable: unknown rule nope/],
  ];
  it.each(BAD)("rejects %s", (_n, setup, message) => {
    const args = setup();
    const r = cci("refine", ...args);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(args[2])).toBe(false);
  });

  it("never writes over its input", () => {
    const input = file("e.json", pythonJsonDumps([example([[1, "가나"]])]));
    const before = readFileSync(input, "utf8");
    const r = cci("refine", input, "--out", input);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/refusing to write over the input file/);
    expect(readFileSync(input, "utf8")).toBe(before);
  });
});

describe("cci import", () => {
  it("reports a missing split in one line and writes nothing", () => {
    const src = tmp();
    writeFileSync(join(src, "x_train.json"), "[]");
    const out = join(tmp(), "out");
    const r = cci("import", src, "--out", out);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^cci: .*: no dev, test split found .*nothing written$/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("cci --help", () => {
  it("lists every pipeline command", () => {
    const r = cci("--help");
    expect(r.status).toBe(0);
    for (const c of ["import", "refine", "report", "notebooks", "bench"]) expect(r.stdout).toContain(c);
  });
});
