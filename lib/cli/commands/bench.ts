import type { Command } from "commander";
import { join } from "node:path";
import { BENCH_CASES, benchSource, runBench } from "../../bench/bench";
import { repoRoot } from "../../corpus/locate";
import { writeFileAtomic } from "../../util/atomic";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";

export function register(program: Command): void {
  program
    .command("bench")
    .summary("time pipeline commands (whole process, peak memory) on the real corpus and scaled copies")
    .description(
      "Runs each benchmark step as a separate `cci` process and reports wall time, CPU time and peak resident memory.\n" +
        "Results go to .bench/results.json. Needs the real corpus (the competition zip or resource/data).\n" +
        `Cases: ${BENCH_CASES.map((c) => c.name).join(", ")}.\n` +
        "import-refine-x100 and -x300 write scaled copies (1.2 and 3.5 GB, about 3x that on disk while they run) and delete them afterwards.",
    )
    .option("--source <path>", "competition zip or imported corpus folder (default: ../shared/corpus zip, else resource/data)")
    .option("--only <names...>", "run only these cases (whole names)")
    .action(async (opts: { source?: string; only?: string[] }) => {
      const root = repoRoot();
      const results = await runBench(root, benchSource(root, opts.source), opts.only);
      printTable(results);
      writeFileAtomic(join(root, ".bench", "results.json"), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
      info("bench: wrote .bench/results.json");
    });
}
