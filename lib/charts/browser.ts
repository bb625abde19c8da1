/**
 * PNG and SVG need a browser: a system Chromium driven headless by playwright-core, with
 * plotly.js loaded once into one page and `Plotly.toImage` called per figure. One browser
 * serves every chart of a run (launching takes seconds).
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { missingTool } from "../util/system";
import type { Figure } from "./figure";
import { PAGE } from "./figure";
import { plotlyPath } from "./plotlyjs";
import { normalisePng } from "./png";
import { canonicalSvg, embedHangulFont } from "./svg";

/** Where to look on PATH, in order, after CHROME_PATH. */
export const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome"] as const;

/** Headless and quiet: no sandbox (containers), no GPU, no background traffic. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] as const;

export const HOW_TO_GET_CHROMIUM =
  "install Debian's chromium and fonts-nanum (apt-get install chromium fonts-nanum) or set CHROME_PATH to a Chrome/Chromium binary, then run again to also write PNG and SVG";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CHROME_PATH if it names an executable, else the first of CHROMIUM_NAMES on PATH, else null. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROME_PATH && executable(env.CHROME_PATH)) return env.CHROME_PATH;
  const dirs = (env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES) for (const dir of dirs) if (executable(join(dir, name))) return join(dir, name);
  return null;
}

export type ImageFormat = "png" | "svg";

/**
 * Plotly names its SVG clip paths and defs after a random figure uid; fix it so the same
 * figure always gives the same bytes (committed figures then change only when the chart does).
 */
export function stableSvgIds(svg: string, stable = "cci000"): string {
  const uid = /id="defs-([0-9a-z]+)"/.exec(svg)?.[1];
  return uid ? svg.replace(new RegExp(`(?<=defs-|clip|legend)${uid}`, "g"), stable) : svg;
}

export interface RenderOptions {
  width?: number;
  height?: number;
  /** Pixel ratio of PNGs (1 → width × height pixels). */
  scale?: number;
  /** PNG: the print resolution to record in the file (pHYs). */
  dpi?: number;
  /** SVG: embed a subset of the Hangul font (default true), so it renders without NanumGothic installed. */
  embedFont?: boolean;
}

/** A text of a drawn figure: its box in CSS px from the figure's top-left, and its smallest font size as drawn (transforms included). */
export interface TextBox {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
  fontPx: number;
}

/** In the page: draw the figure in a div, return each visible non-empty text's box and smallest font size. */
const TEXT_BOXES_JS = `async function (fig) {
  const div = document.createElement("div");
  div.style.position = "absolute"; div.style.left = "0px"; div.style.top = "0px";
  document.body.appendChild(div);
  await Plotly.newPlot(div, fig.data, fig.layout, { staticPlot: true });
  const origin = div.getBoundingClientRect();
  function visible(el) {
    for (let e = el; e && e !== div; e = e.parentNode) {
      const st = getComputedStyle(e);
      if (st.display === "none" || st.visibility === "hidden" || Number(st.opacity) === 0) return false;
    }
    return true;
  }
  const out = [];
  for (const el of div.querySelectorAll("text")) {
    const text = (el.textContent || "").trim();
    if (!text || !visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // Plotly shrinks bar labels that do not fit with a transform, not the font size: count it.
    const m = el.getScreenCTM();
    const k = m ? Math.hypot(m.a, m.b) : 1;
    const sizes = [el, ...el.querySelectorAll("tspan")].filter((t) => (t.textContent || "").trim() !== "").map((t) => parseFloat(getComputedStyle(t).fontSize) * k);
    out.push({ text, x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height, fontPx: Math.min(...sizes) });
  }
  Plotly.purge(div);
  div.remove();
  return out;
}`;

