/** `cci env create|show`: the Python environment of each engine (lib/env). */
import type { Command } from "commander";
import { relative } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { createEnv, probe, type Probe } from "../../env/create";
import { ENGINE_ENV, ENV_NAMES, ENVIRONMENTS, enginesIn, parseEngine } from "../../env/engines";
import { resolvePython, venvDir } from "../../env/python";
import { ENGINES, type Engine } from "../../train/bundle";
import { ChildInterrupted } from "../../util/child";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";

const engineOf = (v: string): Engine => parseEngine(v);

function describe(p: Probe): string[] {
  const libs = Object.entries(p.libs).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(", ");
  const gpus = p.gpus.length ? `${p.gpus.length} GPU(s): ${p.gpus.join(", ")}` : `no GPU visible to torch${p.cuda ? ` (CUDA build ${p.cuda})` : " (a CPU build of torch)"}: training needs one; tests and --tiny checks run on CPU`;
  return [`python ${p.python}; ${libs}`, gpus, ...(p.torch_error ? [`torch failed to import: ${p.torch_error}`] : [])];
}

export function register(program: Command): void {
  const env = program.command("env").summary("the Python environment of each training engine: create, show");
  env
    .command("create")
    .summary("make the engine's environment (.venv-faithful, .venv-modern for modern and fast, .venv-trl); later commands use it by default")
    .description(
      [
        "python3 -m venv .venv-<environment>, then pip install -r lib/train/python/<its",
        "requirements file>, then a probe: library versions and the GPUs torch sees.",
        "`cci train launch`, `cci predict --backend faithful`, `cci train",
        "fetch|merge|calibrate|check-gpu` then use its bin/python unless --python is given.",
        "One environment per stack; modern and fast share .venv-modern:",
        "",
        ...ENV_NAMES.map((n) => `  .venv-${n.padEnd(9)} engines ${enginesIn(n).join(", ")}: ${ENVIRONMENTS[n].why}`),
      ].join("\n"),
    )
    .requiredOption("--engine <engine>", ENGINES.join(" | "))
    .option("--python <path>", "interpreter the venv is made from (default python3; faithful wants 3.10 or 3.11)")
    .option("--force", "make it again over an existing one")
    .option("--pip-arg <arg...>", "extra pip arguments, e.g. --pip-arg=--index-url --pip-arg=https://…")
    .action(async (opts: { engine: string; python?: string; force?: boolean; pipArg?: string[] }) => {
      const engine = engineOf(opts.engine);
      const root = repoRoot();
      const { python, probe: p } = await createEnv({ engine, root, python: opts.python, force: opts.force, pipArgs: opts.pipArg });
      for (const l of describe(p)) info(`env: ${l}`);
      info(`env: ready; commands for the ${enginesIn(ENGINE_ENV[engine]).join(" and ")} engine${enginesIn(ENGINE_ENV[engine]).length > 1 ? "s" : ""} now use ${relative(process.cwd(), python) || python}`);
      console.log(python);
    });
  env
    .command("show")
    .summary("which Python each engine's commands would use, and what it holds")
    .action(async () => {
      const root = repoRoot();
      for (const n of ENV_NAMES) {
        const engines = enginesIn(n);
        const who = `${venvDir(engines[0])} (${engines.join(", ")})`;
        const { python, source } = resolvePython(undefined, engines[0], root);
        if (source !== "env") {
          info(`env: ${who}: not made (commands use ${python}; \`cci env create --engine ${engines[0]}\`)`);
          continue;
        }
        try {
          // Bounded (CCI_PROBE_TIMEOUT_S, default 120 s): a hung probe is named, then the next environment.
          for (const l of describe(await probe(python, root))) info(`env: ${who}: ${l}`);
        } catch (err) {
          if (!(err instanceof UserError) || err instanceof ChildInterrupted) throw err;
          info(`env: ${who}: ${err.message}`);
        }
      }
    });
}
