/**
 * The narrated report as a static offline site (`cci notebooks --html --out DIR`): the committed,
 * executed notebooks and reports/index.md converted by Jupyter's own `nbconvert --to html` (its
 * JupyterLab template, extended in site-template/cci-site: code cells folded, plotly.js and the
 * stylesheet from files beside the page), then post-processed here: links between the pages,
 * plotly pointed at the local copy instead of its CDN, a navigation bar. plotly.min.js, one
 * stylesheet and one NanumGothic subset (every character of every page) are written once.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, join, posix, relative } from "node:path";
import { escapeHtml } from "../charts/html";
import { plotlyPath } from "../charts/plotlyjs";
import { EMBEDDED_FAMILY, hangulFontPath } from "../charts/svg";
import { describeExit, runChild } from "../util/child";
import { UserError } from "../util/errors";
import { OutputSet, tempFolder, writeOutput } from "../util/outputs";
import { info } from "../util/progress";
import { packageRoot } from "../util/package-root";
import { commandWorks, missingTool } from "../util/system";
import { globLiteral, notebookFiles } from "./execute";

/** Files every page shares, written once beside the pages. */
export const SITE_FILES = { plotly: "plotly.min.js", css: "site.css", font: "NanumGothic-subset.woff2" } as const;

/** A page of the site: where its source lives in the repo and the HTML file it becomes. */
export interface SitePage {
  /** Repo-relative source (notebooks/01-eda.ipynb, reports/index.md). */
  source: string;
  /** File name in the site (01-eda.html, index.html). */
  file: string;
  title: string;
  kind: "notebook" | "markdown";
}

/** nbconvert's template folder, shipped beside this file. */
const templateDir = () => join(packageRoot(), "lib", "notebooks", "site-template");

