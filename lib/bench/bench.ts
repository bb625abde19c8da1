/**
 * `npm run bench`: whole-process timings and peak memory of pipeline commands, each run as its
 * own `cci` child process (what a user runs), on the real corpus and on scaled copies of it.
 * Benchmarks measure; they never assert.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadCorpus } from "../corpus/load";
import { writeCorpus } from "../corpus/write";
import { holdsCorpus } from "../corpus/locate";
import type { Example } from "../corpus/schema";
import { UserError } from "../util/errors";
import { info } from "../util/progress";
import { promptsCase } from "./prompts";
import { edaCase } from "./eda";
import { baselineCase } from "./baseline";

export interface StepResult {
  case: string;
  step: string;
  seconds: number;
  peakMiB: number;
  cpuSeconds: number;
}

export interface BenchContext {
  root: string;
  /** Scratch folder (git-ignored). */
  work: string;
  /** The competition zip or an imported corpus folder. */
  source: string;
  /** Run `cci ARGS` as a child process and measure it. */
  cci: (caseName: string, step: string, args: string[]) => StepResult;
}

export interface BenchCase {
  name: string;
  run: (ctx: BenchContext) => StepResult[];
}

/** Copy a corpus `times` times with new example ids (`…#r7`), as a benchmark input. */
export function scaleCorpus(examples: readonly Example[], times: number): Example[] {
  const out: Example[] = [];
  for (let k = 0; k < times; k++) for (const ex of examples) out.push({ ...ex, id: k === 0 ? ex.id : `${ex.id}#r${k}` });
  return out;
}

/** Write a scaled copy of an imported corpus folder (train, dev, test) into `dir`. */
export function writeScaledCorpus(from: string, dir: string, times: number): void {
  mkdirSync(dir, { recursive: true });
  for (const split of ["train", "dev", "test"]) writeCorpus(join(dir, `${split}.json`), scaleCorpus(loadCorpus(join(from, `${split}.json`)), times));
}

/** The benchmark cases; later stages add theirs. */
export const BENCH_CASES: BenchCase[] = [
  {
    name: "import+refine ×1",
    run: (ctx) => [
      ctx.cci("import+refine ×1", "import", ["import", ctx.source, "--out", join(ctx.work, "x1-data")]),
      ctx.cci("import+refine ×1", "refine", ["refine", "--in", join(ctx.work, "x1-data"), "--out", join(ctx.work, "x1-refined")]),
    ],
  },
  {
    name: "import+refine ×100",
    run: (ctx) => {
      const scaled = join(ctx.work, "x100-source");
      if (!existsSync(join(scaled, "test.json"))) {
        info("bench: writing the ×100 corpus …");
        writeScaledCorpus(join(ctx.work, "x1-data"), scaled, 100);
      }
      return [
        ctx.cci("import+refine ×100", "import", ["import", scaled, "--out", join(ctx.work, "x100-data")]),
        ctx.cci("import+refine ×100", "refine", ["refine", "--in", join(ctx.work, "x100-data"), "--out", join(ctx.work, "x100-refined")]),
      ];
    },
  },
  edaCase,
  promptsCase,
  baselineCase,
];

function runCci(root: string, caseName: string, step: string, args: string[]): StepResult {
  info(`bench: ${caseName}: cci ${args.join(" ")}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, "lib", "cli", "cci.mjs"), ...args], {
    cwd: root,
    env: { ...process.env, CCI_REPORT_RESOURCES: "1" },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new UserError(`bench: cci ${args.join(" ")} failed: ${r.stderr.trim().split("\n").at(-1)}`);
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

export function runBench(root: string, source: string, only?: string[]): StepResult[] {
  const work = join(root, ".bench");
  rmSync(join(work, "x1-data"), { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const ctx: BenchContext = { root, work, source, cci: (c, s, a) => runCci(root, c, s, a) };
  const cases = only ? BENCH_CASES.filter((c) => only.some((o) => c.name.includes(o))) : BENCH_CASES;
  // Cases after the first reuse its imported corpus.
  if (!cases.includes(BENCH_CASES[0])) BENCH_CASES[0].run(ctx);
  return cases.flatMap((c) => c.run(ctx));
}
