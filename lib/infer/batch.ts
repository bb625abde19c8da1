/**
 * `cci predict --recipe all|N,M --split dev,test [--gpus 0,1]`: many (recipe, split) jobs as
 * child `cci predict` processes, one job per GPU at a time (CUDA_VISIBLE_DEVICES), the rest
 * queued; a failure is reported at the end without stopping the others. Each child is the
 * ordinary single-recipe command, so resuming (journals) and refusals behave exactly as there.
 */
import { spawn } from "node:child_process";
import { info } from "../util/progress";

export interface PredictJob {
  recipe: string;
  split: string;
}

export interface PredictJobResult extends PredictJob {
  ok: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The child's last stderr line (its summary or its one-line error). */
  last: string;
}

/** The command line without the options the batch sets per job (both `--x v` and `--x=v`). */
export function stripOptions(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = names.find((n) => a === n || a.startsWith(`${n}=`));
    if (name === undefined) out.push(a);
    else if (a === name) i++; // skip its value too
  }
  return out;
}

export async function runPredictJobs(cli: string, baseArgs: readonly string[], jobs: readonly PredictJob[], gpus: readonly string[] | null): Promise<PredictJobResult[]> {
  const results: PredictJobResult[] = [];
  let next = 0;
  const children = new Set<ReturnType<typeof spawn>>();
  const stop = (sig: NodeJS.Signals) => () => {
    for (const c of children) c.kill(sig);
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, stop(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const worker = async (gpu: string | null) => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const tag = `${gpu === null ? "" : `[gpu ${gpu}] `}${job.recipe} ${job.split}`;
      info(`predict: ${tag}: started`);
      const env = gpu === null ? process.env : { ...process.env, CUDA_VISIBLE_DEVICES: gpu };
      const child = spawn(process.execPath, [cli, "predict", ...baseArgs, "--recipe", job.recipe, "--split", job.split], { env, stdio: ["ignore", "inherit", "pipe"] });
      children.add(child);
      let err = "";
      child.stderr!.on("data", (d: Buffer) => {
        const text = d.toString("utf8");
        err = (err + text).slice(-4000);
        // one line per child line, tagged, so parallel jobs stay readable
        for (const l of text.split("\n").filter(Boolean)) process.stderr.write(`${gpu === null ? "" : `[gpu ${gpu}] `}${l}\n`);
      });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on("close", (c, s) => r([c, s])));
      children.delete(child);
      const last = err.trim().split("\n").pop() ?? "";
      results.push({ ...job, ok: code === 0, code, signal, last });
    }
  };
  await Promise.allSettled((gpus ?? [null]).map((g) => worker(g)));
  for (const [s, h] of handlers) process.off(s, h);
  return results.sort((a, b) => jobs.findIndex((j) => j.recipe === a.recipe && j.split === a.split) - jobs.findIndex((j) => j.recipe === b.recipe && j.split === b.split));
}
