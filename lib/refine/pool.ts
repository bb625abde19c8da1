/**
 * Worker threads for large corpus files: batches go to the least busy worker, results come
 * back as promises (the stream reader consumes them in file order). Only batches cross threads
 * — bytes in, bytes out — so rules travel by name (`portableRuleNames`).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../util/package-root";
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import type { Batch } from "../corpus/elements";
import { UserError } from "../util/errors";
import type { CheckedBatch, RefinedBatch } from "./batch";
import type { WorkRequest } from "./worker";

/** Files at least this large are worth the workers' start-up (~50 ms each from the build). */
export const PARALLEL_MIN_BYTES = 32 << 20;

/** `auto`: every core for large files, none for small ones; a number: that many workers (0 or 1: inline). */
export type Threads = number | "auto";

/** `--threads`: "auto" or a whole number. */
export function parseThreads(v: string): Threads {
  if (v === "auto") return "auto";
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new UserError(`--threads: expected "auto" or a whole number of worker threads, got ${JSON.stringify(v)}`);
  return n;
}

export function workersFor(threads: Threads, bytes: number): number {
  if (threads === "auto") return bytes >= PARALLEL_MIN_BYTES && availableParallelism() >= 2 ? availableParallelism() : 0;
  return threads >= 2 ? Math.floor(threads) : 0;
}

/**
 * Where the worker's code is: beside the bundle when running from dist/ (the build defines
 * CCI_BUNDLED), else the TypeScript through tsx.
 */
function workerUrl(): URL {
  const bundled = process.env.CCI_BUNDLED === "1";
  return pathToFileURL(join(packageRoot(), ...(bundled ? ["dist", "refine-worker.mjs"] : ["lib", "refine", "worker-entry.mjs"])));
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  worker: number;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(readonly size: number) {
    for (let w = 0; w < size; w++) {
      // A larger young generation: refinement makes many short-lived strings, and the default
      // spends a fifth of the worker's time in scavenges.
      const worker = new Worker(workerUrl(), { resourceLimits: { maxYoungGenerationSizeMb: 48 } });
      worker.on("message", (m: { id: number; result?: unknown; error?: { message: string; stack?: string; user: boolean } }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.load[p.worker]--;
        if (m.error) p.reject(m.error.user ? new UserError(m.error.message) : Object.assign(new Error(m.error.message), { stack: m.error.stack }));
        else p.resolve(m.result);
      });
      worker.on("error", (err) => this.fail(err));
      worker.on("exit", (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`refinement worker stopped (exit code ${code})`));
      });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  private closing = false;

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send<T>(kind: WorkRequest["kind"], rules: string[], batch: Batch): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    let w = 0;
    for (let k = 1; k < this.workers.length; k++) if (this.load[k] < this.load[w]) w = k;
    const id = this.nextId++;
    this.load[w]++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker: w });
      const request: WorkRequest = { id, kind, rules, batch };
      this.workers[w].postMessage(request, [batch.data.buffer as ArrayBuffer]);
    });
  }

  check(batch: Batch): Promise<CheckedBatch> {
    return this.send("check", [], batch);
  }

  refine(batch: Batch, rules: string[]): Promise<RefinedBatch> {
    return this.send("refine", rules, batch);
  }

  /** Batches to keep in flight so every worker stays busy. */
  get inflight(): number {
    return this.workers.length * 3;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A worker pool made on first need (the first file large enough), shared by every file of a run. */
export function lazyPool(threads: Threads): { for(bytes: number): WorkerPool | undefined; close(): Promise<void> } {
  let pool: WorkerPool | undefined;
  return {
    for(bytes: number): WorkerPool | undefined {
      const n = workersFor(threads, bytes);
      if (n === 0) return undefined;
      pool ??= new WorkerPool(n);
      return pool;
    },
    close: async () => {
      await pool?.close();
    },
  };
}
