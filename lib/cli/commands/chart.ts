import type { Command } from "commander";
import { accessSync, constants, statSync } from "node:fs";
import { extname, join, relative, resolve } from "node:path";
import { defaultWorkspace, describeWorkspace, type Workspace } from "../../corpus/locate";
import { ChartRenderer, HOW_TO_GET_CHROMIUM } from "../../charts/browser";
import { CHARTS, chartEntry, isSplit, withoutTitle, type ChartContext, type ChartEntry } from "../../charts/catalog";
import type { Figure } from "../../charts/figure";
import { COLUMN_NAMES, printFigure, printPixels, resolvePrint, PRINT_FONT_PT, COLUMNS, type PrintOptions, type PrintSpec } from "../../charts/print";
import { OutputSet, sidecar } from "../../util/outputs";
import { canonical, isInside } from "../../util/output-rule";
import { hangulFontPath } from "../../charts/svg";
import { assertNotInput, writeFileAtomic } from "../../util/atomic";
import { UserError } from "../../util/errors";
import { filesUnder } from "../../util/protect";
import { info } from "../../util/progress";
import { printTable } from "../../util/text-table";
import { existsSync } from "node:fs";
import { holdsCorpus, presentSplits } from "../../corpus/locate";
import { addVariantOptions, variantFromOptions, variantRecord, type VariantOptions } from "../../variant/variant";
import { corpusRecord, readManifest } from "../../variant/manifest";
import { flagsTweakRules } from "../../variant/plan-corpus";
import { PROVENANCE_SUFFIX, provenancePath, provenanceText } from "../../variant/provenance";

export const CHART_FORMATS = ["png", "svg", "pdf"] as const;
type ChartFormat = (typeof CHART_FORMATS)[number];

/** Paper defaults: laid out at 800 × 500 CSS px, PNG at 4× → 3200 px, ≥ 300 dpi on a 7-inch text width. */
export const PAPER = { width: 800, height: 500, scale: 4, columnInches: 3.5 } as const;

