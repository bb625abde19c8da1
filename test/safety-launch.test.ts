/**
 * `cci train launch` under hostile conditions (issue 19) and on several GPUs (issue 16): real
 * processes with a stand-in trainer; exit codes, one line, nothing left running, nothing lost.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive } from "../lib/util/cleanup";
import { RECIPES } from "../lib/train/recipes";
import { CCI, cci, cleanTemp, readJson, ROOT, SAMPLE, tempDir, fakeHubCache, STANDIN_PROBE } from "./helpers/train";

afterAll(cleanTemp);

/** Every recipe's base "in the Hub cache": launch checks the weights are here before it starts. */
const HUB = fakeHubCache(tempDir("cci-hub-"), RECIPES.map((r) => r.model_id));

/** A stand-in trainer: records who ran it on which GPU, writes its pid, then behaves as told. */
const STAND_IN = `#!/usr/bin/env python3
import json, os, signal, sys, time
${STANDIN_PROBE}run = json.load(open("run.json"))
log = os.environ["STANDIN_LOG"]
with open(log, "a") as f:
    f.write(json.dumps({"name": run["name"], "gpu": os.environ.get("CUDA_VISIBLE_DEVICES"), "start": time.time(), "pid": os.getpid()}) + "\\n")
open("trainer.pid", "w").write(str(os.getpid()))
how = os.environ.get("STANDIN_HOW", "ok")
if how == "sleep":
    time.sleep(60)
if how == "kill9":
    os.kill(os.getpid(), signal.SIGKILL)
if how == "fail-3" and run["name"] == os.environ.get("STANDIN_FAIL_NAME"):
    sys.exit(3)
with open("metrics.jsonl", "w") as f:
    f.write("null\\n")            # a hand-edited or foreign line: must not stop the launcher
    f.write('{"step": "x"}\\n')
    f.write(json.dumps({"step": 1, "epoch": 1.0, "loss": 1.0, "max_steps": 1}) + "\\n")
time.sleep(float(os.environ.get("STANDIN_SECONDS", "0.6")))
os.makedirs("adapter", exist_ok=True)
open("adapter/adapter_config.json", "w").write("{}")
`;


