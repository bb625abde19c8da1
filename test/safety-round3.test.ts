/**
 * Round 3 of "nothing lost": the commands added last (train, predict, chart, serve bench,
 * notebooks) under careless and hostile input, and the fidelity of refinement on adversarial
 * corpora. Every case runs the built `cci` as a user would: exit code, exactly one `cci: …` line,
 * inputs byte-identical, no stray or temp file, no secret printed or written.
 */
import { spawn, spawnSync } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { refineCorpus } from "../lib/refine/refine";
import { writePrediction } from "../lib/ensemble/predictions";
import { Journal } from "../lib/infer/journal";
import { assertAllOk } from "../lib/notebooks/execute";
import { secretValues } from "../lib/train/launch";
import { isSecretName } from "../lib/util/redact";
import { tinyLm } from "./fixtures/tiny-lm";
import { writeTinyTokenizer } from "../lib/tokenize/tiny";
import { CHATML_TEMPLATE } from "../lib/tokenize/legacy-templates";
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

/** A tiny tokenizer folder (A/B/C are single tokens) with a chat template of its own. */
function tokenizer(dir: string): string {
  return writeTinyTokenizer(join(dir, "tok"), { chatTemplate: CHATML_TEMPLATE });
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

/** `cci …` without blocking this process (an in-test server must keep answering). */
function cciAsync(args: string[], cwd = ROOT): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CCI, ...args], { cwd });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (b) => (stderr += b));
    child.stdout.on("data", (b) => (stdout += b));
    child.on("close", (status) => done({ status, stderr, stdout }));
  });
}

const lastLine = (stderr: string) => stderr.trim().split("\n").at(-1) ?? "";

