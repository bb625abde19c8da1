// PNG/SVG export through headless Chromium: runs where Chromium exists, skips elsewhere — unless
// CCI_REQUIRE_SYSTEM=1 (CI), where a missing browser must fail.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChartRenderer, findChromium } from "../lib/charts/browser";
import { labelledBarFigure } from "../lib/charts/bar";
import { runEda } from "../lib/charts/eda-run";
import { EDA_ARTIFACTS } from "../lib/charts/eda";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { distribution } from "../lib/eda/stats";
import { systemToolsRequired } from "../lib/util/system";
import { example } from "./helpers/corpus";

const run = findChromium() !== null || systemToolsRequired();

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))).toBe(true);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe.skipIf(!run)("export through Chromium", () => {
  let renderer: ChartRenderer | null = null;
  beforeAll(async () => {
    renderer = await ChartRenderer.open();
  }, 120_000);
  afterAll(async () => {
    await renderer?.close();
  });

  const fig = labelledBarFigure(distribution(["원인", "원인", "후행사건"]), { title: "카테고리 분포" });

  it("finds a browser", () => {
    expect(renderer).not.toBeNull();
  });

  it("renders PNG at least 1200 px wide", async () => {
    const png = await renderer!.render(fig, "png");
    expect(pngSize(png).width).toBeGreaterThanOrEqual(1200);
    expect(pngSize(await renderer!.render(fig, "png", { scale: 2 })).width).toBe(2400);
  });

  it("renders SVG holding the Korean labels and the bar labels", async () => {
    const svg = await renderer!.render(fig, "svg");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("후행사건");
    expect(svg).toContain("카테고리 분포");
    expect(svg).toContain("66.67%");
  });

  it("writes every chart of every split with one browser (cci eda end to end)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cci-eda-export-"));
    const data = join(dir, "data");
    const ex = (id: string, lines: [number, string][], output: "inference_1" | "" = "inference_1") => ({ ...example(lines, [0], {}, output), id });
    const files = {
      train: [ex("t1", [[1, "안녕하세요 ㅋㅋㅋ"], [2, "네 반가워요~"], [2, "좋아요"]]), ex("t2", [[1, "진짜 좋아요"], [2, "ㅇㅇ 그래요"]])],
      dev: [ex("d1", [[1, "뭐 해요?"], [2, "그냥 있어요"]])],
      test: [ex("s1", [[1, "오늘 날씨 좋네요"], [2, "그러게요"]], "")],
    };
    mkdirSync(data);
    for (const [split, exs] of Object.entries(files)) {
      writeFileSync(join(data, `${split}.json`), pythonJsonDumps(exs));
    }
    const out = join(dir, "EDA");
    const r = await runEda({ data, refined: join(dir, "refined"), out, formats: ["html", "png", "svg"], plotly: "cdn", cloud: { maxWords: 20 } });
    expect(r.images).toBe(true);
    for (const [folder, variant] of [[out, "raw"], [join(out, "refined_data"), "refined"]] as const) {
      const names = readdirSync(folder);
      for (const split of ["train", "dev", "train+dev", "test"]) {
        expect(names, `${variant} ${split}`).toContain(`${split}_total_utterance_lengths.csv`);
        for (const a of EDA_ARTIFACTS) {
          if (split === "test" && a.name === "output_distribution") continue;
          for (const ext of ["html", "png", "svg"]) expect(names).toContain(`${split}_${a.name}.${ext}`);
          expect(pngSize(readFileSync(join(folder, `${split}_${a.name}.png`))).width).toBeGreaterThanOrEqual(1200);
        }
      }
      expect(names).not.toContain("test_output_distribution.html");
    }
    expect(readdirSync(join(out, "raw_vs_refined"))).toContain("train+dev_total_utterance_length_raw_vs_refined.png");
  }, 300_000);
});
