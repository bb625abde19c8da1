/**
 * The GPU check's record side (lib/train/gpu-check.ts) and `cci train check-gpu` around a stand-in
 * Python: the shapes it passes come from lib/train/models.ts, --work reaches the script absolute,
 * and a ratio the record does not hold is never printed. No torch needed.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gpuCheckShapes, gpuCheckSummary, parseGpuCheckRecord, quoteGpuRatio, type GpuCheckRecord } from "../lib/train/gpu-check";
import { spawnSync } from "node:child_process";
import { CCI, cci, cleanTemp, LLAMA3, ROOT, tempDir } from "./helpers/train";

afterAll(cleanTemp);

const spread = { median: 1.5, q1: 1.4, q3: 1.6, min: 1.3, max: 1.7, n: 4 };
function record(extra: Partial<GpuCheckRecord> = {}): GpuCheckRecord {
  return {
    kind: "cci-gpu-check", version: 2, date: "2026-12-08T10:00:00Z", device: "cuda", gpu: "NVIDIA H200", mode: "full",
    stack: { torch: "2.11.0", transformers: "5.17.0", peft: "0.21.0" }, checks: { "a: ok": true }, pass: true, total_s: 200,
    ratios: { "train_fast_vs_modern [x]": { ...spread, what: "modern's median step / fast's" } },
    not_measured: { "score_b8_vs_b1 [x]": "scoring was not timed (no trained modern adapter)" },
    ...extra,
  };
}

describe("gpuCheckShapes", () => {
  it("gives the bases' distinct layer shapes from models.ts: Solar-Ko's 64k vocabulary, and the 32k one of T3Q and both POLARs", () => {
    const s = gpuCheckShapes();
    expect(s.map((x) => [x.vocab_size, x.bases.length])).toEqual([[64000, 1], [32000, 3]]);
    for (const x of s) expect(x).toMatchObject({ hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_key_value_heads: 8 });
    expect(s[1].bases).toContain("x2bee/POLAR-14B-v0.5");
  });
});

describe("the record", () => {
  it("quotes a measured ratio with its spread and where it was measured", () => {
    expect(quoteGpuRatio(record(), "train_fast_vs_modern [x]")).toBe(
      "train_fast_vs_modern [x]: 1.50× (median of 4; quartiles 1.40–1.60, min 1.30, max 1.70) — NVIDIA H200, torch 2.11.0, transformers 5.17.0, peft 0.21.0, 2026-12-08",
    );
  });
  it("refuses a ratio it did not measure, with the record's reason", () => {
    expect(() => quoteGpuRatio(record(), "score_b8_vs_b1 [x]")).toThrow("score_b8_vs_b1 [x]: not measured by this check (scoring was not timed (no trained modern adapter))");
    expect(() => quoteGpuRatio(record(), "anything")).toThrow(/not measured by this check \(the record has train_fast_vs_modern \[x\]\)/);
    expect(gpuCheckSummary(record())[1]).toBe("score_b8_vs_b1 [x]: not measured (scoring was not timed (no trained modern adapter))");
  });
  it("labels a CPU rehearsal as not a GPU figure", () => {
    expect(quoteGpuRatio(record({ gpu: null, device: "cpu", mode: "tiny" }), "train_fast_vs_modern [x]")).toMatch(/— cpu \(no GPU\), .*; CPU rehearsal at toy shapes, not a GPU figure$/);
  });
  it("refuses the old whole-process record (version 1) and other JSON", () => {
    const old = { kind: "cci-gpu-check", timings: { fast_over_modern_train_speedup: 0.98 }, checks: {} };
    expect(() => parseGpuCheckRecord(JSON.stringify(old), "old.json")).toThrow(/^old\.json: version: undefined, expected 2/);
    expect(() => parseGpuCheckRecord("[]", "x.json")).toThrow("x.json: kind: not a cci-gpu-check record");
    expect(() => parseGpuCheckRecord("{", "x.json")).toThrow(/^x\.json: not valid JSON/);
  });
});

/** A stand-in Python: records its arguments, writes the given record to --out, exits with the given status. */
function fakePython(dir: string, rec: object | null, status = 0): string {
  const path = join(dir, "python");
  const argsFile = join(dir, "args.json");
  writeFileSync(
    path,
    `#!${process.execPath}\nconst fs = require("fs"); const a = process.argv.slice(2); fs.writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(a));\n` +
      `process.stderr.write("gpu_check: progress line\\n");\n` +
      (rec ? `fs.writeFileSync(a[a.indexOf("--out") + 1], ${JSON.stringify(JSON.stringify(rec))});\n` : "") +
      `process.exit(${status});\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** gpu_check.py's pure-Python pieces, run by the system python3 (standard library only: torch is imported inside the steps). */
function gpuCheckPy(code: string): string {
  const r = spawnSync("python3", ["-c", `import sys, json; sys.path.insert(0, ${JSON.stringify(join(ROOT, "lib", "train", "python"))}); import gpu_check as g\n${code}`], { encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("gpu_check.py's timing pieces", () => {
  it("times a step from the line before it, so evaluations and loading are never counted", () => {
    const metrics = [
      { step: 1, loss: 2.0, eval_loss: null, elapsed: 3.0 },
      { step: 1, loss: null, eval_loss: 9.0, elapsed: 10.0 }, // a 7-second evaluation
      { step: 2, loss: 1.9, eval_loss: null, elapsed: 12.5 },
      { step: 3, loss: 1.8, eval_loss: null, elapsed: 14.0 },
      { step: 3, loss: null, eval_loss: 8.0, elapsed: 30.0 },
    ];
    expect(JSON.parse(gpuCheckPy(`print(json.dumps(g.step_seconds(json.loads(${JSON.stringify(JSON.stringify(metrics))}))))`))).toEqual([3, 2.5, 1.5]);
  });
  it("spreads the synthetic prompts over the corpus's length quantiles, shuffled, and reports a ratio's spread", () => {
    const out = JSON.parse(gpuCheckPy("l = g.synthetic_lengths(128); print(json.dumps({'n': len(l), 'min': min(l), 'max': max(l), 'sorted': l == sorted(l), 'spread': g.spread([1.0, 2.0, 4.0])}))"));
    expect(out).toMatchObject({ n: 128, sorted: false, spread: { median: 2, min: 1, max: 4, n: 3, q1: 1.5, q3: 3 } });
    expect(out.min).toBeGreaterThanOrEqual(260);
    expect(out.max).toBeLessThanOrEqual(1053);
  });
  it("cuts the Llama-3 tokenizer to a base's vocabulary: ids below it, specials renumbered after the kept tokens", () => {
    const dir = tempDir("cci-gpucheck-tok-");
    const out = JSON.parse(
      gpuCheckPy(
        `from pathlib import Path\ng.cut_tokenizer(Path(${JSON.stringify(LLAMA3)}), Path(${JSON.stringify(dir)}), 32000)\n` +
          `t = json.load(open(${JSON.stringify(join(dir, "tokenizer.json"))}))\nv = t['model']['vocab']\n` +
          `ok = all(a in v and b in v and a + b in v for a, b in (m.split(' ', 1) for m in t['model']['merges']))\n` +
          `print(json.dumps({'vocab': len(v), 'max': max(v.values()), 'specials': sorted(a['id'] for a in t['added_tokens'])[:2], 'merges_ok': ok, 'A': v.get('A')}))`,
      ),
    );
    expect(out).toEqual({ vocab: 31744, max: 31743, specials: [31744, 31745], merges_ok: true, A: 32 });
  });
});

describe("cci train check-gpu around the script", () => {
  it("passes models.ts's shapes and an absolute --work, shows progress, and prints only the measured ratios", () => {
    const dir = tempDir("cci-gpucheck-fake-");
    const py = fakePython(dir, record());
    const r = spawnSync(process.execPath, [CCI, "train", "check-gpu", "--python", py, "--out", "rec.json", "--work", "w", "--layers", "1"], { encoding: "utf8", cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const args = JSON.parse(readFileSync(join(dir, "args.json"), "utf8")) as string[];
    expect(args[args.indexOf("--work") + 1]).toBe(join(dir, "w"));
    expect(args[args.indexOf("--out") + 1]).toBe(join(dir, "rec.json"));
    expect(args[args.indexOf("--layers") + 1]).toBe("1");
    expect(JSON.parse(args[args.indexOf("--shapes") + 1])).toEqual(gpuCheckShapes());
    expect(r.stderr).toContain("gpu_check: progress line");
    expect(r.stderr).toContain("train_fast_vs_modern [x]: 1.50× (median of 4;");
    expect(r.stderr).toContain("score_b8_vs_b1 [x]: not measured (scoring was not timed");
    expect(r.stderr).not.toMatch(/score_b8_vs_b1 \[x\]: \d/);
  });
  it("a failed check exits 1 after the summary; a missing or old record is one line, exit 1", () => {
    const dir = tempDir("cci-gpucheck-fake-");
    let r = spawnSync(process.execPath, [CCI, "train", "check-gpu", "--python", fakePython(dir, record({ pass: false }), 1), "--out", "r.json"], { encoding: "utf8", cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/train check-gpu: failed \(exit (code )?1\)/);
    r = spawnSync(process.execPath, [CCI, "train", "check-gpu", "--python", fakePython(dir, null, 1), "--out", "none.json"], { encoding: "utf8", cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("cci:"))).toEqual(["cci: train check-gpu: gpu_check.py ended (exit code 1) without writing none.json"]);
    expect(existsSync(join(dir, "none.json"))).toBe(false);
    r = spawnSync(process.execPath, [CCI, "train", "check-gpu", "--python", fakePython(dir, { kind: "cci-gpu-check", checks: {}, timings: { fast_over_modern_train_speedup: 0.98 } }), "--out", "old.json"], { encoding: "utf8", cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cci: train check-gpu: old\.json: version: undefined, expected 2/);
    expect(r.stderr).not.toContain("0.98");
  });
  it("refuses --layers 0 in one line, exit 2", () => {
    const r = cci(["train", "check-gpu", "--layers", "0", "--out", join(tempDir(), "x.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("cci:"))).toEqual(["cci: --layers 0: expected a whole number >= 1"]);
  });
});
