/** Figures as HTML: a self-contained page per figure, and the JSON that goes into a <script>. */
import type { Figure } from "./figure";
import { plotlyCdnUrl, plotlySource } from "./plotlyjs";

/** JSON that can sit inside <script> (no `</script>`, no line separators JS would choke on). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Plotly config: responsive, no plotly logo, PNG download at export size. */
export function plotConfig(fig: Figure): Record<string, unknown> {
  return { responsive: true, displaylogo: false, toImageButtonOptions: { format: "png", width: fig.layout.width, height: fig.layout.height } };
}

export function figureTitle(fig: Figure): string {
  const t = fig.layout.title as { text?: string } | string | undefined;
  return (typeof t === "string" ? t : t?.text) ?? "chart";
}

/**
 * How an HTML chart gets plotly.js: `inline` (self-contained, ~5 MB a file), `cdn` (linked from
 * plotly's CDN: small, needs network), or `{ src }` — a plotly.min.js file shared by every chart of
 * a folder, linked by relative path (small and offline).
 */
export type PlotlyMode = "inline" | "cdn" | { src: string };

/** A complete page showing the figure, interactive. */
export function figureHtml(fig: Figure, opts: { plotly?: PlotlyMode } = {}): string {
  const mode = opts.plotly ?? "inline";
  const script =
    mode === "cdn" ? `<script src="${plotlyCdnUrl()}"></script>` : mode === "inline" ? `<script>${plotlySource()}</script>` : `<script src="${escapeHtml(mode.src)}"></script>`;
  // The page fills the window (the figure's size is for exports) unless the figure is pinned to
  // its pixel size (`autosize: false`, e.g. a word cloud laid out in pixels).
  const layout = fig.layout.autosize === false ? fig.layout : { ...fig.layout, width: undefined, height: undefined, autosize: true };
  return [
    "<!DOCTYPE html>",
    '<html lang="ko">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(figureTitle(fig).replace(/<[^>]*>/g, " "))}</title>`,
    "<style>html,body{margin:0;height:100%}#chart{width:100%;height:100%;min-height:480px}</style>",
    script,
    "</head>",
    "<body>",
    '<div id="chart"></div>',
    `<script>Plotly.newPlot("chart", ${scriptJson(fig.data)}, ${scriptJson(layout)}, ${scriptJson(plotConfig(fig))});</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
