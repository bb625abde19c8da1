import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, readJson, ROOT, SAMPLE, tempDir, walk, fakeHubCache, STANDIN_PROBE } from "./helpers/train";

afterAll(cleanTemp);

/** Every recipe's base "in the Hub cache": launch checks the weights are here before it starts. */
const HUB = fakeHubCache(tempDir("cci-hub-"), RECIPES.map((r) => r.model_id));

const TOKEN = "hf_StandInSecret_93b1c7";
/** Shell metacharacters and spaces in every path the launcher handles. */
const NASTY = "runs with space $(touch pwned); & 'q\" `x`";

/**
 * The stand-in interpreter: checks it was called as `PYTHON train.py ARGS…` in its bundle with
 * run.json's argv, that HF_TOKEN reached it, then writes metrics lines like train.py's callback
 * and exits 0, or 1 when STANDIN_FAIL is set.
 */
const STAND_IN = `#!/usr/bin/env python3
import json, os, sys, time
${STANDIN_PROBE}args = sys.argv[1:]
run = json.load(open("run.json"))
if args != run["argv"][1:] or not os.path.isfile(args[0]):
    print("stand-in: wrong argv or folder", args, os.getcwd(), file=sys.stderr); sys.exit(3)
if os.environ.get("HF_TOKEN") != os.environ.get("EXPECTED_TOKEN"):
    print("stand-in: HF_TOKEN missing", file=sys.stderr); sys.exit(4)
with open(os.environ["STANDIN_COUNTER"], "a") as f:
    f.write(run["name"] + "\\n")
print("stand-in: loading", run["model_id"], "with token", os.environ["HF_TOKEN"], flush=True)
print("stand-in stderr line", file=sys.stderr, flush=True)
lines = [
    {"step": 1, "epoch": 0.5, "loss": 2.5, "eval_loss": None},
    {"step": 2, "epoch": 1.0, "loss": 2.0, "eval_loss": None},
    {"step": 2, "epoch": 1.0, "loss": None, "eval_loss": 1.75},
    {"step": 3, "epoch": 1.5, "loss": 1.5, "eval_loss": None},
    {"step": 4, "epoch": 2.0, "loss": 1.25, "eval_loss": None},
    {"step": 4, "epoch": 2.0, "loss": None, "eval_loss": 1.5},
]
t0 = time.time()
open("metrics.jsonl", "w").close()
for i, l in enumerate(lines):
    if os.environ.get("STANDIN_FAIL") and i == 3:
        print("Traceback (most recent call last):", file=sys.stderr)
        print("torch.OutOfMemoryError: CUDA out of memory (stand-in)", file=sys.stderr)
        sys.exit(1)
    l.update({"learning_rate": 1e-4, "grad_norm": 0.5, "tokens": 1000 * l["step"], "elapsed": round(time.time() - t0 + 1, 3), "max_steps": 4})
    with open("metrics.jsonl", "a") as f:
        f.write(json.dumps(l) + "\\n")
    time.sleep(0.15)
os.makedirs("adapter", exist_ok=True)
open("adapter/adapter_config.json", "w").write("{}")
`;

