/**
 * The `cci` command: one sub-command per pipeline step, in data-flow order.
 * Bad input ends in one line on stderr and a non-zero exit; anything else is a bug and keeps its stack.
 */
import { Command, CommanderError } from "commander";
import { UserError } from "../util/errors";
import { packageVersion } from "../util/package-root";
import { redactConsole } from "../util/redact";
import { COMMANDS } from "./commands";

// Every line cci prints passes the one redactor (URL credentials, secret environment values).
redactConsole();

/** The workspace's version, from its package.json (one source of truth). */
const version = packageVersion();

const program = new Command("cci")
  .version(version, "-V, --version", "print the cci-workbench version")
  .description("cci-workbench: reproduce and extend the NIKL 2024 Conversation Context Inference (type B) winning entry")
  // Usage errors are one line too, the hint on the same line.
  .configureOutput({ outputError: (s, write) => write(`${s.trimEnd().replace(/^error: /, "cci: ")} (run with --help for usage)\n`) })
  // Usage errors are input errors: exit 2, not commander's 1 (help and --version stay 0). Subcommands inherit this.
  .exitOverride();

for (const register of COMMANDS) register(program);

// A closed pipe (`cci … | head`) ends our tables, not the command: its files are still written.
// Without a listener the stream's EPIPE would end the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
    stream.destroy();
  });
}

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
  } else if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2; // commander has written its line already
  } else {
    throw err;
  }
}
