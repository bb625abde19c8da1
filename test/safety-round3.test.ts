/**
 * Round 3 of "nothing lost": the commands added last (train, predict, chart, serve bench,
 * notebooks) under careless and hostile input, and the fidelity of refinement on adversarial
 * corpora. Every case runs the built `cci` as a user would: exit code, exactly one `cci: …` line,
 * inputs byte-identical, no stray or temp file, no secret printed or written.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { refineCorpus } from "../lib/refine/refine";
import { writeTinyTokenizer } from "../lib/tokenize/tiny";
import { RECIPES } from "../lib/train/recipes";

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


/** A copy of the sample corpus in `dir/corpus`. */
function corpus(dir: string): string {
  const c = join(dir, "corpus");
  mkdirSync(c, { recursive: true });
  for (const s of ["train", "dev", "test"]) copyFileSync(join(SAMPLE, `${s}.json`), join(c, `${s}.json`));
  return c;
}

/** A workspace (package.json of ours) with the sample as its real corpus, for commands that read the default corpus. */
function workspace(dir: string): string {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "cci-workbench" }));
  mkdirSync(join(dir, "resource", "data"), { recursive: true });
  for (const s of ["train", "dev", "test"]) copyFileSync(join(SAMPLE, `${s}.json`), join(dir, "resource", "data", `${s}.json`));
  return dir;
}

/** A tiny tokenizer folder (A/B/C are single tokens). */
function tokenizer(dir: string): string {
  return writeTinyTokenizer(join(dir, "tok"));
}

/** `cci train plan` of `recipes` (sample corpus, no tokenizer) into `runs`. */
const plan = (runs: string, recipes: string, ...more: string[]) => cci(["train", "plan", "--recipe", recipes, "--data", SAMPLE, "--out", runs, ...more]);

const bundleOf = (runs: string, index: number) => join(runs, RECIPES[index - 1].name);

interface Case {
  name: string;
  setup: (dir: string) => { args: string[]; inputs?: string[]; absent?: string[]; cwd?: string; env?: NodeJS.ProcessEnv };
  message: RegExp;
  /** Exit status (default 2: usage and input errors). */
  status?: number;
}