describe("cci train launch with a stand-in interpreter", () => {
  let root: string;
  let runs: string;
  let python: string;
  let counter: string;
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, HF_HUB_CACHE: HUB, HF_TOKEN: TOKEN, EXPECTED_TOKEN: TOKEN, STANDIN_COUNTER: counter, ...extra });
  const calls = () => (existsSync(counter) ? readFileSync(counter, "utf8").trim().split("\n").filter(Boolean) : []);
  const bundle = (i: number) => join(runs, RECIPES[i - 1].name);

  beforeAll(() => {
    root = join(tempDir(), NASTY);
    mkdirSync(root, { recursive: true });
    runs = join(root, "runs");
    python = join(root, "venv bin", "python $1 ;");
    mkdirSync(join(root, "venv bin"));
    writeFileSync(python, STAND_IN);
    chmodSync(python, 0o755);
    counter = join(root, "calls.txt");
    const p = cci(["train", "plan", "--recipe", "3,8", "--out", runs, "--data", SAMPLE], env());
    expect(p.status, p.stderr).toBe(0);
  });

  it("runs the entrypoint with run.json's argv, shows progress and keeps the log", () => {
    const r = cci(["train", "launch", "--recipe", "3", "--runs", runs, "--python", python], env());
    expect(r.status, r.stderr).toBe(0);
    expect(calls()).toEqual([RECIPES[2].name]);
    for (const s of ["step 1/4 loss 2.5000", "step 2/4 loss 2.0000", "epoch 1.00 eval_loss 1.7500", "step 4/4 loss 1.2500 ETA 0m00s", "epoch 2.00 eval_loss 1.5000"]) expect(r.stderr).toContain(s);
    expect(r.stderr).toMatch(/done, 4 steps; adapter in/);
    const log = readFileSync(join(bundle(3), "train.log"), "utf8");
    expect(log).toContain("stand-in: loading beomi/Solar-Ko-Recovery-11B with token [redacted]");
    expect(log).toContain("stand-in stderr line");
    expect(log).toMatch(/# exit code 0\n$/);
    expect(readJson(join(bundle(3), "status.json"))).toMatchObject({ state: "done", exit_code: 0 });
  });

  it("skips a finished run, and runs it again with --force", () => {
    const again = cci(["train", "launch", "--recipe", "3", "--runs", runs, "--python", python], env());
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/done already, skipped \(--force to run again\)/);
    expect(calls()).toHaveLength(1);
    const forced = cci(["train", "launch", "--recipe", "3", "--runs", runs, "--python", python, "--force"], env());
    expect(forced.status, forced.stderr).toBe(0);
    expect(calls()).toHaveLength(2);
  });

  it("surfaces a failure with the log's last lines and a non-zero exit", () => {
    const r = cci(["train", "launch", "--recipe", "8", "--runs", runs, "--python", python], env({ STANDIN_FAIL: "1" }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_1e-4: failed \(exit code 1\); last lines of/);
    expect(r.stderr).toMatch(/ {2}\| torch\.OutOfMemoryError: CUDA out of memory \(stand-in\)/);
    expect(r.stderr.trim().split("\n").pop()).toBe("cci: 1 run(s) failed: CustomRefDataset-Solar-Ko-Recovery-11B-LoRA_1e-4");
    expect(readJson(join(bundle(8), "status.json"))).toMatchObject({ state: "failed", exit_code: 1 });
  });

  it("lists every run's state, last loss and eval loss per epoch", () => {
    const s = cci(["train", "status", "--runs", runs]);
    expect(s.status, s.stderr).toBe(0);
    const row = (name: string) => s.stdout.split("\n").find((l) => l.includes(name)) ?? "";
    expect(row(RECIPES[2].name)).toMatch(/│ done .*│ 4\/4 .*1\.25.*│ 1\.7500 1\.5000 /);
    expect(row(RECIPES[7].name)).toMatch(/│ failed .*│ 2\/4 .*2 .*│ 1\.7500 /);
  });

  it("refuses a run that is not planned, naming it", () => {
    const r = cci(["train", "launch", "--recipe", "1", "--runs", runs, "--python", python], env());
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^cci: not planned: .*CustomRefOfficialTermDataset-POLAR-14B-v0\.2-QLoRA_2e-4 \(run `cci train plan --recipe 1/);
  });

  it("writes a SLURM array and a SkyPilot task over the runs not done, printing the submit command", () => {
    const s = cci(["train", "launch", "--recipe", "3,8", "--runs", runs, "--target", "slurm"], env());
    expect(s.status, s.stderr).toBe(0);
    const sbatch = join(runs, "slurm", "train.sbatch");
    expect(s.stdout.trim()).toBe(`sbatch --export=ALL '${sbatch.replace(/'/g, "'\\''")}'`);
    const text = readFileSync(sbatch, "utf8");
    expect(text).toMatch(/#SBATCH --array=0-0/); // recipe 3 is done: only 8 is submitted
    expect(spawnSync("bash", ["-n", sbatch]).status).toBe(0);
    const k = cci(["train", "launch", "--recipe", "3,8", "--runs", runs, "--target", "skypilot", "--force"], env());
    expect(k.status, k.stderr).toBe(0);
    expect(k.stdout.trim()).toMatch(/^sky launch -c cci-train --env HF_TOKEN .*train\.yaml'?$/);
    expect(readFileSync(join(runs, "skypilot", "train.yaml"), "utf8")).toMatch(/HF_TOKEN: null/);
  });

  it("never writes HF_TOKEN, and no shell ever interpreted a path", () => {
    const files = walk(root);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(readFileSync(f, "utf8").includes(TOKEN), f).toBe(false);
    expect(files.some((f) => f.endsWith("pwned"))).toBe(false);
    expect(existsSync(join(ROOT, "pwned"))).toBe(false);
  });
});
