// Pins the numbers the committed notebooks state in prose to the outputs beside them, so an
// edit (or a re-run on changed code) that makes a sentence false fails here.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { voteFiles } from "../lib/ensemble/ensemble";

const ROOT = resolve(__dirname, "..");

interface Cell { cell_type: string; source: string[]; outputs?: { text?: string[]; data?: Record<string, string[]> }[] }
const cells = (nb: string): Cell[] => JSON.parse(readFileSync(join(ROOT, "notebooks", `${nb}.ipynb`), "utf8")).cells;
const md = (c: Cell) => c.source.join("").replace(/\s+/g, " ");
const outText = (c: Cell) => (c.outputs ?? []).map((o) => (o.text ?? []).join("")).join("");

/** The HTML tables a cell displayed, each as rows of cell texts (header row first). */
function tables(c: Cell): string[][][] {
  return (c.outputs ?? []).flatMap((o) => {
    const html = (o.data?.["text/html"] ?? []).join("");
    return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((t) =>
      [...t[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((x) => x[1].replace(/<[^>]+>/g, "").trim())),
    );
  });
}
const num = (s: string) => Number(s.replace(/,/g, ""));
const find = (cs: Cell[], type: string, needle: string) => {
  const i = cs.findIndex((c) => c.cell_type === type && c.source.join("").includes(needle));
  if (i < 0) throw new Error(`no ${type} cell containing ${needle}`);
  return i;
};
const lastMarkdown = (cs: Cell[]) => md([...cs].reverse().find((c) => c.cell_type === "markdown")!);

describe("01-eda", () => {
  const cs = cells("01-eda");
  it("states the split sizes its first output prints", () => {
    const out = outText(cs[1]);
    const n = (s: string) => Number(out.match(new RegExp(`${s.replace("+", "\\+")}: (\\d+) examples`))![1]);
    expect(md(cs[2])).toContain(`${n("train")} + ${n("dev")} = ${n("train+dev")} and ${n("test")} examples`);
    expect(n("train") + n("dev")).toBe(n("train+dev"));
  });
  it("does not say the final models trained on train+dev (all eleven train on train.json, SPEC §6)", () => {
    expect(md(cs[2])).not.toMatch(/final models trained on/);
    expect(md(cs[2])).toContain("train on train.json and evaluate on dev.json");
  });
  it("ends with what it showed, its numbers from the size table", () => {
    const end = lastMarkdown(cs);
    expect(end).toMatch(/^## What this notebook showed/);
    const rows = tables(cs[3])[0];
    const row = (s: string) => rows.find((r) => r[0] === s)!;
    const h = rows[0];
    expect(end).toContain(`${row("train")[1]} train and ${row("dev")[1]} dev questions from ${row("train+dev")[h.indexOf("conversations")]} distinct conversations`);
    expect(end).toContain(`≈ ${Math.round(num(row("dev")[h.indexOf("chars mean")]))} vs ≈ ${Math.round(num(row("train")[h.indexOf("chars mean")]))} characters`);
  });
});

describe("02-refinement", () => {
  const cs = cells("02-refinement");
  it("does not restate the old '5 train utterances' figure (5 is rule 1's share; the refined files hold far more)", () => {
    expect(md(cs[find(cs, "markdown", "## What this notebook showed")])).not.toMatch(/doubled spaces in \d+ train utterances/);
  });
  it("ends with what it showed: the doubled-space counts the comparison cells print", () => {
    const end = lastMarkdown(cs);
    expect(end).toMatch(/^## What this notebook showed/);
    const line = outText(cs[find(cs, "code", "faithful → collapse-whitespace: ${doubled")]);
    const m = line.match(/train (\d+) → (\d+), dev (\d+) → (\d+), test (\d+) → (\d+)/)!.slice(1).map(Number);
    expect(end).toContain(`in ${m[0]} train, ${m[2]} dev and ${m[4]} test utterances, of which collapsing whitespace at step 1 removes ${m[0] - m[1] + m[2] - m[3] + m[4] - m[5]}`);
    const late = outText(cs[find(cs, "code", "collapse-spaces")]);
    expect(late).toMatch(/train \d+ → 0, dev \d+ → 0, test \d+ → 0 utterances holding a doubled space/);
    expect(end).toContain("one collapsing rule after the deletions removes them all");
  });
  it("describes the alternative as what it does (collapses at step 1 only)", () => {
    expect(md(cs[find(cs, "markdown", "## Try it: measure a quirk")])).toContain("collapses every whitespace run — at step 1 only");
    for (const c of cs.filter((x) => x.cell_type === "markdown")) expect(md(c)).not.toMatch(/whitespace-collapsing variant|alternative that collapses every whitespace run shows/);
  });
  describe("what the rules do to accuracy (CPU members)", () => {
    const dev = cs[find(cs, "code", "const devAblation")];
    const cv = cs[find(cs, "code", "const cvAblation")];
    const prose = md(cs[find(cs, "markdown", "**What the proxy says.**")]);
    const rowsOf = (c: Cell) => {
      const [head, ...body] = tables(c)[0];
      return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])) as Record<string, string>);
    };
    const identical = (c: Cell) => outText(c).match(/same answers as the faithful corpus on every example, every member and vote: (.*)\./)![1].split(", ");
    const variants = (c: Cell) => identical(c).length + new Set(rowsOf(c).map((r) => r.variant)).size;
    const delta = (r: Record<string, string>) => Math.abs(Number(r["Δ pts"].replace("−", "-")));
    it("is stated as a proxy, before its first table", () => {
      expect(md(cs[find(cs, "markdown", "## What the rules do to accuracy (CPU members)")])).toMatch(/cheap \*\*proxy\*\*.*not the entry's LLMs/);
    });
    it("states the train → dev counts and rows its table shows", () => {
      const rows = rowsOf(dev);
      expect(prose).toContain(`On train → dev, ${identical(dev).length} of the ${variants(dev)} variants change no answer`);
      const row = (v: string, m: string) => rows.find((r) => r.variant === v && r.member === m)!;
      for (const v of ["no-delete-greetings", "no-delete-jamo"]) expect(`${row(v, "lr-all-refined").accuracy} vs ${row(v, "lr-all-refined").faithful}`).toBe("74.2 % vs 73.5 %");
      expect(prose).toContain(`(${row("no-delete-greetings", "lr-all-refined").accuracy} vs ${row("no-delete-greetings", "lr-all-refined").faithful})`);
      expect(prose).toContain(`(${row("no-refinement", "lr-overlap-refined").accuracy} and ${row("no-refinement", "lr-all-refined").accuracy})`);
      const moved = rows.filter((r) => r.verdict !== "identical answers");
      expect(moved.map((r) => `${r.variant}/${r.member}`)).toEqual(["no-delete-greetings/lr-all-refined", "no-delete-jamo/lr-all-refined", "no-refinement/lr-overlap-refined", "no-refinement/lr-all-refined"]);
      for (const r of moved) expect(prose).toContain(`each ${r["Δ pts"]} points, interval ${r["95 % CI (pts)"]}, McNemar p = ${r["McNemar p"]}: ${r.verdict}`);
      expect(outText(dev)).toContain("every difference is within noise");
    });
    it("states the cross-validated counts, the widest interval and the largest move its table shows", () => {
      const rows = rowsOf(cv);
      expect(prose).toContain(`Cross-validated over ${outText(cv).match(/\((\d+) examples, each held out once\)/)![1]} examples, ${identical(cv).length} of the ${variants(cv)} change no answer and every interval holds 0`);
      expect(outText(cv)).toContain("every difference is within noise (each interval holds 0)");
      const widest = outText(cv).match(/interval widths [\d.]+–([\d.]+) points/)![1];
      const top = [...rows].sort((a, b) => delta(b) - delta(a))[0];
      expect(Number(top["width (pts)"]).toFixed(1)).toBe(widest);
      expect(prose).toContain(`the widest, ${widest} points, belongs to the largest move: no refinement costs \`${top.member}\` ${delta(top).toFixed(1)} points (${top.accuracy} vs ${top.faithful}, interval ${top["95 % CI (pts)"]}, p = ${top["McNemar p"]})`);
      expect(top.variant).toBe("no-refinement");
      // The closing summary's bound is the largest move of either table.
      const most = Math.max(...[...rowsOf(dev), ...rows].map(delta));
      expect(lastMarkdown(cs)).toContain(`moves accuracy by at most ${most.toFixed(1)} points, within noise on dev and in 5-fold cross-validation`);
    });
    it("closes with a variant planned as GPU bundles, its file and the commands", () => {
      const gpu = cs[find(cs, "code", "const greetingsKept")];
      expect(outText(gpu)).toContain('"disable": [');
      expect(tables(gpu)[0].slice(1).map((r) => r[0])).toEqual(["2", "9"]);
      expect(outText(gpu)).toMatch(/cci train plan --recipe 2,9 --rules keep-greetings\.json/);
      expect(outText(gpu)).toMatch(/cci ablate --predictions/);
    });
  });
  it("says of which total delete-jamo's share is, counts utterances per question and per conversation, and states the turns' fall against the report's 5.5", () => {
    const text = md(cs[find(cs, "markdown", "**What refinement amounts to.**")]);
    const fmt = (x: string) => Number(x).toLocaleString("en");
    const chars = outText(cs[find(cs, "code", 'characterLine("train"')]).match(/train: the rules delete (\d+) characters, merging adds (\d+) spaces back, net (\d+) \(([\d.]+) % of \d+\); delete-jamo deletes (\d+): (\d+) % of the deleted, (\d+) % of the net drop/)!;
    expect(chars).toBeTruthy();
    expect(text).toContain(`the rules delete ${fmt(chars[1])} characters and merging adds ${fmt(chars[2])} spaces back (one per merge), so the text shrinks by ${fmt(chars[3])} characters net, ${chars[4]} %`);
    expect(text).toContain(`\`delete-jamo\` deletes ${fmt(chars[5])} of them — ${chars[6]} % of the deleted characters, ${chars[7]} % of the net drop`);
    const d = outText(cs[find(cs, "code", "distinctStepCounts(loadSplit")]).match(/train: (\d+) utterance copies in \d+ questions are (\d+) distinct utterances in \d+ conversations; delete-jamo changes (\d+) copies, (\d+) distinct/)!;
    expect(d).toBeTruthy();
    expect(text).toContain(`\`delete-jamo\` changes ${fmt(d[3])} utterance copies; counted once per conversation, ${fmt(d[4])} distinct utterances (of ${fmt(d[2])})`);
    const falls = outText(cs[find(cs, "code", "turnFallLine(")]);
    const fall = (split: string) => falls.match(new RegExp(`(?:^|, |: )${split.replace("+", "\\+")} [\\d.]+ → [\\d.]+ \\(([\\d.]+)\\)`))![1];
    expect(text).toContain(`a fall of ${fall("train")} turns per question in train and ${fall("train+dev")} over train+dev, where the original's report gives ≈ 5.5`);
    expect(lastMarkdown(cs)).toContain(`(a fall of ${fall("train+dev")} over train+dev, where the original's report says ≈ 5.5)`);
    expect(md(cs[find(cs, "markdown", "Another example: replacing every run of two or more dots")])).toContain("so `..` goes as well as the `...` the original keeps");
  });
  it("the byte-identity cell says in one line what it needs when it cannot run", () => {
    const src = cs[find(cs, "code", "referenceCheck")].source.join("");
    expect(src).toMatch(/referenceCheck\(ws\)/);
    expect(src).toMatch(/console\.log\(check\.skipped\)/);
  });
});

