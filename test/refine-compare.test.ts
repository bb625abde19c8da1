/**
 * Rule tweaking shows deltas (issue 18.3): lib/refine/compare.ts, `cci refine --compare`, and
 * the command reference's refinement snippet (reports/guide/commands.md), run as written. Golden numbers come from resource/sample/
 * (synthetic, committed) only.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { addComparisons, compareRuleSets, describeTweak, isSameRuleSet, splitDeltaRows, stepDeltaRows, totalDeltaRows } from "../lib/refine/compare";
import { ALTERNATIVE_RULES, FAITHFUL_RULES, insertRule, patternRule, replaceRule, withoutRules } from "../lib/refine/rules";
import { example } from "./helpers/corpus";
import { scratch } from "./helpers/scratch";

const ROOT = resolve(__dirname, "..");
const SAMPLE = join(ROOT, "resource", "sample");
const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: ROOT });
const tmp = scratch("cci-compare-");
const ALT = replaceRule(FAITHFUL_RULES, "newline-to-space", ALTERNATIVE_RULES["newline-to-space"]);
const NO_JAMO = withoutRules(FAITHFUL_RULES, ["delete-jamo"]);

/** A totals table as [metric, faithful, tweaked, Δ] tuples. */
const totals = (rows: ReturnType<typeof totalDeltaRows>) => rows.map((r) => [r.metric, r.faithful, r.tweaked, r.Δ]);

describe("compareRuleSets on hand-built examples", () => {
  it("shows the alternative collapsing a newline run and a later deletion leaving a doubled space", () => {
    // "가\n\n\n나": faithful step 1 leaves two spaces (one pass over three); the alternative one.
    // "다 ~ 라": delete-symbols makes "다  라" under both tables.
    const exs = [example([[1, "가\n\n\n나"], [2, "다 ~ 라"]])];
    const cmp = compareRuleSets(exs, ALT);
    expect(cmp.faithful.doubledSpaces).toBe(2);
    expect(cmp.tweaked.doubledSpaces).toBe(1);
    expect(cmp).toMatchObject({ examplesDiffering: 1, utterancesDiffering: 1 });
    expect(cmp.steps[0]).toEqual({
      step: "newline-to-space",
      tweak: "→ collapse-whitespace",
      faithful: { utterances: 1, chars: 1, examples: 1 },
      tweaked: { utterances: 1, chars: 2, examples: 1 },
    });
  });

  it("counts what a disabled rule no longer does, and what follows from it", () => {
    const exs = [example([[1, "안녕하세요"], [1, "밥 먹었어요?"], [2, "네"]], [2]), example([[1, "좋아"], [2, "그래"]])];
    const cmp = compareRuleSets(exs, withoutRules(FAITHFUL_RULES, ["delete-greetings"]));
    const step = (name: string) => cmp.steps.find((s) => s.step === name)!;
    expect(step("delete-greetings")).toEqual({ step: "delete-greetings", tweak: "off", faithful: { utterances: 1, chars: 5, examples: 1 }, tweaked: { utterances: 0, chars: 0, examples: 0 } });
    expect(step("drop-empty")).toMatchObject({ faithful: { utterances: 1, examples: 1 }, tweaked: { utterances: 0, examples: 0 } });
    expect(step("merge-turns")).toMatchObject({ faithful: { utterances: 0 }, tweaked: { utterances: 1, chars: -1, examples: 1 } });
    expect(cmp).toMatchObject({ examplesDiffering: 1, utterancesDiffering: 1 });
  });

  it("places an added rule after the rule before it and names the tweak", () => {
    const rules = insertRule(withoutRules(FAITHFUL_RULES, ["delete-greetings"]), patternRule("drop-digits", String.raw`\d+`, ""), "strip");
    const cmp = compareRuleSets([example([[1, "3시에 봐"]])], rules);
    expect(cmp.steps.map((s) => `${s.step}${s.tweak ? ` [${s.tweak}]` : ""}`).slice(-4)).toEqual(["strip", "drop-digits [added]", "drop-empty", "merge-turns"]);
    expect(cmp.steps.find((s) => s.step === "drop-digits")).toMatchObject({ faithful: { utterances: 0 }, tweaked: { utterances: 1, chars: 1, examples: 1 } });
    expect(describeTweak(FAITHFUL_RULES, rules)).toBe("delete-greetings off; drop-digits added");
    expect(describeTweak(FAITHFUL_RULES, ALT)).toBe("newline-to-space → collapse-whitespace");
  });

  it("knows the faithful table is no tweak", () => {
    expect(isSameRuleSet(FAITHFUL_RULES, [...FAITHFUL_RULES])).toBe(true);
    expect(isSameRuleSet(FAITHFUL_RULES, withoutRules(FAITHFUL_RULES, []))).toBe(true);
    expect(isSameRuleSet(FAITHFUL_RULES, ALT)).toBe(false);
    expect(describeTweak(FAITHFUL_RULES, FAITHFUL_RULES)).toBe("no tweak");
    const cmp = compareRuleSets([example([[1, "안녕~ ㅋㅋ"], [2, "네"]])], FAITHFUL_RULES);
    expect(totalDeltaRows(cmp).every((r) => r.Δ === 0)).toBe(true);
  });

  it("sums comparisons of two files", () => {
    const a = compareRuleSets([example([[1, "가\n\n\n나"]])], ALT);
    const b = compareRuleSets([example([[1, "다\n\n\n라"]]), example([[1, "마"]])], ALT);
    const sum = addComparisons(a, b);
    expect(sum.faithful.examples).toBe(3);
    expect(sum.utterancesDiffering).toBe(2);
    expect(sum.steps[0].tweaked).toEqual({ utterances: 2, chars: 4, examples: 2 });
    expect(() => addComparisons(a, compareRuleSets([], NO_JAMO))).toThrow(/different rule tables/);
  });
});

