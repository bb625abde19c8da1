import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { example } from "./helpers/corpus";

const CCI = resolve(__dirname, "..", "lib", "cli", "cci.mjs");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: resolve(__dirname, "..") });

function corpus(): string {
  const dir = mkdtempSync(join(tmpdir(), "cci-eda-cli-"));
  writeFileSync(join(dir, "train.json"), pythonJsonDumps([{ ...example([[1, "안녕 ㅋㅋ"], [2, "좋아요"]]), id: "t1" }]));
  writeFileSync(join(dir, "test.json"), pythonJsonDumps([{ ...example([[1, "그래요"]], [0], {}, ""), id: "s1" }]));
  return dir;
}

describe("cci eda", () => {
  it("writes the CSVs and HTML charts of each split present", () => {
    const data = corpus();
    const out = join(data, "EDA");
    const r = cci("eda", "--data", data, "--out", out, "--formats", "html", "--plotly", "cdn");
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "eda.provenance.json",
      "test_category_distribution.html",
      "test_conversation_length_distribution.html",
      "test_total_utterance_length_distribution.html",
      "test_total_utterance_lengths.csv",
      "test_wordcloud.html",
      "train_category_distribution.html",
      "train_conversation_length_distribution.html",
      "train_output_distribution.html",
      "train_total_utterance_length_distribution.html",
      "train_total_utterance_lengths.csv",
      "train_wordcloud.html",
    ]);
  });

  it("by default, its HTML charts share one plotly.min.js instead of inlining it", () => {
    const data = corpus();
    const out = join(data, "EDA");
    const r = cci("eda", "--data", data, "--out", out, "--formats", "html", "--refined", join(data, "refined"));
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toContain("plotly.min.js");
    const top = readFileSync(join(out, "train_category_distribution.html"), "utf8");
    expect(top).toContain('<script src="plotly.min.js"></script>');
    expect(top.length).toBeLessThan(50_000);
    expect(readFileSync(join(out, "refined_data", "train_category_distribution.html"), "utf8")).toContain('<script src="../plotly.min.js"></script>');
  });

  const BAD: [name: string, args: (d: string) => string[], message: RegExp][] = [
    ["a folder without --out", (d) => ["--data", d], /^cci: eda --data .*: also give --out DIR/],
    ["an unknown format", (d) => ["--data", d, "--out", join(d, "o"), "--formats", "gif"], /^cci: --formats: unknown format gif/],
    ["an unknown plotly mode", (d) => ["--data", d, "--out", join(d, "o"), "--plotly", "x"], /^cci: --plotly: expected shared, inline, cdn/],
    ["a folder without a corpus", (d) => ["--data", join(d, "nope"), "--out", join(d, "o")], /^cci: .*nope: no such folder|no corpus files/],
  ];
  it.each(BAD)("rejects %s in one line", (_n, args, message) => {
    const r = cci("eda", ...args(corpus()));
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
