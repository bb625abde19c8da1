// Print sizes for a paper (cci chart --column, --width-in/--height-in/--font-pt), checked as pure
// data and, where Chromium exists, by drawing every catalog chart at both column presets and
// reading the text boxes off the page: inside the image, not overlapping, fonts at the point size.
// Without Chromium the drawing tests skip, unless CCI_REQUIRE_SYSTEM=1 (CI), where they must run.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agreementHeatmapFigure, AGREEMENT_COLORSCALE } from "../lib/analysis/figures";
import type { AgreementAnalysis } from "../lib/analysis/analyze";
import { ChartRenderer, findChromium } from "../lib/charts/browser";
import { CHARTS, CHART_NAMES } from "../lib/charts/catalog";
import { labelledBarFigure } from "../lib/charts/bar";
import type { Figure, PlotlyObject } from "../lib/charts/figure";
import { COLUMNS, layoutProblems, printFigure, printPixels, resolvePrint, shortVariant, wrapText, type PrintSpec } from "../lib/charts/print";
import { logFloor, refineEffectFigure } from "../lib/charts/refine";
import { realWorkspace } from "../lib/corpus/locate";
import { refineCorpus } from "../lib/refine/refine";
import { UserError } from "../lib/util/errors";
import { systemToolsRequired } from "../lib/util/system";
import { example } from "./helpers/corpus";
import { chartWorkspace, printLayout, PRINT_CASES, ROOT } from "./helpers/chart-workspace";

const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const cci = (args: string[], cwd: string) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd, timeout: 280_000 });

/** A workspace holding only the sample corpus (no predictions, no runs). */
function bareWorkspace(): string {
  const d = mkdtempSync(join(tmpdir(), "cci-chart-bare-"));
  dirs.push(d);
  writeFileSync(join(d, "package.json"), JSON.stringify({ name: "cci-workbench" }));
  symlinkSync(join(ROOT, "node_modules"), join(d, "node_modules"));
  mkdirSync(join(d, "resource", "data"), { recursive: true });
  for (const s of ["train", "dev", "test"]) copyFileSync(join(ROOT, "resource", "sample", `${s}.json`), join(d, "resource", "data", `${s}.json`));
  return d;
}

/** Every font size in a figure's JSON (font, tickfont, textfont, … objects), and inline font-size:Npx. */
function fontSizes(v: unknown, key = ""): number[] {
  if (typeof v === "string") return [...v.matchAll(/font-size:\s*(\d+(?:\.\d+)?)px/g)].map((m) => Number(m[1]));
  if (Array.isArray(v)) return v.flatMap((x) => fontSizes(x, key));
  if (v === null || typeof v !== "object") return [];
  return Object.entries(v as PlotlyObject).flatMap(([k, x]) => {
    const own = /font$/i.test(k) && x && typeof x === "object" && "size" in (x as PlotlyObject) ? [(x as PlotlyObject).size].flat().map(Number) : [];
    return [...own, ...fontSizes(x, k)];
  });
}

