/**
 * Corpus jobs (fit.ts) spread over worker threads (`--jobs`, default one per core, at most the jobs there
 * are). Fitting is pure CPU (a few hundred epochs of gradient descent per member), so threads
 * scale with cores; with one job or `--jobs 1` everything runs inline.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { packageRoot } from "../util/package-root";
import { runCorpusJob, type CorpusJob, type CorpusScores } from "./fit";

function workerUrl(): URL {
  const bundled = process.env.CCI_BUNDLED === "1";
  return pathToFileURL(join(packageRoot(), ...(bundled ? ["dist", "ablate-worker.mjs"] : ["lib", "ablate", "worker-entry.mjs"])));
}

/** Run every job, at most `jobs` at a time; `done` is called as each finishes (for progress lines). Results in job order. */
export async function runCorpusJobs(list: readonly CorpusJob[], jobs = availableParallelism(), done?: (i: number) => void): Promise<CorpusScores[]> {
  const n = Math.max(1, Math.min(Math.floor(jobs), list.length));
  const out: CorpusScores[] = new Array(list.length);
  if (n <= 1) {
    list.forEach((job, i) => {
      out[i] = runCorpusJob(job);
      done?.(i);
    });
    return out;
  }
  let next = 0;
  const workers = Array.from({ length: n }, () => new Worker(workerUrl()));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= list.length) return resolve();
              const i = next++;
              w.postMessage({ id: i, job: list[i] });
            };
            w.on("message", (m: { id: number; scores?: CorpusScores; error?: { message: string; stack?: string } }) => {
              if (m.error) return reject(Object.assign(new Error(m.error.message), { stack: m.error.stack }));
              out[m.id] = m.scores!;
              done?.(m.id);
              send();
            });
            w.on("error", reject);
            w.on("exit", (code) => (code !== 0 ? reject(new Error(`ablation worker stopped (exit code ${code})`)) : undefined));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
