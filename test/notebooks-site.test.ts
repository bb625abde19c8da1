// `cci notebooks --html --out DIR`: the static offline site of the committed notebooks. The pure
// post-processing (links, plotly's CDN, navigation) is tested as data; the site itself is built
// from the committed notebooks with Jupyter's nbconvert and opened page by page in headless
// Chromium with every network request refused: no console error, every chart drawn by plotly.js,
// every link and resource resolving to a file of the site, the Hangul font loaded from it.
// Without Jupyter or Chromium that part skips (one line), unless CCI_REQUIRE_SYSTEM=1 (CI).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, findChromium } from "../lib/charts/browser";
import { navHtml, pageChars, postProcess, siteLink, sitePages, type SitePage } from "../lib/notebooks/site";
import { commandWorks, systemToolsRequired } from "../lib/util/system";
import { ROOT } from "./helpers/chart-workspace";

const pages: SitePage[] = [
  { source: "reports/index.md", file: "index.html", title: "Contents page", kind: "markdown" },
  { source: "notebooks/01-eda.ipynb", file: "01-eda.html", title: "EDA", kind: "notebook" },
  { source: "notebooks/02-refinement.ipynb", file: "02-refinement.html", title: "Refinement", kind: "notebook" },
  { source: "reports/report-real.md", file: "report-real.html", title: "Report", kind: "markdown" },
];

describe("site post-processing (lib/notebooks/site)", () => {
  it("maps links between pages, copies figures, keeps URLs and fragments, refuses other repo files", () => {
    const assets = new Map<string, string>();
    expect(siteLink("../notebooks/02-refinement.ipynb", pages[0], pages, ROOT, assets)).toBe("02-refinement.html");
    expect(siteLink("report-real.md#top", pages[0], pages, ROOT, assets)).toBe("report-real.html#top");
    expect(siteLink("https://example.org/x", pages[0], pages, ROOT, assets)).toBe("https://example.org/x");
    expect(siteLink("#section", pages[1], pages, ROOT, assets)).toBe("#section");
    const fig = readdirSync(join(ROOT, "reports", "figures")).find((f) => f.includes("+"))!;
    expect(siteLink(`figures/${fig}`, pages[0], pages, ROOT, assets)).toBe(encodeURI(`figures/${fig}`));
    expect(assets.get(`reports/figures/${fig}`)).toBe(`figures/${fig}`);
    expect(siteLink("../lib/charts/catalog.ts", pages[0], pages, ROOT, assets)).toBeNull();
    expect(siteLink("figures/no-such.png", pages[0], pages, ROOT, assets)).toBeNull();
  });

  it("points plotly at the local copy, rewrites links, unlinks what the site lacks, adds the bar twice", () => {
    const html =
      '<html><body class="jp-Notebook"><script>s.src = "https://cdn.plot.ly/plotly-3.1.0.min.js"; paths: { cciplotly: "https://cdn.plot.ly/plotly-3.1.0.min" }</script>' +
      '<a href="../notebooks/01-eda.ipynb">01</a><a href="../README.md">readme</a></body></html>';
    const unresolved: string[] = [];
    const out = postProcess(html, 0, pages, ROOT, new Map(), unresolved);
    expect(out).not.toContain("cdn.plot.ly");
    expect(out).toContain('"plotly.min.js"');
    expect(out).toContain('cciplotly: "plotly.min"');
    expect(out).toContain('<a href="01-eda.html">01</a>');
    expect(out).not.toContain('href="../README.md"');
    expect(unresolved).toEqual(["reports/index.md: ../README.md"]);
    expect(out.match(/<nav class="cci-nav">/g)).toHaveLength(2);
  });

  it("the bar links every other page, marks this one, and steps to the neighbours", () => {
    const nav = navHtml(pages, 1);
    expect(nav).toContain('<span class="cci-here" title="EDA">01</span>');
    expect(nav).toContain('href="index.html" class="cci-prev"');
    expect(nav).toContain('href="02-refinement.html" class="cci-next"');
    expect(navHtml(pages, 0)).not.toContain("cci-prev");
    expect(navHtml(pages, 3)).not.toContain("cci-next");
  });

  it("orders the pages: contents, the notebooks by number, then the reports", () => {
    const files = sitePages(ROOT).map((p) => p.file);
    expect(files[0]).toBe("index.html");
    const nbs = readdirSync(join(ROOT, "notebooks")).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
    expect(files.slice(1, 1 + nbs.length)).toEqual(nbs.map((f) => f.replace(/\.ipynb$/, ".html")));
  });

  it("subsets the font to every non-ASCII character of the pages plus printable ASCII", () => {
    const chars = pageChars(["가나 é", "나다"]);
    for (const c of "가나다éAz ~") expect(chars).toContain(c);
    expect(chars).not.toContain("\n");
  });
});

const cci = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [join(ROOT, "lib", "cli", "cci.mjs"), ...args], { cwd, encoding: "utf8", timeout: 280_000 });

