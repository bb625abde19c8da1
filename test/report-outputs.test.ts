// Reproducible, portable outputs: SVG attribute order, embedded Hangul font, PNG chunks,
// `cci chart`, `cci --version`, executed-notebook metadata. Chromium parts skip where it is
// missing, unless CCI_REQUIRE_SYSTEM=1 (CI).
import { spawnSync } from "node:child_process";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { findChromium } from "../lib/charts/browser";
import { normalisePng, pngChunks } from "../lib/charts/png";
import { canonicalSvg, embedHangulFont, hangulFontPath, svgTextChars } from "../lib/charts/svg";
import { CHART_NAMES, withoutTitle } from "../lib/charts/catalog";
import { chartFormat, dpiAt } from "../lib/cli/commands/chart";
import { stripVolatile } from "../lib/notebooks/execute";
import { redirectOutputs } from "../lib/notebooks/workspace";
import { sampleWorkspace } from "../lib/corpus/locate";
import { systemToolsRequired } from "../lib/util/system";

const ROOT = resolve(__dirname, "..");
const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: ROOT });

describe("SVG", () => {
  it("sorts each tag's attributes, whatever order d3 set them in", () => {
    const a = '<svg width="2" class="m"><clipPath id="c1" class="axesclip"><rect y="0" x="1"/></clipPath><text style="a" x="3">원인 &amp; 동기</text></svg>';
    const b = '<svg class="m" width="2"><clipPath class="axesclip" id="c1"><rect x="1" y="0"/></clipPath><text x="3" style="a">원인 &amp; 동기</text></svg>';
    expect(canonicalSvg(a)).toBe(canonicalSvg(b));
    expect(canonicalSvg(a)).toContain('<clipPath class="axesclip" id="c1">');
  });

  it("collects the characters of its text, entities decoded", () => {
    expect(svgTextChars('<svg><text>원인 &amp;</text><text>A&#xAC00;</text></svg>')).toBe([..." &A가원인"].sort().join(""));
  });

  it.skipIf(!hangulFontPath())("embeds a small subset of NanumGothic as a @font-face", async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><defs id="d"></defs><text>후행사건 (subsequent event)</text></svg>';
    const out = await embedHangulFont(svg);
    expect(out).toMatch(/^<svg[^>]*><defs id="d"><style>@font-face\{font-family:"NanumGothic";src:url\(data:font\/woff2;base64,/);
    expect(out.length).toBeLessThan(40_000);
    expect(await embedHangulFont(svg)).toBe(out);
  });
});

describe("PNG", () => {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, "latin1"), data])) >>> 0);
    return Buffer.concat([len, Buffer.from(type, "latin1"), data, crc]);
  };
  const png = (...extra: Buffer[]) =>
    Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", Buffer.alloc(13)), ...extra, chunk("IDAT", Buffer.from("pixels")), chunk("IEND", Buffer.alloc(0))]);

  it("drops time and text chunks, so the same picture is the same bytes", () => {
    const a = normalisePng(png(chunk("tIME", Buffer.from([7, 234, 11, 24, 20, 0, 0])), chunk("tEXt", Buffer.from("Software\0x"))));
    expect(a.equals(normalisePng(png()))).toBe(true);
    expect(pngChunks(a).map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
  });

  it("records a print resolution in pHYs", () => {
    const c = pngChunks(normalisePng(png(), { dpi: 300 })).find((x) => x.type === "pHYs")!;
    expect(c.data.readUInt32BE(0)).toBe(11811);
    expect(c.data[8]).toBe(1);
  });
});

describe("cci chart", () => {
  it("names its charts", () => {
    const r = cci("chart", "--list");
    expect(r.status, r.stderr).toBe(0);
    for (const n of CHART_NAMES) expect(r.stdout).toContain(n);
  });

  it.each([
    [["chart", "no_such_chart", "--out", "x.png"], /^cci: chart: no chart named no_such_chart/],
    [["chart", "category_distribution", "--out", "x.gif"], /^cci: chart: cannot tell the format from x\.gif/],
    [["chart", "category_distribution", "--split", "valid", "--out", "x.png"], /^cci: chart: --split valid: expected/],
    [["chart", "category_distribution"], /^cci: chart: --out FILE is required/],
  ])("refuses bad input in one line: %j", (args, message) => {
    const r = cci(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(message);
  });

  it("formats from --format or the extension; print resolution", () => {
    expect(chartFormat(undefined, "a/fig.SVG")).toBe("svg");
    expect(chartFormat("pdf", "fig.out")).toBe("pdf");
    expect(dpiAt(3200, 3.5)).toBeGreaterThanOrEqual(300);
    expect(withoutTitle({ data: [], layout: { title: { text: "T" }, margin: { t: 80, l: 5 } } }).layout).toEqual({ title: { text: "" }, margin: { t: 30, l: 5 } });
  });

  it.skipIf(!(findChromium() !== null || systemToolsRequired()))(
    "exports an SVG with the font embedded and a print-size PNG, the same bytes twice",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "cci-chart-"));
      const run = (out: string, ...extra: string[]) => {
        const r = cci("chart", "prompt_quirks", "--out", out, ...extra);
        expect(r.status, r.stderr).toBe(0);
        return readFileSync(out);
      };
      const svg = run(join(dir, "a.svg"), "--no-title").toString("utf8");
      expect(svg).toContain("@font-face");
      expect(run(join(dir, "b.svg"), "--no-title").toString("utf8")).toBe(svg);
      const png = run(join(dir, "a.png"));
      expect(png.readUInt32BE(16)).toBe(3200);
      expect(run(join(dir, "b.png")).equals(png)).toBe(true);
    },
    120_000,
  );
});

