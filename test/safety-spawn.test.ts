/**
 * Issue 29 §2 and the spawn/stop items of §5: one way to start and stop a child
 * (lib/util/child.ts). Real processes, stand-in interpreters: every child in its own group,
 * signals forwarded, a bounded wait then SIGKILL, completion at the child's exit, temp folders
 * gone on every path, exit 130/143, queues stopped at the first interrupt — and a scan that fails
 * where a module under lib/ spawns outside the helper.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alive } from "../lib/util/cleanup";
import { probe } from "../lib/env/create";
import { runFaithful } from "../lib/infer/faithful";
import { RECIPES } from "../lib/train/recipes";
import { skypilotTask, slurmJob } from "../lib/train/targets";
import { parse as parseYaml } from "yaml";
import { createServer } from "node:http";
import { retryDelayMs, scoreOne, serverUrl } from "../lib/infer/openai";
import { gpusOption } from "../lib/train/queue";
import { selectRecipes as serveRecipes } from "../lib/cli/commands/serve";
import { bindHost, mergedGroups, vllmMergedArgv } from "../lib/infer/serve-plan";
import { rulesFromOptions } from "../lib/cli/commands/refine";
import { ALTERNATIVE_RULES } from "../lib/refine/rules";
import { chooseEntry, type Calibration } from "../lib/train/steptime";
import { H200_MEASUREMENT } from "../lib/train/steptime-h200";
import { UserError } from "../lib/util/errors";
import { CCI, cci, cleanTemp, fakeHubCache, readJson, ROOT, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pidIn = (f: string) => Number(readFileSync(f, "utf8"));

/** Wait (bounded) until a file exists and is not empty. */
async function waitFile(f: string): Promise<void> {
  for (let i = 0; i < 300 && !(existsSync(f) && readFileSync(f, "utf8").trim()); i++) await sleep(100);
  expect(existsSync(f), `${f} never appeared`).toBe(true);
}

function started(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; node?: string[]; direct?: boolean } = {}): { child: ChildProcess; out: () => string; err: () => string; done: Promise<number | null> } {
  // direct: the checkout's own cci as its own executable (lib/cli/cci.mjs, as PROCESSES.md says to run it), no node argv, no npx.
  const child = opts.direct
    ? spawn(CCI, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, [...(opts.node ?? [CCI]), ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const done = new Promise<number | null>((r) => child.on("close", (c, s) => r(c ?? (s ? -1 : null))));
  return { child, out: () => out, err: () => err, done };
}

const executable = (path: string, text: string) => {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
};

// ---------------------------------------------------------------------------------------------

/** Every module under lib/ (TypeScript and JavaScript), with its path relative to the checkout. */
function libModules(dir = join(ROOT, "lib")): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "python" ? [] : libModules(p);
    return /\.(ts|mts|cts|mjs|cjs|js)$/.test(f) ? [relative(ROOT, p)] : [];
  });
}

