import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { barLabel, labelledBarFigure } from "../lib/charts/bar";
import { CHROMIUM_ARGS, findChromium, stableSvgIds } from "../lib/charts/browser";
import { comparisonFigure, EDA_ARTIFACTS } from "../lib/charts/eda";
import { exportFigure, parseFormats } from "../lib/charts/export";
import { FONT_FAMILY, overlapColor, SERIES_COLORS, type Figure } from "../lib/charts/figure";
import { figureHtml, scriptJson } from "../lib/charts/html";
import { binCenter, histogramFigure, markerLabels, overlayHistogramFigure } from "../lib/charts/histogram";
import { figureOutputHtml } from "../lib/charts/notebook";
import { fontSizes, layoutWordCloud, wordCloudFigure } from "../lib/charts/wordcloud";
import { splitEda } from "../lib/eda/split";
import { distribution } from "../lib/eda/stats";
import { example } from "./helpers/corpus";

type Shape = { x0: number; line: { color: string; dash: string } };
type Note = { x: number; text: string };
const trace = (fig: Figure, i = 0) => fig.data[i] as Record<string, unknown> & { x: unknown[]; y: unknown[] };

describe("labelled bars", () => {
  it("labels each bar with its count and percentage (2 decimals)", () => {
    const rows = distribution(["원인", "원인", "동기"]);
    const fig = labelledBarFigure(rows, { title: "t" });
    expect(trace(fig).x).toEqual(["원인", "동기"]);
    expect(trace(fig).y).toEqual([2, 1]);
    expect(trace(fig).text).toEqual(["2<br>66.67%", "1<br>33.33%"]);
    expect(barLabel({ key: "k", count: 161, percent: (161 / 758) * 100 })).toBe("161<br>21.24%");
    expect((fig.layout.font as { family: string }).family).toBe(FONT_FAMILY);
  });
});

describe("histograms with min/mean/max lines", () => {
  const CASES: Record<string, { input: { values: number[]; binWidth: number; align: "value" | "span" }; expected: { x: number[]; y: number[]; lines: number[]; labels: string[]; range: number[] } }> = {
    "turns: bars on the values": {
      input: { values: [12, 14, 14, 30], binWidth: 1, align: "value" },
      expected: { x: [12, 13, 14, ...Array.from({ length: 16 }, (_, i) => 15 + i)], y: [1, 0, 2, ...Array(15).fill(0), 1], lines: [12, 17.5, 30], labels: ["Min: 12", "Mean: 17.50", "Max: 30"], range: [11.5, 30.5] },
    },
    "characters: bars across 50-wide bins": {
      input: { values: [95, 120, 260], binWidth: 50, align: "span" },
      expected: { x: [75, 125, 175, 225, 275], y: [1, 1, 0, 0, 1], lines: [95, 158.33333333333334, 260], labels: ["Min: 95", "Mean: 158.33", "Max: 260"], range: [50, 300] },
    },
  };
  it.each(Object.entries(CASES))("%s", (_n, { input, expected }) => {
    const fig = histogramFigure(input.values, { title: "t", xTitle: "x", ...input });
    expect(trace(fig).x).toEqual(expected.x);
    expect(trace(fig).y).toEqual(expected.y);
    expect(trace(fig).width).toBe(input.binWidth);
    const shapes = fig.layout.shapes as Shape[];
    expect(shapes.map((s) => s.x0)).toEqual(expected.lines);
    // Colour-blind safe (no red against green), each line its own dash as well.
    expect(shapes.map((s) => [s.line.color, s.line.dash])).toEqual([["#E69F00", "dot"], ["#000000", "dash"], ["#CC79A7", "dashdot"]]);
    // The axis spans the bars (not from −100), ticks level.
    const xaxis = fig.layout.xaxis as { range: number[]; tickangle: number };
    expect(xaxis.range).toEqual(expected.range);
    expect(xaxis.tickangle).toBe(0);
    expect((fig.layout.annotations as Note[]).map((a) => a.text)).toEqual(expected.labels);
  });

  it("places bars by alignment", () => {
    expect(binCenter({ start: 20, end: 21, count: 1 }, "value")).toBe(20);
    expect(binCenter({ start: 350, end: 400, count: 1 }, "span")).toBe(375);
    expect(markerLabels([1, 2])).toEqual({ min: "Min: 1", mean: "Mean: 1.50", max: "Max: 2" });
  });

  it("overlays series on shared bins with a mean line each", () => {
    const fig = overlayHistogramFigure([{ name: "raw", values: [20, 22] }, { name: "refined", values: [14, 16] }], { title: "t", xTitle: "x", binWidth: 1, align: "value" });
    // The overlap shows a third colour: the legend names it (orange at 0.55 over blue at 0.55 over white).
    expect(fig.data.map((t) => t.name)).toEqual(["raw", "refined", "raw and refined overlap"]);
    expect((fig.data[2].marker as { color: string }).color).toBe(overlapColor(SERIES_COLORS[0], SERIES_COLORS[1], 0.55));
    expect(overlapColor("#000000", "#ffffff", 0.5)).toBe("#bfbfbf");
    expect(trace(fig, 0).x).toEqual(trace(fig, 1).x);
    expect(trace(fig, 0).x).toEqual([14, 15, 16, 17, 18, 19, 20, 21, 22]);
    expect(trace(fig, 0).y).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(trace(fig, 1).y).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect((fig.layout.shapes as Shape[]).map((s) => s.x0)).toEqual([21, 15]);
    expect(fig.layout.barmode).toBe("overlay");
  });
});

