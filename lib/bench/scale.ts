/**
 * Scaled copies of a corpus for benchmarks: every example repeated `times` times, copies after
 * the first with new ids (`…#r7`), written item by item so even ×300 (3.5 GB) needs little memory.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadCorpus } from "../corpus/load";
import { CorpusWriter } from "../corpus/stream-write";
import { OutputSet, removeOutput } from "../util/outputs";
import type { Example } from "../corpus/schema";
import { info } from "../util/progress";
import type { BenchCase, StepResult } from "./bench";

/** Copy a corpus `times` times with new example ids (`…#r7`), as a benchmark input. */
export function scaleCorpus(examples: readonly Example[], times: number): Example[] {
  const out: Example[] = [];
  for (let k = 0; k < times; k++) for (const ex of examples) out.push({ ...ex, id: k === 0 ? ex.id : `${ex.id}#r${k}` });
  return out;
}

/** Write `examples` × `times` into `path` (a staged temp file), one copy at a time. */
function writeScaled(path: string, examples: readonly Example[], times: number): void {
  const writer = new CorpusWriter(path);
  try {
    for (let k = 0; k < times; k++) {
      const copy = k === 0 ? examples : examples.map((ex) => ({ ...ex, id: `${ex.id}#r${k}` }));
      writer.write(copy);
    }
    writer.close();
  } catch (err) {
    writer.abandon();
    throw err;
  }
}

/** Write a scaled copy of an imported corpus folder (train, dev, test) into `dir`. */
export function writeScaledCorpus(from: string, dir: string, times: number): void {
  const splits = ["train", "dev", "test"];
  new OutputSet(splits.map((s) => join(from, `${s}.json`))).runSync((out) => {
    for (const split of splits) writeScaled(out.stage(join(dir, `${split}.json`)), loadCorpus(join(from, `${split}.json`)), times);
  });
}

const folderMiB = (dir: string) => +(readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0) / 2 ** 20).toFixed(1);

/**
 * `import-refine-xN`: the imported real corpus copied N times with new ids, then imported and
 * refined as a user would; the scaled folders (gigabytes) are deleted afterwards, even on failure.
 */
export function scaledCase(times: number): BenchCase {
  const name = `import-refine-x${times}`;
  return {
    name,
    run: async (ctx) => {
      const [source, data, refined] = ["source", "data", "refined"].map((d) => join(ctx.work, `x${times}-${d}`));
      try {
        info(`bench: writing the ×${times} corpus …`);
        writeScaledCorpus(join(ctx.work, "x1-data"), source, times);
        const imported = await ctx.cci(name, "import", ["import", source, "--out", data]);
        const refine = await ctx.cci(name, "refine", ["refine", "--in", data, "--out", refined]);
        return [
          { ...imported, inputMiB: folderMiB(source) },
          { ...refine, inputMiB: folderMiB(data) },
        ];
      } finally {
        for (const d of [source, data, refined]) removeOutput(d);
      }
    },
  };
}

/** `startup`: `cci --help`, five times — what every command pays before its work. */
export const startupCase: BenchCase = {
  name: "startup",
  run: async (ctx) => {
    const runs: StepResult[] = [];
    for (let i = 0; i < 5; i++) runs.push(await ctx.cci("startup", "cci --help", ["--help"]));
    const mid = [...runs].sort((a, b) => a.seconds - b.seconds)[2];
    return [{ ...mid, step: "cci --help (median of 5)" }];
  },
};