describe("03-prompt-variants", () => {
  const cs = cells("03-prompt-variants");
  const i = find(cs, "markdown", "## How many examples each quirk touches");
  const rows = tables(cs[i + 1])[0];
  const h = rows[0];
  const hits = (variant: string, cat: string) => num(rows.find((r) => r[0] === variant && r[1] === "josa-overwrite")?.[h.indexOf(cat)] ?? "0");
  it("the overwrite hits 전제 and 동기 in CustomRefDataset and the Baseline, only 동기 in Definition and Instruction, as the cell says", () => {
    for (const v of ["CustomRefDataset", "Baseline"]) expect([hits(v, "전제") > 0, hits(v, "동기") > 0]).toEqual([true, true]);
    for (const v of ["CustomRefDefinitionDataset", "CustomRefInstructionDataset"]) expect([hits(v, "전제"), hits(v, "동기") > 0]).toEqual([0, true]);
    expect(md(cs[i])).toContain("The josa overwrite hits every 전제 and 동기 example of `CustomRefDataset` and the Baseline, and every 동기 example of the Definition and Instruction variants.");
  });
  it("the closing cell's counts are the table's totals", () => {
    const end = md(cs[find(cs, "markdown", "## What this notebook showed")]);
    const total = (v: string) => rows.find((r) => r[0] === v && r[1] === "josa-overwrite")![h.indexOf("total")];
    expect(end).toContain(`from ${total("CustomRefDataset")} prompts of \`CustomRefDataset\``);
    expect(end).toContain(`from ${total("CustomRefDefinitionDataset")} of the Definition`);
  });
});