describe("golden deltas on resource/sample", () => {
  it("dev.json with delete-jamo disabled", () => {
    const cmp = compareRuleSets(loadCorpus(join(SAMPLE, "dev.json")), NO_JAMO);
    expect(stepDeltaRows(cmp, { changedOnly: true }).map((r) => [r.step, r.tweak, r["utt faithful"], r["utt tweaked"], r["chars Δ"], r["ex Δ"]])).toEqual([
      ["delete-jamo", "off", 26, 0, -59, -9],
      ["strip", "", 23, 8, -16, -4],
      ["drop-empty", "", 4, 2, 0, -2],
      ["merge-turns", "", 25, 27, -2, 0],
    ]);
    expect(totals(totalDeltaRows(cmp))).toEqual([
      ["examples whose refined conversation differs", undefined, undefined, 9],
      ["refined utterances that differ", undefined, undefined, 26],
      ["refined utterances", 126, 126, 0],
      ["refined utterances with a doubled space", 12, 6, -6],
      ["characters after refinement", 2177, 2254, 77],
      ["mean turns per conversation", 12.6, 12.6, 0],
      ["mean characters per conversation", 217.7, 225.4, 7.7],
      ["utterances emptied and dropped", 4, 2, -2],
      ["reference utterances dropped", 1, 1, 0],
      ["examples left without a reference", 1, 1, 0],
      ["examples with an empty conversation", 0, 0, 0],
      ["turns merged", 25, 27, 2],
    ]);
  });

  it("train.json with --alt newline-to-space", () => {
    const cmp = compareRuleSets(loadCorpus(join(SAMPLE, "train.json")), ALT);
    expect(stepDeltaRows(cmp, { changedOnly: true })).toEqual([
      {
        step: "newline-to-space",
        tweak: "→ collapse-whitespace",
        "utt faithful": 4,
        "utt tweaked": 6,
        "utt Δ": 2,
        "chars faithful": 2,
        "chars tweaked": 3,
        "chars Δ": 1,
        "ex faithful": 4,
        "ex tweaked": 5,
        "ex Δ": 1,
      },
    ]);
    expect(cmp).toMatchObject({ examplesDiffering: 2, utterancesDiffering: 2 });
    expect(totals(totalDeltaRows(cmp)).slice(2, 5)).toEqual([
      ["refined utterances", 407, 407, 0],
      ["refined utterances with a doubled space", 28, 27, -1],
      ["characters after refinement", 7247, 7246, -1],
    ]);
  });

  it("every split with --alt newline-to-space, as the per-split rows", () => {
    const rows = splitDeltaRows(["train", "dev", "test"].map((split) => ({ split, cmp: compareRuleSets(loadCorpus(join(SAMPLE, `${split}.json`)), ALT) })));
    expect(rows.map((r) => [r.split, r["utterances differing"], r["doubled spaces faithful"], r["doubled spaces tweaked"], r["Δ characters"]])).toEqual([
      ["train", 2, 28, 27, -1],
      ["dev", 3, 12, 11, -1],
      ["test", 2, 13, 12, -1],
    ]);
  });
});