const CASES: Case[] = [
  // Data loss.
  {
    name: "chart --out the corpus file (the guard compared the folder with the file)",
    setup: (d) => ({ args: ["chart", "category_distribution", "--format", "png", "--out", "resource/data/dev.json"], cwd: workspace(d), inputs: walk(join(d, "resource")) }),
    message: /resource\/data\/dev\.json: refusing to write over the input file/,
  },
  {
    name: "predict --name escaping the predictions folder",
    setup: (d) => ({ args: ["predict", "--variant", "CustomRefDataset", "--tokenizer", tokenizer(d), "--name", "../../../data/train", "--backend", "onnx", "--model-dir", d, "--data", corpus(d)], inputs: walk(d) }),
    message: /--name "\.\.\/\.\.\/\.\.\/data\/train": a prediction name is a plain file name/,
  },
  { name: "predict --name ''", setup: (d) => ({ args: ["predict", "--variant", "CustomRefDataset", "--tokenizer", tokenizer(d), "--name", "", "--data", corpus(d)] }), message: /--name: empty name/ },
  {
    name: "predict --out the tokenizer's config",
    setup: (d) => {
      const tok = tokenizer(d);
      return { args: ["predict", "--variant", "CustomRefDataset", "--tokenizer", tok, "--backend", "onnx", "--model-dir", d, "--data", corpus(d), "--split", "dev", "--out", join(tok, "tokenizer_config.json")], inputs: walk(d) };
    },
    message: /tokenizer_config\.json: refusing to write over the input file/,
  },
  {
    name: "predict --out whose .probs.json sidecar is the tokenizer itself",
    setup: (d) => {
      const tok = tokenizer(d);
      copyFileSync(join(tok, "tokenizer.json"), join(tok, "tokenizer.probs.json"));
      return { args: ["predict", "--variant", "CustomRefDataset", "--tokenizer", tok, "--backend", "onnx", "--model-dir", d, "--data", corpus(d), "--split", "dev", "--out", join(tok, "tokenizer.json")], inputs: walk(d) };
    },
    message: /tokenizer\.json: refusing to write over the input file/,
  },
  {
    name: "train plan over a folder with a recipe's name but no run.json",
    setup: (d) => {
      const dir = bundleOf(join(d, "runs"), 1);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "thesis.tex"), "mine");
      return { args: ["train", "plan", "--recipe", "1", "--data", SAMPLE, "--out", join(d, "runs")], inputs: walk(d) };
    },
    message: /a folder without run\.json .*refusing to replace it/,
  },
  {
    name: "train plan --force over a run that is still training",
    setup: (d) => {
      const runs = join(d, "runs");
      expect(plan(runs, "1").status).toBe(0);
      writeFileSync(join(bundleOf(runs, 1), "status.json"), JSON.stringify({ state: "running", pid: process.pid, host: hostname(), time: Date.now() / 1000 }));
      writeFileSync(join(bundleOf(runs, 1), "metrics.jsonl"), '{"step": 1, "loss": 2.5}\n');
      return { args: ["train", "plan", "--recipe", "1", "--force", "--data", SAMPLE, "--out", runs], inputs: walk(d) };
    },
    message: /still training \(status\.json says running\)/,
  },
  {
    name: "a two-recipe plan that fails on the second leaves the first bundle as it was (all or nothing)",
    setup: (d) => {
      const runs = join(d, "runs");
      expect(plan(runs, "1,2").status).toBe(0);
      // Bundle 2's README.md is no longer one the plan wrote (run.json does not list it): the new plan must not overwrite it.
      const runJson = join(bundleOf(runs, 2), "run.json");
      const run = JSON.parse(readFileSync(runJson, "utf8"));
      delete run.files["README.md"];
      writeFileSync(runJson, JSON.stringify(run, null, 2));
      return { args: ["train", "plan", "--recipe", "1,2", "--mode", "fixed", "--data", SAMPLE, "--out", runs], inputs: walk(d) };
    },
    message: /README\.md: not written by `cci train plan`, and the new plan writes it/,
  },
  { name: "train plan --out under /proc (used to spin forever)", setup: (d) => ({ args: ["train", "plan", "--recipe", "1", "--data", SAMPLE, "--out", "/proc/cci-runs"], inputs: walk(d) }), message: /\/proc\/cci-runs: cannot write under \/proc/ },
  {
    name: "train plan --out under a file",
    setup: (d) => {
      writeFileSync(join(d, "f"), "x");
      return { args: ["train", "plan", "--recipe", "1", "--data", SAMPLE, "--out", join(d, "f", "runs")], inputs: [join(d, "f")] };
    },
    message: /f\/runs: cannot create the folder: .*f is a file, not a folder/,
  },
  // Wrong results and stack traces.
  { name: "train status --runs naming a file", setup: (d) => ({ args: ["train", "status", "--runs", join(corpus(d), "dev.json")], inputs: walk(d) }), message: /dev\.json: is a file, not a runs folder/ },
  {
    name: "train launch of a run.json whose argv is a string (it ran letter by letter)",
    setup: (d) => {
      const runs = join(d, "runs");
      expect(plan(runs, "1").status).toBe(0);
      const runJson = join(bundleOf(runs, 1), "run.json");
      writeFileSync(runJson, JSON.stringify({ ...JSON.parse(readFileSync(runJson, "utf8")), argv: "python train.py" }, null, 2));
      return { args: ["train", "launch", "--recipe", "1", "--runs", runs, "--python", process.execPath], inputs: walk(d), absent: [join(bundleOf(runs, 1), "train.log"), join(bundleOf(runs, 1), "status.json")] };
    },
    message: /run\.json: argv: expected a non-empty list of strings, got "python train\.py"/,
  },
  { name: "chart --width out of range", setup: (d) => ({ args: ["chart", "category_distribution", "--width", "1e9", "--out", join(d, "c.png")], absent: [join(d, "c.png")] }), message: /chart: --width 1e9: expected a positive number up to 10000$/ },
  { name: "chart with a PNG too large to draw", setup: (d) => ({ args: ["chart", "category_distribution", "--width", "9000", "--scale", "16", "--out", join(d, "c.png")], cwd: workspace(d), absent: [join(d, "c.png")] }), message: /larger than a PNG Chromium can draw/ },
  {
    name: "chart with CHROME_PATH naming no executable",
    setup: (d) => ({ args: ["chart", "category_distribution", "--out", join(d, "c.png")], cwd: workspace(d), env: { ...process.env, CHROME_PATH: join(d, "no-chrome") }, absent: [join(d, "c.png")] }),
    message: /CHROME_PATH=.*no-chrome: not an executable file/,
  },
  { name: "predict --url notaurl", setup: (d) => ({ args: ["predict", "--variant", "CustomRefDataset", "--tokenizer", tokenizer(d), "--backend", "openai", "--url", "notaurl", "--data", corpus(d)] }), message: /--url "notaurl": not a URL/ },
  { name: "predict --timeout Infinity", setup: (d) => ({ args: ["predict", "--variant", "CustomRefDataset", "--tokenizer", tokenizer(d), "--backend", "openai", "--url", "http://127.0.0.1:9/v1", "--timeout", "Infinity", "--data", corpus(d)] }), message: /--timeout: expected a positive number of seconds up to 86400, got "Infinity"/ },
  { name: "a usage error exits 2 (commander's own was 1)", setup: () => ({ args: ["prompts", "--bogus"] }), message: /unknown option '--bogus'/ },
  { name: "a missing option argument exits 2", setup: () => ({ args: ["train", "plan", "--recipe"] }), message: /option '--recipe <which>' argument missing/ },
];

describe("round 3: one line, exit 2, inputs intact, nothing left", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const d = tmp();
    const { args, inputs = [], absent = [], cwd, env } = c.setup(d);
    const before = new Map(inputs.map((f) => [f, readFileSync(f)]));
    const listing = walk(d).sort();
    const r = cci(args, cwd, env);
    expect(r.status, r.stderr).toBe(c.status ?? 2);
    const lines = r.stderr.trim().split("\n");
    expect(lines.filter((l) => /^cci: /.test(l)), r.stderr).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^cci: /);
    expect(lines.at(-1)).toMatch(c.message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const [f, bytes] of before) expect(readFileSync(f).equals(bytes), `${f} changed`).toBe(true);
    for (const f of absent) expect(existsSync(f), `${f} left behind`).toBe(false);
    // No stray file: exactly the files that were there before.
    expect(walk(d).sort()).toEqual(listing);
  });
});
