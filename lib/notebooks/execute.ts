/**
 * Headless notebook execution: Debian's `jupyter nbconvert --execute` with the repo's tslab
 * kernel spec (notebooks/jupyter/kernels/tslab), then volatile metadata stripped so a re-run
 * changes only what the notebook shows.
 */
import { readFileSync, readdirSync } from "node:fs";
import { tempFolder } from "../util/outputs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../util/atomic";
import { UserError } from "../util/errors";
import { describeExit, runChild } from "../util/child";
import { info } from "../util/progress";
import { commandWorks, missingTool } from "../util/system";

export function notebookFiles(root: string): string[] {
  const dir = join(root, "notebooks");
  return readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

interface NotebookJson {
  metadata: Record<string, unknown>;
  cells: { cell_type: string; metadata?: Record<string, unknown>; outputs?: unknown[]; execution_count?: number | null }[];
}

/**
 * Drop what changes on every run (timings, kernel build details) and keep what the notebook
 * shows. tslab does not report execution counts, so code cells are numbered 1, 2, … in the
 * order the headless run executed them (top to bottom), as a reader expects of a clean run.
 */
export function stripVolatile(nb: NotebookJson): NotebookJson {
  const { widgets: _w, ...metadata } = nb.metadata;
  let count = 0;
  return {
    ...nb,
    metadata,
    cells: nb.cells.map((c) => {
      const numbered = c.cell_type === "code" ? { ...c, execution_count: ++count } : c;
      if (!numbered.metadata) return numbered;
      const { execution: _e, collapsed: _c, ...meta } = numbered.metadata;
      return { ...numbered, metadata: meta };
    }),
  };
}

/**
 * Set for a `--check` run: a temp folder the notebooks write into instead of the repo
 * (see lib/notebooks/workspace.ts), so checking them leaves the checkout untouched.
 */
export const SCRATCH_ENV = "CCI_NOTEBOOK_SCRATCH";

export interface ExecuteResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  error?: string;
  /** --check: whether the re-executed notebook's bytes equal the committed file's, and where they first differ. */
  identical?: boolean;
  firstDifference?: string;
}

/** Where two notebooks first differ: "cell N (source|outputs|metadata)", or the top-level key. */
export function firstNotebookDifference(a: string, b: string): string | undefined {
  if (a === b) return undefined;
  const x = JSON.parse(a) as { cells?: unknown[] } & Record<string, unknown>;
  const y = JSON.parse(b) as { cells?: unknown[] } & Record<string, unknown>;
  const cx = x.cells ?? [];
  const cy = y.cells ?? [];
  for (let i = 0; i < Math.max(cx.length, cy.length); i++) {
    const p = (cx[i] ?? {}) as Record<string, unknown>;
    const q = (cy[i] ?? {}) as Record<string, unknown>;
    for (const k of ["cell_type", "source", "outputs", "metadata", "execution_count"]) {
      if (JSON.stringify(p[k]) !== JSON.stringify(q[k])) return `cell ${i} (${k})`;
    }
  }
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) if (k !== "cells" && JSON.stringify(x[k]) !== JSON.stringify(y[k])) return k;
  return "formatting";
}

/**
 * Execute notebooks headless. In place (their outputs are the committed report) unless
 * `check`, which runs them into a temp folder and leaves the files untouched.
 */
export async function executeNotebooks(root: string, notebooks: string[], opts: { check?: boolean; timeout?: number } = {}): Promise<ExecuteResult[] | null> {
  if (!(await commandWorks("jupyter", ["nbconvert", "--version"]))) {
    missingTool("jupyter nbconvert", "install Debian's jupyter-nbconvert and python3-nbclient (apt-get install jupyter-nbconvert python3-nbclient) to execute notebooks headless");
    return null;
  }
  const scratchFolder = tempFolder(); // removed on every exit path, signals included
  const outDir = scratchFolder.path;
  const scratch = opts.check ? join(outDir, "scratch") : undefined;
  try {
    const results: ExecuteResult[] = [];
    for (const [i, nb] of notebooks.entries()) {
      info(`notebooks: [${i + 1}/${notebooks.length}] ${basename(nb)}: executing…`); // minutes each: say which one runs
      const t0 = performance.now();
      // nbconvert and its tslab kernel in one process group: an interrupt stops both.
      const r = await runChild(
        "jupyter",
        ["nbconvert", "--to", "notebook", "--execute", `--ExecutePreprocessor.timeout=${opts.timeout ?? 1800}`, "--ExecutePreprocessor.kernel_name=tslab", "--output-dir", outDir, globLiteral(nb)],
        `notebooks: ${basename(nb)}`,
        { env: { ...process.env, JUPYTER_PATH: join(root, "notebooks", "jupyter"), ...(scratch ? { [SCRATCH_ENV]: scratch } : {}) }, stdout: "pipe", stderr: "pipe", maxCapture: 64 * 1024 * 1024 },
      );
      const seconds = (performance.now() - t0) / 1000;
      if (r.code !== 0) {
        results.push({ notebook: nb, ok: false, seconds, error: r.stderr.trim() ? lastError(r.stderr) : describeExit(r) });
        continue;
      }
      const executed = `${JSON.stringify(stripVolatile(JSON.parse(readFileSync(join(outDir, basename(nb)), "utf8"))), null, 1)}\n`;
      if (!opts.check) {
        writeFileAtomic(nb, executed);
        results.push({ notebook: nb, ok: true, seconds });
        continue;
      }
      // A check also says whether a re-run reproduces the committed bytes (it does on the corpus they were executed on).
      const firstDifference = firstNotebookDifference(executed, readFileSync(nb, "utf8"));
      results.push({ notebook: nb, ok: true, seconds, identical: firstDifference === undefined, firstDifference });
    }
    return results;
  } finally {
    scratchFolder.dispose();
  }
}

/** nbconvert expands its arguments as glob patterns (Python's glob): `[`, `*` and `?` taken literally, as glob.escape does. */
export function globLiteral(path: string): string {
  return path.replace(/[[*?]/g, (c) => `[${c}]`);
}

/** nbconvert prints a Python traceback; the cell and its error are the useful part. */
function lastError(stderr: string): string {
  const i = stderr.indexOf("CellExecutionError");
  return (i >= 0 ? stderr.slice(i) : stderr.split("\n").slice(-15).join("\n")).trim();
}

/** The error's own line of a traceback (`NameError: name 'x' is not defined`), without terminal colours, for the one `cci:` line. */
export function errorSummary(error: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const lines = (error ?? "").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").split("\n").map((l) => l.trim()).filter(Boolean);
  const own = lines.filter((l) => /^[\w.]*(Error|Exception|Interrupt|Exit)\b/.test(l) && !/^CellExecutionError\b/.test(l)).at(-1) ?? lines.at(-1) ?? "no error text";
  return own.length > 200 ? `${own.slice(0, 200)}…` : own;
}

/** The tracebacks go first (stderr, for the reader), then one `cci:` line naming each notebook and its error. */
export function assertAllOk(results: ExecuteResult[]): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return;
  for (const f of failed) process.stderr.write(`notebooks: ${basename(f.notebook)} failed:\n${(f.error ?? "").replace(/^/gm, "  ")}\n`);
  throw new UserError(`${failed.length} notebook(s) failed: ${failed.map((f) => `${basename(f.notebook)} (${errorSummary(f.error)})`).join(", ")}`);
}
