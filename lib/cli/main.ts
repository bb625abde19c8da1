/**
 * The `cci` command: one sub-command per pipeline step, in data-flow order.
 * Bad input ends in one line on stderr and a non-zero exit; anything else is a bug and keeps its stack.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { UserError } from "../util/errors";
import { COMMANDS } from "./commands";

/** The workspace's version, from its package.json (one source of truth). */
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command("cci")
  .version(version, "-V, --version", "print the cci-workbench version")
  .description("cci-workbench: reproduce and extend the NIKL 2024 Conversation Context Inference (type B) winning entry")
  .showHelpAfterError("(run with --help for usage)")
  .configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, "cci: ")) });

for (const register of COMMANDS) register(program);

// Benchmarks ask a child process to report its own peak memory and CPU time at exit.
if (process.env.CCI_REPORT_RESOURCES) {
  process.on("exit", () => process.stderr.write(`CCI_RESOURCES ${JSON.stringify(process.resourceUsage())}\n`));
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof UserError) {
    process.stderr.write(`cci: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    throw err;
  }
}
