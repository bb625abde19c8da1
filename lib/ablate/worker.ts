/** A worker thread of `pool.ts`: scores the corpus job it is sent, one message each. */
import { parentPort } from "node:worker_threads";
import { runCorpusJob, type CorpusJob } from "./fit";

parentPort!.on("message", (m: { id: number; job: CorpusJob }) => {
  try {
    parentPort!.postMessage({ id: m.id, scores: runCorpusJob(m.job) });
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({ id: m.id, error: { message: e.message, stack: e.stack } });
  }
});
