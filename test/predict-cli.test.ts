/**
 * `cci predict` and `cci serve plan` as a user runs them (real child processes), on the sample
 * corpus with a tiny ONNX model and tokenizer built in code, a run bundle built by hand per the
 * run-bundle contract, the faithful entrypoint under the system python3, and an in-test
 * stand-in server for the openai backend.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import type { Answer, Example } from "../lib/corpus/schema";
import { loadMember, writePrediction } from "../lib/ensemble/predictions";
import { answerIdList, scoreInputs } from "../lib/infer/inputs";
import { journalPath } from "../lib/infer/journal";
import { scoreThree } from "../lib/infer/rule";
import { logSoftmaxAt, startStandIn } from "../lib/infer/standin";
import { tinyModelLastLogits } from "../lib/infer/tiny-model";
import { RECIPES } from "../lib/train/recipes";
import { loadTokenizer } from "../lib/tokenize/load";
import { editJson } from "./fixtures/tokenizers";
import { SAMPLE, tinyLm, type TinyLm } from "./fixtures/tiny-lm";

const ROOT = resolve(__dirname, "..");
const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const PREDICT_PY = join(ROOT, "lib", "infer", "python", "predict.py");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: ROOT });
const python = (...args: string[]) => spawnSync("python3", args, { encoding: "utf8", cwd: ROOT });
// CI (CCI_REQUIRE_SYSTEM=1) requires python3: there a missing interpreter fails the predict.py checks instead of skipping them.
const hasPython = spawnSync("python3", ["--version"]).status === 0 || !!process.env.CCI_REQUIRE_SYSTEM;

/** `cci …` without blocking this process (an in-test server must keep answering). */
function cciAsync(args: string[], onSpawn: (kill: () => void) => void = () => {}): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CCI, ...args], { cwd: ROOT });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => (stdout += d));
    child.on("close", (status) => done({ status, stderr, stdout }));
    onSpawn(() => child.kill("SIGKILL"));
  });
}

// Recipe 9: refined data and 4-bit (the SPEC §6 quirk) — the richest bundle to read.
const RECIPE = RECIPES[8];