describe("cci train launch: many GPUs, signals, locks, interpreters", () => {
  let root: string;
  let runs: string;
  let python: string;
  let log: string;
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, HF_HUB_CACHE: HUB, STANDIN_LOG: log, ...extra });
  const entries = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []);
  const bundle = (i: number) => join(runs, RECIPES[i - 1].name);

  beforeAll(() => {
    root = tempDir("cci-launch-");
    runs = join(root, "runs");
    mkdirSync(join(root, "venv", "bin"), { recursive: true });
    python = join(root, "venv", "bin", "python");
    writeFileSync(python, STAND_IN);
    chmodSync(python, 0o755);
    log = join(root, "calls.jsonl");
    const p = cci(["train", "plan", "--recipe", "2,3,4,5,6", "--out", runs, "--data", SAMPLE], env());
    expect(p.status, p.stderr).toBe(0);
  });

  it("--gpus runs one recipe per GPU at a time, goes on after a failure and reports it at the end", () => {
    writeFileSync(log, "");
    const r = cci(["train", "launch", "--recipe", "2,3,4,5", "--runs", runs, "--python", python, "--gpus", "0,1"], env({ STANDIN_HOW: "fail-3", STANDIN_FAIL_NAME: RECIPES[2].name }));
    expect(r.status).toBe(1);
    const e = entries();
    expect(e.map((x) => x.name).sort()).toEqual([2, 3, 4, 5].map((i) => RECIPES[i - 1].name).sort());
    expect(new Set(e.map((x) => x.gpu))).toEqual(new Set(["0", "1"]));
    // Two at a time: the first two started together, before either ended.
    expect(Math.abs(e[0].start - e[1].start)).toBeLessThan(0.5);
    expect(r.stderr).toMatch(/\[gpu [01]\] train: .*step 1\/1 loss 1\.0000/);
    expect(r.stderr.trim().split("\n").pop()).toBe(`cci: 1 run(s) failed: ${RECIPES[2].name}`);
    for (const i of [2, 4, 5]) expect(readJson(join(bundle(i), "status.json")).state).toBe("done");
    // Resumable: the same command runs only what is not done.
    writeFileSync(log, "");
    const again = cci(["train", "launch", "--recipe", "2,3,4,5", "--runs", runs, "--python", python, "--gpus", "0,1"], env());
    expect(again.status, again.stderr).toBe(0);
    expect(entries().map((x) => x.name)).toEqual([RECIPES[2].name]);
  });

  it("refuses a bad --gpus in one line", () => {
    for (const bad of ["", "0,0", "a;b"]) {
      const r = cci(["train", "launch", "--recipe", "2", "--runs", runs, "--python", python, "--gpus", bad], env());
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("a relative --python means the same file from any folder", () => {
    const rel = relative(ROOT, python);
    const r = cci(["train", "launch", "--recipe", "6", "--runs", runs, "--python", rel], env());
    expect(r.status, r.stderr).toBe(0);
    expect(readJson(join(bundle(6), "status.json"))).toMatchObject({ state: "done", python });
  });

  it("--force with an interpreter that cannot start deletes nothing", () => {
    const adapter = join(bundle(2), "adapter", "adapter_config.json");
    expect(existsSync(adapter)).toBe(true);
    const before = readFileSync(join(bundle(2), "status.json"), "utf8");
    const r = cci(["train", "launch", "--recipe", "2", "--runs", runs, "--python", "python-does-not-exist-3", "--force"], env());
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/python-does-not-exist-3: not found on PATH; nothing of .* was changed/);
    expect(existsSync(adapter)).toBe(true);
    expect(readFileSync(join(bundle(2), "status.json"), "utf8")).toBe(before);
  });

  it("a second launcher of the same run is refused while the first holds launch.lock", () => {
    writeFileSync(join(bundle(4), "launch.lock"), `${process.pid}\n`); // a live launcher: this test process
    const r = cci(["train", "launch", "--recipe", "4", "--runs", runs, "--python", python, "--force"], env());
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/already being launched \(launch\.lock, pid \d+\)/);
    expect(readJson(join(bundle(4), "status.json")).state).toBe("done");
    // A stale lock (its launcher is gone) is taken over.
    writeFileSync(join(bundle(4), "launch.lock"), "999999999\n");
    const ok = cci(["train", "launch", "--recipe", "4", "--runs", runs, "--python", python, "--force"], env());
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(join(bundle(4), "launch.lock"))).toBe(false);
  });

  it("a trainer killed by a signal is reported by its signal, not as exit 128", () => {
    const r = cci(["train", "launch", "--recipe", "5", "--runs", runs, "--python", python, "--force"], env({ STANDIN_HOW: "kill9" }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/failed \(killed by SIGKILL\)/);
    expect(r.stderr).not.toMatch(/128/);
    expect(readJson(join(bundle(5), "status.json"))).toMatchObject({ state: "failed", signal: "SIGKILL" });
  });

  it("SIGTERM to the launcher stops the trainer, waits for it and marks the run failed", async () => {
    rmSync(join(bundle(5), "trainer.pid"), { force: true });
    const child = spawn(process.execPath, [CCI, "train", "launch", "--recipe", "5", "--runs", runs, "--python", python, "--force"], { cwd: ROOT, env: env({ STANDIN_HOW: "sleep" }), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const pidFile = join(bundle(5), "trainer.pid");
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000 && !(existsSync(pidFile) && readFileSync(pidFile, "utf8"))) await new Promise((r) => setTimeout(r, 100));
    const trainer = Number(readFileSync(pidFile, "utf8"));
    expect(alive(trainer)).toBe(true);
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    expect(code).toBe(143); // 128 + SIGTERM (issue 29: exit 130/143 on an interrupt)
    expect(alive(trainer)).toBe(false);
    expect(stderr.trim().split("\n").pop()).toMatch(/^cci: train: .*: interrupted by SIGTERM; the trainer was stopped/);
    expect(readJson(join(bundle(5), "status.json"))).toMatchObject({ state: "failed", interrupted: "SIGTERM" });
    expect(existsSync(join(bundle(5), "launch.lock"))).toBe(false);
    // and `train status` does not call it running
    const s = cci(["train", "status", "--runs", runs]);
    expect(s.stdout.split("\n").find((l) => l.includes(RECIPES[4].name))).toMatch(/│ failed /);
  });
});


