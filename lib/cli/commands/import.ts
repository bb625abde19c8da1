import type { Command } from "commander";
import { relative } from "node:path";
import { DEFAULT_MAX_ENTRY_BYTES, importCorpus, parseSize } from "../../corpus/import";
import { realWorkspace } from "../../corpus/locate";
import { info } from "../../util/progress";
import { UserError } from "../../util/errors";

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
    .option("--threads <n>", "worker threads for validating large splits: auto, or a number (0 or 1: none)", "auto")
    .action(async (source: string, opts: { out: string; maxEntrySize: string; threads: string }) => {
      const threads = opts.threads === "auto" ? "auto" : Number(opts.threads);
      if (threads !== "auto" && !(Number.isInteger(threads) && threads >= 0)) throw new UserError(`--threads: expected "auto" or a whole number, got ${JSON.stringify(opts.threads)}`);
      const files = await importCorpus(source, opts.out, { maxEntryBytes: parseSize(opts.maxEntrySize), threads });
      for (const f of files) info(`import: ${relative(process.cwd(), f.path)}  ${f.examples} examples  (from ${f.from})`);
    });
}