/** A run bundle exactly as the contract describes it (what `cci train plan` + training leave). */
function writeBundle(runs: string, tokDir: string): string {
  const dir = join(runs, RECIPE.name);
  mkdirSync(join(dir, "adapter"), { recursive: true });
  mkdirSync(join(dir, "data"), { recursive: true });
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) cpSync(join(tokDir, f), join(dir, "adapter", f));
  writeFileSync(join(dir, "adapter", "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 16, lora_alpha: 32 }));
  const run = {
    name: RECIPE.name,
    index: 9,
    model_id: RECIPE.model_id,
    custom_dataset: RECIPE.dataset,
    data: RECIPE.data,
    mode: "faithful",
    lr: RECIPE.learning_rate,
    epoch: 4,
    gradient_accumulation_steps: 64,
    load_in_4bit: RECIPE.load_in_4bit,
    lora_r: 16,
    lora_alpha: 32,
    lora_dropout: 0.01,
    lora_target_modules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"],
    engine: "faithful",
    argv: ["python", "train.py"],
    save_dir: "adapter",
    files: {},
    tokenizer: { dir: tokDir, files: {} },
  };
  writeFileSync(join(dir, "run.json"), JSON.stringify(run, null, 2));
  return dir;
}

describe("cci predict", () => {
  let lm: TinyLm;
  let runs: string;
  let results: string;
  let bundle: string;
  const devOut = () => join(results, "predictions", "dev", `${RECIPE.name}.json`);

  beforeAll(() => {
    lm = tinyLm();
    runs = join(lm.root, "runs");
    results = join(lm.root, "results");
    bundle = writeBundle(runs, lm.tokDir);
  });
  afterAll(() => lm?.cleanup());

  it("onnx: a recipe's dev prediction where the vote and notebook 06 read it, with accuracy", () => {
    const r = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--data", SAMPLE, "--results", results);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/CustomRefDataset \(faithful, refined data\)/);
    expect(r.stderr).toMatch(/dev accuracy \d+\.\d % \(95 % bootstrap interval \d+\.\d %–\d+\.\d %, n = 10\)/);
    const m = loadMember(devOut());
    expect(m.probs).toHaveLength(lm.dev.length);
    m.probs!.forEach((row, i) => expect(scoreThree(row.map(Math.log)).answer).toBe(m.examples[i].output));
    // The raw split with outputs filled, as Python json.dump writes it.
    const expected = lm.dev.map((ex, i) => ({ ...ex, output: m.examples[i].output }));
    expect(readFileSync(devOut(), "utf8")).toBe(pythonJsonDumps(expected));
    expect(existsSync(join(bundle, "predict", "dev.onnx.run.json"))).toBe(true);
    expect(existsSync(journalPath(devOut()))).toBe(false);
  }, 60_000);

  it("the recipe's prompts are its variant on the refined split", () => {
    const out = join(lm.root, "by-variant.json");
    const r = cci("predict", "--variant", "CustomRefDataset", "--refined", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--data", SAMPLE, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    expect(loadMember(out).probs).toEqual(loadMember(devOut()).probs);
    const raw = join(lm.root, "raw.json");
    expect(cci("predict", "--variant", "CustomRefDataset", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--data", SAMPLE, "--out", raw).status).toBe(0);
    expect(loadMember(raw).probs).not.toEqual(loadMember(devOut()).probs);
  }, 60_000);

  it("variant flags: the variant's refinement renders the prompts, its provenance lands beside the prediction; a bundle's variant is fixed", () => {
    const faithful = JSON.parse(readFileSync(devOut().replace(/\.json$/, ".provenance.json"), "utf8"));
    expect(faithful.variant.name).toBe("faithful");
    expect(faithful.corpus.files["dev.json"]).toMatch(/^[0-9a-f]{64}$/);
    const out = join(lm.root, "keep-greetings.json");
    const r = cci("predict", "--variant", "CustomRefDataset", "--refined", "--disable", "delete-greetings", "--tokenizer", lm.tokDir, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--data", SAMPLE, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/variant no-delete-greetings: delete-greetings off/);
    expect(loadMember(out).probs).not.toEqual(loadMember(devOut()).probs);
    expect(JSON.parse(readFileSync(join(lm.root, "keep-greetings.provenance.json"), "utf8")).variant.name).toBe("no-delete-greetings");
    const refused = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--data", SAMPLE, "--out", join(lm.root, "never.json"), "--disable", "delete-greetings");
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/planned with variant faithful; the variant flags ask for no-delete-greetings/);
    expect(existsSync(join(lm.root, "never.json"))).toBe(false);
  }, 90_000);

  it("refuses a tokenizer without B in one line, writing nothing", () => {
    const tok = join(lm.root, "tok-no-b");
    cpSync(lm.tokDir, tok, { recursive: true });
    editJson(tok, "tokenizer.json", (j) => {
      delete j.model.vocab.B;
    });
    const out = join(lm.root, "no-b.json");
    const r = cci("predict", "--variant", "CustomRefDataset", "--tokenizer", tok, "--backend", "onnx", "--model-dir", lm.modelDir, "--split", "dev", "--data", SAMPLE, "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^cci: .*tok-no-b: tokenizer\.json: the vocabulary has no token "B"/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it("checks the prompts against the bundle's training token file, naming a mismatch", async () => {
    const tok = await loadTokenizer(lm.tokDir);
    const inputs = scoreInputs(tok, lm.dev, { variant: RECIPE.dataset, mode: "faithful", data: RECIPE.data });
    const rows = inputs.map((x) => ({ id: x.id, input_ids: [...x.inputIds, 5, 6], labels: [...x.inputIds.map(() => -100), 5, 6] }));
    const tokens = join(bundle, "data", "dev.tokens.jsonl");
    const args = ["predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run"];
    try {
      writeFileSync(tokens, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const ok = cci(...args);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stderr).toMatch(/predict: 10 prompts identical to the bundle's training data \(data\/dev\.tokens\.jsonl\)/);
      rows[2].input_ids[7] += 1;
      writeFileSync(tokens, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const bad = cci(...args);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(new RegExp(`^cci: .*dev\\.tokens\\.jsonl: example ${lm.dev[2].id}: the prompt scored differs from the prompt trained on \\(at token 7;`));
    } finally {
      rmSync(tokens, { force: true });
    }
  }, 60_000);

  it("bad input: one line each", () => {
    const CASES: [string[], RegExp][] = [
      [["--recipe", "nope", "--runs", runs, "--data", SAMPLE], /^cci: --recipe: "nope" is not a recipe number \(1–11\), a recipe name or "all"/],
      [["--recipe", "10", "--runs", runs, "--data", SAMPLE], /^cci: .*run\.json: no such file \(no run bundle for recipe /],
      [["--variant", "CustomRefDataset", "--backend", "onnx", "--model-dir", lm.modelDir, "--data", SAMPLE], /^cci: --variant needs --tokenizer DIR/],
      [["--variant", "CustomRefDataset", "--tokenizer", lm.tokDir], /^cci: --backend faithful scores a trained run bundle: pass --recipe NAME/],
      [["--variant", "Nope", "--tokenizer", lm.tokDir], /^cci: --variant: unknown variant "Nope"/],
      [["--recipe", RECIPE.name, "--runs", runs, "--backend", "onnx", "--data", SAMPLE, "--split", "dev"], /^cci: --backend onnx needs --model-dir/],
      [["--recipe", RECIPE.name, "--runs", runs, "--backend", "openai", "--data", SAMPLE, "--split", "dev"], /^cci: --backend openai needs --url/],
      [["--backend", "gpu"], /^cci: --backend: expected faithful, openai, onnx/],
    ];
    for (const [args, message] of CASES) {
      const r = cci("predict", ...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);

  it("test is checked against the planning tokenizer too: the bundle's dev prompts must render to the ids trained on", () => {
    const d = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run");
    expect(d.status, d.stderr).toBe(0);
    const rows = readFileSync(join(bundle, "predict", "dev.inputs.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const tokens = join(bundle, "data", "dev.tokens.jsonl");
    const write = (alter: boolean) =>
      writeFileSync(tokens, rows.map((r, k) => JSON.stringify({ id: r.id, input_ids: [...r.input_ids.map((t: number, i: number) => (alter && k === 1 && i === 3 ? t + 1 : t)), 7], labels: [...r.input_ids.map(() => -100), 7] })).join("\n") + "\n");
    try {
      write(false);
      const ok = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "test", "--data", SAMPLE, "--results", results, "--dry-run");
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stderr).toMatch(new RegExp(`predict: ${rows.length} dev prompts rendered by this tokenizer identical to the bundle's training data`));
      write(true); // as if planned with another tokenizer
      const bad = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "test", "--data", SAMPLE, "--results", results, "--dry-run");
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim()).toMatch(new RegExp(`^cci: .*dev\\.tokens\\.jsonl: example ${rows[1].id}: the prompt scored differs from the prompt trained on \\(at token 3;`));
    } finally {
      rmSync(tokens, { force: true });
    }
  }, 60_000);

  it("--recipe numbers, lists and --split dev,test: one job each, dev first, failures listed at the end", () => {
    const one = cci("predict", "--recipe", "9", "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run");
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout.trim().split("\n")).toHaveLength(1);
    const many = cci("predict", "--recipe", "9", "--runs", runs, "--split", "test,dev", "--data", SAMPLE, "--results", results, "--dry-run");
    expect(many.status, many.stderr).toBe(0);
    const cmds = many.stdout.trim().split("\n");
    expect(cmds).toHaveLength(2);
    expect(cmds[0]).toMatch(/dev\.inputs\.jsonl/);
    expect(cmds[1]).toMatch(/test\.inputs\.jsonl/);
    // A named recipe without a bundle is refused before any job starts (issue 29: validate once).
    const bad = cci("predict", "--recipe", "9,10", "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run");
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^cci: no run bundle in .* for: ${RECIPES[9].name} \\(`))]);
    // A job that fails is listed at the end: recipe 9's test split on a --data folder without test.json.
    const noTest = join(lm.root, "dev-only");
    mkdirSync(noTest, { recursive: true });
    cpSync(join(SAMPLE, "dev.json"), join(noTest, "dev.json"));
    const failing = cci("predict", "--recipe", "9", "--runs", runs, "--split", "dev,test", "--data", noTest, "--results", results, "--dry-run");
    expect(failing.status).toBe(1);
    expect(failing.stderr).toMatch(new RegExp(`predict: ${RECIPES[8].name} dev: ok`));
    expect(failing.stderr.trim().split("\n").pop()).toBe(`cci: 1 of 2 prediction job(s) failed: ${RECIPES[8].name} test`);
    const badSplit = cci("predict", "--recipe", "all", "--runs", runs, "--split", "dev,train", "--data", SAMPLE, "--results", results, "--dry-run");
    expect(badSplit.status).toBe(2);
    expect(badSplit.stderr.trim().split("\n")).toHaveLength(1);
  }, 90_000);

  it("faithful --dry-run writes the prompts and the command; predict.py --check accepts them", () => {
    const r = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run");
    expect(r.status, r.stderr).toBe(0);
    const cmd = r.stdout.trim();
    expect(cmd).toMatch(/^python3 \S+predict\.py --bundle \S+ --inputs \S+dev\.inputs\.jsonl --base-file \S+dev\.json --out \S+ --answer-ids \d+,\d+,\d+$/);
    const rows = readFileSync(join(bundle, "predict", "dev.inputs.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((x) => x.id)).toEqual(lm.dev.map((e) => e.id));
    if (!hasPython) return;
    const check = spawnSync("sh", ["-c", `${cmd} --check`], { encoding: "utf8", cwd: ROOT });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^predict\.py: ok \(python 3\.\d+/);
    // --tokenize-in-python: chat messages instead of ids, which predict.py accepts as well
    const m = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run", "--tokenize-in-python");
    expect(m.status, m.stderr).toBe(0);
    const first = JSON.parse(readFileSync(join(bundle, "predict", "dev.inputs.jsonl"), "utf8").split("\n")[0]);
    expect(first.messages.map((x: { role: string }) => x.role)).toEqual(["system", "user"]);
    expect(spawnSync("sh", ["-c", `${m.stdout.trim()} --check`], { encoding: "utf8", cwd: ROOT }).status).toBe(0);
  }, 60_000);

  it("faithful --softmax float64 is passed to predict.py (bf16, the original's, is its default); a typo is one line", () => {
    const f = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run", "--softmax", "float64");
    expect(f.stdout.trim()).toMatch(/ --softmax float64$/);
    if (hasPython) expect(spawnSync("sh", ["-c", `${f.stdout.trim()} --check`], { encoding: "utf8", cwd: ROOT }).status).toBe(0);
    const bad = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "dev", "--data", SAMPLE, "--results", results, "--dry-run", "--softmax", "fp16");
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n").at(-1)).toBe('cci: --softmax: expected bf16 or float64, got "fp16"');
  }, 60_000);

  it.runIf(hasPython && spawnSync("python3", ["-c", "import torch"]).status !== 0)("faithful without the pinned stack: says what to install, writes nothing", () => {
    const out = join(lm.root, "faithful.json");
    const r = cci("predict", "--recipe", RECIPE.name, "--runs", runs, "--split", "dev", "--data", SAMPLE, "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/predict\.py: scoring needs torch, transformers, peft and bitsandbytes \(pip install -r requirements\.txt\)/);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^cci: .*predict\.py failed \(exit 3; its message is above\)$/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it("agreement check: same answers and probability differences of two files", () => {
    const a = devOut();
    const m = loadMember(a);
    const b = join(lm.root, "changed.json");
    const answers = m.examples.map((e) => e.output as Answer);
    const flipped: Answer = answers[3] === "inference_1" ? "inference_2" : "inference_1";
    const probs = m.probs!.map((row) => [...row]);
    probs[3] = flipped === "inference_1" ? [0.9, 0.05, 0.05] : [0.05, 0.9, 0.05];
    writePrediction(b, m.examples, answers.map((x, i) => (i === 3 ? flipped : x)), probs);
    const r = cci("predict", "--compare", a, b, "--gold", join(SAMPLE, "dev.json"), "--top", "2");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`10 examples, same answer on 9 \\(90\\.0 %\\), different on 1`));
    expect(r.stderr).toMatch(new RegExp(`different answers: ${lm.dev[3].id}$`, "m"));
    expect(r.stdout).toContain(lm.dev[3].id);
    expect(r.stderr).toMatch(/accuracy against/);
    expect(cci("predict", "--compare", a).stderr).toMatch(/^cci: --compare needs two prediction files, got 1/);
  }, 60_000);

  it("openai against a local server: the onnx probabilities; a killed run resumes without rescoring", async () => {
    const tok = await loadTokenizer(lm.tokDir);
    const ids = answerIdList(tok);
    const vocab = Array.from({ length: lm.weights.vocabSize }, (_, i) => i);
    const asked = new Map<string, number>();
    const server = await startStandIn({
      serviceMs: 150,
      idleMs: 30_000,
      logprobs: (prompt, tokenIds) => {
        const key = prompt.join(",");
        asked.set(key, (asked.get(key) ?? 0) + 1);
        return logSoftmaxAt(tinyModelLastLogits(lm.weights, prompt, vocab), tokenIds);
      },
    });
    const out = join(lm.root, "openai", `${RECIPE.name}.json`);
    const args = ["predict", "--recipe", RECIPE.name, "--runs", runs, "--backend", "openai", "--url", server.url, "--concurrency", "1", "--split", "dev", "--data", SAMPLE, "--out", out];
    try {
      // Kill the first run once four examples are journaled.
      const first = await cciAsync(args, (kill) => {
        const poll = setInterval(() => {
          const lines = existsSync(journalPath(out)) ? readFileSync(journalPath(out), "utf8").trim().split("\n").length : 0;
          if (lines >= 5) {
            clearInterval(poll);
            kill();
          }
        }, 20);
      });
      expect(first.status).not.toBe(0);
      expect(existsSync(out)).toBe(false);
      const second = await cciAsync(args);
      expect(second.status, second.stderr).toBe(0);
      const resumed = Number(second.stderr.match(/resumed (\d+) from the journal/)?.[1]);
      expect(resumed).toBeGreaterThanOrEqual(4);
      expect(server.stats.models).toEqual(new Set([RECIPE.name]));
      // Each prompt answered once, but for at most the one in flight when the first run died.
      const counts = [...asked.values()];
      expect(counts.length).toBe(lm.dev.length);
      expect(counts.filter((c) => c > 1).length).toBeLessThanOrEqual(1);
      const viaServer = loadMember(out).probs!;
      loadMember(devOut()).probs!.forEach((row, i) => row.forEach((p, k) => expect(viaServer[i][k]).toBeCloseTo(p, 5)));
    } finally {
      await server.close();
    }
  }, 90_000);

  it.runIf(hasPython)("predict.py scores with the same rule and writes the same bytes as cci", async () => {
    const tok = await loadTokenizer(lm.tokDir);
    const ids = answerIdList(tok);
    const inputs = scoreInputs(tok, lm.dev, { variant: "CustomRefDataset", mode: "faithful", data: "raw" });
    const logits = Object.fromEntries(inputs.map((x) => [x.id, tinyModelLastLogits(lm.weights, x.inputIds, ids)]));
    const dir = join(lm.root, "py");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "logits.json"), JSON.stringify(logits));
    writeFileSync(join(dir, "inputs.jsonl"), inputs.map((x) => JSON.stringify({ id: x.id, input_ids: x.inputIds })).join("\n") + "\n");
    const script = [
      "import json, sys",
      "sys.dont_write_bytecode = True  # never leave __pycache__ in lib/infer/python (bundles copy that folder)",
      `sys.path.insert(0, ${JSON.stringify(join(ROOT, "lib", "infer", "python"))})`,
      "import predict",
      `d = ${JSON.stringify(dir)}`,
      "logits = json.load(open(d + '/logits.json'))",
      "inputs = predict.read_inputs(d + '/inputs.jsonl')",
      `base = json.load(open(${JSON.stringify(join(SAMPLE, "dev.json"))}, encoding='utf-8'))`,
      "# cci's own rule (lib/infer/rule.ts) decides in float64; predict.py's default is the original's bf16 (test/real-engines.test.ts)",
      "probs, answers = predict.score_rows(lambda row: logits[row['id']], inputs, softmax='float64')",
      "predict.write_outputs(d + '/py.json', base, answers, probs)",
    ].join("\n");
    const r = spawnSync("python3", ["-c", script], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const ts = inputs.map((x) => scoreThree(logits[x.id]));
    writePrediction(join(dir, "ts.json"), lm.dev as Example[], ts.map((s) => s.answer), ts.map((s) => s.probs));
    expect(readFileSync(join(dir, "py.json"), "utf8")).toBe(readFileSync(join(dir, "ts.json"), "utf8"));
    const py = loadMember(join(dir, "py.json"));
    py.probs!.forEach((row, i) => row.forEach((p, k) => expect(p).toBeCloseTo(ts[i].probs[k], 15)));
  }, 60_000);
});

describe.runIf(hasPython)("predict.py --check (standard library only)", () => {
  it("journals scores so a killed run resumes without rescoring", () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-pyjournal-"));
    try {
      const script = [
        "import json, sys",
        "sys.dont_write_bytecode = True",
        `sys.path.insert(0, ${JSON.stringify(join(ROOT, "lib", "infer", "python"))})`,
        "import predict",
        `path = ${JSON.stringify(join(dir, "x.journal.jsonl"))}`,
        "rows = [{'id': f'e{i}', 'input_ids': [i]} for i in range(6)]",
        "calls = []",
        "def logits(row):",
        "    calls.append(row['id'])",
        "    if len(calls) == 4 and sys.argv[1] == 'die': raise KeyboardInterrupt",
        "    return [row['input_ids'][0], 0.5, 1.0]",
        "try:",
        "    probs, answers = predict.score_rows(logits, rows, journal=predict.Journal(path, {'inputs': 'h'}))",
        "    print(json.dumps({'calls': calls, 'answers': answers}))",
        "except KeyboardInterrupt:",
        "    print(json.dumps({'calls': calls}))",
      ].join("\n");
      const run = (mode: string) => JSON.parse(spawnSync("python3", ["-c", script, mode], { encoding: "utf8" }).stdout);
      expect(run("die").calls).toEqual(["e0", "e1", "e2", "e3"]);
      const second = run("live");
      expect(second.calls).toEqual(["e3", "e4", "e5"]);
      expect(second.answers).toEqual(["inference_3", "inference_1", "inference_1", "inference_1", "inference_1", "inference_1"]); // e1 ties A and C → A
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes with no arguments", () => {
    const r = python(PREDICT_PY, "--check");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^predict\.py: ok \(python 3/);
  });

  it("refuses misaligned inputs and a bad run.json in one line", () => {
    const lm = tinyLm();
    try {
      const runs = join(lm.root, "runs");
      const bundle = writeBundle(runs, lm.tokDir);
      const inputs = join(lm.root, "inputs.jsonl");
      writeFileSync(inputs, lm.test.map((e) => JSON.stringify({ id: e.id, input_ids: [1, 2] })).join("\n"));
      let r = python(PREDICT_PY, "--check", "--bundle", bundle, "--inputs", inputs, "--base-file", join(SAMPLE, "test.json"), "--answer-ids", "1,2,3");
      expect(r.status, r.stderr).toBe(0);
      r = python(PREDICT_PY, "--check", "--bundle", bundle, "--inputs", inputs, "--base-file", join(SAMPLE, "dev.json"));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^predict\\.py: .*inputs\\.jsonl: line 1: id ${lm.test[0].id} but .*dev\\.json has ${lm.dev[0].id} there\\n$`));
      const run = JSON.parse(readFileSync(join(bundle, "run.json"), "utf8"));
      writeFileSync(join(bundle, "run.json"), JSON.stringify({ ...run, load_in_4bit: "yes" }));
      r = python(PREDICT_PY, "--check", "--bundle", bundle);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^predict\.py: .*run\.json: load_in_4bit: unexpected value 'yes'\n$/);
      r = python(PREDICT_PY, "--check", "--answer-ids", "1,1,2");
      expect(r.stderr).toMatch(/--answer-ids 1,1,2: expected three distinct token ids/);
    } finally {
      lm.cleanup();
    }
  });
});

describe("cci serve plan", () => {
  it("--lm-head-lora: serves the eleven recipes' adapters on their four bases", () => {
    const r = cci("serve", "plan", "--lm-head-lora");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/11 recipes on 4 base models, 5 servers \(ports 8000–8004\)/);
    const serves = r.stdout.split("\n").filter((l) => l.startsWith("vllm serve"));
    expect(serves).toHaveLength(5);
    const modules = serves.flatMap((l) => l.split(" --lora-modules ")[1].split(" --")[0].split(" "));
    expect(modules.map((m) => m.split("=")[0]).sort()).toEqual(RECIPES.map((x) => x.name).sort());
    expect(serves.filter((l) => l.includes("--quantization bitsandbytes"))).toHaveLength(3);
    expect(r.stdout.split("\n").filter((l) => l.startsWith('"$CCI" predict'))).toHaveLength(22);
  });

  it("by default serves each recipe's merged model, and compares its dev run with the faithful one before test", () => {
    const r = cci("serve", "plan", "--runs", "my runs");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/11 recipes on 4 base models, 11 servers \(ports 8000–8010\)/);
    const serves = r.stdout.split("\n").filter((l) => l.startsWith("vllm serve"));
    expect(serves).toHaveLength(11);
    // Absolute paths: the script runs from any folder.
    expect(serves[0]).toMatch(new RegExp(`^vllm serve '${join(ROOT, "my runs")}/${RECIPES[0].name}/merged' --served-model-name ${RECIPES[0].name} `));
    expect(serves.filter((l) => l.includes("--enable-lora"))).toHaveLength(0);
    const predicts = r.stdout.split("\n").filter((l) => l.startsWith('"$CCI" predict'));
    expect(predicts).toHaveLength(22);
    for (const l of predicts) expect(l).toContain(`--runs '${join(ROOT, "my runs")}'`);
    expect(r.stdout.split("\n").filter((l) => l.includes('"$CCI" predict --compare'))).toHaveLength(11);
    const bad = [["--port", "65530"], ["--host", "0.0.0.0; rm -rf ~"], ["--ready-timeout", "Infinity"]];
    for (const b of bad) {
      const x = cci("serve", "plan", ...b);
      expect(x.status).toBe(2);
      expect(x.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("takes indices or names, and refuses unknown ones", () => {
    const r = cci("serve", "plan", "--recipes", "3,4", "--splits", "dev");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("vllm serve"))).toHaveLength(2);
    const bad = cci("serve", "plan", "--recipes", "12");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^cci: --recipes: unknown recipe "12"/);
  });
});
