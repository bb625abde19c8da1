/**
 * `cci predict --recipe all|N,M --split dev,test [--gpus 0,1]`: many (recipe, split) jobs as
 * child `cci predict` processes, one job per GPU at a time (CUDA_VISIBLE_DEVICES), the rest
 * queued; a failure is reported at the end without stopping the others. Each child is the
 * ordinary single-recipe command, so resuming (journals) and refusals behave exactly as there.
 * Ctrl-C or SIGTERM stops the running jobs (each in its own process group, lib/util/child.ts)
 * and the queue: no job starts after it, and the batch ends with exit 130/143.
 */
import { ChildInterrupted, ChildStartError, interrupted, runChild } from "../util/child";
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
  const worker = async (gpu: string | null) => {
    while (next < jobs.length && !interrupted()) {
      const job = jobs[next++];
      const tag = `${gpu === null ? "" : `[gpu ${gpu}] `}${job.recipe} ${job.split}`;
      info(`predict: ${tag}: started`);
      const env = gpu === null ? process.env : { ...process.env, CUDA_VISIBLE_DEVICES: gpu };
      let pending = "";
      const onStderr = (d: Buffer) => {
        // one line per child line, tagged, so parallel jobs stay readable
        const text = pending + d.toString("utf8");
        const cut = text.lastIndexOf("\n") + 1;
        pending = text.slice(cut);
        for (const l of text.slice(0, cut).split("\n").filter(Boolean)) process.stderr.write(`${gpu === null ? "" : `[gpu ${gpu}] `}${l}\n`);
      };
      try {
        const r = await runChild(process.execPath, [cli, "predict", ...baseArgs, "--recipe", job.recipe, "--split", job.split], `predict: ${tag}`, {
          env,
          stdout: "inherit",
          stderr: "pipe",
          maxCapture: 4000,
          onStderr,
          onInterrupt: "return",
        });
        if (pending) process.stderr.write(`${gpu === null ? "" : `[gpu ${gpu}] `}${pending}\n`);
        const last = r.stderr.trim().split("\n").pop() ?? "";
        results.push({ ...job, ok: r.code === 0, code: r.code, signal: r.signal, last });
      } catch (err) {
        if (!(err instanceof ChildStartError)) throw err;
        results.push({ ...job, ok: false, code: null, signal: null, last: err.message });
      }
    }
  };
  await Promise.allSettled((gpus ?? [null]).map((g) => worker(g)));
  const sig = interrupted();
  if (sig) throw new ChildInterrupted(sig, `predict: ${results.length} of ${jobs.length} job(s) ran; the queue`);
  return results.sort((a, b) => jobs.findIndex((j) => j.recipe === a.recipe && j.split === a.split) - jobs.findIndex((j) => j.recipe === b.recipe && j.split === b.split));
}
