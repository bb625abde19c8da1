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

/**
 * Marker lines of histograms. The original drew min/mean/max in red, green and blue, which
 * red–green colour blindness cannot tell apart: Okabe–Ito colours instead, each line also its own
 * dash (MARKER_DASH) and labelled, so the colour is never the only cue.
 */
export const MARKER_COLORS = { min: "#E69F00", mean: "#000000", max: "#CC79A7" } as const;
export const MARKER_DASH = { min: "dot", mean: "dash", max: "dashdot" } as const;

/** Bar and series colours, colour-blind safe (Okabe–Ito: blue, orange, bluish green, reddish purple); raw first, refined second. */
export const SERIES_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"] as const;

/** The colour two overlaid series show where they overlap: `top` at `opacity` over `under` at `opacity` over white. */
export function overlapColor(under: string, top: string, opacity: number): string {
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const over = (fg: number[], bg: number[]) => fg.map((c, i) => c * opacity + bg[i] * (1 - opacity));
  const mixed = over(rgb(top), over(rgb(under), [255, 255, 255]));
  return `#${mixed.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

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
