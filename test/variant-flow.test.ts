/**
 * A variant travels: `cci refine` leaves a manifest, `cci train plan` takes the folder as refined
 * (the tweak survives to the bundle's training rows), records the variant and the corpus hashes,
 * never refines a refined folder again, and keeps one variant per runs folder.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { FAITHFUL_RULES } from "../lib/refine/rules";
import { MANIFEST_NAME } from "../lib/variant/manifest";
import { cci, cleanTemp, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);

const RECIPE9 = "Refined_CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_2e-4";
const RECIPE1 = "CustomRefOfficialTermDataset-POLAR-14B-v0.2-QLoRA_2e-4";
const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
const ok = (r: ReturnType<typeof cci>) => {
  expect(r.status, r.stderr).toBe(0);
  return r;
};
const refused = (r: ReturnType<typeof cci>, line: RegExp) => {
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(line);
};
const greetings = (jsonl: string) => (readFileSync(jsonl, "utf8").match(/안녕/g) ?? []).length;

describe("a variant from cci refine to the training bundle", () => {
  const d = tempDir("cci-variant-");
  const refined = join(d, "T");
  const faithfulRefined = join(d, "F");

  it("cci refine writes the refined files and a manifest naming the rules and every file's sha256", () => {
    ok(cci(["refine", "--in", SAMPLE, "--out", faithfulRefined]));
    ok(cci(["refine", "--in", SAMPLE, "--out", refined, "--disable", "delete-greetings"]));
    expect(readdirSync(refined).sort()).toEqual([MANIFEST_NAME, "dev.json", "test.json", "train+dev.json", "train.json"]);
    const m = YAML.parse(readFileSync(join(refined, MANIFEST_NAME), "utf8"));
    expect(m.variant.name).toBe("no-delete-greetings");
    expect(m.variant.rules.map((r: { name: string }) => r.name)).toEqual(FAITHFUL_RULES.map((r) => r.name).filter((n) => n !== "delete-greetings"));
    for (const f of ["train.json", "dev.json", "test.json", "train+dev.json"]) {
      expect(m.output.files[f]).toBe(sha(join(refined, f)));
      expect(m.input.files[f]).toBe(sha(join(SAMPLE, f)));
    }
    // The greetings the tweak keeps are in the refined files; the faithful ones have none.
    expect(greetings(join(refined, "train.json"))).toBeGreaterThan(0);
    expect(greetings(join(faithfulRefined, "train.json"))).toBe(0);
  });

  it("train plan takes the folder as refined: the kept greetings survive to the bundle's training rows", () => {
    const runs = join(d, "runs");
    const r = ok(cci(["train", "plan", "--recipe", "9", "--data", refined, "--out", runs]));
    expect(r.stderr).toMatch(/already refined by `cci refine` \(variant no-delete-greetings\)/);
    expect(r.stderr).toMatch(/1 bundle\(s\) of variant no-delete-greetings/);
    const rows = join(runs, RECIPE9, "data", "train.jsonl");
    expect(greetings(rows)).toBeGreaterThan(0);
    // The same rows as planning from the raw corpus with the same flag.
    const again = join(d, "runs-flags");
    ok(cci(["train", "plan", "--recipe", "9", "--data", SAMPLE, "--disable", "delete-greetings", "--out", again]));
    expect(readFileSync(join(again, RECIPE9, "data", "train.jsonl"), "utf8")).toBe(readFileSync(rows, "utf8"));
    // And not the faithful rows.
    const faithful = join(d, "runs-faithful");
    ok(cci(["train", "plan", "--recipe", "9", "--data", SAMPLE, "--out", faithful]));
    expect(greetings(join(faithful, RECIPE9, "data", "train.jsonl"))).toBe(0);
  });

  it("run.json records the variant (name, rule table, prompt mode) and the sha256 of the corpus files read", () => {
    const run = JSON.parse(readFileSync(join(d, "runs", RECIPE9, "run.json"), "utf8"));
    expect(run.variant.name).toBe("no-delete-greetings");
    expect(run.variant.prompts).toBe("faithful");
    expect(run.variant.rules.some((x: { name: string }) => x.name === "delete-greetings")).toBe(false);
    expect(run.corpus.refined_by).toBe("cci refine");
    expect(run.corpus.files.files).toEqual({ "dev.json": sha(join(refined, "dev.json")), "train.json": sha(join(refined, "train.json")) });
    const flags = JSON.parse(readFileSync(join(d, "runs-flags", RECIPE9, "run.json"), "utf8"));
    expect(flags.corpus.refined_by).toBe("train plan");
    expect(flags.corpus.files.files["train.json"]).toBe(sha(join(SAMPLE, "train.json")));
    const faithful = JSON.parse(readFileSync(join(d, "runs-faithful", RECIPE9, "run.json"), "utf8"));
    expect(faithful.variant.name).toBe("faithful");
    expect(faithful.variant.rules).toHaveLength(9);
  });

  it("a raw recipe planned from the refined folder reads the raw corpus its manifest names", () => {
    const runs = join(d, "runs-raw");
    ok(cci(["train", "plan", "--recipe", "1", "--data", refined, "--out", runs]));
    const run = JSON.parse(readFileSync(join(runs, RECIPE1, "run.json"), "utf8"));
    expect(run.corpus.refined_by).toBe(null);
    expect(run.corpus.files.files["train.json"]).toBe(sha(join(SAMPLE, "train.json")));
  });

  it("never refines a refined folder a second time: other rule flags are refused in one line", () => {
    refused(cci(["train", "plan", "--recipe", "9", "--data", refined, "--disable", "strip", "--out", join(d, "x")]), /already refined by `cci refine` \(variant no-delete-greetings.*the rule flags ask for no-delete-greetings\+no-strip|already refined by `cci refine` \(variant no-delete-greetings.*the rule flags ask for no-strip/);
    refused(cci(["prompts", join(refined, "dev.json"), "--variant", "CustomRefDataset", "--disable", "strip", "--out", join(d, "p.jsonl")]), /already refined by `cci refine`.*would refine it again/);
    expect(existsSync(join(d, "x"))).toBe(false);
    refused(cci(["refine", "--in", refined, "--out", join(d, "twice")]), /already refined by `cci refine` \(variant no-delete-greetings.*refining it again is refused/);
    refused(cci(["refine", join(refined, "dev.json"), "--compare", "--disable", "strip"]), /already refined by `cci refine`/);
    expect(existsSync(join(d, "twice"))).toBe(false);
    // The refinement charts refuse a refined folder (before any browser starts).
    refused(cci(["chart", "refine_steps", "--data", refined, "--out", join(d, "steps.svg")]), /already refined by `cci refine`.*refinement charts need the raw corpus/);
    refused(cci(["chart", "category_distribution", "--data", refined, "--disable", "strip", "--out", join(d, "c.svg")]), /already refined by `cci refine`.*the rule flags would refine it again/);
    refused(cci(["eda", "--data", refined, "--out", join(d, "eda"), "--disable", "strip", "--formats", "html"]), /already refined by `cci refine`.*refining it again is refused/);
  });

  it("a refined file changed after cci refine is refused (the manifest's sha256 is checked)", () => {
    const copy = join(d, "T2");
    ok(cci(["refine", "--in", SAMPLE, "--out", copy, "--disable", "delete-greetings"]));
    writeFileSync(join(copy, "dev.json"), readFileSync(join(faithfulRefined, "dev.json")));
    refused(cci(["train", "plan", "--recipe", "9", "--data", copy, "--out", join(d, "y")]), /dev\.json: changed since `cci refine` wrote it/);
  });

  it("one variant per runs folder: planning another variant beside it is refused", () => {
    refused(cci(["train", "plan", "--recipe", "1", "--data", SAMPLE, "--out", join(d, "runs")]), /holds bundles of variant no-delete-greetings .*one variant per runs folder: plan faithful into its own/);
    // Re-planning the same recipe with the same variant is fine.
    ok(cci(["train", "plan", "--recipe", "9", "--data", refined, "--out", join(d, "runs")]));
  });

  it("train status and train list show each bundle's variant", () => {
    const status = ok(cci(["train", "status", "--runs", join(d, "runs")]));
    expect(status.stdout).toMatch(/│ variant +│/);
    expect(status.stdout).toMatch(/no-delete-greetings/);
    const list = ok(cci(["train", "list", "--runs", join(d, "runs")]));
    expect(list.stdout).toMatch(/bundle variant/);
    expect(list.stdout.split("\n").filter((l) => l.includes("no-delete-greetings"))).toHaveLength(1);
  });
});

describe("refine --compare --examples / --json", () => {
  const d = tempDir("cci-variant-cmp-");

  it("prints changed utterances spread over distinct examples with the steps that changed them, and writes the tables", () => {
    const json = join(d, "cmp.json");
    const r = ok(cci(["refine", "--compare", "--in", SAMPLE, "--disable", "delete-greetings", "--add-rule", "collapse-spaces= {2,}=> @delete-jamo", "--examples", "4", "--json", json]));
    expect(r.stdout).toMatch(/4 of the changed utterances, faithful → tweaked, over 4 of the \d+ changed examples/);
    expect(r.stdout).toMatch(/delete-greetings \(off\)/);
    expect(r.stdout).toMatch(/collapse-spaces \(added\)/);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.variant.name).toBe("no-delete-greetings+add-collapse-spaces");
    expect(doc.splits.map((s: { split: string }) => s.split)).toEqual(["train", "dev", "train+dev", "test"]);
    expect(doc.total.counted).toEqual(["train", "dev", "test"]);
    expect(doc.total.comparison.steps.find((s: { step: string }) => s.step === "collapse-spaces").tweak).toBe("added");
    expect(doc.examples).toHaveLength(4);
    expect(new Set(doc.examples.map((e: { example: string }) => e.example)).size).toBe(4);
    for (const e of doc.examples) {
      expect(e.faithful).not.toBe(e.tweaked);
      expect(e.steps.length).toBeGreaterThan(0);
    }
  });

  it("--examples without --compare is refused", () => {
    refused(cci(["refine", "--in", SAMPLE, "--out", join(d, "o"), "--examples", "3"]), /--examples goes with --compare/);
  });
});

describe("baseline and vote with variants", () => {
  const d = tempDir("cci-variant-vote-");

  it("a variant's members record it beside their predictions; vote shows each member's variant and says when they mix", () => {
    const a = join(d, "a");
    const b = join(d, "b");
    ok(cci(["baseline", "run", "--data", SAMPLE, "--results", a, "--members", "lr-all-refined", "--disable", "delete-greetings"]));
    ok(cci(["baseline", "run", "--data", SAMPLE, "--results", b, "--members", "lr-all-raw"]));
    const prov = JSON.parse(readFileSync(join(a, "predictions", "dev", "lr-all-refined.provenance.json"), "utf8"));
    expect(prov.variant.name).toBe("no-delete-greetings");
    expect(prov.corpus.files["dev.json"]).toBe(sha(join(SAMPLE, "dev.json")));
    expect(JSON.parse(readFileSync(join(a, "baseline", "lr-all-refined", "config.json"), "utf8")).variant.name).toBe("no-delete-greetings");
    const v = ok(cci(["vote", join(a, "predictions", "dev", "lr-all-refined.json"), join(b, "predictions", "dev", "lr-all-raw.json"), "--out", join(d, "vote.json"), "--gold", join(SAMPLE, "dev.json")]));
    expect(v.stdout).toMatch(/│ lr-all-refined +│ no-delete-greetings +│/);
    expect(v.stdout).toMatch(/│ lr-all-raw +│ faithful +│/);
    expect(v.stderr).toMatch(/members of 2 variants voted together: no-delete-greetings, faithful/);
    // Saved models predict with their own variant: other flags are refused.
    refused(cci(["baseline", "predict", "--data", SAMPLE, "--results", a, "--members", "lr-all-refined"]), /trained on variant no-delete-greetings; the flags ask for faithful/);
  });
});

describe("eda with a variant", () => {
  it("refines --data with the variant's rules (not the workspace's refined folder) and records the variant", () => {
    const d = tempDir("cci-variant-eda-");
    const a = join(d, "faithful");
    const b = join(d, "variant");
    ok(cci(["eda", "--data", SAMPLE, "--out", a, "--refined", join(d, "none-a"), "--formats", "html", "--plotly", "cdn"]));
    const r = ok(cci(["eda", "--data", SAMPLE, "--out", b, "--formats", "html", "--plotly", "cdn", "--disable", "delete-greetings"]));
    expect(r.stderr).toMatch(/refining .* with the variant's rules/);
    const csv = (root: string) => readFileSync(join(root, "refined_data", "dev_total_utterance_lengths.csv"), "utf8");
    expect(csv(b)).not.toBe(csv(a));
    expect(readFileSync(join(b, "dev_total_utterance_lengths.csv"), "utf8")).toBe(readFileSync(join(a, "dev_total_utterance_lengths.csv"), "utf8"));
    expect(JSON.parse(readFileSync(join(b, "eda.provenance.json"), "utf8")).variant.name).toBe("no-delete-greetings");
    expect(JSON.parse(readFileSync(join(a, "eda.provenance.json"), "utf8")).corpus.files["dev.json"]).toBe(sha(join(SAMPLE, "dev.json")));
  });
});


describe("provenance sidecars and streams", () => {
  it("prompts: a file output gets its .provenance.json; a stream (/dev/null) is written alone, not refused", () => {
    const d = tempDir("cci-variant-");
    ok(cci(["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", join(d, "p.jsonl")]));
    expect(JSON.parse(readFileSync(join(d, "p.jsonl.provenance.json"), "utf8")).variant.name).toBe("faithful");
    const r = ok(cci(["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", "/dev/null"]));
    expect(r.stderr).not.toMatch(/\/dev holds devices/); // before: the sidecar beside /dev/null refused the whole command
    expect(existsSync("/dev/null.provenance.json")).toBe(false);
  });
});
