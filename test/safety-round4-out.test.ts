/**
 * Round 4 of "nothing lost", sections 1 and 3 of issue 29: one output rule for every write (the
 * corpus folder, the files a command reads, streams without sidecars, modes never changed) and
 * one redactor for everything printed or written. Every probe runs the real `cci` in a checkout
 * of its own (package.json + resource/data holding the sample corpus), as a user would.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { redactText, secretValues } from "../lib/util/redact";
import { tinyLm, type TinyLm } from "./fixtures/tiny-lm";
import { fakeHubCache } from "./helpers/train";

const ROOT = resolve(__dirname, "..");
const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const SAMPLE = join(ROOT, "resource", "sample");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "cci-round4-"));
  dirs.push(d);
  return d;
};

/** Every file under `dir`, recursively (links not followed). */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

/** A checkout of its own: the sample corpus imported into resource/data. */
function checkout(): string {
  const root = tmp();
  writeFileSync(join(root, "package.json"), `${JSON.stringify({ name: "cci-workbench", version: "0.0.0" })}\n`);
  mkdirSync(join(root, "resource", "data"), { recursive: true });
  for (const f of ["train.json", "dev.json", "test.json"]) copyFileSync(join(SAMPLE, f), join(root, "resource", "data", f));
  return root;
}

const cci = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd, env, timeout: 120_000 });

/** The corpus folder's files with their bytes and modes, to compare before and after. */
const snapshot = (dir: string) => walk(dir).map((f) => `${f} ${statSync(f).mode.toString(8)} ${readFileSync(f).toString("base64")}`);

