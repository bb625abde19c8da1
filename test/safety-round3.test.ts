/**
 * Round 3 of "nothing lost": the commands added last (train, predict, chart, serve bench,
 * notebooks) under careless and hostile input, and the fidelity of refinement on adversarial
 * corpora. Every case runs the built `cci` as a user would: exit code, exactly one `cci: …` line,
 * inputs byte-identical, no stray or temp file, no secret printed or written.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { refineCorpus } from "../lib/refine/refine";

const ROOT = resolve(__dirname, "..");
const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const SAMPLE = join(ROOT, "resource", "sample");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "cci-safety3-"));
  dirs.push(d);
  return d;
}

const cci = (args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd, timeout: 60_000, env });

/** Every file under `dir` (recursively). */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

const TEMP = /\.cci-\d+-/;

/** The sample's dev split with example 3's every utterance made of jamo only (refinement empties it). */
function emptiedDev(dir: string): string {
  const f = join(dir, "dev.json");
  const ex = loadCorpus(join(SAMPLE, "dev.json"));
  for (const u of ex[2].input.conversation) u.utterance = "ㅋㅋㅋ";
  writeFileSync(f, pythonJsonDumps(ex));
  return f;
}

describe("fidelity: what the original accepts is never refused", () => {
  it("refinement that empties a whole conversation writes \"conversation\": [] byte for byte, with one warning naming the example", () => {
    const d = tmp();
    const f = emptiedDev(d);
    const bytes = readFileSync(f);
    const r = cci(["refine", f, "--out", join(d, "r.json")]);
    expect(r.status, r.stderr).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => /warning/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^refine: warning: .*cci-sample-dev-000003; written as "conversation": \[\]/);
    expect(r.stderr).not.toMatch(/^cci: /m);
    // The original's json.dump(indent=4): every example refined, the emptied one with [].
    const expected = loadCorpus(f).map((ex, i) => (i === 2 ? { ...ex, input: { ...ex.input, conversation: [] } } : refineCorpus([ex]).examples[0]));
    const written = readFileSync(join(d, "r.json"), "utf8");
    expect(written).toBe(pythonJsonDumps(expected));
    expect(written).toContain('"conversation": [],');
    expect(readFileSync(f).equals(bytes)).toBe(true);
    expect(walk(d).filter((x) => TEMP.test(x))).toEqual([]);
  });

  it("a folder refinement (train+dev spliced) warns once, and prompts render the emptied example", () => {
    const d = tmp();
    const c = join(d, "corpus");
    mkdirSync(c);
    copyFileSync(join(SAMPLE, "train.json"), join(c, "train.json"));
    copyFileSync(emptiedDev(d), join(c, "dev.json"));
    const r = cci(["refine", "--in", c, "--out", join(d, "refined")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split("\n").filter((l) => /warning/.test(l))).toHaveLength(1);
    const p = cci(["prompts", "--variant", "CustomRefDataset", join(d, "refined", "dev.json"), "--out", join(d, "p.jsonl")]);
    expect(p.status, p.stderr).toBe(0);
    expect(readFileSync(join(d, "p.jsonl"), "utf8").trim().split("\n")).toHaveLength(10);
  });

  it("the download itself (import) still refuses an empty conversation", () => {
    const d = tmp();
    const src = join(d, "download");
    mkdirSync(src);
    for (const s of ["train", "dev", "test"]) copyFileSync(join(SAMPLE, `${s}.json`), join(src, `x_${s}.json`));
    const ex = loadCorpus(join(SAMPLE, "dev.json"));
    ex[1].input.conversation = [];
    writeFileSync(join(src, "x_dev.json"), pythonJsonDumps(ex));
    const r = cci(["import", src, "--out", join(d, "data")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^cci: .*x_dev\.json: example cci-sample-dev-000002: input\.conversation: expected a non-empty array/);
    expect(existsSync(join(d, "data"))).toBe(false);
  });

  it("prompts warn by id about a reference_id naming no utterance, and render the example", () => {
    const d = tmp();
    const f = join(d, "dev.json");
    const ex = loadCorpus(join(SAMPLE, "dev.json"));
    ex[1].input.reference_id = [ex[1].input.reference_id[0], "nowhere.1"];
    writeFileSync(f, pythonJsonDumps(ex));
    const r = cci(["prompts", "--variant", "CustomRefDataset", f, "--out", join(d, "p.jsonl")]);
    expect(r.status, r.stderr).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => /warning/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^prompts: warning: .*cci-sample-dev-000002 \(nowhere\.1\)/);
    expect(readFileSync(join(d, "p.jsonl"), "utf8").trim().split("\n")).toHaveLength(10);
  });
});
