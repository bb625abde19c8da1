/**
 * `cci train launch` checks before it starts anything (issue 28, defect 6), one line each: the
 * libraries and GPUs of the engine's environment (its probe, under the CUDA_VISIBLE_DEVICES of
 * --gpus) and the bases' weights (a --base-model folder or the Hub cache). A stand-in interpreter
 * answers the probe as told; with CCI_REAL_PYTHON the real probe runs on this GPU-less machine.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, fakeHubCache, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);

const STAND_IN = `#!/usr/bin/env python3
import json, os, sys
if sys.argv[1].endswith("probe.py"):
    n = int(os.environ.get("STANDIN_GPUS", "0"))
    gpus = [f"Stand-in GPU {i}" for i in range(n)]
    cvd = os.environ.get("CUDA_VISIBLE_DEVICES")
    if cvd is not None:  # as CUDA does: the listed devices, up to the first that does not exist
        keep = []
        for x in cvd.split(","):
            if not x.strip().isdigit() or int(x) >= n:
                break
            keep.append(gpus[int(x)])
        gpus = keep
    libs = {} if os.environ.get("STANDIN_NO_TORCH") else {"torch": "2.13.0", "transformers": "5.18.0", "peft": "0.21.0"}
    print(json.dumps({"python": "3.12.0", "libs": libs, "cuda": "12.4" if n else None, "gpus": gpus}))
    sys.exit(0)
with open(os.environ["STANDIN_CALLS"], "a") as f:
    f.write(os.getcwd() + "\\n")
os.makedirs("adapter", exist_ok=True)
open("adapter/adapter_config.json", "w").write("{}")
open("metrics.jsonl", "w").write(json.dumps({"step": 1, "loss": 1.0, "max_steps": 1}) + "\\n")
`;

const lastLine = (s: string) => s.trim().split("\n").pop() ?? "";

describe("cci train launch: the checks before a run starts", () => {
  let root: string, runs: string, python: string, calls: string, hub: string, empty: string;
  const bundle = () => join(runs, RECIPES[2].name);
  const launch = (extra: string[], env: Record<string, string>) =>
    cci(["train", "launch", "--recipe", "3", "--runs", runs, "--python", python, "--force", ...extra], { ...process.env, STANDIN_CALLS: calls, HF_HUB_CACHE: hub, ...env });
  const calledTimes = () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n").filter(Boolean).length : 0);

  beforeAll(() => {
    root = tempDir("cci-preflight-");
    runs = join(root, "runs");
    python = join(root, "python");
    writeFileSync(python, STAND_IN);
    chmodSync(python, 0o755);
    calls = join(root, "calls");
    hub = fakeHubCache(join(root, "hub"), [RECIPES[2].model_id]);
    empty = join(root, "empty-hub");
    mkdirSync(empty);
    const p = cci(["train", "plan", "--recipe", "3", "--engine", "modern", "--out", runs, "--data", SAMPLE]);
    expect(p.status, p.stderr).toBe(0);
  });

  const refused: [string, string[], Record<string, string>, RegExp][] = [
    ["no GPU (a CPU build of torch)", [], { STANDIN_GPUS: "0" }, /^cci: train launch: no GPU: torch 2\.13\.0 is a CPU build; the recipes train on a CUDA GPU .*--allow-cpu trains on the CPU anyway/],
    ["--gpus 0 on a machine without GPUs", ["--gpus", "0"], { STANDIN_GPUS: "0" }, /^cci: train launch: --gpus 0: torch in .* sees none of them: torch 2\.13\.0 is a CPU build; give the ids `nvidia-smi -L` lists$/],
    ["--gpus naming a device that is not there", ["--gpus", "0,1,2"], { STANDIN_GPUS: "2" }, /^cci: train launch: --gpus 0,1,2: torch in .* sees only 2 of them \(Stand-in GPU 0, Stand-in GPU 1\)/],
    ["an environment without torch", [], { STANDIN_GPUS: "1", STANDIN_NO_TORCH: "1" }, /^cci: train launch: .* has no torch, transformers, peft \(the modern engine's train\.py imports them\); make the modern engine's environment with `cci env create --engine modern` \(\.venv-modern\)/],
    ["base weights neither in the Hub cache nor a folder", [], { STANDIN_GPUS: "1", HF_HUB_CACHE: "EMPTY" }, /^cci: train launch: base weights not on this machine: beomi\/Solar-Ko-Recovery-11B: not in the Hub cache \(.*empty-hub\); `cci train fetch --recipe 3` downloads them/],
  ];
  for (const [name, args, env, message] of refused)
    it(`refuses ${name} in one line, before anything runs or is deleted`, () => {
      const before = calledTimes();
      const r = launch(args, { ...env, ...(env.HF_HUB_CACHE === "EMPTY" ? { HF_HUB_CACHE: empty } : {}) });
      expect(r.status, r.stderr).toBe(2);
      expect(lastLine(r.stderr)).toMatch(message);
      expect(r.stderr).not.toMatch(/Traceback|\n\s+at /);
      expect(calledTimes()).toBe(before);
      expect(existsSync(join(bundle(), "train.log"))).toBe(false);
    });

  it("with GPUs and the weights cached: says what it found, then trains", () => {
    const r = launch(["--gpus", "1"], { STANDIN_GPUS: "2" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/train: environment: python 3\.12\.0, torch 2\.13\.0, transformers 5\.18\.0, peft 0\.21\.0/);
    expect(r.stderr).toMatch(/train: GPUs 1: Stand-in GPU 1/);
    expect(r.stderr).toMatch(/train: base weights: beomi\/Solar-Ko-Recovery-11B \(Hub cache .*hub\)/);
    expect(calledTimes()).toBe(1);
  });

  it("--allow-cpu trains on a machine without GPUs", () => {
    const r = launch(["--allow-cpu"], { STANDIN_GPUS: "0" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/train: no GPU: training on the CPU \(--allow-cpu\)/);
  });

  it("a --base-model folder counts; one without weights is named", () => {
    const base = join(root, "base");
    mkdirSync(base);
    writeFileSync(join(base, "config.json"), "{}");
    const runs2 = join(root, "runs2");
    expect(cci(["train", "plan", "--recipe", "3", "--engine", "modern", "--out", runs2, "--data", SAMPLE, "--base-model", base]).status).toBe(0);
    const go = () => cci(["train", "launch", "--recipe", "3", "--runs", runs2, "--python", python], { ...process.env, STANDIN_CALLS: calls, HF_HUB_CACHE: empty, STANDIN_GPUS: "1" });
    const r = go();
    expect(r.status).toBe(2);
    expect(lastLine(r.stderr)).toMatch(/base weights not on this machine: .*base: no weight files \(\*\.safetensors, \*\.bin\)/);
    writeFileSync(join(base, "model.safetensors"), "");
    const ok = go();
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/base weights: .*base \(folder\)/);
  });
});

const PY = process.env.CCI_REAL_PYTHON;
describe.skipIf(!PY)("the real probe on this machine (CCI_REAL_PYTHON, CPU torch)", () => {
  it("--gpus 0 is refused in one line: torch there sees no GPU", () => {
    const runs = join(tempDir("cci-preflight-real-"), "runs");
    expect(cci(["train", "plan", "--recipe", "3", "--engine", "modern", "--out", runs, "--data", SAMPLE]).status).toBe(0);
    const r = cci(["train", "launch", "--recipe", "3", "--runs", runs, "--python", PY!, "--gpus", "0"]);
    expect(r.status).toBe(2);
    expect(lastLine(r.stderr)).toMatch(/^cci: train launch: --gpus 0: torch in .* sees none of them: torch \S+ is a CPU build/);
    expect(existsSync(join(runs, RECIPES[2].name, "train.log"))).toBe(false);
  });
});