describe("03-prompt-variants: the josa finding tied to the recipes", () => {
  const cs = cells("03-prompt-variants");
  it("states 3 of 5 variants and 8 of 11 models for 동기 as the cell prints them, and the report's remark with its source", () => {
    const out = outText(cs[find(cs, "code", "overwrittenLine(category")]);
    const m = out.match(/동기: the question is deleted in (\d+) of the (\d+) variants \([^)]*\); (\d+) of the (\d+) recipes train on them/)!;
    expect(m).toBeTruthy();
    const prose = md(cs[find(cs, "markdown", "## How many examples each quirk touches")]);
    expect(prose).toContain(`the 동기 (motivation) question is deleted in ${m[1]} of the ${m[2]} variants, so **${m[3]} of the ${m[4]} models never saw that question**`);
    expect(prose).toContain("names 내적 동기 (motivation) as its models' weakest inference type");
    expect(prose).toContain("the report is not in this repository");
    const p = out.match(/전제: the question is deleted in (\d+) of the \d+ variants \([^)]*\); (\d+) of the/)!;
    expect(prose).toContain(`and ${p[2]} never saw the 전제 one`);
    expect(lastMarkdown(cs)).toContain(`${m[3]} of the eleven models never saw the 동기 question`);
  });
});

describe("03-prompt-variants: token lengths", () => {
  const cs = cells("03-prompt-variants");
  const end = lastMarkdown(cs);
  const lengths = tables(cs[find(cs, "code", "promptTokenLengths(tok, corpus, variant)")])[0];
  const h = lengths[0];
  const col = (v: string, c: string) => lengths.find((r) => r[0] === v)![h.indexOf(c)];
  const dropped = tables(cs[find(cs, "code", "maxLength: 1024")])[0];
  const dh = dropped[0];
  const drop = (v: string) => dropped.find((r) => r[0] === v)!;
  it("ends with what it showed", () => {
    expect(end).toMatch(/^## What this notebook showed/);
  });
  it("states the token-length table's means and maximum", () => {
    const others = lengths.slice(1).filter((r) => r[0] !== "SystemRefOfficialTermDataset").map((r) => num(r[h.indexOf("mean")]));
    expect(end).toContain(`${Math.min(...others).toFixed(1)}–${Math.max(...others).toFixed(1)} tokens on average`);
    expect(end).toContain(`brings it to ${col("SystemRefOfficialTermDataset", "mean")} on average and ${col("SystemRefOfficialTermDataset", "max")} at most`);
  });
  it("states the 1,024-token drop table", () => {
    const s = drop("SystemRefOfficialTermDataset");
    expect(end).toContain(`(${s[dh.indexOf("dropped")]} of ${num(s[dh.indexOf("kept")]) + num(s[dh.indexOf("dropped")])})`);
    for (const v of ["CustomRefDefinitionDataset", "CustomRefInstructionDataset"]) expect(drop(v)[dh.indexOf("dropped")]).toBe("1");
    expect(end).toContain("the Definition and Instruction variants would lose one each");
  });
});

describe("06-voting", () => {
  const cs = cells("06-voting");
  const ci = find(cs, "code", "confusionRows(analysis, HARD_VOTE)");
  const [mcnemar, confusion] = tables(cs[ci]);
  const text = md(cs[ci + 1]);
  it("states the confusion table's diagonal, column and row sums (no untested 'no position bias')", () => {
    const m = confusion.slice(1).map((r) => r.slice(1).map(num));
    const diag = m.map((r, k) => r[k]);
    const col = (k: number) => m.reduce((s, r) => s + r[k], 0);
    const row = (k: number) => m[k].reduce((s, x) => s + x, 0);
    expect(text).toContain(`right on ${diag[0]}, ${diag[1]} and ${diag[2]} examples`);
    expect(text).toContain(`answers \`inference_1\` ${col(0)} times and \`inference_3\` ${col(2)} times where the gold holds ${row(0)} and ${row(2)}`);
    expect(text).not.toMatch(/no position bias/);
  });
  it("states McNemar's counts and p as the table prints them", () => {
    const r = (name: string) => mcnemar.find((x) => x[0] === name)!;
    const p2 = (s: string) => num(s).toFixed(2);
    expect(text).toContain(`${r("lr-all-raw")[1]} examples only the vote gets right and ${r("lr-all-raw")[2]} only the member gets right (exact p = ${p2(r("lr-all-raw")[3])})`);
    expect(text).toContain(`split is ${r("lr-centrality")[1]} vs ${r("lr-centrality")[2]} (p = ${p2(r("lr-centrality")[3])})`);
  });
  it("claims nothing about the eleven LLMs' errors (no such data here)", () => {
    expect(md(cs[find(cs, "markdown", "Any member is right on")])).not.toMatch(/which is what the original's eleven/);
  });
  it("the eleven-recipe cell votes with test.json as the base, so {id, output} files vote as cell 27 says", () => {
    expect(cs[find(cs, "code", "voteFiles(recipeFiles")].source.join("")).toContain('base: join(ws.data, "test.json")');
    expect(md(cs[find(cs, "markdown", "Without a GPU the eleven")])).toContain("`{id, output}` per example are accepted");
    // And voteFiles does accept them given a base (and refuses without one: the base supplies the other fields).
    const dir = mkdtempSync(join(tmpdir(), "cci-claims-"));
    const base = join(ROOT, "resource", "sample", "test.json");
    const ids = (JSON.parse(readFileSync(base, "utf8")) as { id: string }[]).map((e) => e.id);
    const files = ["a", "b", "c"].map((n, k) => {
      const f = join(dir, `${n}.json`);
      writeFileSync(f, JSON.stringify(ids.map((id, j) => ({ id, output: `inference_${((j + k) % 3) + 1}` }))));
      return f;
    });
    const voted = voteFiles(files, { base, out: join(dir, "final-result.json") });
    expect(voted.answers).toHaveLength(ids.length);
    expect(() => voteFiles(files, { out: join(dir, "nobase.json") })).toThrow();
  });
  it("states the exhaustive subset check and where the oracle's examples go, as the cell prints them", () => {
    const out = outText(cs[find(cs, "code", "exhaustiveSubsets(dev.members")]);
    const s = out.match(/all (\d+) subsets voted: (\d+) beat the best member alone \(([^,]+), ([\d.]+ %)\), (\d+) larger ones tie it/)!;
    const o = out.match(/oracle: (\d+) of (\d+) dev examples have a right member; the vote of all gets (\d+) of them and outvotes the right member\(s\) on (\d+); of the (\d+) that (\S+) misses, the vote misses (\d+)/)!;
    expect(s && o).toBeTruthy();
    expect(s[1]).toBe("127");
    expect(s[2]).toBe("0"); // "none beats the best member"
    const prose = md(cs[find(cs, "markdown", "Any member is right on")]);
    expect(prose).toContain(`Checked over all ${s[1]} subsets rather than greedy's 7: none beats the best member alone (${s[4]}), and ${s[5]} larger ones only tie it`);
    expect(prose).toContain(`(the oracle: ${o[1]} of ${o[2]})`);
    expect(prose).toContain(`it gets ${o[3]} of those ${o[1]} right and outvotes the right member(s) on the other ${o[4]}`);
    expect(prose).toContain(`the ${o[5]} solvable examples that the best member (\`${o[6]}\`) misses — it is wrong on ${o[7]}`);
    expect(prose).not.toMatch(/on most of those examples the right member is outvoted/);
    const end = lastMarkdown(cs);
    expect(end).toContain(`none of the ${s[1]} hard votes of its subsets beats it`);
    expect(end).toContain(`outvotes the right member(s) on ${o[4]} of those ${o[1]}, and on ${o[7]} of the ${o[5]} that the best member misses`);
  });
  it("calls the test heatmap the same κ heatmap only because it is one, and the edit-origin idea a hypothesis", () => {
    expect(cs[find(cs, "code", "analyzeAgreement(test.members)")].source.join("")).toContain('agreementHeatmapFigure(testAgreement, "cohenKappa"');
    expect(md(cs[find(cs, "markdown", "## Test: agreement only")])).toContain("the same Cohen's κ heatmap as on dev");
    const p5 = md(cs[find(cs, "markdown", "the best CPU members reach")]);
    expect(p5).toContain("a hypothesis about how the corpus was built");
    expect(p5).not.toMatch(/the right one tends to be the one the other two were edited from/);
  });
  it("ends with what it showed, its numbers from the prose above", () => {
    const end = lastMarkdown(cs);
    expect(end).toMatch(/^## What this notebook showed/);
    for (const n of ["74.2 %", "92.7 %"]) expect(md(cs[find(cs, "markdown", "Any member is right on")])).toContain(n);
    expect(end).toContain("74.2 %");
    expect(end).toContain("92.7 %");
  });
});