describe("print sizes (lib/charts/print)", () => {
  it("turns a column preset into inches, 8 pt and a height from the aspect", () => {
    expect(resolvePrint({ column: "single" })).toEqual({ widthIn: 3.5, heightIn: 2.38, fontPt: 8, column: "single" });
    expect(resolvePrint({ column: "double" })).toEqual({ widthIn: 7.16, heightIn: 4.87, fontPt: 8, column: "double" });
    expect(resolvePrint({ column: "single" }, 1)?.heightIn).toBe(3.5);
    expect(resolvePrint({ column: "double" }, { single: 1.2, double: 0.5 })?.heightIn).toBe(3.58);
    expect(resolvePrint({ widthIn: "5", heightIn: "2", fontPt: "9" })).toEqual({ widthIn: 5, heightIn: 2, fontPt: 9 });
    expect(resolvePrint({ column: "single", heightIn: "3", fontPt: "7" })).toEqual({ widthIn: 3.5, heightIn: 3, fontPt: 7, column: "single" });
  });

  it("gives no print size without print options (the screen layout stays as it was)", () => {
    expect(resolvePrint({})).toBeNull();
  });

  it.each([
    [{ column: "triple" }, /--column triple: expected single or double/],
    [{ column: "single", widthIn: "3" }, /give --column or --width-in, not both/],
    [{ heightIn: "2" }, /need a width/],
    [{ fontPt: "9" }, /need a width/],
    [{ widthIn: "abc" }, /--width-in abc: expected a number/],
    [{ widthIn: "0.2" }, /--width-in 0.2: expected a number from 1/],
    [{ column: "single", fontPt: "2" }, /--font-pt 2: expected a number from 4 up to 36/],
    [{ column: "single", heightIn: "" }, /--height-in: expected a number|--height-in  ?: expected/],
  ])("refuses %j in one line", (opts, message) => {
    let err: unknown;
    try {
      resolvePrint(opts as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain("\n");
  });

  it("lays out at inches × 96 px, fonts at pt × 96/72 px, PNGs at ≥ 300 dpi", () => {
    const single = printPixels(resolvePrint({ column: "single" })!);
    expect(single).toMatchObject({ width: 336, height: 228, fontPx: 10.67, scale: 4 });
    expect(single.dpi).toBeGreaterThanOrEqual(300);
    const double = printPixels(resolvePrint({ column: "double" })!);
    expect(double.width).toBe(Math.round(7.16 * 96));
    expect(Math.floor((double.width * double.scale) / COLUMNS.double)).toBeGreaterThanOrEqual(300);
    expect(printPixels({ widthIn: 3, heightIn: 2, fontPt: 12 }).fontPx).toBe(16);
  });

  const spec: PrintSpec = { widthIn: 3.5, heightIn: 2.4, fontPt: 8 };
  const screen = (): Figure => {
    const fig = labelledBarFigure([{ key: "원인", count: 3, percent: 75 }, { key: "동기", count: 1, percent: 25 }], { title: "Category Distribution<br><sup>4 examples</sup>", xTitle: "Inference type" });
    return {
      data: [...fig.data, { type: "scatter", name: "second", x: [1], y: [1], textfont: { size: 9 } }],
      layout: { ...fig.layout, annotations: [{ text: '<span style="font-size:11px">+x</span>', font: { size: 12 } }], xaxis: { ...(fig.layout.xaxis as object), tickfont: { size: 12 } } },
    };
  };

  it("sets every font of the figure to the print size (titles a little larger), inline sizes and subtitles too", () => {
    const before = screen();
    const fig = printFigure(before, spec);
    const px = printPixels(spec);
    const sizes = fontSizes(fig);
    expect(sizes.length).toBeGreaterThan(4);
    expect(new Set(sizes)).toEqual(new Set([px.fontPx, px.titlePx]));
    expect(JSON.stringify(fig)).not.toMatch(/<sup>|font-size:11px/);
    expect(fig.layout).toMatchObject({ width: 336, height: 230, autosize: false, title: { automargin: true } });
    expect((fig.layout.xaxis as PlotlyObject).automargin).toBe(true);
    expect((fig.layout.yaxis as PlotlyObject).automargin).toBe(true);
    expect((fig.layout.margin as { l: number }).l).toBeLessThan(20);
    // The screen figure is left as it was.
    expect(before).toEqual(screen());
    expect(fontSizes(before)).toContain(14);
  });

  it("applies a figure's print hints (short tick labels) and drops them from the layout", () => {
    const fig = printFigure(refineEffectFigure([{ split: "train", stats: refineCorpus([example([[1, "좋아요~"]], [0])]).stats }]), spec);
    // Log axis: powers of ten only, and its floor (where zeros are drawn) ticked "0".
    expect((fig.layout.xaxis as PlotlyObject).dtick).toBeUndefined();
    expect((fig.layout.xaxis as { ticktext: string[] }).ticktext).toEqual(["0", "1", "10"]);
    const bars = printFigure(labelledBarFigure([{ key: "a", count: 2, percent: 100 }], { title: "t" }), spec);
    expect((bars.layout.yaxis as { range: number[] }).range[1]).toBe(3);
    expect(bars.layout.meta).toBeUndefined();
  });

  it("wraps long titles and shortens variant names", () => {
    expect(wrapText("Training hours per recipe measured", 100, 10)).toBe("Training hours<br>per recipe<br>measured");
    expect(wrapText("a<br>b c", 1000, 10)).toBe("a<br>b c");
    expect(wrapText("CustomRefDataset-POLAR-14B (train)", 120, 10, true)).toBe("CustomRefDataset-<br>POLAR-14B (train)");
    expect(["CustomRefDataset", "CustomRefOfficialTermDataset", "SystemRefOfficialTermDataset", "Baseline"].map(shortVariant)).toEqual(["CR", "CR-OT", "SR-OT", "Base"]);
  });
});

describe("layoutProblems", () => {
  const box = (text: string, x: number, y: number, w = 20, h = 12, fontPx = 10.67) => ({ text, x, y, w, h, fontPx });
  it("finds texts cut at the edge, overlapping, or too small; boxes that only touch pass", () => {
    expect(layoutProblems({ width: 100, height: 50, texts: [box("a", 0, 0), box("b", 20, 0), box("c", 0, 10)] }, 10.67)).toEqual([]);
    const p = layoutProblems({ width: 100, height: 50, texts: [box("cut", 90, 0), box("x", 40, 20), box("y", 45, 25), box("tiny", 0, 35, 10, 8, 6)] }, 10.67);
    expect(p.some((l) => /"cut" cut/.test(l))).toBe(true);
    expect(p.some((l) => /"x" overlaps "y"/.test(l))).toBe(true);
    expect(p.some((l) => /"tiny" at 6.00 px, under 10.67 px/.test(l))).toBe(true);
  });
});

describe("zeros on refine_steps' log axis", () => {
  it("draws a step that changed nothing as a '0' at the axis floor (not no bar)", () => {
    const stats = refineCorpus([example([[1, "좋아요~"], [2, "ㅋㅋ 그래"]], [0])]).stats;
    const fig = refineEffectFigure([{ split: "train", stats }]);
    const t = fig.data[0] as { x: number[]; text: string[] };
    const zeros = t.text.map((s, i) => (s === "0" ? i : -1)).filter((i) => i >= 0);
    expect(zeros.length).toBeGreaterThan(0);
    const floor = logFloor(t.x.filter((_, i) => !zeros.includes(i)));
    for (const i of zeros) expect(t.x[i]).toBe(floor);
    expect(t.x.every((v) => v > 0)).toBe(true); // a 0 on a log axis is dropped by Plotly
    expect((fig.layout.xaxis as { range: number[] }).range[0]).toBeCloseTo(Math.log10(floor));
    expect(logFloor([3, 200])).toBe(0.1);
    expect(logFloor([0.5, 2])).toBe(0.05);
  });
});

describe("agreement heatmaps", () => {
  const a = { names: ["a", "b"], agreement: [[1, 0.5], [0.5, 1]], cohenKappa: [[1, -0.2], [-0.2, 1]] } as unknown as AgreementAnalysis;
  it("use one scale for agreement and κ: white at 0, dark blue at 1, not reversed", () => {
    const traces = (["agreement", "cohenKappa"] as const).map((m) => agreementHeatmapFigure(a, m, "t").data[0]);
    for (const t of traces) expect(t).toMatchObject({ colorscale: AGREEMENT_COLORSCALE, zmin: 0, zmax: 1 });
    for (const t of traces) expect(t.reversescale).toBeUndefined();
    expect(AGREEMENT_COLORSCALE[0][1]).toBe("#f7fbff");
    expect(AGREEMENT_COLORSCALE.at(-1)![1]).toBe("#08306b");
  });
});

describe("the catalog holds the notebooks' charts", () => {
  it("lists notebook 03's token lengths, 04's four training charts and 06's two test heatmaps", () => {
    for (const n of ["prompt_token_lengths", "training_hours", "training_wall", "training_memory", "training_loss", "test_agreement", "recipe_agreement"]) expect(CHART_NAMES).toContain(n);
  });

  it.each([
    ["training_loss", /no run folder under .* has a metrics.jsonl/],
    ["test_agreement", /7 of 7 CPU members' test predictions missing .*cci baseline run/],
    ["recipe_agreement", /11 of 11 recipe test predictions missing .*GPU inference/],
    ["member_kappa", /CPU members' dev predictions missing/],
  ])("%s says in one line what data is missing", async (name, message) => {
    const ws = realWorkspace(bareWorkspace());
    const entry = CHARTS.find((c) => c.name === name)!;
    const err = await entry.build({ ws, split: "train+dev" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
  });
});

describe("cci chart print options", () => {
  it.each([
    [["category_distribution", "--column", "triple", "--out", "x.png"], /--column triple: expected single or double/],
    [["category_distribution", "--column", "single", "--width-in", "3", "--out", "x.png"], /not both/],
    [["category_distribution", "--column", "single", "--width", "300", "--out", "x.png"], /--width sets the screen layout/],
    [["--all"], /--all needs --out DIR/],
    [["category_distribution", "--all", "--out", "d"], /NAME or --all, not both/],
    [["recipe_agreement", "--column", "single", "--out", "x.png"], /11 of 11 recipe test predictions missing/],
    [["--all", "--out", "resource/data"], /--out resource\/data: is inside the corpus folder/],
    [["--all", "--out", "resource/data/figs"], /is inside the corpus folder/],
  ])("cci chart %j: one line, exit 2", (args, message) => {
    const d = bareWorkspace();
    const r = cci(["chart", ...args], d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("cci:"))).toHaveLength(1);
    expect(readdirSync(d)).not.toContain("x.png");
  });
});

const run = findChromium() !== null || systemToolsRequired();

describe.skipIf(!run)("every catalog chart at print size, drawn in Chromium", () => {
  let renderer: ChartRenderer | null = null;
  let fixture: ReturnType<typeof chartWorkspace>;
  beforeAll(async () => {
    fixture = chartWorkspace();
    dirs.push(fixture.root);
    renderer = await ChartRenderer.open();
  }, 180_000);
  afterAll(async () => {
    await renderer?.close();
  });

  it.each(PRINT_CASES)("%s at --column %s: every text inside the image, none overlapping, none under 8 pt", async (name, column) => {
    const drawn = await printLayout(renderer!, fixture, name, column);
    expect(drawn.texts).toBeGreaterThan(3);
    expect(drawn.problems).toEqual([]);
  }, 60_000);

  it("the screen layout printed a column wide fails the same check (why the presets exist)", async () => {
    const px = printPixels(resolvePrint({ column: "single" })!);
    for (const name of ["category_distribution", "dev_accuracy_by_category", "prompt_lengths", "training_hours"]) {
      const fig = await CHARTS.find((c) => c.name === name)!.build({ ws: fixture.ws, split: "train+dev" });
      // Laid out at 800 × 500 as `cci chart` without a preset, then shrunk to 3.5 in: fonts of 4–5 pt.
      const shrunk = await renderer!.textBoxes(fig, { width: 800, height: 500 });
      const k = px.width / 800;
      const scaled = { width: px.width, height: 500 * k, texts: shrunk.texts.map((t) => ({ ...t, x: t.x * k, y: t.y * k, w: t.w * k, h: t.h * k, fontPx: t.fontPx * k })) };
      expect(layoutProblems(scaled, px.fontPx).some((l) => /under 10.67 px/.test(l)), name).toBe(true);
      // Laid out at the column's size with the screen fonts and margins: labels collide or are cut.
      const small = await renderer!.textBoxes(fig, { width: px.width, height: px.height });
      expect(layoutProblems(small, 0).length, name).toBeGreaterThan(0);
    }
  }, 120_000);

  it("cci chart --all writes every chart into one folder with one browser, a line per chart", () => {
    const out = join(fixture.root, "charts");
    const r = cci(["chart", "--all", "--column", "single", "--out", out], fixture.root);
    expect(r.stderr).toMatch(/one browser/);
    expect(r.status).toBe(0);
    // Every figure, and one provenance file naming the variant and the corpus they were drawn from.
    expect(readdirSync(out).sort()).toEqual([...CHART_NAMES.map((n) => `${n}.png`), "charts.provenance.json"].sort());
    for (const [i, n] of CHART_NAMES.entries()) expect(r.stderr).toContain(`chart [${i + 1}/${CHARTS.length}] `);
    expect(r.stderr).toMatch(/PNG 1344 × \d+ px — 384 dpi at 3.5 in wide, 3.5 × [\d.]+ in, 8 pt/);
    expect(readdirSync(out).some((f) => f.includes(".cci-"))).toBe(false);
  }, 300_000);

  it("cci chart NAME --column double: a PNG 7.16 in wide at 384 dpi (recorded), the screen layout without a preset", () => {
    const d = bareWorkspace();
    const r = cci(["chart", "category_distribution", "--column", "double", "--out", "fig.png"], d);
    expect(r.status).toBe(0);
    const png = readFileSync(join(d, "fig.png"));
    expect(JSON.parse(readFileSync(join(d, "fig.provenance.json"), "utf8")).variant.name).toBe("faithful");
    expect(png.readUInt32BE(16)).toBe(Math.round(7.16 * 96) * 4);
    const phys = png.indexOf("pHYs");
    expect(Math.round(png.readUInt32BE(phys + 4) * 0.0254)).toBe(Math.floor((Math.round(7.16 * 96) * 4) / 7.16));
    expect(cci(["chart", "category_distribution", "--out", "screen.png"], d).stderr).toMatch(/PNG 3200 × 2000 px — 914 dpi at 3.5 in wide\n/);
  }, 120_000);

  it("cci chart --all skips the charts whose data is absent, saying so", () => {
    const d = bareWorkspace();
    const r = cci(["chart", "--all", "--format", "svg", "--out", join(d, "figs")], d);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/recipe_agreement: skipped — 11 of 11 recipe test predictions missing/);
    expect(r.stderr).toMatch(/skipped for missing data: .*training_loss/);
    const files = readdirSync(join(d, "figs"));
    expect(files).toContain("category_distribution.svg");
    expect(files).not.toContain("recipe_agreement.svg");
  }, 300_000);
});