/** The first `# heading` of a markdown text, else the fallback. */
export function firstHeading(markdown: string, fallback: string): string {
  const m = /^#\s+(.+?)\s*#*\s*$/m.exec(markdown);
  return m ? m[1].replace(/[*_`]/g, "") : fallback;
}

function notebookTitle(path: string): string {
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
  const md = nb.cells.find((c) => c.cell_type === "markdown");
  return firstHeading(md ? [md.source].flat().join("") : "", basename(path, ".ipynb"));
}

/** The pages in reading order: the index, the notebooks in pipeline order, then the reports the index links to. */
export function sitePages(root: string): SitePage[] {
  const index = join(root, "reports", "index.md");
  if (!existsSync(index)) throw new UserError(`notebooks --html: ${relative(process.cwd(), index)}: not found (it is the site's front page)`);
  const pages: SitePage[] = [{ source: "reports/index.md", file: "index.html", title: firstHeading(readFileSync(index, "utf8"), "Contents"), kind: "markdown" }];
  for (const nb of notebookFiles(root)) pages.push({ source: relative(root, nb).split("\\").join("/"), file: `${basename(nb, ".ipynb")}.html`, title: notebookTitle(nb), kind: "notebook" });
  for (const md of readdirSync(join(root, "reports")).filter((f) => /^report-.*\.md$/.test(f)).sort()) {
    const path = join(root, "reports", md);
    pages.push({ source: `reports/${md}`, file: `${basename(md, ".md")}.html`, title: firstHeading(readFileSync(path, "utf8"), md), kind: "markdown" });
  }
  return pages;
}

/** A markdown page as a one-cell notebook, so nbconvert renders it with the same template as the notebooks. */
export function markdownNotebook(markdown: string, title: string): string {
  return JSON.stringify({ cells: [{ cell_type: "markdown", metadata: {}, source: markdown }], metadata: { title, language_info: { name: "markdown" } }, nbformat: 4, nbformat_minor: 5 });
}

/** plotly's CDN script as the notebook outputs name it (lib/charts/notebook.ts), with or without `.js` (require.js paths). */
const PLOTLY_CDN = /https:\/\/cdn\.plot\.ly\/plotly-[0-9A-Za-z.-]+?\.min(?=\.js\b|["'])/g;

/**
 * Where a link of a page goes in the site: another page, a copied asset (`assets` collects them,
 * repo-relative → site-relative), or unchanged (absolute URLs, fragments). null: a repo file the
 * site does not hold.
 */
export function siteLink(href: string, page: SitePage, pages: readonly SitePage[], root: string, assets: Map<string, string>): string | null {
  if (/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(href) || href === "") return href;
  const [path, fragment = ""] = href.split(/(?=#)/);
  const target = posix.normalize(posix.join(posix.dirname(page.source), decodeURI(path)));
  const other = pages.find((p) => p.source === target);
  if (other) return other.file + fragment;
  if (target.startsWith("reports/figures/") && existsSync(join(root, target))) {
    const file = `figures/${posix.basename(target)}`;
    assets.set(target, file);
    return encodeURI(file) + fragment;
  }
  return null;
}

/** The navigation bar: the contents page, every page by number, previous and next. */
export function navHtml(pages: readonly SitePage[], i: number): string {
  const link = (p: SitePage, text: string, cls = "") => `<a href="${escapeHtml(p.file)}"${cls ? ` class="${cls}"` : ""} title="${escapeHtml(p.title)}">${escapeHtml(text)}</a>`;
  const items = pages.map((p, j) => (j === i ? `<span class="cci-here" title="${escapeHtml(p.title)}">${escapeHtml(short(p))}</span>` : link(p, short(p))));
  const prev = i > 0 ? link(pages[i - 1], `← ${pages[i - 1].title}`, "cci-prev") : "";
  const next = i < pages.length - 1 ? link(pages[i + 1], `${pages[i + 1].title} →`, "cci-next") : "";
  return (
    `<nav class="cci-nav"><div class="cci-pages">${items.join(" · ")}</div>` +
    `<div class="cci-steps">${prev}<button type="button" class="cci-fold" onclick="cciFold()">show/hide all code</button>${next}</div></nav>`
  );
}

/** A page's label in the bar: the notebook's number, or its title for the others. */
function short(p: SitePage): string {
  if (p.file === "index.html") return "Contents";
  const n = /^(\d\d)-/.exec(p.file);
  return n ? n[1] : p.title.length > 24 ? basename(p.file, ".html") : p.title;
}

const FOLD_SCRIPT = `<script>function cciFold(){var d=document.querySelectorAll("details.cci-code");var open=![].some.call(d,function(x){return x.open});d.forEach(function(x){x.open=open})}</script>`;

/** nbconvert's page → the site's: local plotly, site links, the navigation bar at the top and the bottom. */
export function postProcess(html: string, i: number, pages: readonly SitePage[], root: string, assets: Map<string, string>, unresolved: string[]): string {
  const page = pages[i];
  let out = html.replace(PLOTLY_CDN, "plotly.min");
  out = out.replace(/(<a\b[^>]*?\bhref=")([^"]*)(")/g, (whole, pre: string, href: string, post: string) => {
    const to = siteLink(href.replace(/&amp;/g, "&"), page, pages, root, assets);
    if (to !== null) return `${pre}${escapeHtml(to)}${post}`;
    unresolved.push(`${page.source}: ${href}`);
    return whole.replace(/\bhref="[^"]*"/, `title="${escapeHtml(href)} (in the repository, not in this site)"`);
  });
  out = out.replace(/(<img\b[^>]*?\bsrc=")(?!data:)([^"]*)(")/g, (whole, pre: string, src: string, post: string) => {
    const to = siteLink(src, page, pages, root, assets);
    if (to !== null) return `${pre}${escapeHtml(to)}${post}`;
    unresolved.push(`${page.source}: ${src}`);
    return whole;
  });
  const nav = navHtml(pages, i);
  out = out.replace(/(<body\b[^>]*>)/, `$1\n${nav}\n<main class="cci-main">`);
  return out.replace(/<\/body>/, `</main>\n${nav}\n${FOLD_SCRIPT}\n</body>`);
}

/** The shared stylesheet: the embedded font first for text, code and charts, the bar and the folded code. */
export function siteCss(withFont: boolean): string {
  const face = withFont ? `@font-face{font-family:"${EMBEDDED_FAMILY}";src:url("${SITE_FILES.font}") format("woff2");font-display:block}\n` : "";
  return `${face}:root{--jp-content-font-family:"${EMBEDDED_FAMILY}",system-ui,sans-serif;--jp-ui-font-family:"${EMBEDDED_FAMILY}",system-ui,sans-serif;--jp-code-font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace,"${EMBEDDED_FAMILY}"}
body{font-family:"${EMBEDDED_FAMILY}",system-ui,sans-serif}
.cci-main{max-width:1200px;margin:0 auto}
.cci-nav{position:sticky;top:0;z-index:10;background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:6px 16px;font-size:14px;display:flex;flex-wrap:wrap;justify-content:space-between;gap:6px}
.cci-nav:last-of-type{position:static;border-top:1px solid #d0d7de;border-bottom:0;margin-top:24px}
.cci-nav a{color:#0550ae;text-decoration:none}.cci-nav a:hover{text-decoration:underline}
.cci-here{font-weight:bold}.cci-steps{display:flex;gap:12px;align-items:center}
.cci-fold{font:inherit;font-size:12px;cursor:pointer}
details.cci-code>summary{cursor:pointer;color:#57606a;font-size:12px;padding:2px 0;list-style-position:inside}
details.cci-code>summary code{font-size:12px;color:#57606a}
details.cci-code[open]>summary code{display:none}
.cci-code-label{font-weight:bold}
`;
}

/** Every character the pages show (the font subset holds just these). */
export function pageChars(htmls: readonly string[]): string {
  const chars = new Set<string>();
  for (const h of htmls) for (const c of h) if (c.codePointAt(0)! > 0x7f) chars.add(c);
  for (let c = 0x20; c < 0x7f; c++) chars.add(String.fromCharCode(c));
  return [...chars].sort().join("");
}

export interface SiteResult {
  pages: SitePage[];
  files: string[];
  seconds: number;
  unresolved: string[];
  fontEmbedded: boolean;
}

/**
 * Build the site into `outDir` (all files or none). Needs Debian's jupyter-nbconvert: without it,
 * one note and null (an error under CCI_REQUIRE_SYSTEM=1).
 */
export async function buildSite(root: string, outDir: string): Promise<SiteResult | null> {
  if (!(await commandWorks("jupyter", ["nbconvert", "--version"]))) {
    missingTool("jupyter nbconvert", "install Debian's jupyter-nbconvert (apt-get install jupyter-nbconvert) to build the site");
    return null;
  }
  const started = performance.now();
  const pages = sitePages(root);
  const inputs = [join(root, "notebooks"), join(root, "reports", "index.md"), ...pages.map((p) => join(root, p.source))];
  const outputs = new OutputSet(inputs);
  outputs.declareFolder(outDir);
  const scratch = tempFolder();
  const unresolved: string[] = [];
  const files: string[] = [];
  let fontEmbedded = false;
  try {
    // One nbconvert run for every page (its start-up is most of a page's cost).
    const sources = pages.map((p) => {
      if (p.kind === "notebook") return join(root, p.source);
      const nb = join(scratch.path, `${basename(p.file, ".html")}.ipynb`);
      writeOutput(nb, markdownNotebook(readFileSync(join(root, p.source), "utf8"), p.title));
      return nb;
    });
    info(`notebooks --html: converting ${pages.length} pages with jupyter nbconvert (${pages.map((p) => p.file).join(", ")})`);
    const htmlDir = join(scratch.path, "html");
    // nbconvert in its own process group (lib/util/child.ts): an interrupt stops it, the scratch goes.
    const r = await runChild(
      "jupyter",
      ["nbconvert", "--to", "html", `--TemplateExporter.extra_template_basedirs=${templateDir()}`, "--template", "cci-site", "--output-dir", htmlDir, ...sources.map(globLiteral)],
      "notebooks --html",
      { stdout: "pipe", stderr: "pipe" },
    );
    if (r.code !== 0) throw new UserError(`notebooks --html: jupyter nbconvert failed (${describeExit(r)}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const assets = new Map<string, string>();
    const htmls = pages.map((p, i) => postProcess(readFileSync(join(htmlDir, p.file), "utf8"), i, pages, root, assets, unresolved));
    await outputs.run(async () => {
      const put = (file: string, data: string | Uint8Array) => {
        outputs.write(join(outDir, file), data);
        files.push(file);
      };
      pages.forEach((p, i) => put(p.file, htmls[i]));
      put(SITE_FILES.plotly, readFileSync(plotlyPath()));
      const fontPath = hangulFontPath();
      if (fontPath) {
        const { default: subsetFont } = await import("subset-font");
        put(SITE_FILES.font, await subsetFont(readFileSync(fontPath), pageChars(htmls), { targetFormat: "woff2" }));
        fontEmbedded = true;
      } else {
        missingTool("NanumGothic (fonts-nanum)", "install Debian's fonts-nanum or set CCI_HANGUL_FONT, so the site embeds its Hangul font");
      }
      put(SITE_FILES.css, siteCss(fontEmbedded));
      for (const [from, to] of assets) put(to, readFileSync(join(root, from)));
    });
  } finally {
    scratch.dispose();
  }
  return { pages, files, seconds: (performance.now() - started) / 1000, unresolved, fontEmbedded };
}