describe("cci refine --compare", () => {
  it("prints per-split rows and the total's deltas for a folder, and writes nothing", () => {
    const dir = tmp();
    for (const f of readdirSync(SAMPLE)) writeFileSync(join(dir, f), readFileSync(join(SAMPLE, f)));
    const before = readdirSync(dir).sort();
    const r = cci("refine", "--in", dir, "--compare", "--alt", "newline-to-space");
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(before);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/: faithful rules vs tweaked \(newline-to-space → collapse-whitespace\), per split and in total \(train \+ dev \+ test; train\+dev not counted again\)$/);
    const cells = (first: string) => lines.find((l) => l.startsWith(`│ ${first} `))?.split("│").slice(1, -1).map((c) => c.trim());
    expect(lines[2]).toMatch(/^│ split +│ examples │ examples differing │ utterances differing │ doubled spaces faithful │ doubled spaces tweaked │ Δ utterances │ Δ characters │ Δ dropped │ Δ empty conversations │$/);
    expect(cells("train+dev")).toEqual(["train+dev", "40", "5", "5", "40", "38", "0", "-2", "0", "0"]);
    expect(cells("total")).toEqual(["total", "50", "7", "7", "53", "50", "0", "-3", "0", "0"]);
    expect(r.stdout).toContain("total (train + dev + test; train+dev not counted again):");
    expect(lines.filter((l) => /^│ (train|dev|train\+dev|test|total) /.test(l)).map((l) => l.split("│")[1].trim())).toEqual(["train", "dev", "train+dev", "test", "total"]);
    expect(cells("newline-to-space")).toEqual(["newline-to-space", "→ collapse-whitespace", "10", "16", "6", "6", "9", "3", "9", "12", "3"]);
    expect(r.stdout).toContain("utt: utterances changed, chars: characters removed (net), ex: examples affected; Δ = tweaked − faithful");
    expect(cells("refined utterances with a doubled space")).toEqual(["refined utterances with a doubled space", "53", "50", "-3"]);
    expect(cells("refined utterances that differ")).toEqual(["refined utterances that differ", "", "", "7"]);
  });

  it("compares one split file", () => {
    const r = cci("refine", join(SAMPLE, "dev.json"), "--compare", "--disable", "delete-jamo");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("resource/sample/dev.json: faithful rules vs tweaked (delete-jamo off), 10 examples");
    expect(r.stdout).toMatch(/^│ delete-jamo +│ off +│ +26 │ +0 │ +-26 │ +59 │ +0 │ +-59 │ +9 │ +0 │ +-9 │$/m);
    expect(r.stdout).toMatch(/^│ characters after refinement +│ +2177 │ +2254 │ +77 │$/m);
  });

  const ONE_LINE: [name: string, args: string[], status: number, line: string | RegExp][] = [
    ["no tweak", ["--compare"], 2, "cci: --compare needs a tweak of the rule table to measure against the faithful rules: add --disable, --alt, --add-rule or --rules FILE (see --list-rules)"],
    ["an empty --disable", ["--compare", "--disable", ""], 2, /^cci: --compare needs a tweak/],
    ["an unknown rule", ["--compare", "--disable", "nope"], 2, /^cci: --disable: unknown rule nope \(rules: newline-to-space, /],
    ["a rule with no alternative", ["--compare", "--alt", "strip"], 2, "cci: --alt: rule strip has no alternative (alternatives exist for: newline-to-space)"],
    ["--out", ["--compare", "--alt", "newline-to-space", "--out", "/nonexistent/out"], 2, "cci: --compare only prints the deltas and writes no corpus; drop --out (without --compare, refine writes the tweaked corpus)"],
    ["--stats", ["--compare", "--disable", "strip", "--stats", "/nonexistent/s.json"], 2, /^cci: --compare only prints the deltas and writes no corpus; drop --stats /],
  ];
  it.each(ONE_LINE)("refuses %s in one line", (_n, args, status, line) => {
    const r = cci("refine", join(SAMPLE, "dev.json"), ...args);
    expect(r.status).toBe(status);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    if (typeof line === "string") expect(lines[0]).toBe(line);
    else expect(lines[0]).toMatch(line);
    expect(r.stdout).toBe("");
  });

  it("refuses a folder as FILE", () => {
    const r = cci("refine", SAMPLE, "--compare", "--disable", "strip");
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^cci: .*resource\/sample: is a folder; use --in /);
  });

  it("measures an empty corpus file as all zeros", () => {
    const f = join(tmp(), "dev.json");
    writeFileSync(f, pythonJsonDumps([]));
    const r = cci("refine", f, "--compare", "--disable", "strip");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/, 0 examples\n/);
  });
});

/** The command reference's refinement snippet (reports/guide/commands.md) and the output it shows (between their markers). */
function readmeSnippet(): { code: string; output: string } {
  const readme = readFileSync(join(ROOT, "reports", "guide", "commands.md"), "utf8");
  const code = /<!-- refine-compare:start -->\n```ts\n([^]*?)```\n<!-- refine-compare:end -->/.exec(readme);
  const output = /<!-- refine-compare-output:start -->\n```text\n([^]*?)```\n<!-- refine-compare-output:end -->/.exec(readme);
  if (!code || !output) throw new Error("README: no refinement snippet (or its output) between the refine-compare markers");
  return { code: code[1], output: output[1] };
}

describe("the command reference's refinement snippet", () => {
  it("runs as written from the repository root and prints the output the page shows", () => {
    const { code, output } = readmeSnippet();
    expect(code).toContain('loadCorpus("resource/sample/dev.json")');
    const r = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), ["--eval", code], { encoding: "utf8", cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(output);
    expect(r.stdout).toMatch(/^│ delete-greetings +│ off +│/m);
    expect(r.stdout).toMatch(/^│ drop-digits +│ added +│/m);
    expect(r.stdout).toMatch(/^│ refined utterances that differ +│ +│ +│ +29 │$/m);
  });
});