const CHILD_PROCESS = /(?:from\s+|require\(\s*|import\(\s*)["'](?:node:)?child_process["']/;

describe("one door: every child process starts through lib/util/child.ts", () => {
  it("no module under lib/ but the helper imports child_process", () => {
    const modules = libModules();
    expect(modules.length).toBeGreaterThan(50);
    const outside = modules.filter((m) => m !== "lib/util/child.ts" && CHILD_PROCESS.test(readFileSync(join(ROOT, m), "utf8")));
    expect(outside).toEqual([]);
    // The scan sees the forms it must see (so it cannot pass by matching nothing).
    expect(CHILD_PROCESS.test(readFileSync(join(ROOT, "lib/util/child.ts"), "utf8"))).toBe(true);
    for (const form of [`import { spawn } from "node:child_process";`, `const cp = require('child_process')`, `await import("node:child_process")`]) expect(CHILD_PROCESS.test(form)).toBe(true);
  });
});

describe("lib/util/child.ts in a process of its own", () => {
  const driver = join(ROOT, "test", "fixtures", "spawn", "driver.ts");
  const run = (scenario: string, dir: string, env: NodeJS.ProcessEnv = process.env) => started([driver, scenario, dir], { node: ["--import", "tsx"], env });

  it("a child that ignores SIGTERM is SIGKILLed with its group after the grace; cci ends 143, naming the signal", async () => {
    const d = tempDir("cci-spawn-");
    const p = run("ignores-term", d, { ...process.env, CCI_KILL_GRACE_S: "1" });
    for (let i = 0; i < 300 && !p.out().includes("ready"); i++) await sleep(100);
    expect(p.out()).toContain("ready");
    const [child, grandchild] = [pidIn(join(d, "child.pid")), pidIn(join(d, "gc.pid"))];
    expect(alive(child) && alive(grandchild)).toBe(true);
    p.child.kill("SIGTERM");
    expect(await p.done).toBe(143);
    expect(alive(child) || alive(grandchild)).toBe(false);
    expect(p.err().trim()).toBe("cci: stand-in: interrupted by SIGTERM; the child process and its group were stopped");
  });

  it("a child is done when it exits, not when a grandchild holding its stdout lets go; the grandchild is stopped", async () => {
    const d = tempDir("cci-spawn-");
    const p = run("holds-pipe", d, { ...process.env, CCI_KILL_GRACE_S: "1" });
    expect(await p.done).toBe(0); // before: waited the grandchild's 30 s (the test's limit)
    expect(p.out().trim()).toBe("code 0 out done");
    expect(alive(pidIn(join(d, "gc.pid")))).toBe(false);
  });

  it("batch predict: Ctrl-C stops the running job and the queue — no next job, exit 130", async () => {
    const d = tempDir("cci-spawn-");
    const p = run("batch", d);
    for (let i = 0; i < 300 && !p.out().includes("ready"); i++) await sleep(100);
    p.child.kill("SIGINT");
    expect(await p.done).toBe(130);
    const jobs = readFileSync(join(d, "started"), "utf8").trim().split("\n");
    expect(jobs).toHaveLength(1); // before: the next job started at once (and the batch ended 1)
    expect(alive(Number(jobs[0].split(" ")[0]))).toBe(false);
    expect(p.out()).not.toMatch(/finished/);
    expect(p.err().trim().split("\n").pop()).toMatch(/^cci: predict: 1 of 3 job\(s\) ran; the queue: interrupted by SIGINT/);
  });
});

describe("children of cci commands stop with cci", () => {
  let root: string;
  let runs: string;
  let standin: string;
  const name = RECIPES[4].name;
  const bundle = () => join(runs, name);

  beforeAll(() => {
    root = tempDir("cci-spawn-cmd-");
    runs = join(root, "runs");
    const p = cci(["train", "plan", "--recipe", "5", "--out", runs, "--data", SAMPLE]);
    // launch checks the base's weights are on this machine: a stand-in Hub cache holds them.
    process.env.HF_HUB_CACHE = fakeHubCache(join(root, "hub"), [RECIPES[4].model_id]);
    expect(p.status, p.stderr).toBe(0);
    // A stand-in interpreter: behaves as STANDIN_HOW says, records its pid and its grandchild's.
    standin = executable(
      join(root, "python"),
      `#!/bin/sh
# train launch probes the environment first (lib/env/preflight.ts): answer as a GPU machine would.
case "$1" in *probe.py) echo '{"python": "3.12.0", "libs": {"torch": "2.11.0", "transformers": "5.17.0", "peft": "0.21.0", "trl": "0.9.4", "datasets": "2.19.0"}, "cuda": "12.4", "gpus": ["Stand-in GPU"]}'; exit 0;; esac
d="$STANDIN_DIR"
echo $$ > "$d/py.pid"
case "$STANDIN_HOW" in
  holdpipe) mkdir -p adapter; echo '{}' > adapter/adapter_config.json; sleep 30 & echo $! > "$d/gc.pid"; exit 0;;
  finish-on-term) trap 'mkdir -p adapter; echo {} > adapter/adapter_config.json; exit 0' TERM; sleep 30 & echo $! > "$d/gc.pid"; wait $!; exit 0;;
  sleep) sleep 30 & echo $! > "$d/gc.pid"; wait; exit 0;;
esac
exit 5
`,
    );
  });

  it("train launch: a trainer that exits while a grandchild holds its stdout is done (status done, exit 0)", () => {
    const d = tempDir("cci-spawn-");
    const r = cci(["train", "launch", "--recipe", "5", "--runs", runs, "--python", standin, "--force"], { ...process.env, STANDIN_DIR: d, STANDIN_HOW: "holdpipe", CCI_KILL_GRACE_S: "1" });
    expect(r.status, r.stderr).toBe(0); // before: hung until the grandchild's 30 s were up
    expect(readJson(join(bundle(), "status.json"))).toMatchObject({ state: "done", exit_code: 0 });
    expect(alive(pidIn(join(d, "gc.pid")))).toBe(false);
  });

  it("train launch: SIGTERM as the trainer finishes (exit 0) records done and keeps the adapter; exit 143", async () => {
    const d = tempDir("cci-spawn-");
    const p = started(["train", "launch", "--recipe", "5", "--runs", runs, "--python", standin, "--force"], { env: { ...process.env, STANDIN_DIR: d, STANDIN_HOW: "finish-on-term" } });
    await waitFile(join(d, "gc.pid"));
    p.child.kill("SIGTERM");
    expect(await p.done).toBe(143);
    expect(readJson(join(bundle(), "status.json"))).toMatchObject({ state: "done", exit_code: 0, interrupted: "SIGTERM" }); // before: failed
    expect(existsSync(join(bundle(), "adapter", "adapter_config.json"))).toBe(true);
    expect(p.err().trim().split("\n").pop()).toMatch(/^cci: train: .*: interrupted by SIGTERM as the trainer finished \(exit code 0\); status\.json says done$/);
    // and a plain relaunch skips it: the adapter is not deleted
    const again = cci(["train", "launch", "--recipe", "5", "--runs", runs, "--python", standin]);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(bundle(), "adapter", "adapter_config.json"))).toBe(true);
  });

  it("train merge run as lib/cli/cci.mjs directly: SIGTERM to that one pid stops merge.py and its children (no merged/ later), exit 143, one line", async () => {
    const d = tempDir("cci-spawn-");
    mkdirSync(join(bundle(), "adapter"), { recursive: true });
    writeFileSync(join(bundle(), "adapter", "adapter_config.json"), "{}");
    const p = started(["train", "merge", "--recipe", "5", "--runs", runs, "--python", standin], { env: { ...process.env, STANDIN_DIR: d, STANDIN_HOW: "sleep" }, direct: true });
    await waitFile(join(d, "gc.pid"));
    const [py, gc] = [pidIn(join(d, "py.pid")), pidIn(join(d, "gc.pid"))];
    p.child.kill("SIGTERM");
    expect(await p.done).toBe(143);
    expect(alive(py) || alive(gc)).toBe(false); // before: cci died, merge.py ran on
    expect(p.err().trim().split("\n").pop()).toBe(`cci: train merge: ${name}: interrupted by SIGTERM; the child process and its group were stopped`);
    expect(existsSync(join(bundle(), "merged"))).toBe(false);
  });

  it("notebooks --check: SIGTERM stops nbconvert and its kernel and removes its scratch folder (.cci-PID-*, lib/util/outputs tempFolder)", async () => {
    const d = tempDir("cci-spawn-");
    const tmp = join(d, "tmp");
    mkdirSync(tmp);
    mkdirSync(join(d, "bin"));
    // A stand-in jupyter: `nbconvert --version` works; an execution starts a "kernel" and waits.
    executable(join(d, "bin", "jupyter"), `#!/bin/sh\n[ "$2" = --version ] && exit 0\necho $$ > "${d}/py.pid"\nsleep 30 & echo $! > "${d}/gc.pid"\nwait\n`);
    const p = started(["notebooks", "--check", join(ROOT, "notebooks", "01-eda.ipynb")], { env: { ...process.env, PATH: `${join(d, "bin")}:${process.env.PATH}`, TMPDIR: tmp } });
    await waitFile(join(d, "gc.pid"));
    const scratch = (f: string) => f.startsWith(".cci-") || f.startsWith("cci-nb-");
    expect(readdirSync(tmp).filter(scratch)).toHaveLength(1);
    const [py, gc] = [pidIn(join(d, "py.pid")), pidIn(join(d, "gc.pid"))];
    p.child.kill("SIGTERM");
    expect(await p.done).toBe(143);
    expect(alive(py) || alive(gc)).toBe(false);
    expect(readdirSync(tmp).filter(scratch)).toEqual([]); // before: left behind
    expect(p.err().trim().split("\n").pop()).toMatch(/^cci: notebooks: 01-eda\.ipynb: interrupted by SIGTERM/);
  });

  it("batch predict: --backend bogus is refused once (exit 2, no job); --recipe all runs the bundles that exist and --split dev,dev is one job", () => {
    const bogus = cci(["predict", "--recipe", "all", "--split", "dev,test", "--runs", runs, "--backend", "bogus"]);
    expect(bogus.status).toBe(2); // before: 22 child failures, exit 1
    expect(bogus.stderr.trim().split("\n")).toEqual(['cci: --backend: expected faithful, openai, onnx, got "bogus"']);
    const named = cci(["predict", "--recipe", "4,5", "--split", "dev", "--runs", runs, "--backend", "openai", "--url", "http://127.0.0.1:9/v1"]);
    expect(named.status).toBe(2);
    expect(named.stderr.trim().split("\n").pop()).toMatch(new RegExp(`^cci: no run bundle in .* for: ${RECIPES[3].name} \\(`));
    const r = cci(["predict", "--recipe", "all", "--split", "dev,dev", "--runs", runs, "--backend", "openai", "--url", "http://127.0.0.1:9/v1", "--attempts", "1", "--data", SAMPLE]);
    expect(r.stderr).toMatch(/^predict: 10 of 11 recipes have no bundle in .*, skipped: /m);
    expect(r.stderr).toMatch(/^predict: 1 job\(s\): 1 recipe\(s\) × dev, one after another$/m); // before: 33 jobs
    expect(r.stderr.match(/: started$/gm)).toHaveLength(1);
  });

  it("train calibrate --device cpu without --tiny is refused in one line", () => {
    const r = cci(["train", "calibrate", "--recipe", "5", "--runs", runs, "--device", "cpu", "--python", standin]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual(["cci: train calibrate --device cpu: only with --tiny (the full shape would be built in RAM, ~22 GB for an 11B base); calibrate on the GPU machine"]);
  });

  it("train fetch: --out a file, or fetch.py printing no JSON, is one line (no stack trace)", () => {
    const py = executable(join(root, "fetchpy"), `#!/bin/sh\nif [ "$FETCH_MODE" = garbage ]; then echo 'Hello from a banner'; exit 0; fi\nprintf '{'; shift 2; first=1; for m in "$@"; do [ $first = 1 ] || printf ','; first=0; printf '"%s": {"bytes": 10, "files": 1}' "$m"; done; echo '}'\n`);
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    for (const out of [file, join(file, "sub")]) {
      const r = cci(["train", "fetch", "--recipe", "1", "--tokenizers-only", "--out", out, "--python", py]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n").pop()).toMatch(/^cci: --out .*: a file is in the way \(expected a folder\)$/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const g = cci(["train", "fetch", "--recipe", "1", "--tokenizers-only", "--out", join(root, "tok"), "--python", py], { ...process.env, FETCH_MODE: "garbage" });
    expect(g.status).toBe(1);
    expect(g.stderr.trim().split("\n").pop()).toBe('cci: fetch: fetch.py plan printed no JSON line (got "Hello from a banner")');
  });
});

describe("scorer and probe failures are named, not `exit null`", () => {
  it("a scorer killed by SIGKILL is reported as killed by SIGKILL, exit 1", async () => {
    const d = tempDir("cci-spawn-");
    const py = executable(join(d, "py"), "#!/bin/sh\nkill -9 $$\n");
    const err = await runFaithful(py, ["predict.py", "--x"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe("predict.py failed (killed by SIGKILL)"); // before: "(exit null; …)", exit 2
    expect((err as UserError).exitCode).toBe(1);
  });

  it("the environment probe: non-JSON output or JSON without libs is one line; a hung probe times out", async () => {
    const d = tempDir("cci-spawn-");
    for (const [text, why] of [
      ["echo 'not json'", 'printed no JSON line (last line: "not json")'],
      [`echo '{"python": "3.12", "gpus": []}'`, 'unexpected JSON (no "libs" object)'],
    ]) {
      const py = executable(join(d, "py"), `#!/bin/sh\n${text}\n`);
      const err = await probe(py, ROOT).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toBe(`${py}: the environment probe: ${why}`.replace("probe: printed", "probe printed"));
    }
    const hung = executable(join(d, "hung"), "#!/bin/sh\nsleep 30\n");
    const err = await probe(hung, ROOT, 500).catch((e: unknown) => e);
    expect((err as UserError).message).toBe(`${hung}: the environment probe timed out (stopped after 1 s)`);
  });
});

describe("cci env create --force / env show", () => {
  let root: string;
  let base: string;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, "lib", "cli", "cci.mjs"), ...args], { cwd: root, encoding: "utf8", timeout: 40_000, env: { ...process.env, ...extra, CCI_PACKAGE_ROOT: root } });

  beforeAll(() => {
    root = tempDir("cci-spawn-env-");
    for (const f of ["lib", "package.json", "tsconfig.json"]) cpSync(join(ROOT, f), join(root, f), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
    // The venv's python: pip fails (PIP_FAIL) or sleeps (PIP_SLEEP, recording its pid); the probe hangs (PROBE_HANG) or answers.
    const venvPy = `#!/bin/sh
if [ "$1" = -m ] && [ "$2" = pip ]; then
  [ -n "$PIP_FAIL" ] && exit 1
  if [ -n "$PIP_SLEEP" ]; then echo $$ > "$PIP_SLEEP"; sleep 30 & wait; fi
  exit 0
fi
case "$1" in *probe.py) [ -n "$PROBE_HANG" ] && sleep 30; echo '{"python": "3.12.0", "libs": {"torch": "2.11.0"}, "cuda": null, "gpus": []}'; exit 0;; esac
exit 5
`;
    base = executable(join(root, "base-python"), `#!/bin/sh\n[ "$1" = -m ] && [ "$2" = venv ] || exit 5\nmkdir -p "$3/bin"\ncat > "$3/bin/python" <<'PY'\n${venvPy}PY\nchmod +x "$3/bin/python"\n`);
  });

  const marker = () => join(root, ".venv-modern", "cci-env.json");

  it("--force with a failing pip or a bad --python keeps the working environment", () => {
    const made = run(["env", "create", "--engine", "modern", "--python", base]);
    expect(made.status, made.stderr).toBe(0);
    const before = readFileSync(marker(), "utf8");
    const failed = run(["env", "create", "--engine", "modern", "--python", base, "--force"], { PIP_FAIL: "1" });
    expect(failed.status).toBe(1);
    expect(readFileSync(marker(), "utf8")).toBe(before); // before: deleted with the failed build
    const bad = run(["env", "create", "--engine", "modern", "--python", join(root, "no-such-python"), "--force"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n").pop()).toMatch(/^cci: python -m venv: cannot start .*no-such-python \(ENOENT\)$/);
    expect(readFileSync(marker(), "utf8")).toBe(before);
    expect(readdirSync(root).filter((f) => f.includes(".old-"))).toEqual([]);
  });

  it("Ctrl-C during pip: pip is stopped, the half venv removed, the working one back; exit 130", async () => {
    const before = readFileSync(marker(), "utf8");
    const pidFile = join(root, "pip.pid");
    const child = spawn(process.execPath, [join(root, "lib", "cli", "cci.mjs"), "env", "create", "--engine", "modern", "--python", base, "--force"], { cwd: root, env: { ...process.env, PIP_SLEEP: pidFile, CCI_PACKAGE_ROOT: root }, stdio: "ignore" });
    const done = new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    await waitFile(pidFile);
    child.kill("SIGINT");
    expect(await done).toBe(130);
    expect(alive(pidIn(pidFile))).toBe(false);
    expect(readFileSync(marker(), "utf8")).toBe(before);
    expect(readdirSync(root).filter((f) => f.includes(".old-"))).toEqual([]);
  });

  it("a venv without cci-env.json (half made) is not used by later commands", async () => {
    const { resolvePython } = await import("../lib/env/python");
    // trl's own environment (.venv-trl; fast shares modern's, lib/env/engines.ts), half made.
    mkdirSync(join(root, ".venv-trl", "bin"), { recursive: true });
    writeFileSync(join(root, ".venv-trl", "bin", "python"), "");
    expect(resolvePython(undefined, "trl", root).source).toBe("PATH");
    expect(resolvePython(undefined, "modern", root).source).toBe("env");
    expect(resolvePython(undefined, "fast", root).source).toBe("env");
  });

  it("env show: a probe that hangs is stopped at its bound and named; the others are still shown", () => {
    const r = run(["env", "show"], { PROBE_HANG: "1", CCI_PROBE_TIMEOUT_S: "1" });
    expect(r.status, r.stderr).toBe(0); // before: waited for ever
    expect(r.stderr).toMatch(/^env: \.venv-modern \(modern, fast\): .*the environment probe timed out \(stopped after 1 s\)$/m);
    expect(r.stderr).toMatch(/^env: \.venv-trl \(trl\): not made/m);
  });
});

describe("files written for schedulers: values validated, YAML by the YAML library", () => {
  const run = { name: "r1", argv: ["python", "train.py", "--x"], engine: "modern", model_id: "a/b" } as unknown as Parameters<typeof slurmJob>[1][number];

  it("a line break in --accelerator or in the runs path adds no SkyPilot key; the task parses to the planned keys", () => {
    for (const [dir, opts, msg] of [
      ["/tmp/runs", { accelerator: "H100:1\nnum_nodes: 99" }, /^--accelerator: expected one word without spaces or control characters, got "H100:1\\nnum_nodes: 99"$/],
      ["/tmp/runs", { accelerator: "H100:1 x" }, /^--accelerator: expected one word/],
      ["/tmp/ru\nfile_mounts: /root/.ssh\nns", {}, /^--runs: a line break or control character in/],
    ] as const) {
      expect(() => skypilotTask(dir, [run], opts)).toThrow(msg);
    }
    const task = parseYaml(skypilotTask("/tmp/runs with space", [run], { accelerator: "H100:1" }).text);
    expect(Object.keys(task)).toEqual(["name", "resources", "workdir", "envs", "setup", "run"]);
    expect(task.resources).toEqual({ accelerators: "H100:1" });
    expect(task.workdir).toBe("/tmp/runs with space");
  });

  it("sbatch: spaces in --partition/--account/--time are refused, --time must be a SLURM time; SLURM's formats pass", () => {
    for (const [opts, msg] of [
      [{ partition: "gpu --wrap=id" }, /^--partition: expected one word/],
      [{ account: "a b" }, /^--account: expected one word/],
      [{ partition: "" }, /^--partition: expected one word/],
      [{ time: "1 day" }, /^--time: expected a SLURM time limit/],
      [{ time: "24:00:00 --exclusive" }, /^--time: expected a SLURM time limit/],
      [{ time: "tomorrow" }, /^--time: expected a SLURM time limit/],
    ] as const) {
      expect(() => slurmJob("/tmp/runs", [run], opts)).toThrow(msg);
    }
    for (const time of ["90", "90:30", "24:00:00", "2-12", "2-12:30", "2-12:30:00", "UNLIMITED"]) {
      const text = slurmJob("/tmp/runs", [run], { time, partition: "gpu", account: "proj-1" }).text;
      expect(text.split("\n").filter((l) => l.startsWith("#SBATCH --time=") || l.startsWith("#SBATCH --partition=") || l.startsWith("#SBATCH --account="))).toEqual([`#SBATCH --time=${time}`, "#SBATCH --partition=gpu", "#SBATCH --account=proj-1"]);
    }
  });
});

describe("the rest of §5: one line instead of a stack trace, caps and cosmetics", () => {
  it("Retry-After: 86400 is capped by the backoff ceiling and --timeout", async () => {
    expect(retryDelayMs(1, 500, 86_400_000, 120_000)).toBe(30_000);
    expect(retryDelayMs(1, 500, 86_400_000, 2_000)).toBe(2_000);
    expect(retryDelayMs(1, 500, 1_000, 120_000)).toBe(1_000);
    // Against a server that always says 429 Retry-After: 86400: two attempts end at once (before: a day's wait).
    const server = createServer((_req, res) => {
      res.writeHead(429, { "retry-after": "86400" });
      res.end("busy");
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as { port: number }).port;
    try {
      const err = await scoreOne(`http://127.0.0.1:${port}/v1/completions`, { id: "x1", inputIds: [1, 2, 3] } as never, { url: "", model: "m", answerIds: [1, 2, 3], maxAttempts: 2, timeoutMs: 200 } as never).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/x1: gave up after 2 attempts \(last: HTTP 429\)/);
    } finally {
      server.close();
    }
  });

  it("--url with a bad %-escape in its credentials is one line, without them", () => {
    expect(() => serverUrl("http://u:%zz@h/v1")).toThrow(UserError);
    expect(() => serverUrl("http://u:%zz@h/v1")).toThrow(/^--url http:\/\/\*\*\*@h\/v1: a bad %-escape in its user name or password$/);
  });

  it("--gpus 0,,1 is refused; serve plan --recipes '' is refused and --host [::1] reaches vllm without brackets", () => {
    expect(() => gpusOption("0,,1")).toThrow(/^--gpus 0,,1: an empty entry/);
    expect(() => serveRecipes("")).toThrow(/^--recipes: no recipe named in ""/);
    expect(() => serveRecipes(" , ")).toThrow(UserError);
    expect(bindHost("[::1]")).toBe("::1");
    const [g] = mergedGroups(serveRecipes("3"), 8000);
    const argv = vllmMergedArgv(g, { runsDir: "/r", host: "[::1]" });
    expect(argv[argv.indexOf("--host") + 1]).toBe("::1");
  });

  it("refine --disable X --alt X names the conflict, not an unknown rule", () => {
    const [name] = Object.keys(ALTERNATIVE_RULES);
    expect(() => rulesFromOptions([name], [name])).toThrow(`${name} is both disabled and swapped for its alternative; choose one (--disable ${name} or --alt ${name})`);
    expect(() => rulesFromOptions([name], [name])).not.toThrow(/unknown rule/);
  });

  it("a --tiny calibration is not scaled to another base (like with unlike)", () => {
    const solar = H200_MEASUREMENT.shapes["beomi/Solar-Ko-Recovery-11B"];
    const tiny: Calibration = { device: "cpu", shapes: { "beomi/Solar-Ko-Recovery-11B": { ...solar, params: 1e6, tiny: true } } };
    expect(() => chooseEntry(tiny, "x2bee/POLAR-14B-v0.5")).toThrow(/x2bee\/POLAR-14B-v0\.5 was not measured, and beomi\/Solar-Ko-Recovery-11B's entry is a --tiny stand-in/);
    expect(chooseEntry(tiny, "beomi/Solar-Ko-Recovery-11B").scale).toBe(1); // its own base: as before (the plan says TINY)
  });

  it("chart --all: a chart Plotly cannot lay out at that size is skipped and named; the others are still written", () => {
    const d = tempDir("cci-spawn-");
    const out = join(d, "charts");
    const r = cci(["chart", "--all", "--column", "single", "--font-pt", "36", "--data", SAMPLE, "--out", out]);
    if (/Chromium/.test(r.stderr) && r.status !== 0 && !/Plotly|could not be drawn/.test(r.stderr)) return; // no browser here
    expect(r.status, r.stderr).toBe(0); // before: the first such chart aborted the whole export
    expect(r.stderr.trim().split("\n").pop()).toMatch(/could not be drawn at this size: .*refine_steps/);
    expect(existsSync(join(out, "refine_steps.png"))).toBe(false);
    expect(readdirSync(out).filter((f) => f.endsWith(".png")).length).toBeGreaterThan(0);
  });

  it("chart: a size Plotly cannot lay out is one line, exit 2", () => {
    const d = tempDir("cci-spawn-");
    // 36 pt in a 3.5-in column (20 pt fits since the print-size fixes made refine_steps taller).
    const r = cci(["chart", "refine_steps", "--column", "single", "--font-pt", "36", "--out", join(d, "x.png")]);
    if (/Chromium/.test(r.stderr) && r.status !== 0 && !/Plotly/.test(r.stderr)) return; // no browser here: nothing to lay out
    expect(r.status).toBe(2); // before: page.evaluate's stack trace
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^cci: chart: .*x\.png: Plotly cannot lay it out at this size \(Something went wrong with axis scaling\); lower --font-pt/);
    expect(existsSync(join(d, "x.png"))).toBe(false);
  });
});
