import type { Command } from "commander";
import { accessSync, constants, statSync } from "node:fs";
import { extname, relative } from "node:path";
import { defaultWorkspace, describeWorkspace } from "../../corpus/locate";
import { ChartRenderer, HOW_TO_GET_CHROMIUM } from "../../charts/browser";
import { CHARTS, chartEntry, isSplit, withoutTitle } from "../../charts/catalog";
import { hangulFontPath } from "../../charts/svg";
import { assertNotInput, writeFileAtomic } from "../../util/atomic";
import { UserError } from "../../util/errors";
import { filesUnder } from "../../util/protect";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";

export const CHART_FORMATS = ["png", "svg", "pdf"] as const;
type ChartFormat = (typeof CHART_FORMATS)[number];

/** Paper defaults: laid out at 800 × 500 CSS px, PNG at 4× → 3200 px, ≥ 300 dpi on a 7-inch text width. */
export const PAPER = { width: 800, height: 500, scale: 4, columnInches: 3.5 } as const;

interface ChartOpts {
  list?: boolean;
  split: string;
  width?: number;
  height?: number;
  scale: number;
  format?: string;
  title: boolean;
  out?: string;
  columnInches: number;
}

/** Upper bounds a browser can lay out and a PNG can hold (Chromium's largest canvas side is 32767 px). */
export const CHART_LIMITS = { "--width": 10_000, "--height": 10_000, "--scale": 16, "--column-inches": 100 } as const;
const MAX_PNG_SIDE = 32_767;

const positive = (flag: keyof typeof CHART_LIMITS) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > CHART_LIMITS[flag]) throw new UserError(`chart: ${flag} ${v}: expected a positive number up to ${CHART_LIMITS[flag]}`);
  return n;
};

/** CHROME_PATH, when set, must name an executable file (not silently replaced by another browser). */
function checkChromePath(env: NodeJS.ProcessEnv = process.env): void {
  const p = env.CHROME_PATH;
  if (p === undefined || p === "") return;
  let ok = false;
  try {
    ok = statSync(p).isFile();
    accessSync(p, constants.X_OK);
  } catch {
    ok = false;
  }
  if (!ok) throw new UserError(`chart: CHROME_PATH=${p}: not an executable file (unset it to use chromium from PATH)`);
}

/** The format from --format, else from the --out extension. */
export function chartFormat(format: string | undefined, out: string): ChartFormat {
  const f = (format ?? extname(out).slice(1)).toLowerCase();
  if ((CHART_FORMATS as readonly string[]).includes(f)) return f as ChartFormat;
  throw new UserError(format ? `chart: --format ${format}: expected ${CHART_FORMATS.join(", ")}` : `chart: cannot tell the format from ${out}; give --format ${CHART_FORMATS.join("|")}`);
}

/** Resolution of a PNG `pixels` wide printed `inches` wide. */
export const dpiAt = (pixels: number, inches: number) => Math.floor(pixels / inches);

