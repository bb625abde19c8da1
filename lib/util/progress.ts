import cliProgress from "cli-progress";

/** A progress bar on stderr when it is a terminal; silent otherwise (CI logs stay short). */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

export function progress(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total < 2) return { tick() {}, done() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {eta_formatted}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), done: () => bar.stop() };
}

/** Informational lines go to stderr so stdout stays for data. */
export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}