describe("cci --version", () => {
  it("prints the package version", () => {
    const r = cci("--version");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });
});

describe("executed notebooks", () => {
  it("number code cells in run order and drop timing metadata", () => {
    const nb = stripVolatile({
      metadata: { widgets: {}, kernelspec: { name: "tslab" } },
      cells: [
        { cell_type: "markdown", metadata: {} },
        { cell_type: "code", metadata: { execution: { "iopub.status.busy": "t" }, tags: ["x"] }, execution_count: null, outputs: [] },
        { cell_type: "code", metadata: {}, execution_count: null, outputs: [] },
      ],
    });
    expect(nb.metadata).toEqual({ kernelspec: { name: "tslab" } });
    expect(nb.cells.map((c) => c.execution_count)).toEqual([undefined, 1, 2]);
    expect(nb.cells[1].metadata).toEqual({ tags: ["x"] });
  });

  it("under --check write their outputs into the scratch folder, never into the repo", () => {
    const ws = sampleWorkspace(ROOT);
    const moved = redirectOutputs(ws, "/scratch");
    expect(moved.data).toBe(ws.data);
    for (const k of ["refined", "eda", "results"] as const) expect(moved[k].startsWith("/scratch/")).toBe(true);
    expect(redirectOutputs(ws, undefined)).toBe(ws);
  });

  it("the kernel spec finds the checkout from its own folder, not the working directory", () => {
    const spec = JSON.parse(readFileSync(join(ROOT, "notebooks", "jupyter", "kernels", "tslab", "kernel.json"), "utf8")) as { argv: string[] };
    expect(spec.argv).toContain("{resource_dir}");
    expect(spec.argv.join(" ")).not.toContain('git -C "$PWD"');
  });
});

describe("reports/index.md", () => {
  it("links every notebook (04 and 05 included), the report and each figure", async () => {
    const { indexPage, NOTEBOOKS } = await import("../lib/report/index-page");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const root = mkdtempSync(join(tmpdir(), "cci-index-"));
    mkdirSync(join(root, "reports", "figures"), { recursive: true });
    for (const f of ["eda_dev_total_utterance_length_distribution.png", "eda_dev_total_utterance_length_distribution.svg", "eda_train+dev_category_distribution.png"])
      writeFileSync(join(root, "reports", "figures", f), "");
    const md = indexPage(root);
    expect(NOTEBOOKS.map((n) => n.file.slice(0, 2))).toEqual(["01", "02", "03", "04", "05", "06"]);
    for (const n of NOTEBOOKS) expect(md).toContain(`](../notebooks/${n.file})`);
    expect(md).toContain("](report-real.md)");
    expect(md).toContain("[PNG](figures/eda_dev_total_utterance_length_distribution.png) · [SVG](figures/eda_dev_total_utterance_length_distribution.svg)");
    expect(md).toContain("[PNG](figures/eda_train+dev_category_distribution.png)");
    expect(md).toMatch(/not reproduced/);
    expect(indexPage(root)).toBe(md);
  });

  it("the committed index is what the report writes from the committed figures", async () => {
    const { indexPage } = await import("../lib/report/index-page");
    expect(readFileSync(join(ROOT, "reports", "index.md"), "utf8")).toBe(indexPage(ROOT));
  });
});

describe.skipIf(!(findChromium() && hangulFontPath()))("an exported SVG on a machine without NanumGothic", () => {
  /** A PNG screenshot of the SVG in a Chromium whose fontconfig sees `fontDirs` only. */
  async function screenshot(svg: string, fontDirs: string[]): Promise<Buffer> {
    const { chromium } = await import("playwright-core");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "cci-fonts-"));
    mkdirSync(join(dir, "cache"));
    writeFileSync(join(dir, "fonts.conf"), `<?xml version="1.0"?><fontconfig>${fontDirs.map((d) => `<dir>${d}</dir>`).join("")}<cachedir>${join(dir, "cache")}</cachedir></fontconfig>`);
    const browser = await chromium.launch({ executablePath: findChromium()!, args: ["--no-sandbox"], env: { ...process.env, FONTCONFIG_FILE: join(dir, "fonts.conf") } });
    try {
      const page = await browser.newPage({ viewport: { width: 400, height: 120 } });
      await page.setContent(`<html><body style="margin:0"><img src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}"></body></html>`);
      await page.waitForTimeout(1000); // the SVG's web font loads asynchronously
      return await page.screenshot();
    } finally {
      await browser.close();
    }
  }

  it("draws its Hangul with the embedded glyphs: the same picture with or without the font installed", async () => {
    const { readdirSync } = await import("node:fs");
    const fontDir = join(hangulFontPath()!, "..");
    // The machine's other fonts (Latin ones such as DejaVu), without the folder NanumGothic is in.
    const others = ["/usr/share/fonts/truetype", "/usr/share/fonts/opentype"].flatMap((d) => {
      try {
        return readdirSync(d).map((x) => join(d, x)).filter((x) => x !== fontDir);
      } catch {
        return [];
      }
    });
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120"><defs></defs><rect width="400" height="120" fill="white"/><text x="10" y="70" style="font-family: NanumGothic, sans-serif; font-size: 40px">후행사건 원인</text></svg>`;
    const embedded = await embedHangulFont(svg);
    const without = await screenshot(embedded, others);
    expect(without.equals(await screenshot(embedded, [...others, fontDir]))).toBe(true);
    // …and the check can fail: without the embedded glyphs, the picture depends on the installed fonts.
    expect((await screenshot(svg, others)).equals(await screenshot(svg, [...others, fontDir]))).toBe(false);
  }, 120_000);
});
