/**
 * A tokenizer folder saved without any chat template (issue 28, defect 4), on the real libraries:
 * export-sft, train plan, the modern engine's train.py and the adapter it saves for scoring follow
 * one rule: refused in one line naming --template legacy, or — with it — transformers 4.41's class
 * default, the same ids in every command; never planned and then crashed.
 * Needs CCI_REAL_PYTHON (CPU torch, transformers, peft); skipped without it.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { CCI, cleanTemp, LLAMA3, readJson, ROOT, SAMPLE, tempDir } from "./helpers/train";

const PY = process.env.CCI_REAL_PYTHON;
const FIXTURE = join(__dirname, "fixtures", "real", "make_tiny_llama.py");
const ENV = { ...process.env, MALLOC_MMAP_MAX_: "0", MALLOC_TRIM_THRESHOLD_: "100000000000", HF_HUB_OFFLINE: "1", TOKENIZERS_PARALLELISM: "false", PYTHONUNBUFFERED: "1" };
const LONG = 600_000;
const RECIPE = 8; // CustomRefDataset on Solar-Ko-Recovery: LoRA on a bf16 base
const NAME = RECIPES[RECIPE - 1].name;

const sh = (cmd: string, args: string[], cwd = ROOT): SpawnSyncReturns<string> => spawnSync(cmd, args, { encoding: "utf8", cwd, env: ENV, timeout: LONG, maxBuffer: 64 << 20 });
const cci = (args: string[]) => sh(process.execPath, [CCI, ...args]);
const lastLine = (s: string) => s.trim().split("\n").pop() ?? "";

/** Saves the Llama-3 tokenizer with its template removed, as today's transformers writes it. */
const STRIP = `
import os, sys
from transformers import AutoTokenizer
src, out = sys.argv[1], sys.argv[2]
tok = AutoTokenizer.from_pretrained(src)
tok.chat_template = None
for f in ("chat_template.jinja", "chat_template.json"):
    if os.path.exists(os.path.join(out, f)):
        os.remove(os.path.join(out, f))
tok.save_pretrained(out)
`;

describe.skipIf(!PY)("a tokenizer folder without a chat template, on the real libraries", () => {
  let work: string, base: string, data: string;
  afterAll(cleanTemp);

  beforeAll(() => {
    work = tempDir("cci-template-");
    base = join(work, "tiny-llama");
    expect(sh(PY!, [FIXTURE, "model", base, LLAMA3]).status).toBe(0);
    const strip = sh(PY!, ["-c", STRIP, LLAMA3, base]);
    expect(strip.status, strip.stderr).toBe(0);
    data = join(work, "data");
    mkdirSync(data);
    for (const [split, n] of [["train", 4], ["dev", 2]] as const) writeFileSync(join(data, `${split}.json`), JSON.stringify(readJson<unknown[]>(join(SAMPLE, `${split}.json`)).slice(0, n)));
  }, LONG);

  it("the folder really has none: transformers itself refuses to render it", () => {
    expect(existsSync(join(base, "chat_template.jinja"))).toBe(false);
    expect(readJson(join(base, "tokenizer_config.json")).chat_template ?? null).toBeNull();
    const r = sh(PY!, ["-c", "import sys; from transformers import AutoTokenizer; AutoTokenizer.from_pretrained(sys.argv[1]).apply_chat_template([{'role': 'user', 'content': 'x'}])", base]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/chat_template is not set|no chat template/i);
  }, LONG);

  it("export-sft and train plan refuse it in one line naming --template legacy, writing nothing", () => {
    const out = join(work, "refused", "sft.jsonl");
    const e = cci(["export-sft", "--variant", "CustomRefDataset", "--tokenizer", base, join(data, "train.json"), "--out", out]);
    expect(e.status).toBe(2);
    expect(e.stderr.trim().split("\n")).toHaveLength(1);
    expect(e.stderr).toMatch(/^cci: .*tiny-llama: no chat template .*; add --template legacy to render with transformers 4\.41's default for \S+ \(chatml\), as the original did/);
    expect(existsSync(join(work, "refused"))).toBe(false);
    const runs = join(work, "runs-refused");
    const p = cci(["train", "plan", "--recipe", String(RECIPE), "--engine", "modern", "--tokenizer", base, "--base-model", base, "--data", data, "--out", runs]);
    expect(p.status).toBe(2);
    expect(lastLine(p.stderr)).toMatch(/no chat template .*add --template legacy/);
    expect(existsSync(join(runs, NAME))).toBe(false);
  }, LONG);

  it("with --template legacy: export-sft and the plan give the same ids, train.py trains on them, and the adapter carries the template", () => {
    const sft = join(work, "sft", "train.jsonl");
    const e = cci(["export-sft", "--variant", "CustomRefDataset", "--tokenizer", base, "--template", "legacy", join(data, "train.json"), "--out", sft]);
    expect(e.status, e.stderr).toBe(0);
    const runs = join(work, "runs");
    const p = cci(["train", "plan", "--recipe", String(RECIPE), "--engine", "modern", "--tokenizer", base, "--template", "legacy", "--base-model", base, "--data", data, "--out", runs, "--lr", "1e-1"]);
    expect(p.status, p.stderr).toBe(0);
    const bundle = join(runs, NAME);
    expect(readFileSync(join(bundle, "data", "train.tokens.jsonl"), "utf8")).toBe(readFileSync(sft, "utf8"));
    const legacy = readFileSync(join(bundle, "chat_template.legacy.jinja"), "utf8");
    expect(legacy).toBe(JSON.parse(readFileSync(sft.replace(/\.jsonl$/, ".config.json"), "utf8")).template.text);
    // The real train.py: re-tokenizes with the base's own (template-less) tokenizer, checks every id against the bundle, trains.
    const l = cci(["train", "launch", "--recipe", String(RECIPE), "--runs", runs, "--python", PY!, "--allow-cpu"]);
    expect(l.status, `${l.stderr}\n${existsSync(join(bundle, "train.log")) ? readFileSync(join(bundle, "train.log"), "utf8").slice(-3000) : ""}`).toBe(0);
    const log = readFileSync(join(bundle, "train.log"), "utf8");
    expect(log).toMatch(/tokenizer has no chat template: using the plan's legacy default \(chat_template\.legacy\.jinja\)/);
    // Saved with the adapter, so scoring (cci predict on the adapter folder, predict.py --tokenize-in-python) renders the same template.
    const saved = join(bundle, "adapter", "chat_template.jinja");
    expect(existsSync(saved)).toBe(true);
    expect(readFileSync(saved, "utf8")).toBe(legacy);
  }, LONG);

  it("planned without a tokenizer (nothing to decide then): train.py refuses in one line before loading any weights", () => {
    const runs = join(work, "runs-estimate");
    expect(cci(["train", "plan", "--recipe", String(RECIPE), "--engine", "modern", "--base-model", base, "--data", data, "--out", runs]).status).toBe(0);
    const l = cci(["train", "launch", "--recipe", String(RECIPE), "--runs", runs, "--python", PY!, "--allow-cpu"]);
    expect(l.status).toBe(1);
    const log = readFileSync(join(runs, NAME, "train.log"), "utf8");
    expect(log).toMatch(/train: .*tiny-llama's tokenizer has no chat template; plan again with --tokenizer DIR --template legacy/);
    expect(log).not.toMatch(/Traceback/);
    expect(existsSync(join(runs, NAME, "metrics.jsonl"))).toBe(false);
  }, LONG);
});
