/**
 * Nothing lost, nothing overwritten: every case runs the real `cci` process as a user would and
 * checks a non-zero exit, exactly one `cci: …` line on stderr, no stack trace, every input
 * byte-identical afterwards, no output and no temp file left behind.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writePrediction } from "../lib/ensemble/predictions";
import { loadCorpus } from "../lib/corpus/load";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import type { Answer } from "../lib/corpus/schema";
import { writeTinyTokenizer } from "../lib/tokenize/tiny";
import { globLiteral } from "../lib/notebooks/execute";
import { makeZip, corpusText } from "./helpers/corpus";

const ROOT = resolve(__dirname, "..");
const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const SAMPLE = join(ROOT, "resource", "sample");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) {
    try {
      chmodSync(d, 0o755);
    } catch {
      /* gone */
    }
    rmSync(d, { recursive: true, force: true });
  }
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "cci-safety-"));
  dirs.push(d);
  return d;
}

const cci = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd, timeout: 60_000 });

/** The sample corpus (our own text) copied into `dir/corpus`. */
function corpus(dir: string): string {
  const c = join(dir, "corpus");
  mkdirSync(c, { recursive: true });
  for (const s of ["train", "dev", "test"]) copyFileSync(join(SAMPLE, `${s}.json`), join(c, `${s}.json`));
  return c;
}

/** Two members' prediction files on the sample's dev split, with probability sidecars. */
function members(dir: string): string[] {
  const dev = loadCorpus(join(SAMPLE, "dev.json"));
  return ["a", "b"].map((name, m) => {
    const f = join(dir, `${name}.json`);
    const answers = dev.map((_, i) => (["inference_1", "inference_2", "inference_3"] as Answer[])[(i + m) % 3]);
    writePrediction(f, dev, answers, answers.map(() => [0.5, 0.25, 0.25]));
    return f;
  });
}

/** Every file under `dir` (recursively). */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

const TEMP = /\.cci-\d+-/;

interface Case {
  name: string;
  /** Build the case in `dir`; return the arguments, the inputs that must stay byte-identical, the outputs that must not appear. */
  setup: (dir: string) => { args: string[]; inputs?: string[]; absent?: string[]; cwd?: string };
  message: RegExp;
  skip?: boolean;
}

const isRoot = process.getuid?.() === 0;

