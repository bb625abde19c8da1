/**
 * Charts inline in tslab notebooks. Each chart is one HTML output holding its PNG (so the saved
 * notebook shows it anywhere, GitHub included, and stays small) and a script that swaps the PNG
 * for the interactive plotly chart when the viewer runs scripts and can reach plotly's CDN.
 * Usage: `await showFigure(fig, tslab.display)`; end the notebook with `await closeSharedRenderer()`.
 */
import { createHash } from "node:crypto";
import { sharedRenderer, type ChartRenderer } from "./browser";
import type { Figure } from "./figure";
import { escapeHtml, figureTitle, plotConfig, scriptJson } from "./html";
import { plotlyCdnUrl } from "./plotlyjs";

/** What tslab's `display` offers that we use. */
export interface HtmlDisplay {
  html(s: string): void;
}

export interface ShowOptions {
  /** Add the interactive chart (default true). */
  interactive?: boolean;
  /** Renderer for the PNG; defaults to the session's shared one. */
  renderer?: ChartRenderer | null;
}

let shown = 0;

/** A stable element id: the same figure in the same place of a notebook keeps its id. */
function elementId(fig: Figure): string {
  return `cci-chart-${createHash("sha1").update(JSON.stringify(fig)).digest("hex").slice(0, 10)}-${++shown}`;
}

/** Loads plotly from its CDN once per page (via require.js where the page has it), then draws. */
function drawScript(id: string, fig: Figure): string {
  const pinned = fig.layout.autosize === false;
  const layout = pinned ? fig.layout : { ...fig.layout, width: undefined, autosize: true };
  const url = plotlyCdnUrl();
  return `(function () {
  var el = document.getElementById(${scriptJson(id)});
  if (!el) return;
  var draw = function (Plotly) {
    if (!Plotly) return;
    el.innerHTML = "";
    Plotly.newPlot(el, ${scriptJson(fig.data)}, ${scriptJson(layout)}, ${scriptJson(plotConfig(fig))});
  };
  if (window.Plotly) return draw(window.Plotly);
  if (typeof window.require === "function" && window.require.config) {
    window.require.config({ paths: { cciplotly: ${scriptJson(url.replace(/\.js$/, ""))} } });
    return window.require(["cciplotly"], draw, function () {});
  }
  window.__cciPlotly = window.__cciPlotly || new Promise(function (ok) {
    var s = document.createElement("script");
    s.src = ${scriptJson(url)};
    s.onload = function () { ok(window.Plotly); };
    s.onerror = function () { ok(null); };
    document.head.appendChild(s);
  });
  window.__cciPlotly.then(draw);
})();`;
}

/** The HTML of one chart output: the PNG (if any) as a fallback, and the interactive script. */
export function figureOutputHtml(fig: Figure, png: Uint8Array | null, opts: { interactive?: boolean } = {}): string {
  const id = elementId(fig);
  const title = escapeHtml(figureTitle(fig).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim());
  const img = png ? `<img alt="${title}" style="max-width:100%" src="data:image/png;base64,${Buffer.from(png).toString("base64")}">` : `<p>${title} (no PNG: Chromium not found)</p>`;
  const script = opts.interactive === false ? "" : `\n<script>${drawScript(id, fig)}</script>`;
  return `<div id="${id}" style="max-width:${fig.layout.width ?? 1200}px">${img}</div>${script}`;
}

/** Show a figure in a notebook cell. */
export async function showFigure(fig: Figure, display: HtmlDisplay, opts: ShowOptions = {}): Promise<void> {
  const renderer = opts.renderer === undefined ? await sharedRenderer() : opts.renderer;
  const png = renderer ? await renderer.render(fig, "png") : null;
  display.html(figureOutputHtml(fig, png, opts));
}