describe("round 3: more hostile input, checked one by one", () => {
  it("train plan refuses an empty train split, writing nothing", () => {
    const d = tmp();
    const c = corpus(d);
    writeFileSync(join(c, "train.json"), "[]");
    const r = plan(join(d, "runs"), "1", "--data", c);
    expect(r.status).toBe(2);
    expect(lastLine(r.stderr)).toMatch(/^cci: train\.json: no examples; a training run needs a labelled train split/);
    expect(existsSync(join(d, "runs"))).toBe(false);
  });

  it("train status reads past null and non-numeric metrics lines, odd entries of the runs folder, and a stale running status", () => {
    const d = tmp();
    const runs = join(d, "runs");
    expect(plan(runs, "1").status).toBe(0);
    const b = bundleOf(runs, 1);
    writeFileSync(join(b, "metrics.jsonl"), 'null\n"x"\n[1]\n{"step": 1, "loss": "abc"}\n{"step": 2, "loss": 0.5, "max_steps": 10}\n');
    // pid 1 is alive but started long before this status was written: another process, not the trainer.
    writeFileSync(join(b, "status.json"), JSON.stringify({ state: "running", pid: 1, host: hostname(), time: 1 }));
    symlinkSync(join(d, "nowhere"), join(runs, "dangling"));
    symlinkSync("loop", join(runs, "loop"));
    writeFileSync(join(runs, "a-file"), "x");
    const r = cci(["train", "status", "--runs", runs]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/│ failed .*│ 2\/10 .*0\.5/);
    // A status without any pid can never be checked: not running either.
    writeFileSync(join(b, "status.json"), JSON.stringify({ state: "running", host: hostname() }));
    expect(cci(["train", "status", "--runs", runs]).stdout).toMatch(/│ failed /);
  });

  it("two plans into one runs folder: each ends in success or one line, and every bundle is whole", async () => {
    const d = tmp();
    const runs = join(d, "runs");
    const args = ["train", "plan", "--recipe", "1,2,3", "--data", SAMPLE, "--out", runs];
    const [a, b] = await Promise.all([cciAsync(args), cciAsync(args)]);
    for (const r of [a, b]) {
      expect(r.status === 0 || r.status === 2, r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (r.status === 2) expect(lastLine(r.stderr)).toMatch(/^cci: .*another `cci train plan`/);
    }
    expect([a.status, b.status]).toContain(0);
    for (const i of [1, 2, 3]) expect(existsSync(join(bundleOf(runs, i), "run.json"))).toBe(true);
    expect(readdirSync(runs).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("a re-plan keeps the files a user put in a bundle", () => {
    const d = tmp();
    const runs = join(d, "runs");
    expect(plan(runs, "1").status).toBe(0);
    writeFileSync(join(bundleOf(runs, 1), "notes.txt"), "mine");
    expect(plan(runs, "1", "--mode", "fixed").status).toBe(0);
    expect(readFileSync(join(bundleOf(runs, 1), "notes.txt"), "utf8")).toBe("mine");
  });

  it("run.json names the tokenizer so it resolves from the bundle, wherever plan ran", () => {
    const d = tmp();
    tokenizer(d);
    const r = cci(["train", "plan", "--recipe", "1", "--data", SAMPLE, "--out", "runs", "--tokenizer", "tok"], d);
    expect(r.status, r.stderr).toBe(0);
    const b = bundleOf(join(d, "runs"), 1);
    const dir = JSON.parse(readFileSync(join(b, "run.json"), "utf8")).tokenizer.dir as string;
    expect(existsSync(join(resolve(b, dir), "tokenizer.json")), dir).toBe(true);
  });

  it("a tokenizer.json linked to /dev/zero is refused in one line (it used to fill memory)", () => {
    const d = tmp();
    const tok = join(d, "tok");
    mkdirSync(tok);
    symlinkSync("/dev/zero", join(tok, "tokenizer.json"));
    writeFileSync(join(tok, "tokenizer_config.json"), "{}");
    const r = cci(["predict", "--variant", "CustomRefDataset", "--tokenizer", tok, "--backend", "onnx", "--model-dir", d, "--data", corpus(d), "--split", "dev", "--out", join(d, "p.json")]);
    expect(r.status).toBe(2);
    expect(lastLine(r.stderr)).toMatch(/^cci: .*tokenizer\.json: not a regular file/);
    expect(existsSync(join(d, "p.json"))).toBe(false);
  });

  it("serve bench checks --out before measuring", () => {
    const d = tmp();
    const r = cci(["serve", "bench", "--out", d]);
    expect(r.status).toBe(2);
    expect(lastLine(r.stderr)).toMatch(/is a folder; --out needs a file name$/);
    expect(r.stdout).toBe(""); // no throughput table: nothing was measured
  });

  it("--compare --gold checks the ids and their order, not only the count", () => {
    const d = tmp();
    const dev = loadCorpus(join(SAMPLE, "dev.json"));
    const [a, b] = ["a", "b"].map((n) => {
      const f = join(d, `${n}.json`);
      writePrediction(f, dev, dev.map(() => "inference_1"));
      return f;
    });
    const gold = join(d, "gold.json");
    writeFileSync(gold, pythonJsonDumps([...dev].reverse()));
    const r = cci(["predict", "--compare", a, b, "--gold", gold]);
    expect(r.status).toBe(2);
    expect(lastLine(r.stderr)).toMatch(/^cci: --gold: example #1 is cci-sample-dev-000010, but .*a\.json has cci-sample-dev-000001 there/);
    const unlabelled = join(d, "unlabelled.json");
    writeFileSync(unlabelled, pythonJsonDumps(dev.map((e, i) => (i === 4 ? { ...e, output: "" } : e))));
    expect(lastLine(cci(["predict", "--compare", a, b, "--gold", unlabelled]).stderr)).toMatch(/--gold: example cci-sample-dev-000005: output: empty/);
  });

  it("onnx refuses prompt ids beyond the model's vocabulary, naming the example", () => {
    const lm = tinyLm();
    try {
      const cfg = join(lm.modelDir, "config.json");
      const config = JSON.parse(readFileSync(cfg, "utf8"));
      const vocab = JSON.parse(readFileSync(join(lm.tokDir, "tokenizer.json"), "utf8")).model.vocab as Record<string, number>;
      config.vocab_size = Math.max(vocab.A, vocab.B, vocab.C) + 1;
      writeFileSync(cfg, JSON.stringify(config));
      const out = join(lm.root, "p.json");
      const r = cci(["predict", "--variant", "CustomRefDataset", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--data", SAMPLE, "--split", "dev", "--out", out]);
      expect(r.status, r.stderr).toBe(2);
      expect(lastLine(r.stderr)).toMatch(/^cci: .*: example cci-sample-dev-000001: prompt token id \d+ is outside the model's vocabulary/);
      expect(existsSync(out)).toBe(false);
    } finally {
      lm.cleanup();
    }
  }, 60_000);
});

describe("round 3: secrets", () => {
  it("credentials in --url go in a header, are never printed or journaled, and a 401 is not retried", async () => {
    const d = tmp();
    const seen: { url?: string; auth?: string }[] = [];
    const server = createHttpServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"error": "bad credentials"}');
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as { port: number }).port;
    try {
      const out = join(d, "p.json");
      const r = await cciAsync(["predict", "--variant", "CustomRefDataset", "--tokenizer", tokenizer(d), "--backend", "openai", "--url", `http://alice:s3cretpw@127.0.0.1:${port}/v1`, "--concurrency", "1", "--attempts", "5", "--data", corpus(d), "--split", "dev", "--out", out]);
      expect(r.status).toBe(2);
      expect(lastLine(r.stderr)).toMatch(/^cci: http:\/\/127\.0\.0\.1:\d+\/v1\/completions: HTTP 401/);
      expect(r.stderr + r.stdout).not.toContain("s3cretpw");
      expect(r.stderr).not.toMatch(/retry/);
      for (const f of walk(d)) expect(readFileSync(f, "utf8"), f).not.toContain("s3cretpw");
      expect(seen).toHaveLength(1); // not retried: a 401 cannot get better
      expect(seen[0].auth).toBe(`Basic ${Buffer.from("alice:s3cretpw").toString("base64")}`);
      expect(seen[0].url).toBe("/v1/completions");
    } finally {
      server.close();
    }
  });

  it("train.log redaction knows GH_CREDENTIALS, HF_AUTH and friends, and leaves PWD alone", () => {
    const env = { GH_CREDENTIALS: "ghp_abcdef123", HF_AUTH: "hf_xyz98765", FTP_PASS: "hunter22", WANDB_KEY: "wk_123456", HF_TOKEN: "hf_tok1234", PWD: "/home/someone", HOME: "/home/someone" };
    expect(new Set(secretValues(env))).toEqual(new Set(["ghp_abcdef123", "hf_xyz98765", "hunter22", "wk_123456", "hf_tok1234"]));
    expect(isSecretName("AUTHOR")).toBe(false);
    expect(isSecretName("KEYBOARD_LAYOUT")).toBe(false);
  });
});

describe("round 3: small parts", () => {
  it("a journal's non-finite score is scored again, not kept to fail the run at the end", () => {
    const d = tmp();
    const path = join(d, "p.journal.jsonl");
    const fingerprint = { name: "x" };
    writeFileSync(path, `${JSON.stringify({ journal: "cci-predict", fingerprint })}\n{"id": "a", "scores": [1e999, 0, 0]}\nnull\n{"id": "b", "scores": [-1, -2, -3]}\n`);
    const j = Journal.open(path, fingerprint);
    expect([...j.done.keys()]).toEqual(["b"]);
  });

  it("a failed notebook is one cci: line naming its error (the traceback before it)", () => {
    const traceback = "Traceback (most recent call last):\n  File \"x\", line 1\n\u001b[0;31mNameError\u001b[0m: name 'y' is not defined\nCellExecutionError: An error occurred";
    let err: Error | undefined;
    const write = process.stderr.write;
    process.stderr.write = (() => true) as never;
    try {
      assertAllOk([{ notebook: "/x/01-a.ipynb", ok: false, error: traceback } as never]);
    } catch (e) {
      err = e as Error;
    } finally {
      process.stderr.write = write;
    }
    expect(err?.message).toBe("1 notebook(s) failed: 01-a.ipynb (NameError: name 'y' is not defined)");
  });
});
