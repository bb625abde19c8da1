/**
 * `npm run bench`: whole-process timings and peak memory of pipeline commands, each run as its
 * own `cci` child process (what a user runs), on the real corpus and on scaled copies of it.
 * Benchmarks measure; they never assert.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { makeDirs, removeOutput } from "../util/outputs";
import { join } from "node:path";
import { holdsCorpus } from "../corpus/locate";
import { describeExit, runChild } from "../util/child";
import { UserError } from "../util/errors";
import { info } from "../util/progress";
import { promptsCase } from "./prompts";
import { edaCase } from "./eda";
import { baselineCase } from "./baseline";
import { inferCase } from "./infer-case";
import { scaledCase, startupCase } from "./scale";

export interface StepResult {
  case: string;
  step: string;
  seconds: number;
  peakMiB: number;
  cpuSeconds: number;
  /** Size of the step's input corpus, where it has one (to judge how time scales). */
  inputMiB?: number;
}

export interface BenchContext {
  root: string;
  /** Scratch folder (git-ignored). */
  work: string;
  /** The competition zip or an imported corpus folder. */
  source: string;
  /** Run `cci ARGS` as a child process and measure it. */
  cci: (caseName: string, step: string, args: string[]) => Promise<StepResult>;
}

export interface BenchCase {
  name: string;
  run: (ctx: BenchContext) => Promise<StepResult[]>;
}

/** The benchmark cases; later stages add theirs. */
export const BENCH_CASES: BenchCase[] = [
  {
    name: "import-refine-x1",
    run: async (ctx) => [
      await ctx.cci("import-refine-x1", "import", ["import", ctx.source, "--out", join(ctx.work, "x1-data")]),
      await ctx.cci("import-refine-x1", "refine", ["refine", "--in", join(ctx.work, "x1-data"), "--out", join(ctx.work, "x1-refined")]),
    ],
  },
  startupCase,
  scaledCase(100),
  scaledCase(300),
  edaCase,
  promptsCase,
  baselineCase,
  inferCase,
];

async function runCci(root: string, caseName: string, step: string, args: string[]): Promise<StepResult> {
  info(`bench: ${caseName}: cci ${args.join(" ")}`);
  const t0 = performance.now();
  const r = await runChild(process.execPath, [join(root, "lib", "cli", "cci.mjs"), ...args], `bench: ${caseName}`, {
    cwd: root,
    env: { ...process.env, CCI_REPORT_RESOURCES: "1" },
    stdout: "pipe",
    stderr: "pipe",
    maxCapture: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new UserError(`bench: cci ${args.join(" ")} failed (${describeExit(r)}): ${r.stderr.trim().split("\n").at(-1)}`);
  const line = r.stderr.split("\n").find((l) => l.startsWith("CCI_RESOURCES "));
  const usage = line ? (JSON.parse(line.slice("CCI_RESOURCES ".length)) as NodeJS.ResourceUsage) : undefined;
  return {
    case: caseName,
    step,
    seconds: +seconds.toFixed(2),
    peakMiB: usage ? Math.round(usage.maxRSS / 1024) : NaN,
    cpuSeconds: usage ? +((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(2) : NaN,
  };
}

/** Pick the benchmark input: the given path, the shared competition zip, or resource/data. */
export function benchSource(root: string, given?: string): string {
  // A --source the user named is used or refused, never silently replaced by a default.
  if (given !== undefined) {
    if (!existsSync(given)) throw new UserError(`bench --source ${given}: no such file or folder`);
    if (!given.endsWith(".zip") && !holdsCorpus(given)) throw new UserError(`bench --source ${given}: expected the competition zip or a folder holding train.json, dev.json and test.json`);
    return given;
  }
  const candidates = [join(root, "..", "shared", "corpus", "대화맥락추론_데이터.zip"), join(root, "resource", "data")];
  const found = candidates.find((c) => existsSync(c) && (c.endsWith(".zip") || holdsCorpus(c)));
  if (!found) throw new UserError("bench needs the real corpus: pass --source <zip-or-folder> or import it into resource/data");
  return found;
}

/** The cases `--only` names (whole names), or one line listing the names there are. */
export function selectCases(only?: readonly string[]): BenchCase[] {
  if (!only || only.length === 0) return BENCH_CASES;
  const unknown = only.filter((o) => !BENCH_CASES.some((c) => c.name === o));
  if (unknown.length > 0) throw new UserError(`bench: no case named ${unknown.join(", ")} (cases: ${BENCH_CASES.map((c) => c.name).join(", ")})`);
  return BENCH_CASES.filter((c) => only.includes(c.name));
}

/** The compiled start-up build is what users run; build it first when it is missing or stale. */
async function ensureBuild(root: string): Promise<void> {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(root, "dist", "build.json"), "utf8")) as { builtAt: number; inputs: string[] };
    if (inputs.every((p) => statSync(join(root, p)).mtimeMs <= builtAt)) return;
  } catch {
    /* no build */
  }
  info("bench: building dist/ first (the start-up build users run)");
  const r = await runChild(process.execPath, [join(root, "lib", "cli", "build.mjs")], "bench: build");
  if (r.code !== 0) throw new UserError(`bench: the build failed (${describeExit(r)})`, 1);
}

export async function runBench(root: string, source: string, only?: string[]): Promise<StepResult[]> {
  const cases = selectCases(only);
  await ensureBuild(root);
  const work = join(root, ".bench");
  removeOutput(join(work, "x1-data"));
  makeDirs(work);
  const ctx: BenchContext = { root, work, source, cci: (c, s, a) => runCci(root, c, s, a) };
  // Cases after the first reuse its imported corpus.
  if (!cases.includes(BENCH_CASES[0])) await BENCH_CASES[0].run(ctx);
  const results: StepResult[] = [];
  for (const c of cases) results.push(...(await c.run(ctx)));
  return results;
}