/** A headless page with plotly.js loaded, turning figures into PNG bytes or SVG text. */
export class ChartRenderer {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  /** Launch Chromium and load plotly.js; null (after one note) when there is no Chromium. */
  static async open(env: NodeJS.ProcessEnv = process.env): Promise<ChartRenderer | null> {
    const executablePath = findChromium(env);
    if (!executablePath) {
      missingTool("Chromium", HOW_TO_GET_CHROMIUM);
      return null;
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
    try {
      const page = await browser.newPage();
      // Serve plotly.js from a made-up origin: no files to write, no network.
      const origin = "http://cci-charts.invalid";
      const bundle = readFileSync(plotlyPath());
      await page.route(`${origin}/**`, (route) =>
        route.fulfill(
          route.request().url().endsWith("/plotly.min.js")
            ? { contentType: "text/javascript", body: bundle }
            : { contentType: "text/html", body: '<!DOCTYPE html><html><head><meta charset="utf-8"><script src="plotly.min.js"></script></head><body></body></html>' },
        ),
      );
      await page.goto(`${origin}/index.html`);
      await page.waitForFunction(() => typeof (globalThis as unknown as { Plotly?: unknown }).Plotly === "object");
      return new ChartRenderer(browser, page);
    } catch (err) {
      await browser.close();
      throw err;
    }
  }

  /** PNG bytes (format "png") or SVG text (format "svg") of a figure. */
  async render(fig: Figure, format: "png", opts?: RenderOptions): Promise<Buffer>;
  async render(fig: Figure, format: "svg", opts?: RenderOptions): Promise<string>;
  async render(fig: Figure, format: ImageFormat, opts: RenderOptions = {}): Promise<Buffer | string> {
    const size = {
      width: opts.width ?? (fig.layout.width as number | undefined) ?? PAGE.width,
      height: opts.height ?? (fig.layout.height as number | undefined) ?? PAGE.height,
      scale: opts.scale ?? 1,
    };
    // Traces get random uids (and SVG class names from them) unless given one.
    const stable: Figure = { ...fig, data: fig.data.map((t, i) => ({ uid: `trace${i}`, ...t })) };
    const url = await this.page.evaluate(
      ({ fig, format, size }) => {
        const Plotly = (globalThis as unknown as { Plotly: { toImage: (f: unknown, o: unknown) => Promise<string> } }).Plotly;
        return Plotly.toImage(fig, { format, ...size });
      },
      { fig: stable, format, size },
    );
    const comma = url.indexOf(",");
    if (format === "png") return normalisePng(Buffer.from(url.slice(comma + 1), "base64"), { dpi: opts.dpi });
    const body = url.slice(comma + 1);
    const svg = canonicalSvg(stableSvgIds(url.slice(0, comma).endsWith(";base64") ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body)));
    return opts.embedFont === false ? svg : embedHangulFont(svg);
  }

  /**
   * A one-page PDF of the figure at its size (vector: Chromium prints the SVG, embedding the
   * subset of each font it uses). `width`/`height` are CSS pixels, 96 to the inch.
   */
  async pdf(fig: Figure, opts: RenderOptions = {}): Promise<Buffer> {
    const svg = await this.render(fig, "svg", { ...opts, embedFont: true });
    const width = opts.width ?? (fig.layout.width as number | undefined) ?? PAGE.width;
    const height = opts.height ?? (fig.layout.height as number | undefined) ?? PAGE.height;
    const page = await this.browser.newPage();
    try {
      await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>@page{size:${width}px ${height}px;margin:0}html,body{margin:0}svg{display:block}</style></head><body>${svg.replace(/^<\?xml[^>]*>/, "")}</body></html>`);
      await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready);
      return await page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: "1" });
    } finally {
      await page.close();
    }
  }

  /**
   * Where each visible text of the figure lands when Plotly draws it at width × height CSS px:
   * its box (relative to the figure's top-left), text and smallest font size in px. For checks
   * that labels are inside the image, do not overlap and print large enough.
   */
  async textBoxes(fig: Figure, opts: { width?: number; height?: number } = {}): Promise<{ width: number; height: number; texts: TextBox[] }> {
    const width = opts.width ?? (fig.layout.width as number | undefined) ?? PAGE.width;
    const height = opts.height ?? (fig.layout.height as number | undefined) ?? PAGE.height;
    const stable: Figure = { data: fig.data.map((t, i) => ({ uid: `trace${i}`, ...t })), layout: { ...fig.layout, width, height, autosize: false } };
    // Plain JavaScript (not compiled TS: a bundler's helpers such as __name do not exist in the page).
    const texts = (await this.page.evaluate(`(${TEXT_BOXES_JS})(${JSON.stringify(stable)})`)) as TextBox[];
    return { width, height, texts };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

let shared: Promise<ChartRenderer | null> | undefined;

/** One renderer for a whole session (a notebook, a report): opened on first use. */
export function sharedRenderer(): Promise<ChartRenderer | null> {
  shared ??= ChartRenderer.open();
  return shared;
}

/** Close the session's renderer, if one was opened. */
export async function closeSharedRenderer(): Promise<void> {
  const r = shared;
  shared = undefined;
  await (await r)?.close();
}

/** Whether PNG/SVG export can work here (a Chromium exists). */
export function canRenderImages(env: NodeJS.ProcessEnv = process.env): boolean {
  return findChromium(env) !== null && existsSync(plotlyPath());
}
