/** A worker thread of `pool.ts`: checks or refines the batches it is sent, one message each. */
import { parentPort } from "node:worker_threads";
import type { Batch } from "../corpus/elements";
import { UserError } from "../util/errors";
import { checkBatch, refineBatch, rulesFromNames } from "./batch";
import type { RefineRule } from "./rules";

export interface WorkRequest {
  id: number;
  kind: "check" | "refine";
  rules: string[];
  batch: Batch;
}

const rulesCache = new Map<string, RefineRule[]>();

parentPort!.on("message", (m: WorkRequest) => {
  try {
    if (m.kind === "check") {
      parentPort!.postMessage({ id: m.id, result: checkBatch(m.batch) });
      return;
    }
    const key = m.rules.join(",");
    let rules = rulesCache.get(key);
    if (!rules) rulesCache.set(key, (rules = rulesFromNames(m.rules)));
    const result = refineBatch(m.batch, rules);
    parentPort!.postMessage({ id: m.id, result }, [result.items.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({ id: m.id, error: { message: e.message, stack: e.stack, user: err instanceof UserError } });
  }
});
