/**
 * The GPU run book (reports/guide/runbook.md), executed as written, in order, in a scratch copy of the checkout —
 * with stand-ins only for what needs a GPU machine (test/fixtures/runbook/venv_python.py: pip,
 * the GPU probe, the trainer's forward/backward, the scorer's forward) and the Hub
 * (test/fixtures/env/stubs/huggingface_hub). Everything else is the real cci. A step that breaks
 * fails here; the run ends in final-result.json.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cleanTemp, LLAMA3, ROOT, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);

/** The shell lines of the README's run book (between the runbook markers). */
export function runbookScript(readme: string): string {
  const m = /<!-- runbook:start -->\s*```sh\n([\s\S]*?)```\s*<!-- runbook:end -->/.exec(readme);
  if (!m) throw new Error("README: no run book between <!-- runbook:start --> and <!-- runbook:end -->");
  return m[1];
}

const realPython = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();

describe.skipIf(!realPython)("the run book's commands", () => {
  it("runs from a fresh checkout to final-result.json", () => {
    const root = tempDir("cci-runbook-");
    const repo = join(root, "cci-workbench");
    mkdirSync(repo);
    // A fresh checkout after `npm ci`: the tracked sources, the build, node_modules.
    for (const f of ["lib", "dist", "package.json", "tsconfig.json", "resource/sample"]) cpSync(join(ROOT, f), join(repo, f), { recursive: true, preserveTimestamps: true });
    symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"));
    // The competition download: an unpacked folder with the three split files (the sample's).
    const corpus = join(root, "download");
    mkdirSync(corpus);
    for (const s of ["train", "dev", "test"]) cpSync(join(SAMPLE, `${s}.json`), join(corpus, `대화맥락추론_${s}.json`));
    // python3 on PATH: `-m venv DIR` makes DIR/bin/python the stand-in; anything else is the real python3.
    const bin = join(root, "bin");
    mkdirSync(bin);
    const venvPy = join(root, "venv_python.py");
    writeFileSync(venvPy, `#!${realPython}\n${readFileSync(join(ROOT, "test", "fixtures", "runbook", "venv_python.py"), "utf8")}`);
    chmodSync(venvPy, 0o755);
    writeFileSync(join(bin, "python3"), `#!/bin/sh\nif [ "$1" = -m ] && [ "$2" = venv ]; then mkdir -p "$3/bin" && cp ${JSON.stringify(venvPy)} "$3/bin/python" && exit 0; fi\nexec ${JSON.stringify(realPython)} "$@"\n`);
    chmodSync(join(bin, "python3"), 0o755);
    const trace = join(root, "trace.jsonl");

    const script = runbookScript(readFileSync(join(ROOT, "reports", "guide", "runbook.md"), "utf8")).replace(/^CORPUS=.*$/m, `CORPUS=${JSON.stringify(corpus)}`);
    expect(script).toMatch(/npx cci vote\n?$/);
    // `npx cci` is the checkout's own cci (what npx runs in the checkout).
    const prelude = `set -euo pipefail\nnpx() { if [ "$1" = cci ]; then shift; node ${JSON.stringify(join(repo, "lib", "cli", "cci.mjs"))} "$@"; else command npx "$@"; fi; }\n`;
    const r = spawnSync("bash", ["-c", prelude + script], {
      cwd: repo,
      encoding: "utf8",
      timeout: 900_000,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: root, HF_HOME: join(root, "hf"), RUNBOOK_TRACE: trace, RUNBOOK_STUBS: join(ROOT, "test", "fixtures", "env", "stubs"), STANDIN_HF_TOKENIZER: LLAMA3, CCI_PACKAGE_ROOT: repo },
    });
    expect(r.status, `${r.stderr.slice(-3000)}`).toBe(0);

    const calls = readFileSync(trace, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const of = (k: string) => calls.filter((c) => c.kind === k);
    expect(of("pip")).toHaveLength(1);
    expect(of("train").map((c) => c.name).sort()).toEqual(RECIPES.map((x) => x.name).sort());
    expect(new Set(of("train").map((c) => c.gpu)).size).toBeGreaterThan(1); // spread over the GPUs
    expect(of("predict")).toHaveLength(22);
    const final = join(repo, "resource", "results", "predictions", "final-result.json");
    expect(existsSync(final)).toBe(true);
    const test = JSON.parse(readFileSync(join(repo, "resource", "data", "test.json"), "utf8"));
    const voted = JSON.parse(readFileSync(final, "utf8"));
    expect(voted.map((e: { id: string }) => e.id)).toEqual(test.map((e: { id: string }) => e.id));
    for (const e of voted) expect(["inference_1", "inference_2", "inference_3"]).toContain(e.output);
    expect(r.stderr).toMatch(/vote: accuracy [\d.]+ % \(95 % bootstrap interval/);
    expect(r.stderr).toMatch(/test answers are hidden; the original's 98\.01 %/);
  }, 900_000);
});
