/**
 * Word clouds: d3-cloud lays the words out (measuring text on an @napi-rs/canvas canvas, so it
 * runs in Node), and the placed words become a plotly scatter of text. All words horizontal,
 * as the original's `prefer_horizontal=1`.
 */
import seedrandom from "seedrandom";
import type { WordCount } from "../eda/words";
import { baseLayout, FONT_FAMILY, PAGE, type Figure } from "./figure";

/** Dark2 (colour-blind safe, legible on white), cycled by rank. */
export const CLOUD_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"] as const;

export interface CloudOptions {
  /** At most this many words (the original's WordCloud default: 200). */
  maxWords?: number;
  minSize?: number;
  maxSize?: number;
  width?: number;
  height?: number;
  /** Seed of the layout's random positions: the same words always give the same cloud. */
  seed?: string;
  /** The font used to measure words; must be the one the figure renders with. */
  font?: string;
  /** Space around each word as a share of its size (at least 2 px): a word's text box, line height included, then never meets another's. */
  padRatio?: number;
}

export interface PlacedWord {
  word: string;
  count: number;
  size: number;
  /** Centre of the word's baseline, in pixels from the cloud's centre (y down, as d3). */
  x: number;
  y: number;
}

const DEFAULTS: Required<CloudOptions> = { maxWords: 200, minSize: 12, maxSize: 96, width: PAGE.width - 40, height: PAGE.height - 90, seed: "42", font: "NanumGothic", padRatio: 0 };

/** Font size of a word: square-root scale between minSize and maxSize over the counts shown. */
export function fontSizes(words: readonly WordCount[], minSize: number, maxSize: number): number[] {
  if (words.length === 0) return [];
  const hi = words.reduce((m, w) => Math.max(m, w.count), -Infinity);
  const lo = words.reduce((m, w) => Math.min(m, w.count), Infinity);
  return words.map((w) => Math.round(minSize + (maxSize - minSize) * (hi === lo ? 1 : Math.sqrt((w.count - lo) / (hi - lo)))));
}

/** Place the most frequent words; those that do not fit are left out (PlacedWord[] is shorter). */
export async function layoutWordCloud(words: readonly WordCount[], options: CloudOptions = {}): Promise<PlacedWord[]> {
  // Loaded here, not at the top: the native canvas would slow every `cci` start.
  const [{ default: cloud }, { createCanvas }] = await Promise.all([import("d3-cloud"), import("@napi-rs/canvas")]);
  const o = { ...DEFAULTS, ...options };
  const top = words.slice(0, o.maxWords);
  const sizes = fontSizes(top, o.minSize, o.maxSize);
  type Item = { text: string; size: number; count: number; x?: number; y?: number };
  // Control characters (a NUL inside an utterance) cannot be measured on a canvas, nor seen: shown as U+FFFD.
  const items: Item[] = top.map((w, i) => ({ text: w.word.replace(/[\u0000-\u001f\u007f]/g, "\ufffd"), size: sizes[i], count: w.count }));
  return new Promise((resolve) => {
    cloud<Item>()
      .size([o.width, o.height])
      // d3-cloud measures text on a canvas; in Node that is @napi-rs/canvas.
      .canvas(() => createCanvas(1, 1) as unknown as HTMLCanvasElement)
      .words(items)
      .padding((d) => Math.max(2, Math.round(d.size * o.padRatio)))
      .rotate(0)
      .font(o.font)
      .fontSize((d) => d.size)
      .random(seedrandom(o.seed))
      .on("end", (placed: Item[]) => resolve(placed.map((d) => ({ word: d.text, count: d.count, size: d.size, x: d.x ?? 0, y: d.y ?? 0 }))))
      .start();
  });
}

/**
 * The placed words as a plotly scatter of text on axes measured in pixels, so each word keeps
 * the size and place d3-cloud gave it. Hover shows the count.
 */
export function wordCloudFigure(placed: readonly PlacedWord[], title: string, options: CloudOptions = {}): Figure {
  const o = { ...DEFAULTS, ...options };
  const margin = { l: (PAGE.width - o.width) / 2, r: (PAGE.width - o.width) / 2, t: 70, b: PAGE.height - o.height - 70 };
  const hidden = { visible: false, fixedrange: true };
  return {
    data: [
      {
        type: "scatter",
        mode: "text",
        x: placed.map((w) => w.x),
        // d3's y grows downwards and marks the baseline; plotly centres text on y, ~0.35 em above it.
        y: placed.map((w) => -w.y + 0.35 * w.size),
        text: placed.map((w) => w.word),
        textposition: "middle center",
        textfont: { family: FONT_FAMILY, size: placed.map((w) => w.size), color: placed.map((_, i) => CLOUD_COLORS[i % CLOUD_COLORS.length]) },
        customdata: placed.map((w) => w.count),
        hovertemplate: "%{text}: %{customdata}<extra></extra>",
      },
    ],
    layout: baseLayout(title, {
      xaxis: { ...hidden, range: [-o.width / 2, o.width / 2] },
      yaxis: { ...hidden, range: [-o.height / 2, o.height / 2] },
      margin,
      // Words were placed in pixels: the figure must keep its size to keep them apart.
      autosize: false,
      showlegend: false,
    }),
  };
}