describe("word cloud", () => {
  const words = [
    { word: "진짜", count: 40 },
    { word: "그래서", count: 10 },
    { word: "ㅋㅋ", count: 4 },
    { word: "좋아요", count: 1 },
  ];

  it("scales font size by the square root of the count", () => {
    expect(fontSizes(words, 10, 100)).toEqual([100, 53, 35, 10]);
    expect(fontSizes([{ word: "a", count: 3 }], 10, 100)).toEqual([100]);
  });

  it("lays words out deterministically inside the canvas, largest first", async () => {
    const opts = { width: 600, height: 300, minSize: 12, maxSize: 60 };
    const a = await layoutWordCloud(words, opts);
    const b = await layoutWordCloud(words, opts);
    expect(a).toEqual(b);
    expect(a.map((w) => w.word)).toEqual(["진짜", "그래서", "ㅋㅋ", "좋아요"]);
    for (const w of a) {
      expect(Math.abs(w.x)).toBeLessThan(300);
      expect(Math.abs(w.y)).toBeLessThan(150);
    }
  });

  it("draws the placed words as text at their sizes, y flipped to plotly's upward axis", () => {
    const fig = wordCloudFigure([{ word: "진짜", count: 40, size: 20, x: 10, y: 30 }], "t", { width: 600, height: 300 });
    const t = trace(fig);
    expect([t.mode, t.text, t.x, t.y]).toEqual(["text", ["진짜"], [10], [-30 + 7]]);
    expect((t.textfont as { size: number[] }).size).toEqual([20]);
    expect((fig.layout.xaxis as { range: number[] }).range).toEqual([-300, 300]);
    expect(fig.layout.autosize).toBe(false);
  });
});

describe("EDA chart table", () => {
  const train = splitEda("train", [example([[1, "좋아 좋아"], [2, "그래요"]], [0], { category: "동기" }, "inference_2")]);
  const test = splitEda("test", [example([[1, "좋아"]], [0], {}, "")]);

  it("builds every artifact, but no answer chart for a split without answers", async () => {
    const built = async (s: typeof train) => Promise.all(EDA_ARTIFACTS.map(async (a) => [a.name, (await a.build(s, "raw", { width: 400, height: 200 })) !== null]));
    expect(await built(train)).toEqual([["category_distribution", true], ["output_distribution", true], ["conversation_length_distribution", true], ["total_utterance_length_distribution", true], ["wordcloud", true]]);
    expect(Object.fromEntries(await built(test)).output_distribution).toBe(false);
  });

  it("titles as the original, marking refined data", async () => {
    const fig = (await EDA_ARTIFACTS[0].build(train, "refined"))!;
    expect((fig.layout.title as { text: string }).text).toBe("Category Distribution (Train Data, refined)<br><sup>1 example</sup>");
    const cmp = comparisonFigure("conversation_length", train, train);
    expect(cmp.data.map((t) => t.name)).toEqual(["raw", "refined", "raw and refined overlap"]);
  });
});

describe("HTML", () => {
  const fig: Figure = { data: [{ type: "bar", x: ["</script><b>"], y: [1] }], layout: { title: { text: "원인 & 동기" }, width: 1200, height: 675 } };

  it("writes a self-contained page: plotly.js inlined, data that cannot close the script", () => {
    const html = figureHtml(fig);
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html).toContain("<title>원인 &amp; 동기</title>");
    expect(html).not.toContain("</script><b>");
    expect(JSON.parse(scriptJson(["</script>\u2028"]))).toEqual(["</script>\u2028"]);
    expect(html).not.toMatch(/<script src=/);
  });

  it("links plotly from its CDN on request", () => {
    expect(figureHtml(fig, { plotly: "cdn" })).toMatch(/<script src="https:\/\/cdn\.plot\.ly\/plotly-\d+\.\d+\.\d+\.min\.js"><\/script>/);
  });

  it("shows the PNG in a notebook output, with the interactive chart on top when scripts run", () => {
    const out = figureOutputHtml(fig, new Uint8Array([137, 80, 78, 71]));
    expect(out).toContain('src="data:image/png;base64,iVBORw=="');
    expect(out).toContain("<script>");
    expect(figureOutputHtml(fig, null, { interactive: false })).not.toContain("<script>");
  });
});