/** Exit 2 with exactly one `cci: …` line. */
function refusedInOneLine(r: ReturnType<typeof cci>, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("cci: ") || /^\s+at /.test(l) || /Error/.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe("§1 one output rule: the corpus folder, the files read, streams, modes", () => {
  let root: string;
  let data: string;
  let runs: string;
  let lm: TinyLm;
  let before: string[];
  const recipe = RECIPES[0].name;

  beforeAll(() => {
    root = checkout();
    data = join(root, "resource", "data");
    runs = join(root, "runs");
    lm = tinyLm();
    const p = cci(["train", "plan", "--recipe", "1", "--out", runs, "--data", SAMPLE], root);
    expect(p.status, p.stderr).toBe(0);
    const ids = (JSON.parse(readFileSync(join(SAMPLE, "dev.json"), "utf8")) as { id: string }[]).map((e) => e.id);
    for (const m of ["a", "b", "c"]) {
      copyFileSync(join(SAMPLE, "dev.json"), join(root, `${m}.json`));
      writeFileSync(join(root, `${m}.probs.json`), JSON.stringify(Object.fromEntries(ids.map((id) => [id, [0.5, 0.3, 0.2]]))));
    }
    before = snapshot(data);
  }, 120_000);
  afterAll(() => lm?.cleanup());

  it("train calibrate --out RUNS/<recipe>/run.json (the bundle it reads): refused before any timing; the bundle intact", () => {
    const bundle = join(runs, recipe);
    const files = snapshot(bundle);
    for (const out of [join(bundle, "run.json"), ...walk(join(bundle, "data")).slice(0, 1)]) {
      const r = cci(["train", "calibrate", "--recipe", "1", "--runs", runs, "--tiny", "--python", "/nonexistent/python", "--out", out], root);
      refusedInOneLine(r, /refusing to write over the input file/);
    }
    expect(snapshot(bundle)).toEqual(files);
  });

  // Six commands that wrote over resource/data/train.json with exit 0.
  const corpusProbes: [string, (d: string) => string[]][] = [
    ["serve plan", () => ["serve", "plan", "--out", "resource/data/train.json"]],
    ["vote", () => ["vote", "--out", "resource/data/train.json", "a.json", "b.json", "c.json"]],
    ["refine FILE", () => ["refine", "resource/data/dev.json", "--out", "resource/data/train.json"]],
    ["prompts", () => ["prompts", "--variant", "CustomRefDataset", "resource/data/dev.json", "--out", "resource/data/train.json"]],
    ["predict", () => ["predict", "--variant", "CustomRefDataset", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--out", "resource/data/train.json"]],
    ["train calibrate", () => ["train", "calibrate", "--recipe", "1", "--runs", runs, "--tiny", "--python", "/nonexistent/python", "--out", "resource/data/train.json"]],
  ];
  for (const [name, args] of corpusProbes) {
    it(`${name} --out resource/data/train.json: refused in one line (exit 2); the corpus byte- and mode-identical`, () => {
      refusedInOneLine(cci(args(root), root), /inside the corpus folder .*only `cci import` writes there/);
      expect(snapshot(data)).toEqual(before);
    });
  }

  it("through a symlink: chart --all --out LINK-to-resource/data and refine --out LINK/train.json are refused (realpath)", () => {
    const link = join(root, "looks-harmless");
    symlinkSync(data, link);
    refusedInOneLine(cci(["chart", "--all", "--out", link], root), /inside the corpus folder/);
    refusedInOneLine(cci(["refine", "resource/data/dev.json", "--out", join(link, "train.json")], root), /inside the corpus folder/);
    refusedInOneLine(cci(["prompts", "--variant", "CustomRefDataset", "resource/data/dev.json", "--out", join(link, "new.jsonl")], root), /inside the corpus folder/);
    expect(snapshot(data)).toEqual(before);
  });

  it("serve plan --out over a private file (mode 600): refused, mode and bytes kept; a new file is 755; rewriting a 755 script is fine", () => {
    const priv = join(root, "private.sh");
    writeFileSync(priv, "secret notes\n", { mode: 0o600 });
    chmodSync(priv, 0o600);
    refusedInOneLine(cci(["serve", "plan", "--out", priv], root), /exists with mode 600; writing it would make it 755/);
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(readFileSync(priv, "utf8")).toBe("secret notes\n");
    const fresh = join(root, "serve.sh");
    expect(cci(["serve", "plan", "--out", fresh], root).status).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o755);
    const again = cci(["serve", "plan", "--out", fresh], root);
    expect(again.status, again.stderr).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o755);
  });

  it("--out /dev/null: predict, export-sft and a soft vote write the stream alone (no .probs.json, .journal.jsonl, .text.jsonl, .config.json beside it)", () => {
    const devBefore = readdirSync("/dev").sort();
    const p = cci(["predict", "--variant", "CustomRefDataset", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--out", "/dev/null"], root);
    expect(p.status, p.stderr).toBe(0);
    const e = cci(["export-sft", "--variant", "CustomRefDataset", "--tokenizer", lm.tokDir, "resource/data/dev.json", "--out", "/dev/null"], root);
    expect(e.status, e.stderr).toBe(0);
    const v = cci(["vote", "--method", "soft", "--out", "/dev/null", "a.json", "b.json", "c.json"], root);
    expect(v.status, v.stderr).toBe(0);
    expect(readdirSync("/dev").sort()).toEqual(devBefore);
    // /dev/stdout: the prediction itself arrives on stdout
    const s = cci(["predict", "--variant", "CustomRefDataset", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--out", "/dev/stdout"], root);
    expect(s.status, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toHaveLength(JSON.parse(readFileSync(join(SAMPLE, "dev.json"), "utf8")).length);
    expect(readdirSync("/dev").sort()).toEqual(devBefore);
    // a new file under /dev is no stream: refused
    refusedInOneLine(cci(["prompts", "--variant", "CustomRefDataset", "resource/data/dev.json", "--out", "/dev/cci-probe.jsonl"], root), /\/dev holds devices, not files/);
  });

  it("predict --out onto the exported model it scores with (--model-dir) or its tokenizer: refused, the model intact", () => {
    const model = snapshot(lm.modelDir);
    const tok = snapshot(lm.tokDir);
    for (const out of [join(lm.modelDir, "config.json"), join(lm.tokDir, "tokenizer.json")]) {
      const r = cci(["predict", "--variant", "CustomRefDataset", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--out", out], root);
      refusedInOneLine(r, /refusing to write over the input file/);
    }
    expect(snapshot(lm.modelDir)).toEqual(model);
    expect(snapshot(lm.tokDir)).toEqual(tok);
  });

  it("cci import is still the one writer of the corpus folder", () => {
    const r = cci(["import", SAMPLE, "--out", "resource/data"], root);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(data, "train+dev.json"))).toBe(true);
  });
});

describe("§3 one redactor: a planted secret never printed or written", () => {
  const TOKEN = "hf_PlantedSecret_4411zz";
  const PASS = "Pa55w0rd_Planted_7";
  const ENDPOINT = `http://hubuser:${PASS}@127.0.0.1:9/hub`;
  /** No planted secret in the output or in any file under the given folders. */
  function clean(r: ReturnType<typeof cci>, ...folders: string[]): void {
    for (const secret of [TOKEN, PASS]) {
      expect(r.stdout + r.stderr, "printed").not.toContain(secret);
      for (const f of folders.flatMap(walk)) expect(readFileSync(f, "latin1"), f).not.toContain(secret);
    }
  }

  it("redactText: URL userinfo, secret-named values, environment-style assignments; counts and references kept", () => {
    const env = { HF_TOKEN: TOKEN, HF_ENDPOINT: ENDPOINT, PWD: "/work", MAX_TOKENS: "512" };
    const sv = secretValues(env);
    expect(redactText(`pip install --index-url https://user:${TOKEN}@host/simple`, sv)).toBe("pip install --index-url https://***@host/simple");
    expect(redactText(`endpoint ${ENDPOINT} unreachable`, sv)).toBe("endpoint http://***@127.0.0.1:9/hub unreachable");
    expect(redactText(`loading with ${TOKEN}`, sv)).toBe("loading with [redacted]");
    expect(redactText("HF_TOKEN=abcdef123456 OPENAI_API_KEY='sk-zzzzzzzz' --token qwertyuiop", [])).toBe("HF_TOKEN=[redacted] OPENAI_API_KEY='[redacted]' --token [redacted]");
    expect(redactText("MAX_TOKENS=512 export HF_TOKEN=… HF_TOKEN=$HF_TOKEN /work", sv)).toBe("MAX_TOKENS=512 export HF_TOKEN=… HF_TOKEN=$HF_TOKEN /work");
  });

  it("env create --pip-arg=--index-url --pip-arg=https://user:TOKEN@host/simple: the token is neither printed nor written", () => {
    const root = tmp();
    for (const f of ["lib", "package.json", "tsconfig.json"]) spawnSync("cp", ["-r", join(ROOT, f), join(root, f)]);
    symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
    const base = join(root, "base-python");
    const venvPy = `#!/bin/sh\nif [ "$1" = -m ] && [ "$2" = pip ]; then echo "pip: Looking in indexes: $*"; exit 0; fi\ncase "$1" in *probe.py) echo '{"python": "3.12.0", "libs": {"torch": "2.11.0"}, "cuda": null, "gpus": []}'; exit 0;; esac\nexit 5\n`;
    writeFileSync(base, `#!/bin/sh\n[ "$1" = -m ] && [ "$2" = venv ] || exit 5\nmkdir -p "$3/bin"\ncat > "$3/bin/python" <<'PY'\n${venvPy}PY\nchmod +x "$3/bin/python"\n`);
    chmodSync(base, 0o755);
    const r = spawnSync(process.execPath, [join(root, "lib", "cli", "cci.mjs"), "env", "create", "--engine", "modern", "--python", base, "--pip-arg=--index-url", `--pip-arg=https://user:${TOKEN}@host/simple`], { cwd: root, encoding: "utf8", env: { ...process.env, CCI_PACKAGE_ROOT: root } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("https://***@host/simple");
    clean(r, join(root, ".venv-modern"));
  });

  it("train fetch with HF_ENDPOINT=http://user:pass@…: neither the sizes' failure line nor the download's relayed output holds the password", () => {
    const root = tmp();
    const stubs = join(root, "stubs", "huggingface_hub");
    mkdirSync(stubs, { recursive: true });
    // A Hub client whose error names the endpoint, credentials and all (as an HTTP library's message can).
    writeFileSync(
      join(stubs, "__init__.py"),
      [
        "import os, sys",
        "from types import SimpleNamespace",
        '__version__ = "0"',
        "class HfApi:",
        "    def model_info(self, repo_id, files_metadata=False):",
        '        if os.environ.get("STUB_PLAN_FAIL"): raise ConnectionError("cannot reach " + os.environ["HF_ENDPOINT"] + " token " + os.environ["HF_TOKEN"])',
        '        return SimpleNamespace(siblings=[SimpleNamespace(rfilename="tokenizer.json", size=10)])',
        "def snapshot_download(*a, **k):",
        '    print("downloading from " + os.environ["HF_ENDPOINT"] + " with " + os.environ["HF_TOKEN"], file=sys.stderr, flush=True)',
        '    raise ConnectionError("lost " + os.environ["HF_ENDPOINT"])',
        "",
      ].join("\n"),
    );
    const env = { ...process.env, PYTHONPATH: join(root, "stubs"), HF_ENDPOINT: ENDPOINT, HF_TOKEN: TOKEN };
    const args = ["train", "fetch", "--recipe", "1", "--tokenizers-only", "--out", join(root, "tok"), "--python", "python3"];
    const plan = cci(args, ROOT, { ...env, STUB_PLAN_FAIL: "1" });
    expect(plan.status).toBe(1);
    expect(plan.stderr).toMatch(/cannot reach http:\/\/\*\*\*@127\.0\.0\.1:9\/hub token \[redacted\]/);
    clean(plan, root);
    // the download's own output (relayed live) and its failure
    const get = cci(args, ROOT, env);
    expect(get.status).toBe(1);
    expect(get.stderr).toContain("downloading from http://***@127.0.0.1:9/hub with [redacted]");
    clean(get, root);
  });

  describe("children of a planned bundle (stand-in trainer printing its environment)", () => {
    let root: string;
    let runs: string;
    let python: string;
    beforeAll(() => {
      root = tmp();
      runs = join(root, "runs");
      python = join(root, "python");
      // Prints the endpoint and the token on both streams, then fails: train.log, the failure tail and calibrate's relay all see them.
      // train launch probes the environment first (lib/env/preflight.ts): the stand-in answers as a GPU machine would.
      const probe = `case "$1" in *probe.py) echo '{"python": "3.12.0", "libs": {"torch": "2.11.0", "transformers": "5.17.0", "peft": "0.21.0", "trl": "0.9.4", "datasets": "2.19.0"}, "cuda": "12.4", "gpus": ["Stand-in GPU"]}'; exit 0;; esac\n`;
      writeFileSync(python, `#!/bin/sh\n${probe}echo "stand-in: endpoint $HF_ENDPOINT token $HF_TOKEN"\necho "stand-in: HF_ENDPOINT=$HF_ENDPOINT" >&2\nexit 1\n`);
      chmodSync(python, 0o755);
      const p = cci(["train", "plan", "--recipe", "3", "--out", runs, "--data", SAMPLE], ROOT);
      expect(p.status, p.stderr).toBe(0);
    }, 120_000);
    // The base's weights "in the Hub cache": launch checks they are on this machine before it starts.
    const env = () => ({ ...process.env, HF_ENDPOINT: ENDPOINT, HF_TOKEN: TOKEN, HF_HUB_CACHE: fakeHubCache(join(root, "hub"), RECIPES.map((r) => r.model_id)) });

    it("train launch: train.log, status.json and the printed failure tail hold no secret", () => {
      const r = cci(["train", "launch", "--recipe", "3", "--runs", runs, "--python", python], ROOT, env());
      expect(r.status).not.toBe(0);
      const log = readFileSync(join(runs, RECIPES[2].name, "train.log"), "utf8");
      expect(log).toContain("endpoint http://***@127.0.0.1:9/hub token [redacted]");
      expect(r.stderr).toContain("stand-in: HF_ENDPOINT=http://***@127.0.0.1:9/hub");
      clean(r, runs);
    });

    it("train merge: merge.py's output is relayed redacted", () => {
      const bundle = join(runs, RECIPES[2].name);
      mkdirSync(join(bundle, "adapter"), { recursive: true });
      writeFileSync(join(bundle, "adapter", "adapter_config.json"), "{}");
      const r = cci(["train", "merge", "--recipe", "3", "--runs", runs, "--python", python], ROOT, env());
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("stand-in: endpoint http://***@127.0.0.1:9/hub token [redacted]");
      expect(r.stderr).toContain("stand-in: HF_ENDPOINT=http://***@127.0.0.1:9/hub");
      clean(r, runs);
    });

    it("train check-gpu: gpu_check.py's output is relayed redacted", () => {
      const r = cci(["train", "check-gpu", "--python", python, "--out", join(root, "gc.json")], ROOT, env());
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("stand-in: HF_ENDPOINT=http://***@127.0.0.1:9/hub");
      clean(r, root);
    });

    it("train calibrate: the benchmark's output is relayed redacted", () => {
      const r = cci(["train", "calibrate", "--recipe", "3", "--runs", runs, "--tiny", "--python", python, "--out", join(root, "cal.json")], ROOT, env());
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("stand-in: endpoint http://***@127.0.0.1:9/hub token [redacted]");
      clean(r, runs, root);
    });
  });
});
