/**
 * A plotly.js figure as plain data (`{data, layout}`), the shared look of our charts, and
 * the page size every export uses. Builders are pure: data in, figure out.
 */

/** A plotly trace or layout: JSON handed to Plotly as is. */
export type PlotlyObject = Record<string, unknown>;

export interface Figure {
  data: PlotlyObject[];
  layout: PlotlyObject;
}

/** Korean-capable fonts first (Debian fonts-nanum provides NanumGothic). */
export const FONT_FAMILY = "NanumGothic, Nanum Gothic, sans-serif";

/** Export size in CSS pixels; PNGs are at least this wide. */
export const PAGE = { width: 1200, height: 675 } as const;

/** Marker lines of histograms: the original's colours. */
export const MARKER_COLORS = { min: "red", mean: "green", max: "blue" } as const;

/** Bar and series colours (plotly's defaults, raw first, refined second). */
export const SERIES_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"] as const;

/** The common layout: title, fonts, white background, page size; `extra` overrides. */
export function baseLayout(title: string, extra: PlotlyObject = {}): PlotlyObject {
  return {
    title: { text: title, x: 0.5, xanchor: "center" },
    font: { family: FONT_FAMILY, size: 14, color: "#222" },
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    width: PAGE.width,
    height: PAGE.height,
    margin: { l: 70, r: 40, t: 80, b: 70 },
    ...extra,
  };
}

/** Axis style with a light grid; `title` is the axis title. */
export function axis(title: string, extra: PlotlyObject = {}): PlotlyObject {
  return { title: { text: title }, gridcolor: "#e5e5e5", zeroline: false, showline: true, linecolor: "#888", ...extra };
}

/** The figure with another title (e.g. to say a chart shows the bundled sample). */
export function withTitle(fig: Figure, title: string): Figure {
  return { ...fig, layout: { ...fig.layout, title: { ...(fig.layout.title as PlotlyObject | undefined), text: title } } };
}