describe("export without a browser", () => {
  it("writes only the HTML", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-charts-"));
    const files = await exportFigure({ data: [], layout: {} }, join(dir, "x"), { renderer: null, plotly: "cdn" });
    expect(files).toEqual([join(dir, "x.html")]);
    expect(readdirSync(dir)).toEqual(["x.html"]);
  });

  it("parses --formats", () => {
    expect(parseFormats(["svg", "html", "gif"])).toEqual({ formats: ["html", "svg"], unknown: ["gif"] });
  });
});

describe("finding Chromium", () => {
  const fakeBin = (names: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "cci-bin-"));
    for (const n of names) {
      writeFileSync(join(dir, n), "#!/bin/sh\n");
      chmodSync(join(dir, n), 0o755);
    }
    return dir;
  };
  it("prefers CHROME_PATH, then PATH in name order, else null", () => {
    const a = fakeBin(["google-chrome"]);
    const b = fakeBin(["chromium-browser", "plain-file"]);
    chmodSync(join(b, "plain-file"), 0o644);
    expect(findChromium({ CHROME_PATH: join(a, "google-chrome"), PATH: b })).toBe(join(a, "google-chrome"));
    expect(findChromium({ PATH: `${a}:${b}` })).toBe(join(b, "chromium-browser"));
    expect(findChromium({ CHROME_PATH: join(b, "plain-file"), PATH: a })).toBe(join(a, "google-chrome"));
    expect(findChromium({ PATH: mkdtempSync(join(tmpdir(), "cci-empty-")) })).toBeNull();
    expect(existsSync(a)).toBe(true);
  });

  it("launches headless with the agreed flags", () => {
    expect(CHROMIUM_ARGS).toEqual(["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]);
  });
});

describe("stable SVG ids", () => {
  it("replaces plotly's random figure uid where it names defs, clip paths and legends only", () => {
    const svg = '<defs id="defs-a8544c"><g class="clips"><clipPath id="clipa8544cxy"></clipPath></g></defs><g clip-path="url(#clipa8544cxy)" fill="#a8544c"></g><g id="topdefs-a8544c"></g><rect id="legenda8544c"/>';
    expect(stableSvgIds(svg)).toBe('<defs id="defs-cci000"><g class="clips"><clipPath id="clipcci000xy"></clipPath></g></defs><g clip-path="url(#clipcci000xy)" fill="#a8544c"></g><g id="topdefs-cci000"></g><rect id="legendcci000"/>');
    expect(stableSvgIds("<svg/>")).toBe("<svg/>");
  });
});

describe("print-size fixes found on the real corpus (issue 30 §4)", () => {
  it("refine_steps: labels keep the font size, the log axis's floor is ticked 0", async () => {
    const { refineEffectFigure, logTicks } = await import("../lib/charts/refine");
    const { refineCorpus } = await import("../lib/refine/refine");
    const stats = refineCorpus([example([[1, "안녕 ㅋㅋ"], [2, "네..."]], [1])]).stats;
    const fig = refineEffectFigure([{ split: "train", stats }]);
    expect(fig.data[0].constraintext).toBe("none");
    const xaxis = fig.layout.xaxis as { tickvals: number[]; ticktext: string[]; range: number[] };
    expect(xaxis.ticktext[0]).toBe("0");
    expect(Math.log10(xaxis.tickvals[0])).toBeCloseTo(xaxis.range[0], 12);
    expect(logTicks(0.1, 4471)).toEqual({ tickvals: [0.1, 1, 10, 100, 1000, 10000], ticktext: ["0", "1", "10", "100", "1,000", "10,000"] });
  });

  it("bar labels keep the font size (Plotly would shrink them to fit a narrow bar)", () => {
    const fig = labelledBarFigure([{ key: "a", count: 186, percent: 20.46 }], { title: "t" });
    expect(fig.data[0].constraintext).toBe("none");
  });

  it("the token-length chart draws the limit the text discusses", async () => {
    const { promptLengthFigure } = await import("../lib/charts/prompts");
    const fig = promptLengthFigure([{ name: "faithful", byVariant: [{ variant: "Baseline", values: [900, 1100] }] }], { title: "t", unit: "Tokens", limit: { value: 1024, label: "1,024 tokens" } });
    expect((fig.layout.shapes as { y0: number }[])[0].y0).toBe(1024);
    expect((fig.layout.annotations as { text: string }[])[0].text).toBe("1,024 tokens");
  });
});
