import type { Command } from "commander";
import { relative } from "node:path";
import { DEFAULT_MAX_ENTRY_BYTES, importCorpus, parseSize } from "../../corpus/import";
import { realWorkspace } from "../../corpus/locate";
import { info } from "../../util/progress";
import { parseThreads, type Threads } from "../../refine/pool";
import { IO, openOutputs } from "../io";

export function register(program: Command): void {
  program
    .command("import")
    .summary("competition download (zip or folder) → train/dev/test/train+dev.json")
    .description(
      "Import the competition download 대화맥락추론_데이터.zip (or its unpacked folder) into --out:\n" +
        "train.json, dev.json and test.json byte for byte, and train+dev.json (train's examples then dev's).\n" +
        "Every file is validated before anything is written; on bad input, failure or interruption nothing is.",
    )
    .argument("<source>", "the downloaded zip, or a folder holding *_train.json, *_dev.json, *_test.json")
    .option("--out <dir>", "output folder", relative(process.cwd(), realWorkspace().data) || ".")
    .option("--max-entry-size <size>", `refuse a split larger than this uncompressed (e.g. 500M, 64G)`, `${DEFAULT_MAX_ENTRY_BYTES / 2 ** 30}G`)
    .option("--threads <n>", "worker threads for validating large splits: auto (every core from 32 MiB), or a number (0 or 1: none)", parseThreads, "auto" as Threads)
    .action(async (source: string, opts: { out: string; maxEntrySize: string; threads: Threads }) => {
      const outputs = openOutputs(IO.import(source, opts.out)); // every output checked (never the source zip, a folder, /proc …) before any work
      const files = await outputs.run(() => importCorpus(source, opts.out, { maxEntryBytes: parseSize(opts.maxEntrySize), threads: opts.threads, outputs }));
      for (const f of files) info(`import: ${relative(process.cwd(), f.path)}  ${f.examples} examples  (from ${f.from})`);
    });
}