interface ChartOpts extends VariantOptions {
  data?: string;
  list?: boolean;
  split: string;
  width?: number;
  height?: number;
  scale?: number;
  format?: string;
  title: boolean;
  out?: string;
  columnInches?: number;
  all?: boolean;
  column?: string;
  widthIn?: string;
  heightIn?: string;
  fontPt?: string;
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

/** What one chart is drawn at: layout px, PNG scale, and the width its dpi is stated for. */
interface ChartSize {
  width: number;
  height: number;
  scale: number;
  dpiInches: number;
  print: PrintSpec | null;
}

/** Check the size options once, before any work (one line, exit 2). */
function checkSizeOptions(opts: ChartOpts): PrintOptions {
  const p: PrintOptions = { column: opts.column, widthIn: opts.widthIn, heightIn: opts.heightIn, fontPt: opts.fontPt };
  const print = resolvePrint(p); // validates the numbers and the combination
  if (print) {
    const px = [opts.width !== undefined && "--width", opts.height !== undefined && "--height", opts.columnInches !== undefined && "--column-inches"].filter(Boolean);
    if (px.length > 0) throw new UserError(`chart: ${px.join(" and ")} ${px.length === 1 ? "sets" : "set"} the screen layout; with --column/--width-in the size is in inches (give one or the other)`);
  }
  return p;
}

/** The chart as exported, and its size: print size (inches, pt) or the screen layout of today. */
async function prepare(entry: ChartEntry, ctx: ChartContext, opts: ChartOpts, printOpts: PrintOptions): Promise<{ fig: Figure; size: ChartSize }> {
  const print = resolvePrint(printOpts, entry.printAspect);
  const px = print ? printPixels(print) : undefined;
  let fig = await entry.build({ ...ctx, print: px });
  if (!opts.title) fig = withoutTitle(fig);
  if (print && px) return { fig: printFigure(fig, print), size: { width: px.width, height: px.height, scale: opts.scale ?? px.scale, dpiInches: print.widthIn, print } };
  const pinned = fig.layout.autosize === false;
  const width = opts.width ?? (pinned ? (fig.layout.width as number) : PAPER.width);
  const height = opts.height ?? (pinned ? (fig.layout.height as number) : PAPER.height);
  return { fig, size: { width, height, scale: opts.scale ?? PAPER.scale, dpiInches: opts.columnInches ?? PAPER.columnInches, print: null } };
}

function checkPngSize(size: ChartSize): void {
  if (Math.max(size.width, size.height) * size.scale > MAX_PNG_SIDE)
    throw new UserError(`chart: ${Math.round(size.width * size.scale)} × ${Math.round(size.height * size.scale)} px is larger than a PNG Chromium can draw (${MAX_PNG_SIDE} px a side); lower --scale`);
}

async function openRenderer(format: ChartFormat): Promise<ChartRenderer> {
  const renderer = await ChartRenderer.open().catch((err: Error) => {
    throw new UserError(`chart: Chromium did not start${process.env.CHROME_PATH ? ` (CHROME_PATH=${process.env.CHROME_PATH})` : ""}: ${String(err.message).split("\n")[0]}`);
  });
  if (!renderer) throw new UserError(`chart: exporting ${format.toUpperCase()} needs Chromium: ${HOW_TO_GET_CHROMIUM}`);
  return renderer;
}

/**
 * Draw one prepared chart; returns its bytes and the line saying what was written. Plotly's own
 * refusal (in the page: "Something went wrong with axis scaling" when the fonts leave no plot
 * area) is the user's size choice, one line.
 */
async function draw(renderer: ChartRenderer, fig: Figure, size: ChartSize, format: ChartFormat, rel: string): Promise<{ data: string | Uint8Array; line: string }> {
  try {
    return await drawUnchecked(renderer, fig, size, format, rel);
  } catch (err) {
    const m = /^page\.evaluate: (?:Error: )?(.*)/.exec(String((err as Error).message ?? ""));
    if (!m) throw err;
    throw new UserError(`chart: ${rel}: Plotly cannot lay it out at this size (${m[1].split("\n")[0]}); lower --font-pt or make it larger (--column double, --width-in)`);
  }
}

async function drawUnchecked(renderer: ChartRenderer, fig: Figure, size: ChartSize, format: ChartFormat, rel: string): Promise<{ data: string | Uint8Array; line: string }> {
  const { width, height, scale } = size;
  const at = size.print ? `, ${size.print.widthIn} × ${size.print.heightIn} in, ${size.print.fontPt} pt` : "";
  if (format === "png") {
    const pixels = Math.round(width * scale);
    const dpi = dpiAt(pixels, size.dpiInches);
    const data = await renderer.render(fig, "png", { width, height, scale, dpi });
    return { data, line: `chart: ${rel}: PNG ${pixels} × ${Math.round(height * scale)} px — ${dpi} dpi at ${size.dpiInches} in wide${at}${dpi < 300 ? " (below 300 dpi: raise --scale)" : ""}` };
  }
  const font = hangulFontPath() ? "Hangul font embedded" : "Hangul font NOT embedded (no NanumGothic file found: install fonts-nanum or set CCI_HANGUL_FONT)";
  const data = format === "svg" ? await renderer.render(fig, "svg", { width, height }) : await renderer.pdf(fig, { width, height });
  return { data, line: `chart: ${rel}: ${format.toUpperCase()}, vector, ${width} × ${height} px layout (${(width / 96).toFixed(2)} × ${(height / 96).toFixed(2)} in at 96 px/in)${at}; ${font}` };
}

/** `--all`: every catalog chart into one folder with one browser; charts whose data is absent are skipped (one line each). */
async function exportAll(ws: Workspace, opts: ChartOpts, printOpts: PrintOptions, inputs: string[], extra: Pick<ChartContext, "rules" | "alreadyRefined">, provenance: string): Promise<void> {
  const dir = opts.out!;
  const format = chartFormat(opts.format ?? "png", "");
  const split = opts.split;
  if (!isSplit(split)) throw new UserError(`chart: --split ${split}: expected train, dev, train+dev or test`);
  info(opts.data ? `corpus: ${relative(process.cwd(), ws.data) || "."} (--data)` : describeWorkspace(ws));
  // Not into the corpus: charts beside train.json would be taken for corpus files by the next glob.
  for (const corpus of [ws.data, ws.refined]) {
    if (isInside(canonical(corpus), canonical(dir))) throw new UserError(`chart: --out ${dir}: is inside the corpus folder ${relative(process.cwd(), corpus) || corpus}; write the charts elsewhere`);
  }
  const outputs = new OutputSet(inputs);
  outputs.declareFolder(dir);
  checkChromePath();
  const started = Date.now();
  const renderer = await openRenderer(format);
  let written = 0;
  const skipped: string[] = [];
  const undrawable: string[] = [];
  try {
    await outputs.run(async () => {
      for (const [i, entry] of CHARTS.entries()) {
        const t0 = Date.now();
        const path = join(dir, `${entry.name}.${format}`);
        const rel = relative(process.cwd(), path) || path;
        let prepared: { fig: Figure; size: ChartSize };
        try {
          prepared = await prepare(entry, { ws, split, ...extra }, opts, printOpts);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          skipped.push(entry.name);
          info(`chart [${i + 1}/${CHARTS.length}] ${entry.name}: skipped — ${err.message.replace(/^chart: /, "")}`);
          continue;
        }
        const { fig, size } = prepared;
        if (format === "png") checkPngSize(size);
        let drawn: { data: string | Uint8Array; line: string };
        try {
          drawn = await draw(renderer, fig, size, format, rel);
        } catch (err) {
          // One chart that cannot be drawn at this size is skipped, not the whole export.
          if (!(err instanceof UserError)) throw err;
          undrawable.push(entry.name);
          info(`chart [${i + 1}/${CHARTS.length}] ${entry.name}: skipped — ${err.message.replace(/^chart: /, "")}`);
          continue;
        }
        const { data, line } = drawn;
        outputs.write(path, data);
        written++;
        info(`chart [${i + 1}/${CHARTS.length}] ${line.replace(/^chart: /, "")} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
      if (written === 0) throw new UserError(`chart: --all: no chart could be drawn (${skipped.length} skipped for missing data, ${undrawable.length} could not be drawn)`);
      outputs.write(join(dir, `charts${PROVENANCE_SUFFIX}`), provenance);
    });
  } finally {
    await renderer.close();
  }
  const rel = relative(process.cwd(), dir) || dir;
  info(`chart: ${written} charts in ${rel}/ (${format.toUpperCase()}), one browser, ${((Date.now() - started) / 1000).toFixed(1)} s${skipped.length ? `; skipped for missing data: ${skipped.join(", ")}` : ""}${undrawable.length ? `; could not be drawn at this size: ${undrawable.join(", ")}` : ""}`);
}

/** The workspace with --data, the variant's rules for the refinement charts, and the provenance text every chart records. */
function chartInputs(opts: ChartOpts): { ws: Workspace; extra: Pick<ChartContext, "rules" | "alreadyRefined">; provenance: string } {
  const base = defaultWorkspace();
  const ws: Workspace = opts.data ? { ...base, data: resolve(opts.data) } : base;
  if (opts.data && !holdsCorpus(ws.data)) throw new UserError(`chart: --data ${opts.data}: no corpus there (train.json, dev.json or test.json expected)`);
  const variant = variantFromOptions(opts);
  const found = readManifest(ws.data);
  if (found && flagsTweakRules(opts)) throw new UserError(`chart: --data ${relative(process.cwd(), ws.data) || "."}: already refined by \`cci refine\` (variant ${found.variant.name}); the rule flags would refine it again: give the raw folder with the flags`);
  const recorded = found ? found.variant : variant;
  const provenance = provenanceText({ variant: variantRecord(recorded), corpus: corpusRecord(ws.data, presentSplits(ws.data).map((s) => join(ws.data, `${s}.json`)).filter((f) => existsSync(f))), refined_by: found ? "cci refine" : null });
  return { ws, extra: { rules: variant.rules, alreadyRefined: found ? relative(process.cwd(), ws.data) || "." : undefined }, provenance };
}

export function register(program: Command): void {
  const cmd = program
    .command("chart")
    .summary("export charts at print size for a paper (PNG, SVG or PDF)")
    .description(
      `Exports one of the workspace's charts (or --all of them) from the default corpus.\n` +
        `Print size (for a paper): --column single (${COLUMNS.single} in wide) or double (${COLUMNS.double} in), or --width-in/--height-in; ` +
        `laid out at the printed size (96 px per inch) with every font at --font-pt (default ${PRINT_FONT_PT} pt), PNG at ≥ 300 dpi.\n` +
        `Without them: laid out at ${PAPER.width} × ${PAPER.height} CSS px; ` +
        `PNG at ×${PAPER.scale} (${PAPER.width * PAPER.scale} px wide: ${dpiAt(PAPER.width * PAPER.scale, PAPER.columnInches)} dpi in a ${PAPER.columnInches}-in column, ` +
        `${dpiAt(PAPER.width * PAPER.scale, 7)} dpi across a 7-in text width; the PNG records its dpi). SVG and PDF are vector, with the ` +
        "Hangul font (a NanumGothic subset) embedded so they render where NanumGothic is not installed.\n" +
        "The Llama-3 token counts behind prompt_token_lengths and training_hours/_wall/_memory are cached in " +
        ".cache/token-counts (git-ignored; CCI_TOKEN_CACHE names another folder), so a second run does not count again.\n" +
        "`cci chart --list` names the charts. Needs Chromium (and fonts-nanum for Korean text).",
    )
    .argument("[name]", "chart name (see --list)")
    .option("--list", "list the charts and exit")
    .option("--all", "every chart of --list into the folder --out DIR (one browser; charts without their data are skipped)")
    .option("--split <split>", "split for per-split charts: train, dev, train+dev, test", "train+dev")
    .option("--column <column>", `print preset: ${COLUMN_NAMES.map((c) => `${c} (${COLUMNS[c]} in wide)`).join(" or ")}`)
    .option("--width-in <in>", "printed width in inches (instead of --column)")
    .option("--height-in <in>", "printed height in inches (default: the chart's aspect, about 0.68 × the width)")
    .option("--font-pt <pt>", `font size in points at print size (default ${PRINT_FONT_PT})`)
    .option("--width <px>", `screen layout width in CSS px (default ${PAPER.width})`, positive("--width"))
    .option("--height <px>", `screen layout height in CSS px (default ${PAPER.height})`, positive("--height"))
    .option("--scale <n>", `PNG pixels per CSS px (default ${PAPER.scale}; at print size 300 dpi's)`, positive("--scale"))
    .option("--column-inches <in>", `printed width the dpi is stated (and recorded) for (default ${PAPER.columnInches}; at print size the printed width)`, positive("--column-inches"))
    .option("--format <format>", `${CHART_FORMATS.join(" | ")} (default: from --out's extension; png with --all)`)
    .option("--no-title", "leave the title out (a paper's caption says it)")
    .option("--out <file>", "output file (with --all: output folder)")
    .option("--data <dir>", "corpus folder the charts are drawn from (default: the workspace's); a folder `cci refine` wrote is drawn as is (its refinement charts refuse: they need the raw corpus)");
  addVariantOptions(cmd);
  cmd.action(async (name: string | undefined, opts: ChartOpts) => {
      if (opts.list) {
        printTable(CHARTS.map((c) => ({ chart: c.name, "--split": c.perSplit ? "yes" : "", shows: c.description })));
        return;
      }
      const printOpts = checkSizeOptions(opts);
      if (opts.all) {
        if (name) throw new UserError(`chart: give a chart NAME or --all, not both`);
        if (!opts.out) throw new UserError("chart: --all needs --out DIR (the folder to write the charts into)");
        const { ws, extra, provenance } = chartInputs(opts);
        return exportAll(ws, opts, printOpts, [ws.data, ...filesUnder(ws.data), ...filesUnder(ws.refined)], extra, provenance);
      }
      if (!name) throw new UserError("chart: give a chart NAME (`cci chart --list` names them) or --all");
      const entry = chartEntry(name);
      if (!opts.out) throw new UserError("chart: --out FILE is required");
      const format = chartFormat(opts.format, opts.out);
      if (!isSplit(opts.split)) throw new UserError(`chart: --split ${opts.split}: expected train, dev, train+dev or test`);
      const { ws, extra, provenance } = chartInputs(opts);
      // The corpus folders are inputs file by file: --out resource/data/dev.json is the corpus.
      assertNotInput(opts.out, [ws.data, ...filesUnder(ws.data), ...filesUnder(ws.refined)]);
      assertNotInput(provenancePath(opts.out), [ws.data, ...filesUnder(ws.data), ...filesUnder(ws.refined)]);
      checkChromePath();
      const { fig, size } = await prepare(entry, { ws, split: opts.split, ...extra }, opts, printOpts);
      info(opts.data ? `corpus: ${relative(process.cwd(), ws.data) || "."} (--data)` : describeWorkspace(ws));
      if (format === "png") checkPngSize(size);
      const renderer = await openRenderer(format);
      try {
        const rel = relative(process.cwd(), opts.out) || opts.out;
        const { data, line } = await draw(renderer, fig, size, format, rel);
        writeFileAtomic(opts.out, data);
        // The figure's provenance beside it (the variant and the corpus it was drawn from).
        const prov = sidecar(opts.out, provenancePath(opts.out.replace(/\.(png|svg|pdf)$/i, ".json"))); // none beside a stream
        if (prov) writeFileAtomic(prov, provenance);
        info(line);
      } finally {
        await renderer.close();
      }
    });
}