describe("cci train launch --target slurm|skypilot", () => {
  let root: string;
  let runs: string;
  beforeAll(() => {
    root = tempDir("cci-slurm-");
    runs = join(root, "runs");
    const p = cci(["train", "plan", "--recipe", "2,3", "--out", runs, "--data", SAMPLE]);
    expect(p.status, p.stderr).toBe(0);
  });

  it("writes partition, account, time, setup, HF_HOME and the chosen Python; a stand-in sbatch runs it", () => {
    const bin = join(root, "bin");
    mkdirSync(bin);
    // The stand-in python: the prefetch (-c …) records the model, a training call records its folder.
    const py = join(bin, "py");
    writeFileSync(py, `#!/bin/sh\nif [ "$1" = -c ]; then echo "prefetch $3" >> "${join(root, "trace")}"; exit 0; fi\necho "train $(pwd) $HF_HOME" >> "${join(root, "trace")}"\n`);
    chmodSync(py, 0o755);
    // The stand-in sbatch: runs every array task of the script in turn, as SLURM would.
    const sbatch = join(bin, "sbatch");
    writeFileSync(sbatch, `#!/bin/bash\nf="\${@: -1}"\nn=$(sed -n 's/^#SBATCH --array=0-\\([0-9]*\\)$/\\1/p' "$f")\nfor i in $(seq 0 "$n"); do SLURM_ARRAY_TASK_ID=$i bash "$f" || exit 9; done\necho "Submitted batch job 1"\n`);
    chmodSync(sbatch, 0o755);
    const r = cci(["train", "launch", "--recipe", "2,3", "--runs", runs, "--target", "slurm", "--python", relative(ROOT, py), "--partition", "gpu-h100", "--account", "nlp-lab", "--time", "12:00:00", "--setup", "module load cuda/12.4 || true", "--hf-home", join(root, "hf cache")]);
    expect(r.status, r.stderr).toBe(0);
    const file = join(runs, "slurm", "train.sbatch");
    const text = readFileSync(file, "utf8");
    for (const l of ["#SBATCH --partition=gpu-h100", "#SBATCH --account=nlp-lab", "#SBATCH --time=12:00:00", "module load cuda/12.4 || true", `PYTHON="\${PYTHON:-${py}}"`]) expect(text).toContain(l);
    expect(text).toMatch(/^#SBATCH --output=".*%x-%A_%a\.out"$/m);
    expect(spawnSync("bash", ["-n", file]).status).toBe(0);
    const submit = spawnSync("bash", ["-c", r.stdout.trim()], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
    expect(submit.status, submit.stderr).toBe(0);
    const trace = readFileSync(join(root, "trace"), "utf8").trim().split("\n");
    // each task fetched its base first (under the lock), then trained in its own bundle with the shared HF_HOME
    expect(trace).toEqual([`prefetch ${RECIPES[1].model_id}`, `train ${join(runs, RECIPES[1].name)} ${join(root, "hf cache")}`, `prefetch ${RECIPES[2].model_id}`, `train ${join(runs, RECIPES[2].name)} ${join(root, "hf cache")}`]);
  });

  it("refuses a line break in a value that goes into an #SBATCH line, writing nothing", () => {
    rmSync(join(runs, "slurm"), { recursive: true, force: true });
    const r = cci(["train", "launch", "--recipe", "2", "--runs", runs, "--target", "slurm", "--partition", "gpu\ntouch /tmp/pwned"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(runs, "slurm", "train.sbatch"))).toBe(false);
  });

  it("SkyPilot: the accelerator is an option and the task says how the adapters come back", () => {
    const r = cci(["train", "launch", "--recipe", "2,3", "--runs", runs, "--target", "skypilot", "--accelerator", "H100:1"]);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(join(runs, "skypilot", "train.yaml"), "utf8");
    expect(text).toMatch(/accelerators: H100:1/);
    expect(text).toContain(`rsync -a cci-train:sky_workdir/${RECIPES[1].name}/{adapter,metrics.jsonl,train.log,status.json}`);
  });
});

describe("the serve script with stand-in vllm, curl and cci", () => {
  /**
   * Write the plan for recipes 3,4 and run it with stand-ins from another folder; returns the
   * trace and the exit code. vllm: "ok" serves its --served-model-name, "silent" never answers,
   * "dies" exits at once, "wrong" answers with another model's name, "stubborn" ignores TERM and
   * has a worker; curl hangs unless given --max-time; "stale": something answers on the port first.
   */
  function runPlan(how: { vllm: "ok" | "dies" | "silent" | "wrong" | "stubborn"; predict?: "ok" | "fails"; stale?: boolean }) {
    const root = tempDir("cci-serve-");
    const bin = join(root, "bin");
    mkdirSync(bin);
    const trace = join(root, "trace");
    const script = join(root, "serve.sh");
    const p = cci(["serve", "plan", "--recipes", "3,4", "--out", script, "--ready-timeout", "6"]);
    expect(p.status, p.stderr).toBe(0);
    const sh = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    const up = JSON.stringify(join(root, "up"));
    const serving = how.vllm === "wrong" ? 'name=someone-else' : 'name=""; prev=""; for a in "$@"; do [ "$prev" = --served-model-name ] && name=$a; prev=$a; done';
    const body = {
      ok: `${serving}; echo "$$ $name" > ${up}; exec sleep 300`,
      wrong: `${serving}; echo "$$ $name" > ${up}; exec sleep 300`,
      silent: "exec sleep 300",
      dies: "exit 1",
      stubborn: `${serving}; echo "$$ $name" > ${up}; trap '' TERM; sleep 300 & echo "worker $!" >> ${JSON.stringify(trace)}; wait`,
    }[how.vllm];
    sh("vllm", `echo "vllm $$ $*" >> ${JSON.stringify(trace)}\n${body}`);
    // curl: bounded only by --max-time (without it, it hangs as a real curl on a silent server does).
    sh(
      "curl",
      [
        'mt=""; prev=""; for a in "$@"; do [ "$prev" = --max-time ] && mt=$a; prev=$a; done',
        how.stale ? "echo '{\"data\": []}'; exit 0" : "",
        `if [ -f ${up} ]; then read pid name < ${up}; if kill -0 "$pid" 2>/dev/null; then echo "{\\"data\\": [{\\"id\\": \\"$name\\"}]}"; exit 0; fi; fi`,
        '[ -n "$mt" ] || exec sleep 300',
        "exit 7",
      ].join("\n"),
    );
    const standinCci = join(bin, "standin-cci");
    sh("standin-cci", `echo "cci $*" >> ${JSON.stringify(trace)}\n${how.predict === "fails" ? 'case "$*" in *--split\\ dev*) exit 3;; esac' : ""}\nexit 0`);
    const r = spawnSync("bash", [script], { cwd: root, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CCI: standinCci, STOP_GRACE: "1" }, encoding: "utf8", timeout: 60_000 });
    const lines = existsSync(trace) ? readFileSync(trace, "utf8").trim().split("\n") : [];
    const pids = lines.filter((l) => l.startsWith("vllm ") || l.startsWith("worker ")).map((l) => Number(l.split(" ")[1]));
    return { r, lines, pids, text: readFileSync(script, "utf8") };
  }

  it("scores dev, compares, scores test and stops each server", () => {
    const { r, lines, pids } = runPlan({ vllm: "ok" });
    expect(r.status, r.stderr).toBe(0);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(lines.filter((l) => l.startsWith("cci predict --recipe"))).toHaveLength(4);
  });

  it("a server that dies is noticed at once, and the script fails", () => {
    const { r, pids } = runPlan({ vllm: "dies" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/serve: the server for .* exited before answering/);
    expect(pids).toHaveLength(1);
  });

  it("a server that never answers hits the deadline (every curl bounded by --max-time) and is stopped", () => {
    const { r, pids } = runPlan({ vllm: "silent" });
    expect(r.status).toBe(1); // before: the readiness curl had no --max-time and hung
    expect(r.stderr).toMatch(/did not answer within 6s/);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it("a failing cci predict stops the server it was scoring against", () => {
    const { r, pids } = runPlan({ vllm: "ok", predict: "fails" });
    expect(r.status).toBe(3);
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it("a server already answering on the port is refused, not scored; nothing is started", () => {
    const { r, lines } = runPlan({ vllm: "ok", stale: true });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^serve: something already answers at http:\/\/127\.0\.0\.1:8000\/v1 \(a server left running\?\); stop it first$/);
    expect(lines.filter((l) => l.startsWith("vllm ") || l.startsWith("cci "))).toEqual([]);
  });

  it("an answer without the planned model names is not the server started: refused, and it is stopped", () => {
    const { r, lines, pids } = runPlan({ vllm: "wrong" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/answers without .*: not the server started for/);
    expect(lines.filter((l) => l.startsWith("cci "))).toEqual([]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it("a server that ignores TERM is KILLed with its worker after STOP_GRACE; paths absolute, the checkout's own cci", () => {
    const { r, lines, pids, text } = runPlan({ vllm: "stubborn" });
    expect(r.status, r.stderr).toBe(0); // before: stop_server waited for ever
    expect(pids).toHaveLength(4); // two servers, a worker each
    // A SIGKILLed worker is gone once its new parent has reaped it: bounded wait.
    for (let i = 0; i < 50 && pids.some(alive); i++) spawnSync("sleep", ["0.1"]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const l of lines.filter((x) => x.startsWith("vllm "))) expect(l.split(" ")[3]).toMatch(/^\//);
    expect(text).toContain(`CCI="\${CCI:-${join(ROOT, "lib", "cli", "cci.mjs")}}"`);
    expect(text).not.toMatch(/npx/);
  });
});
