import type { Command } from "commander";
import { INFER_RESULTS } from "../../bench/infer-case";
import { checkOutputFile } from "../../util/output-rule";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { defaultRunsDir } from "../../infer/bundle";
import { LOGPROBS_VIA, type LogprobsVia } from "../../infer/openai";
import { mergedGroups, serveGroups, servePlanScript } from "../../infer/serve-plan";
import { RECIPES, type Recipe } from "../../train/recipes";
import { writeFileAtomic } from "../../util/atomic";
import { writeOutput } from "../../util/outputs";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { repoRoot } from "../../corpus/locate";
import { printTable } from "../../util/text-table";

interface PlanOpts {
  recipes: string;
  runs?: string;
  port: string;
  host: string;
  logprobsVia: string;
  splits: string;
  out?: string;
  lmHeadLora?: boolean;
  readyTimeout: string;
}

/** A host name or IP literal: it goes into a URL and a command line. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\])$/;

/** `all`, or recipe names / ensemble indices (1–11), comma-separated, kept in ensemble order. */
export function selectRecipes(text: string): Recipe[] {
  if (text.trim() === "all") return [...RECIPES];
  const wanted = text.split(",").map((s) => s.trim()).filter(Boolean);
  const picked = new Set<Recipe>();
  for (const w of wanted) {
    const r = /^\d+$/.test(w) ? RECIPES[Number(w) - 1] : RECIPES.find((x) => x.name === w);
    if (!r) throw new UserError(`--recipes: unknown recipe "${w}" (names of SPEC §6, or 1–${RECIPES.length}, or all)`);
    picked.add(r);
  }
  if (picked.size === 0) throw new UserError(`--recipes: no recipe named in "${text}" (names of SPEC §6, or 1–${RECIPES.length}, or all)`);
  return RECIPES.filter((r) => picked.has(r));
}

export function register(program: Command): void {
  const serve = program.command("serve").summary("plan the vLLM servers that score the recipes (every adapter of a base on one server)");
  serve
    .command("plan")
    .summary("write the vLLM command(s) serving every adapter of each base, and the cci predict lines")
    .description(
      [
        "One `vllm serve BASE --enable-lora --lora-modules NAME=PATH …` per base",
        "model and load mode (4-bit for the QLoRA recipes and recipe 9, bf16",
        "otherwise, as the original scored them), run one after another: start,",
        "wait for /v1/models, `cci predict --backend openai` for each of its",
        "recipes on the splits, stop. Adapters are read from {runs}/{name}/adapter.",
        "Prints a shell script (or writes --out).",
      ].join("\n"),
    )
    .option("--recipes <list>", "all, or recipe names / indices 1–11, comma-separated", "all")
    .option("--runs <dir>", "run bundles folder (default: resource/runs)")
    .option("--port <n>", "port of the first server; the others follow", "8000")
    .option("--host <host>", "address the servers listen on (and cci predict calls)", "127.0.0.1")
    .option("--logprobs-via <how>", `how cci predict gets the three log-probs: ${LOGPROBS_VIA.join(" | ")}`, "logprob_token_ids")
    .option("--splits <list>", "splits to score, comma-separated", "dev,test")
    .option("--out <file>", "write the script here (made executable) instead of printing it")
    .option("--lm-head-lora", "the server applies a LoRA on lm_head: one server per base with all its adapters (default: one server per recipe on its merged model, `cci train merge`)")
    .option("--ready-timeout <seconds>", "how long the script waits for a server to answer", "1800")
    .action((opts: PlanOpts) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port: expected a port number, got "${opts.port}"`);
      if (!HOST.test(opts.host)) throw new UserError(`--host: expected a host name or IP address, got "${opts.host}"`);
      const readyTimeout = Number(opts.readyTimeout);
      if (!Number.isInteger(readyTimeout) || readyTimeout < 1 || readyTimeout > 86_400) throw new UserError(`--ready-timeout: expected whole seconds (1–86400), got "${opts.readyTimeout}"`);
      if (!(LOGPROBS_VIA as readonly string[]).includes(opts.logprobsVia)) throw new UserError(`--logprobs-via: expected ${LOGPROBS_VIA.join(" or ")}, got "${opts.logprobsVia}"`);
      const splits = opts.splits.split(",").map((s) => s.trim());
      const bad = splits.find((s) => s !== "dev" && s !== "test");
      if (bad !== undefined) throw new UserError(`--splits: expected dev and/or test, got "${bad}"`);
      const recipes = selectRecipes(opts.recipes);
      const groups = opts.lmHeadLora ? serveGroups(recipes, port) : mergedGroups(recipes, port);
      const last = port + groups.length - 1;
      if (last > 65535) throw new UserError(`--port ${port}: ${groups.length} servers need ports ${port}–${last}, past 65535`);
      const script = servePlanScript(groups, { runsDir: opts.runs ?? defaultRunsDir(), runsArg: opts.runs, port, host: opts.host, via: opts.logprobsVia as LogprobsVia, splits, lmHeadLora: opts.lmHeadLora, readyTimeout });
      const bases = new Set(groups.map((g) => g.model_id)).size;
      info(`serve plan: ${recipes.length} recipes on ${bases} base model${bases > 1 ? "s" : ""}, ${groups.length} server${groups.length > 1 ? "s" : ""} (ports ${port}–${port + groups.length - 1})`);
      if (opts.out) {
        // Executable: a new file gets 0755; an existing one with other bits (a private 0600 file) is refused, not changed; a device is streamed into.
        writeOutput(opts.out, script, { mode: 0o755 });
        info(`serve plan: wrote ${relative(process.cwd(), opts.out)}`);
      } else {
        process.stdout.write(script);
      }
    });

  serve
    .command("bench")
    .summary("scoring throughput: onnx batched vs one-by-one, openai client at concurrency 1/8/32 (npm run bench runs it)")
    .description(
      [
        "Builds a mid-size causal LM (ONNX) and random prompts of mixed length,",
        "scores them one by one and batched; then scores prompts against a local",
        "stand-in server with a fixed service time at each concurrency. Prints",
        "examples/s and the ratio to each backend's first setting; writes --out.",
      ].join("\n"),
    )
    .option("--out <file>", "results file (default: reports/bench-infer.json, which notebook 05 shows)")
    .option("--service-ms <ms>", "stand-in server's service time per request", "20")
    .action(async (opts: { out?: string; serviceMs: string }) => {
      const serviceMs = Number(opts.serviceMs);
      if (!(serviceMs >= 0)) throw new UserError(`--service-ms: expected a non-negative number, got "${opts.serviceMs}"`);
      const out = opts.out ?? join(repoRoot(), ...INFER_RESULTS);
      checkOutputFile(out); // before the 75 s of measuring, not after
      const { inferThroughput } = await import("../../bench/infer");
      const result = await inferThroughput({ serviceMs });
      printTable(result.rows);
      // The machine and its load beside the numbers: throughput on a shared machine varies from run to run.
      const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", loadAverage: loadavg().map((x) => +x.toFixed(2)), node: process.version };
      writeFileAtomic(out, `${JSON.stringify({ date: new Date().toISOString(), machine, ...result }, null, 2)}\n`);
      info(`serve bench: wrote ${relative(process.cwd(), out)}`);
    });
}