const CASES: Case[] = [
  // 1. Every path a command writes is guarded like --out.
  {
    name: "refine --stats equal to the input",
    setup: (d) => {
      const c = corpus(d);
      return { args: ["refine", join(c, "dev.json"), "--out", join(d, "o.json"), "--stats", join(c, "dev.json")], inputs: [join(c, "dev.json")], absent: [join(d, "o.json")] };
    },
    message: /dev\.json: refusing to write over the input file; choose another --stats$/,
  },
  {
    name: "refine --stats equal to --out",
    setup: (d) => {
      const c = corpus(d);
      return { args: ["refine", join(c, "dev.json"), "--out", join(d, "o.json"), "--stats", join(d, "o.json")], inputs: [join(c, "dev.json")], absent: [join(d, "o.json")] };
    },
    message: /o\.json: --out and --stats name the same file/,
  },
  {
    name: "refine --in with --stats naming one of the inputs",
    setup: (d) => {
      const c = corpus(d);
      return { args: ["refine", "--in", c, "--out", join(d, "r"), "--stats", join(c, "train.json")], inputs: walk(c), absent: [join(d, "r")] };
    },
    message: /train\.json: refusing to write over the input file; choose another --stats$/,
  },
  {
    name: "vote --out equal to --gold",
    setup: (d) => {
      const [a, b] = members(d);
      const gold = join(corpus(d), "dev.json");
      return { args: ["vote", a, b, "--gold", gold, "--out", gold], inputs: [a, b, gold] };
    },
    message: /dev\.json: refusing to write over the input file/,
  },
  {
    name: "vote --out equal to a member's .probs.json sidecar",
    setup: (d) => {
      const [a, b] = members(d);
      return { args: ["vote", a, b, "--out", join(d, "b.probs.json")], inputs: [a, b, join(d, "a.probs.json"), join(d, "b.probs.json")] };
    },
    message: /b\.probs\.json: refusing to write over the input file/,
  },
  {
    name: "export-sft writing over its --template file",
    setup: (d) => {
      const t = join(d, "t.text.jsonl");
      writeFileSync(t, "{% for m in messages %}{{ m.content }}{% endfor %}");
      return { args: ["export-sft", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--template", t, "--out", join(d, "t.jsonl")], inputs: [t], absent: [join(d, "t.config.json")] };
    },
    message: /t\.text\.jsonl: refusing to write over the input file/,
  },
  {
    name: "import writing over the zip it reads",
    setup: (d) => {
      const zip = join(d, "train.json");
      writeFileSync(zip, readFileSync(join(d, "zip.bin")));
      return { args: ["import", zip, "--out", d], inputs: [zip], absent: [join(d, "dev.json"), join(d, "test.json")] };
    },
    message: /train\.json: refusing to write over the input file/,
  },
  // 2. Never replace what is not a regular file.
  {
    name: "--out a socket",
    setup: (d) => ({ args: ["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", join(d, "sock")] }),
    message: /sock: is a socket; refusing to write to it/,
  },
  // 3. All or nothing.
  {
    name: "export-sft with a tokenizer lacking A/B/C (nothing written before the refusal)",
    setup: (d) => {
      const tok = writeTinyTokenizer(join(d, "tok"), { texts: [readFileSync(join(SAMPLE, "dev.json"), "utf8")] });
      const tj = join(tok, "tokenizer.json");
      const json = JSON.parse(readFileSync(tj, "utf8"));
      delete json.model.vocab.A;
      writeFileSync(tj, JSON.stringify(json));
      return { args: ["export-sft", "--variant", "CustomRefDataset", "--tokenizer", tok, "--template", "legacy", join(SAMPLE, "dev.json"), "--out", join(d, "o.jsonl")], absent: [join(d, "o.jsonl"), join(d, "o.text.jsonl"), join(d, "o.config.json")] };
    },
    message: /no token "A"/,
  },
  {
    name: "vote --gold without answers (checked before the vote is written)",
    setup: (d) => {
      const [a, b] = members(d);
      const gold = join(d, "gold.json");
      writeFileSync(gold, pythonJsonDumps(loadCorpus(join(SAMPLE, "dev.json")).map((e) => ({ ...e, output: "" }))));
      return { args: ["vote", a, b, "--gold", gold, "--out", join(d, "v.json")], inputs: [a, b, gold], absent: [join(d, "v.json")] };
    },
    message: /gold\.json: example .*: output: empty; --gold needs a labelled file/,
  },
  {
    name: "eda with a broken test split (no CSV or chart of the good splits left)",
    setup: (d) => {
      const c = corpus(d);
      writeFileSync(join(c, "test.json"), "[{");
      return { args: ["eda", "--data", c, "--out", join(d, "eda"), "--formats", "html"], inputs: walk(c), absent: [join(d, "eda")] };
    },
    message: /test\.json: not valid JSON/,
  },
  {
    name: "baseline run with a broken test split (no model or prediction left)",
    setup: (d) => {
      const c = corpus(d);
      writeFileSync(join(c, "test.json"), "[{");
      return { args: ["baseline", "run", "--data", c, "--results", join(d, "res")], inputs: walk(c), absent: [join(d, "res")] };
    },
    message: /test\.json: not valid JSON/,
  },
  // 4. One line for bad paths.
  {
    name: "--out an existing folder",
    setup: (d) => ({ args: ["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", d] }),
    message: /: is a folder; --out needs a file name$/,
  },
  {
    name: "--out under a parent that is a file",
    setup: (d) => {
      writeFileSync(join(d, "f"), "x");
      return { args: ["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", join(d, "f", "sub", "o.jsonl")], inputs: [join(d, "f")] };
    },
    message: /cannot create the folder: .*\/f is a file, not a folder$/,
  },
  {
    name: "--out in a read-only folder",
    skip: isRoot, // root writes anywhere
    setup: (d) => {
      const ro = join(d, "ro");
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      return { args: ["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", join(ro, "o.jsonl")] };
    },
    message: /cannot write in .*ro \(permission denied\)$/,
  },
  {
    name: "--out under /proc (mkdir there used to spin forever)",
    setup: () => ({ args: ["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", "/proc/cci-test/x/o.jsonl"] }),
    message: /cannot write under \/proc \(procfs, a kernel file system/,
  },
  {
    name: "eda --out under /proc",
    setup: () => ({ args: ["eda", "--data", SAMPLE, "--out", "/proc/cci-test/eda", "--formats", "html"] }),
    message: /cannot write under \/proc/,
  },
  {
    name: "a malformed Jinja chat template",
    setup: (d) => {
      const t = join(d, "bad.jinja");
      writeFileSync(t, "{% for m in messages %}{{ m.content }");
      return { args: ["export-sft", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--template", t, "--out", join(d, "o.jsonl")], inputs: [t], absent: [join(d, "o.text.jsonl"), join(d, "o.config.json")] };
    },
    message: /bad\.jinja: not a valid Jinja chat template \(Parser Error/,
  },
  {
    name: "a Jinja chat template that raises",
    setup: (d) => {
      const t = join(d, "raise.jinja");
      writeFileSync(t, '{{ raise_exception("no system role") }}');
      return { args: ["export-sft", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--template", t, "--out", join(d, "o.jsonl")], inputs: [t], absent: [join(d, "o.text.jsonl"), join(d, "o.config.json")] };
    },
    message: /raise\.jinja: example .*: the chat template failed \(no system role\)$/,
  },
  { name: "an unknown option (usage errors are one line too)", setup: () => ({ args: ["prompts", "--bogus"] }), message: /unknown option '--bogus' \(run with --help for usage\)$/ },
  { name: "notebooks --identical without --check", setup: () => ({ args: ["notebooks", "--identical"] }), message: /notebooks --identical: only with --check \(an in-place run rewrites the notebooks\)$/ },
  { name: "notebooks --timeout abc", setup: () => ({ args: ["notebooks", "--check", "--timeout", "abc"] }), message: /notebooks --timeout: expected a positive number of seconds, got "abc"$/ },
  { name: "a notebook that does not exist", setup: (d) => ({ args: ["notebooks", "--check", join(d, "x[1].ipynb")] }), message: /x\[1\]\.ipynb: no such notebook$/ },
  { name: "an input that never ends (/dev/zero)", setup: (d) => ({ args: ["prompts", "--variant", "CustomRefDataset", "/dev/zero", "--out", join(d, "p.jsonl")], absent: [join(d, "p.jsonl")] }), message: /\/dev\/zero: is a character device, not a file to read$/ },
  { name: "a --template that never ends (/dev/zero)", setup: (d) => ({ args: ["export-sft", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--template", "/dev/zero", "--out", join(d, "o.jsonl")], absent: [join(d, "o.text.jsonl")] }), message: /\/dev\/zero: is a character device, not a file to read$/ },
  // 5. Hostile content.
  {
    name: "report on a corpus of 0 examples",
    setup: (d) => {
      writeFileSync(join(d, "package.json"), JSON.stringify({ name: "cci-workbench" }));
      symlinkSync(join(ROOT, "node_modules"), join(d, "node_modules"));
      const data = join(d, "resource", "data");
      mkdirSync(data, { recursive: true });
      for (const s of ["train", "dev", "test"]) writeFileSync(join(data, `${s}.json`), "[]");
      return { args: ["report"], cwd: d, inputs: walk(data), absent: [join(d, "reports"), join(d, "resource", "EDA"), join(d, "resource", "refined_data")] };
    },
    message: /resource\/data: the corpus holds no examples .*nothing to report$/,
  },
  {
    name: "deep junk in an extra field (the writer used to overflow the stack)",
    setup: (d) => {
      const f = join(d, "dev.json");
      const deep = "[".repeat(50_000) + "]".repeat(50_000);
      writeFileSync(f, readFileSync(join(SAMPLE, "dev.json"), "utf8").replace('"output": "', `"junk": ${deep}, "output": "`));
      return { args: ["refine", f, "--out", join(d, "r.json")], inputs: [f], absent: [join(d, "r.json")] };
    },
    message: /dev\.json: example cci-sample-dev-000001: junk\[0\]\[0\].*…: nested more than 64 levels deep/,
  },
  {
    name: "a deeply nested value in a checked field (the message used to overflow the stack)",
    setup: (d) => {
      const f = join(d, "dev.json");
      const deep = "[".repeat(50_000) + "]".repeat(50_000);
      writeFileSync(f, readFileSync(join(SAMPLE, "dev.json"), "utf8").replace('"output": "inference', `"output": ${deep}, "x": "inference`));
      return { args: ["prompts", "--variant", "CustomRefDataset", f, "--out", join(d, "p.jsonl")], inputs: [f], absent: [join(d, "p.jsonl")] };
    },
    message: /dev\.json: example cci-sample-dev-000001: output.*: nested more than 64 levels deep/,
  },
  // 6. Validation gaps.
  {
    name: "a reference_id naming no utterance of its conversation (import)",
    setup: (d) => {
      const src = join(d, "download");
      mkdirSync(src);
      for (const s of ["train", "dev", "test"]) copyFileSync(join(SAMPLE, `${s}.json`), join(src, `x_${s}.json`));
      const ex = loadCorpus(join(SAMPLE, "dev.json"));
      ex[1].input.reference_id = [ex[1].input.reference_id[0], "nowhere.1"];
      writeFileSync(join(src, "x_dev.json"), pythonJsonDumps(ex));
      return { args: ["import", src, "--out", join(d, "data")], inputs: walk(src), absent: [join(d, "data")] };
    },
    message: /x_dev\.json: example cci-sample-dev-000002: input\.reference_id\[1\]: "nowhere\.1" names no utterance of this conversation$/,
  },
  // (Refinement that empties a whole conversation is no refusal: the original writes `[]`; safety-round3.test.ts.)
  {
    name: "baseline run on an unlabelled train split",
    setup: (d) => {
      const c = corpus(d);
      writeFileSync(join(c, "train.json"), pythonJsonDumps(loadCorpus(join(SAMPLE, "train.json")).map((e) => ({ ...e, output: "" }))));
      return { args: ["baseline", "run", "--data", c, "--results", join(d, "res")], inputs: walk(c), absent: [join(d, "res")] };
    },
    message: /train\.json: example .*: output: empty; the members train on answers/,
  },
  {
    name: "baseline run on an empty train split",
    setup: (d) => {
      const c = corpus(d);
      writeFileSync(join(c, "train.json"), "[]");
      return { args: ["baseline", "run", "--data", c, "--results", join(d, "res")], inputs: walk(c), absent: [join(d, "res")] };
    },
    message: /train\.json: no examples; the members need a labelled train split$/,
  },
  { name: "bench --source that does not exist", setup: (d) => ({ args: ["bench", "--source", join(d, "nope.zip")] }), message: /bench --source .*nope\.zip: no such file or folder$/ },
  // 7. Smaller.
  {
    name: "soft-vote weights summing to 0",
    setup: (d) => {
      const [a, b] = members(d);
      return { args: ["vote", a, b, "--method", "soft", "--weights", "0,0", "--out", join(d, "v.json")], inputs: [a, b], absent: [join(d, "v.json"), join(d, "v.probs.json")] };
    },
    message: /--weights 0,0: the weights sum to 0/,
  },
  {
    name: "soft-vote weights whose sum overflows",
    setup: (d) => {
      const [a, b] = members(d);
      return { args: ["vote", a, b, "--method", "soft", "--weights", "1e308,1e308", "--out", join(d, "v.json")], inputs: [a, b], absent: [join(d, "v.json"), join(d, "v.probs.json")] };
    },
    message: /the weights' sum overflows/,
  },
];

let zipBytes: Buffer | undefined;

describe("every bad path and hostile input: one line, inputs intact, nothing left", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    if (c.skip) return;
    const d = tmp();
    zipBytes ??= await makeZip({ "x_train.json": corpusText("tr", 2), "x_dev.json": corpusText("dv", 1), "x_test.json": corpusText("ts", 1) });
    writeFileSync(join(d, "zip.bin"), zipBytes);
    if (c.name.includes("socket")) await listenOn(join(d, "sock"));
    const { args, inputs = [], absent = [], cwd } = c.setup(d);
    const before = new Map(inputs.map((f) => [f, readFileSync(f)]));
    const r = cci(args, cwd);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.status).not.toBeNull(); // finished by itself (no hang)
    // Exactly one error line, the last (progress lines such as "corpus: …" may come before it).
    const lines = r.stderr.trim().split("\n");
    expect(lines.filter((l) => /^cci: /.test(l)), r.stderr).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^cci: /);
    expect(lines.at(-1)).toMatch(c.message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const [f, bytes] of before) expect(readFileSync(f).equals(bytes), `${f} changed`).toBe(true);
    for (const f of absent) expect(existsSync(f), `${f} left behind`).toBe(false);
    expect(walk(d).filter((f) => TEMP.test(f))).toEqual([]);
  });
});

/** A listening Unix socket at `path` (closed when the test process ends). */
function listenOn(path: string): Promise<void> {
  return new Promise((ok) => {
    const server = createServer();
    server.listen(path, () => {
      server.unref();
      ok();
    });
  });
}

describe("outputs that are not regular files", () => {
  it("streams into /dev/null and leaves it a character device", () => {
    const r = cci(["prompts", "--variant", "CustomRefDataset", join(SAMPLE, "dev.json"), "--out", "/dev/null"]);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("streams into a FIFO without replacing it", () => {
    const d = tmp();
    const fifo = join(d, "fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const r = spawnSync("sh", ["-c", `cat "$1" > "$2" & "$3" "$4" prompts --variant CustomRefDataset "$5" --out "$1"; wait`, "sh", fifo, join(d, "got"), process.execPath, CCI, join(SAMPLE, "dev.json")], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readFileSync(join(d, "got"), "utf8").split("\n").filter(Boolean)).toHaveLength(10);
  });

  it("ends quietly when the reader of its tables closes the pipe (EPIPE)", () => {
    // `true` exits at once, long before node has started: every write of the table meets a closed pipe.
    const r = spawnSync("bash", ["-c", `"$1" "$2" baseline list | true; echo "\${PIPESTATUS[0]}"`, "sh", process.execPath, CCI], { encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("0");
  });
});

describe("hostile content that must simply work", () => {
  it("eda draws a corpus with a NUL inside an utterance and a 10 MB utterance", () => {
    const d = tmp();
    const c = corpus(d);
    const train = loadCorpus(join(c, "train.json"));
    train[0].input.conversation[0].utterance = "안녕\u0000하세요 반가워요";
    train[1].input.conversation[0].utterance = "가".repeat(10_000_000);
    writeFileSync(join(c, "train.json"), pythonJsonDumps(train));
    const r = cci(["eda", "--data", c, "--out", join(d, "eda"), "--formats", "html", "--plotly", "cdn"]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(d, "eda", "train_wordcloud.html"))).toBe(true);
    // The histogram widened its bins instead of drawing 200,000 of them.
    expect(statSync(join(d, "eda", "train_total_utterance_length_distribution.html")).size).toBeLessThan(1_000_000);
  });

  it("eda --refined naming a folder with no corpus refines in scratch and writes nothing outside --out", () => {
    const d = tmp();
    const r = cci(["eda", "--data", SAMPLE, "--refined", join(d, "refined"), "--out", join(d, "eda"), "--formats", "html", "--plotly", "cdn"]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(d, "refined"))).toBe(false);
    expect(existsSync(join(d, "eda", "refined_data", "dev_total_utterance_lengths.csv"))).toBe(true);
    expect(readdirSync(d)).toEqual(["eda"]);
  });

  it("a hard vote reads no probability sidecar (a broken one is left alone); a soft vote refuses it", () => {
    const d = tmp();
    const [a, b] = members(d);
    writeFileSync(join(d, "a.probs.json"), "{");
    expect(cci(["vote", a, b, "--out", join(d, "v.json")]).status).toBe(0);
    const soft = cci(["vote", a, b, "--method", "soft", "--out", join(d, "s.json")]);
    expect(soft.status).not.toBe(0);
    expect(soft.stderr).toMatch(/a\.probs\.json: not valid JSON/);
    expect(existsSync(join(d, "s.json"))).toBe(false);
  });

  it("a hard vote over an earlier soft vote's output drops its now stale .probs.json", () => {
    const d = tmp();
    const [a, b] = members(d);
    const out = join(d, "v.json");
    expect(cci(["vote", a, b, "--method", "soft", "--out", out]).status).toBe(0);
    expect(existsSync(join(d, "v.probs.json"))).toBe(true);
    expect(cci(["vote", a, b, "--out", out]).status).toBe(0);
    expect(existsSync(join(d, "v.probs.json"))).toBe(false);
  });

  it("passes notebook paths to nbconvert literally ([ ] * ? are not glob patterns)", () => {
    expect(globLiteral("/x/a[1]*?.ipynb")).toBe("/x/a[[]1][*][?].ipynb");
  });
});

describe("the existing refusals keep their tests", () => {
  it("input = output, for every command that takes --out", () => {
    const d = tmp();
    const c = corpus(d);
    const dev = join(c, "dev.json");
    const bytes = readFileSync(dev);
    const named = join(c, "o.text.jsonl"); // a corpus file that export-sft --out o.jsonl would write over
    copyFileSync(dev, named);
    for (const args of [
      ["refine", dev, "--out", dev],
      ["prompts", "--variant", "CustomRefDataset", dev, "--out", dev],
      ["export-sft", "--variant", "CustomRefDataset", named, "--out", join(c, "o.jsonl")],
      ["refine", "--in", c, "--out", c],
      ["import", c, "--out", c],
    ]) {
      const r = cci(args);
      expect(r.status, args.join(" ")).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(readFileSync(dev).equals(bytes)).toBe(true);
      expect(readFileSync(named).equals(bytes)).toBe(true);
    }
    // A symlink or a hard link to the input is the input.
    symlinkSync(dev, join(d, "link.json"));
    expect(cci(["refine", dev, "--out", join(d, "link.json")]).stderr).toMatch(/refusing to write over the input file/);
    expect(readFileSync(dev).equals(bytes)).toBe(true);
  });

  it("shell metacharacters in paths are only names", () => {
    const d = tmp();
    const weird = join(d, "a b;$(touch pwned)`touch pwned2`|&.json");
    copyFileSync(join(SAMPLE, "dev.json"), weird);
    const out = join(d, "o'$(touch pwned3);\".jsonl");
    const r = cci(["prompts", "--variant", "CustomRefDataset", weird, "--out", out], d);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    for (const p of ["pwned", "pwned2", "pwned3"]) expect(existsSync(join(d, p))).toBe(false);
    expect(existsSync(join(ROOT, "pwned"))).toBe(false);
  });

  it("an interrupted run (SIGINT, SIGTERM) leaves no output and no temp file", async () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const d = tmp();
      const out = join(d, "eda");
      const child = spawn(process.execPath, [CCI, "eda", "--data", SAMPLE, "--out", out, "--formats", "html"], { stdio: "ignore" });
      const exited = new Promise<NodeJS.Signals | null>((ok) => child.on("exit", (_code, sig) => ok(sig)));
      // Wait until the run has staged something, then interrupt it.
      for (let i = 0; i < 600 && !walk(out).some((f) => TEMP.test(f)); i++) await new Promise((ok) => setTimeout(ok, 10));
      child.kill(signal);
      const sig = await exited;
      expect(sig, "the run ended before it was interrupted").toBe(signal);
      expect(existsSync(out), `${signal}: ${walk(out).join(", ")}`).toBe(false);
    }
  });
});
