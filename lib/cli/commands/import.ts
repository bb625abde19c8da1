import type { Command } from "commander";
import { relative } from "node:path";
import { importCorpus } from "../../corpus/import";
import { realWorkspace } from "../../corpus/locate";
import { info } from "../../util/progress";
import { IO, openOutputs } from "../io";

export function register(program: Command): void {
  program
    .command("import")
    .summary("competition download (zip or folder) → train/dev/test/train+dev.json")
    .description(
      "Import the competition download 대화맥락추론_데이터.zip (or its unpacked folder) into --out:\n" +
        "train.json, dev.json and test.json byte for byte, and train+dev.json (train's examples then dev's).\n" +
        "Every file is validated before anything is written.",
    )
    .argument("<source>", "the downloaded zip, or a folder holding *_train.json, *_dev.json, *_test.json")
    .option("--out <dir>", "output folder", relative(process.cwd(), realWorkspace().data) || ".")
    .action(async (source: string, opts: { out: string }) => {
      openOutputs(IO.import(source, opts.out)); // every output checked (never the source zip, a folder, /proc …) before any work
      const files = await importCorpus(source, opts.out);
      for (const f of files) info(`import: ${relative(process.cwd(), f.path)}  ${f.examples} examples  (from ${f.from})`);
    });
}