export function register(program: Command): void {
  program
    .command("chart")
    .summary("export one chart at print size for a paper (PNG, SVG or PDF)")
    .description(
      `Exports one of the workspace's charts from the default corpus, sized for a paper: laid out at ${PAPER.width} × ${PAPER.height} CSS px; ` +
        `PNG at ×${PAPER.scale} (${PAPER.width * PAPER.scale} px wide: ${dpiAt(PAPER.width * PAPER.scale, PAPER.columnInches)} dpi in a ${PAPER.columnInches}-in column, ` +
        `${dpiAt(PAPER.width * PAPER.scale, 7)} dpi across a 7-in text width; the PNG records its dpi). SVG and PDF are vector, with the ` +
        "Hangul font (a NanumGothic subset) embedded so they render where NanumGothic is not installed.\n" +
        "`cci chart --list` names the charts. Needs Chromium (and fonts-nanum for Korean text).",
    )
    .argument("[name]", "chart name (see --list)")
    .option("--list", "list the charts and exit")
    .option("--split <split>", "split for per-split charts: train, dev, train+dev, test", "train+dev")
    .option("--width <px>", `layout width in CSS px (default ${PAPER.width})`, positive("--width"))
    .option("--height <px>", `layout height in CSS px (default ${PAPER.height})`, positive("--height"))
    .option("--scale <n>", "PNG pixels per CSS px", positive("--scale"), PAPER.scale)
    .option("--column-inches <in>", "printed width the dpi is stated (and recorded) for", positive("--column-inches"), PAPER.columnInches)
    .option("--format <format>", `${CHART_FORMATS.join(" | ")} (default: from --out's extension)`)
    .option("--no-title", "leave the title out (a paper's caption says it)")
    .option("--out <file>", "output file")
    .action(async (name: string | undefined, opts: ChartOpts) => {
      if (opts.list) {
        printTable(CHARTS.map((c) => ({ chart: c.name, "--split": c.perSplit ? "yes" : "", shows: c.description })));
        return;
      }
      if (!name) throw new UserError("chart: give a chart NAME (`cci chart --list` names them)");
      const entry = chartEntry(name);
      if (!opts.out) throw new UserError("chart: --out FILE is required");
      const format = chartFormat(opts.format, opts.out);
      if (!isSplit(opts.split)) throw new UserError(`chart: --split ${opts.split}: expected train, dev, train+dev or test`);
      const ws = defaultWorkspace();
      info(describeWorkspace(ws));
      // The corpus folders are inputs file by file: --out resource/data/dev.json is the corpus.
      assertNotInput(opts.out, [ws.data, ...filesUnder(ws.data), ...filesUnder(ws.refined)]);
      checkChromePath();
      let fig = await entry.build({ ws, split: opts.split });
      if (!opts.title) fig = withoutTitle(fig);
      const pinned = fig.layout.autosize === false;
      const width = opts.width ?? (pinned ? (fig.layout.width as number) : PAPER.width);
      const height = opts.height ?? (pinned ? (fig.layout.height as number) : PAPER.height);
      if (format === "png" && Math.max(width, height) * opts.scale > MAX_PNG_SIDE)
        throw new UserError(`chart: ${Math.round(width * opts.scale)} × ${Math.round(height * opts.scale)} px is larger than a PNG Chromium can draw (${MAX_PNG_SIDE} px a side); lower --scale`);
      const renderer = await ChartRenderer.open().catch((err: Error) => {
        throw new UserError(`chart: Chromium did not start${process.env.CHROME_PATH ? ` (CHROME_PATH=${process.env.CHROME_PATH})` : ""}: ${String(err.message).split("\n")[0]}`);
      });
      if (!renderer) throw new UserError(`chart: exporting ${format.toUpperCase()} needs Chromium: ${HOW_TO_GET_CHROMIUM}`);
      try {
        const rel = relative(process.cwd(), opts.out) || opts.out;
        if (format === "png") {
          const pixels = Math.round(width * opts.scale);
          const dpi = dpiAt(pixels, opts.columnInches);
          writeFileAtomic(opts.out, await renderer.render(fig, "png", { width, height, scale: opts.scale, dpi }));
          info(`chart: ${rel}: PNG ${pixels} × ${Math.round(height * opts.scale)} px — ${dpi} dpi at ${opts.columnInches} in wide${dpi < 300 ? " (below 300 dpi: raise --scale)" : ""}`);
        } else {
          const font = hangulFontPath() ? "Hangul font embedded" : "Hangul font NOT embedded (no NanumGothic file found: install fonts-nanum or set CCI_HANGUL_FONT)";
          const data = format === "svg" ? await renderer.render(fig, "svg", { width, height }) : await renderer.pdf(fig, { width, height });
          writeFileAtomic(opts.out, data);
          info(`chart: ${rel}: ${format.toUpperCase()}, vector, ${width} × ${height} px layout (${(width / 96).toFixed(2)} × ${(height / 96).toFixed(2)} in at 96 px/in); ${font}`);
        }
      } finally {
        await renderer.close();
      }
    });
}
