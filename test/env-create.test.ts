/**
 * `cci env create|show` with a stand-in interpreter (no network, no pip): the venv is made in the
 * repository root with the engine's requirements file, probed, and then the default Python of the
 * commands; a failed install leaves nothing behind.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_ENV, envOf } from "../lib/env/engines";
import { resolvePython, venvDir } from "../lib/env/python";
import { ENGINES, REQUIREMENTS } from "../lib/train/bundle";
import { RECIPES } from "../lib/train/recipes";
import { CCI, cleanTemp, ROOT, tempDir } from "./helpers/train";

afterAll(cleanTemp);

/** The venv's python: pip install records its arguments (or fails), the probe prints two GPUs. */
const VENV_PY = (trace: string) => `#!/bin/sh
if [ "$1" = -m ] && [ "$2" = pip ]; then echo "pip $*" >> ${JSON.stringify(trace)}; [ -n "$PIP_FAIL" ] && exit 1; exit 0; fi
case "$1" in *probe.py) echo '{"python": "3.12.0", "libs": {"torch": "2.11.0", "transformers": "5.17.0", "peft": "0.21.0"}, "cuda": "13.0", "gpus": ["NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"]}'; exit 0;; esac
exit 5
`;

describe("cci env create", () => {
  let root: string;
  let base: string;
  let trace: string;
  const run = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, "lib", "cli", "cci.mjs"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...extra, CCI_PACKAGE_ROOT: root } });

  beforeAll(() => {
    // A copy of the checkout's lib + package.json, so .venv-* lands in a temp repository root.
    root = tempDir("cci-env-");
    for (const f of ["lib", "package.json", "tsconfig.json"]) cpSync(join(ROOT, f), join(root, f), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
    trace = join(root, "trace");
    base = join(root, "base-python");
    // The base interpreter: `-m venv DIR` makes DIR/bin/python (the stand-in above).
    writeFileSync(base, `#!/bin/sh\n[ "$1" = -m ] && [ "$2" = venv ] || exit 5\nmkdir -p "$3/bin"\ncat > "$3/bin/python" <<'PY'\n${VENV_PY(trace)}PY\nchmod +x "$3/bin/python"\n`);
    chmodSync(base, 0o755);
  });

  it("makes .venv-modern with requirements-modern.txt, reports the GPUs, and becomes the default Python", () => {
    const r = run(["env", "create", "--engine", "modern", "--python", base]);
    expect(r.status, r.stderr).toBe(0);
    const py = join(root, ".venv-modern", "bin", "python");
    expect(r.stdout.trim()).toBe(py);
    expect(readFileSync(trace, "utf8")).toMatch(/^pip -m pip install -r .*lib\/train\/python\/requirements-modern\.txt\n$/);
    expect(r.stderr).toMatch(/env: 2 GPU\(s\): NVIDIA H100 80GB HBM3, NVIDIA H100 80GB HBM3/);
    expect(JSON.parse(readFileSync(join(root, ".venv-modern", "cci-env.json"), "utf8"))).toMatchObject({ environment: "modern", engines: ["modern", "fast"], gpus: ["NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"] });
    expect(resolvePython(undefined, "modern", root)).toEqual({ python: py, source: "env" });
    expect(resolvePython(undefined, "faithful", root)).toEqual({ python: "python3", source: "PATH" });
    const again = run(["env", "create", "--engine", "modern", "--python", base]);
    expect(again.status).toBe(2);
    expect(again.stderr.trim()).toMatch(/^cci: \.venv-modern: exists; --force/);
  });

  it("one table from engine to environment: a fast bundle's launch, predict, merge and calibrate find the .venv-modern that --engine modern made", () => {
    const py = join(root, ".venv-modern", "bin", "python");
    expect(existsSync(py)).toBe(true);
    // Every command resolves through resolvePython with the bundle's engine.
    expect(resolvePython(undefined, "fast", root)).toEqual({ python: py, source: "env" });
    for (const e of ENGINES) expect(venvDir(e)).toBe(`.venv-${ENGINE_ENV[e]}`);
    // The environment installs the very requirements file each engine's bundles carry.
    for (const e of ENGINES) expect(envOf(e).requirements).toBe(REQUIREMENTS[e]);
    // And through the CLI: a fast bundle launched without --python runs the venv's python.
    const base = join(root, "base");
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, "config.json"), "{}");
    writeFileSync(join(base, "model.safetensors"), "");
    const runs = join(root, "runs");
    const plan = run(["train", "plan", "--recipe", "3", "--engine", "fast", "--out", runs, "--data", join(ROOT, "resource", "sample"), "--base-model", base]);
    expect(plan.status, plan.stderr).toBe(0);
    const launch = run(["train", "launch", "--recipe", "3", "--runs", runs]);
    expect(launch.stderr).toMatch(/train: python .*\.venv-modern\/bin\/python \(the fast engine's environment, \.venv-modern\)/);
    expect(launch.stderr).toMatch(/train: 2 GPU\(s\): NVIDIA H100/);
    // The stand-in exits 5 for train.py: the log's first line names the interpreter that ran it.
    expect(readFileSync(join(runs, RECIPES[2].name, "train.log"), "utf8").split("\n")[0]).toMatch(new RegExp(`^# cci train launch: ${py.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} train\.py`));
  });

  it("faithful installs the pinned file with the CUDA 12.1 index; a failed pip leaves no venv", () => {
    const r = run(["env", "create", "--engine", "faithful", "--python", base], { PIP_FAIL: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^cci: pip install failed \(exit code 1\)/);
    expect(readFileSync(trace, "utf8")).toMatch(/requirements\.txt --extra-index-url https:\/\/download\.pytorch\.org\/whl\/cu121/);
    expect(existsSync(join(root, ".venv-faithful"))).toBe(false);
  });

  it("refuses an unknown engine in one line", () => {
    const r = run(["env", "create", "--engine", "gpu"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('cci: --engine: expected faithful, modern, fast, trl, got "gpu"');
  });

  it("a relative --python is resolved against the current folder, a missing one refused", () => {
    mkdirSync(join(root, "sub"), { recursive: true });
    expect(resolvePython("../base-python", "modern", root, join(root, "sub")).python).toBe(base);
    expect(() => resolvePython("./nope/python", "modern", root, root)).toThrow(/no such file/);
    rmSync(join(root, "sub"), { recursive: true });
  });
});
void CCI;
