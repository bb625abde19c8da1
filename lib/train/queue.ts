/**
 * Several runs on several GPUs: one run per GPU at a time (`CUDA_VISIBLE_DEVICES=<gpu>`), the
 * rest queued, a GPU taking the next run as soon as its run ends. A failure is recorded and the
 * other GPUs go on; the caller reports every failure at the end. Finished runs are skipped by
 * `launchRun` itself, so the same command resumes an interrupted batch.
 */
import { info } from "../util/progress";
import { UserError } from "../util/errors";
import { exitDescription, launchRun, type LaunchOptions, type LaunchResult } from "./launch";
import { shown } from "./bundle";

export interface QueuedResult extends LaunchResult {
  dir: string;
  gpu: string | null;
  error?: string;
}

/** `--gpus 0,1,3` → ["0","1","3"]; refuses duplicates and anything but GPU indices or UUIDs. */
export function parseGpus(spec: string): string[] {
  const gpus = spec.split(",").map((s) => s.trim());
  if (gpus.every((g) => g === "")) throw new Error("empty");
  if (gpus.includes("")) throw new Error("an empty entry (two commas, or one at an end)");
  for (const g of gpus) if (!/^(\d+|GPU-[0-9a-fA-F-]+|MIG-[0-9a-zA-Z/-]+)$/.test(g)) throw new Error(`"${g}" is not a GPU index or UUID`);
  if (new Set(gpus).size !== gpus.length) throw new Error("a GPU is listed twice");
  return gpus;
}

/** The `--gpus` option of launch and predict: null when not given, one usage line when bad. */
export function gpusOption(spec: string | undefined): string[] | null {
  if (spec === undefined) return null;
  try {
    return parseGpus(spec);
  } catch (err) {
    throw new UserError(`--gpus ${spec}: ${(err as Error).message} (expected e.g. 0,1,2,3)`);
  }
}

/**
 * Run `dirs` over `gpus` (null: one after another on whatever the machine shows, as before).
 * `stopOnFailure` (serial only) stops at the first failure, as a plain `launch` without
 * --keep-going always did.
 */
export async function launchQueue(dirs: readonly string[], gpus: readonly string[] | null, opts: LaunchOptions & { stopOnFailure?: boolean }): Promise<QueuedResult[]> {
  const results: QueuedResult[] = [];
  let next = 0;
  let stop = false;
  const worker = async (gpu: string | null) => {
    while (!stop && next < dirs.length) {
      const k = next++;
      const dir = dirs[k];
      const prefix = gpu === null ? undefined : `[gpu ${gpu}] `;
      if (dirs.length > 1) info(`${prefix ?? ""}train: [${k + 1}/${dirs.length}] ${shown(dir)}`);
      const env = gpu === null ? opts.env : { ...(opts.env ?? process.env), CUDA_VISIBLE_DEVICES: gpu };
      try {
        const r = await launchRun(dir, { ...opts, env, linePrefix: gpus && gpus.length > 1 ? prefix : opts.linePrefix });
        results.push({ ...r, dir, gpu });
        if (r.outcome === "failed") {
          info(`${prefix ?? ""}train: ${r.name}: failed (${exitDescription(r)})`);
          if (opts.stopOnFailure) stop = true;
        }
      } catch (err) {
        // An interruption of the launcher itself ends the whole batch; other problems (a run
        // already running elsewhere, a bad bundle) are that run's failure only.
        if ((err as { sig?: string }).sig) {
          stop = true;
          throw err;
        }
        results.push({ name: shown(dir), dir, gpu, outcome: "failed", exitCode: null, steps: 0, tail: [], error: (err as Error).message });
        info(`${prefix ?? ""}train: ${shown(dir)}: ${(err as Error).message}`);
        if (opts.stopOnFailure) stop = true;
      }
    }
  };
  // Settled, not all(): after Ctrl-C every GPU's trainer is waited for before the batch ends.
  const settled = await Promise.allSettled((gpus ?? [null]).map((g) => worker(g)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  // In the order asked for, not the order finished.
  return results.sort((a, b) => dirs.indexOf(a.dir) - dirs.indexOf(b.dir));
}
