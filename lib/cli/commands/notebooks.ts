import type { Command } from "commander";
import { basename, join, relative, resolve } from "node:path";
import { repoRoot } from "../../corpus/locate";
import { assertAllOk, executeNotebooks, notebookFiles } from "../../notebooks/execute";
import { info } from "../../util/progress";
import { UserError } from "../../util/errors";
import { existsSync, statSync } from "node:fs";
import { buildSite, SITE_FILES } from "../../notebooks/site";

export function register(program: Command): void {
  program
    .command("notebooks")
    .summary("execute the notebooks headless (in place, or --check), or --html: a static site of them")
    .description(
      "Executes notebooks/NN-*.ipynb with Jupyter and the repo's tslab kernel, in pipeline order.\n" +
        "In place by default (the executed notebooks are the committed report: code cells numbered in run " +
        "order, volatile metadata stripped, so a re-run rewrites the same bytes). --check runs them with " +
        "every output folder (refined data, results, figures) moved into a temp folder: it writes nothing " +
        "anywhere in the repo. Needs Debian's jupyter-nbconvert and python3-nbclient.",
    )
    .argument("[notebooks...]", "only these notebooks (default: all)")
    .option("--check", "execute with all outputs in a temp folder; leave the repo unchanged")
    .option("--timeout <seconds>", "per-cell timeout", parseTimeout, 1800)
    .option("--html", "build a static offline site of the committed notebooks and reports/index.md into --out DIR (no execution)")
    .option("--out <dir>", "with --html: the site's folder")
    .option("--identical", "with --check: fail unless every re-executed notebook equals its committed bytes (true on the corpus they were executed on)")
    .action(async (names: string[], opts: { check?: boolean; identical?: boolean; timeout: number; html?: boolean; out?: string }) => {
      if (opts.html) return site(names, opts);
      if (opts.out) throw new UserError("notebooks --out: only with --html (the site's folder)");
      if (opts.identical && !opts.check) throw new UserError("notebooks --identical: only with --check (an in-place run rewrites the notebooks)");
      const root = repoRoot();
      const files = names.length > 0 ? names.map((n) => notebookPath(n)) : notebookFiles(root);
      const results = await executeNotebooks(root, files, opts);
      if (!results) return;
      for (const r of results) {
        const same = r.identical === undefined ? "" : r.identical ? ", identical to the committed copy" : `, differs from the committed copy from ${r.firstDifference}`;
        info(`notebooks: ${basename(r.notebook)} ${r.ok ? "ok" : "FAILED"} in ${r.seconds.toFixed(1)} s${same}`);
      }
      assertAllOk(results);
      const differing = results.filter((r) => r.identical === false);
      if (opts.identical && differing.length > 0) {
        throw new UserError(`${differing.length} notebook(s) re-executed differently from their committed copies: ${differing.map((r) => `${basename(r.notebook)} (${r.firstDifference})`).join(", ")}; re-run \`npm run notebooks\` and commit`);
      }
    });
}

/** `--html --out DIR`: the site from the committed notebooks, converted as they are. */
async function site(names: string[], opts: { check?: boolean; identical?: boolean; out?: string }): Promise<void> {
  if (names.length > 0) throw new UserError("notebooks --html: builds every notebook; give no notebook names");
  if (opts.check || opts.identical) throw new UserError("notebooks --html: converts the committed notebooks; --check/--identical execute them (give one or the other)");
  if (!opts.out) throw new UserError("notebooks --html needs --out DIR (the folder to write the site into)");
  const r = await buildSite(repoRoot(), opts.out);
  if (!r) return;
  for (const u of r.unresolved) info(`notebooks --html: note: ${u} is a repository file the site does not hold (left unlinked)`);
  const rel = relative(process.cwd(), resolve(opts.out));
  const dir = rel === "" ? "." : rel.startsWith("..") ? resolve(opts.out) : rel;
  info(`notebooks --html: ${r.pages.length} pages (${r.pages.map((p) => p.file).join(", ")}) with ${SITE_FILES.plotly}, ${SITE_FILES.css}${r.fontEmbedded ? `, ${SITE_FILES.font}` : ""} and the figures the pages link (${r.files.length} files) in ${dir}/ in ${r.seconds.toFixed(1)} s; open ${join(dir, "index.html")}`);
}

function parseTimeout(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UserError(`notebooks --timeout: expected a positive number of seconds, got "${v}"`);
  return n;
}

function notebookPath(name: string): string {
  const path = resolve(name);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`${name}: no such notebook`);
  if (!path.endsWith(".ipynb")) throw new UserError(`${name}: not a notebook (.ipynb)`);
  return path;
}
