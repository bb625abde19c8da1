import type { Command } from "commander";
import { relative } from "node:path";
import { defaultWorkspace } from "../../corpus/locate";
import { writeReport } from "../../report/report";
import { info } from "../../util/progress";

export function register(program: Command): void {
  program
    .command("report")
    .summary("run the CPU pipeline on the default corpus and write reports/report-*.md")
    .description("Runs every CPU stage on resource/data (or the bundled sample when no corpus was imported) and writes a markdown summary of aggregates into reports/.")
    .action(async () => {
      const path = await writeReport(defaultWorkspace());
      info(`report: wrote ${relative(process.cwd(), path)}`);
    });
}