describe("cci notebooks: options", () => {
  it("--html needs --out; --out is only for --html; --html executes nothing, so no --check", () => {
    for (const [args, message] of [
      [["notebooks", "--html"], /notebooks --html needs --out DIR/],
      [["notebooks", "--out", "x"], /notebooks --out: only with --html/],
      [["notebooks", "--html", "--check", "--out", "x"], /--check\/--identical execute them/],
    ] as const) {
      const r = cci([...args]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n").at(-1)).toMatch(message);
    }
  });
});

const haveJupyter = await commandWorks("jupyter", ["nbconvert", "--version"]);
const haveChromium = findChromium() !== null;
const run = (haveJupyter && haveChromium) || systemToolsRequired();
if (!run) console.log(`notebooks-site: skipping the built-site checks (${haveJupyter ? "" : "no jupyter nbconvert; "}${haveChromium ? "" : "no Chromium; "}CCI_REQUIRE_SYSTEM=1 requires them)`);

describe.skipIf(!(haveJupyter || systemToolsRequired()))("cci notebooks --check: progress", () => {
  it("says which notebook starts executing, before it runs", () => {
    const d = mkdtempSync(join(tmpdir(), "cci-nb-progress-"));
    try {
      const nb = join(d, "00-tiny.ipynb");
      writeFileSync(nb, JSON.stringify({ cells: [{ cell_type: "markdown", metadata: {}, source: "# tiny" }], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
      const r = cci(["notebooks", "--check", nb]);
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stderr.split("\n");
      const started = lines.findIndex((l) => l === "notebooks: [1/1] 00-tiny.ipynb: executing…");
      expect(started).toBeGreaterThanOrEqual(0);
      expect(lines.findIndex((l) => /^notebooks: 00-tiny\.ipynb ok in/.test(l))).toBeGreaterThan(started);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }, 300_000);
});

describe.skipIf(!run)("cci notebooks --html: the built site in headless Chromium, offline", () => {
  let dir: string;
  let stderr: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cci-site-"));
    const r = cci(["notebooks", "--html", "--out", join(dir, "site")]);
    stderr = r.stderr;
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a page per notebook in order, plotly.js once, the font and the stylesheet", () => {
    const site = join(dir, "site");
    const expected = sitePages(ROOT).map((p) => p.file);
    for (const f of [...expected, "plotly.min.js", "site.css", "NanumGothic-subset.woff2"]) expect(existsSync(join(site, f)), f).toBe(true);
    expect(readdirSync(site).filter((f) => f.endsWith(".js"))).toEqual(["plotly.min.js"]);
    expect(stderr).toMatch(/notebooks --html: \d+ pages .* in \d+\.\d s/);
  });

  it("every page loads offline without a console error; every chart draws; every link and resource resolves", async () => {
    const site = join(dir, "site");
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: findChromium()!, headless: true, args: [...CHROMIUM_ARGS] });
    try {
      const files = sitePages(ROOT).map((p) => p.file);
      let charts = 0;
      for (const file of files) {
        const page = await browser.newPage();
        const errors: string[] = [];
        const external: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(`${file}: ${m.text()}`);
        });
        page.on("pageerror", (e) => errors.push(`${file}: ${e.message}`));
        page.on("requestfailed", (r) => errors.push(`${file}: failed ${r.url()}`));
        await page.route(/^(?!file:)/, (route) => {
          external.push(route.request().url());
          return route.abort();
        });
        await page.goto(pathToFileURL(join(site, file)).href, { waitUntil: "load" });
        await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready);
        const state = (await page.evaluate(`(() => {
          const figs = [...document.querySelectorAll('div[id^="cci-chart-"]')];
          return {
            figures: figs.length,
            drawn: figs.filter((d) => d.classList.contains("js-plotly-plot") && d.querySelector("svg.main-svg")).length,
            links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
            resources: [...document.querySelectorAll("script[src], link[href], img[src]")].map((e) => e.getAttribute("src") || e.getAttribute("href")),
            font: [...document.fonts].some((f) => f.family.replace(/"/g, "") === "NanumGothic" && f.status === "loaded"),
            folded: document.querySelectorAll("details.cci-code").length,
            codeCells: document.querySelectorAll(".jp-CodeCell .jp-InputArea").length,
          };
        })()`)) as { figures: number; drawn: number; links: string[]; resources: string[]; font: boolean; folded: number; codeCells: number };
        expect(errors).toEqual([]);
        expect(external, `${file} requested the network`).toEqual([]);
        expect(state.drawn, `${file}: charts drawn`).toBe(state.figures);
        expect(state.font, `${file}: embedded NanumGothic loaded`).toBe(true);
        expect(state.folded, `${file}: every code cell foldable`).toBe(state.codeCells);
        charts += state.figures;
        for (const ref of [...state.links, ...state.resources]) {
          if (ref.startsWith("data:") || ref.startsWith("#")) continue;
          expect(ref, `${file}: link ${ref} leaves the site`).not.toMatch(/^[a-z][a-z0-9+.-]*:/i);
          const path = decodeURI(ref.split("#")[0]);
          expect(existsSync(join(site, path)), `${file}: ${ref} resolves`).toBe(true);
        }
        await page.close();
      }
      // The notebooks chart the corpus: a site without charts would pass the loop above vacuously.
      expect(charts).toBeGreaterThan(10);
    } finally {
      await browser.close();
    }
  }, 300_000);

  it("folds code: a code cell starts closed and opens on a click of its summary", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: findChromium()!, headless: true, args: [...CHROMIUM_ARGS] });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(dir, "site", "02-refinement.html")).href);
      const first = page.locator("details.cci-code").first();
      expect(await first.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
      await first.locator("summary").click();
      expect(await first.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
      expect(readFileSync(join(dir, "site", "02-refinement.html"), "utf8")).not.toContain("cdn.plot.ly");
    } finally {
      await browser.close();
    }
  }, 120_000);
});
