/**
 * SVG exports that are the same bytes on every run and render anywhere: attributes in one
 * order (plotly/d3 set them in an order that can vary), and the Hangul font embedded — a
 * subset of NanumGothic holding just the glyphs the chart uses, as a WOFF2 @font-face — so the
 * SVG shows Korean on a machine without NanumGothic.
 */
import { existsSync, readFileSync } from "node:fs";

/** Every start tag's attributes sorted by name (values untouched). */
export function canonicalSvg(svg: string): string {
  return svg.replace(/<([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")+)\s*(\/?)>/g, (_m, tag: string, attrs: string, close: string) => {
    const list = attrs.match(/[\w:.-]+="[^"]*"/g) ?? [];
    list.sort((a, b) => {
      const ka = a.slice(0, a.indexOf("="));
      const kb = b.slice(0, b.indexOf("="));
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return `<${tag} ${list.join(" ")}${close ? "/" : ""}>`;
  });
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The characters of the SVG's text content (between tags, entities decoded). */
export function svgTextChars(svg: string): string {
  const chars = new Set<string>();
  for (const m of svg.matchAll(/>([^<]+)</g)) {
    const text = m[1].replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (e, name: string) =>
      name[0] === "#" ? String.fromCodePoint(name[1].toLowerCase() === "x" ? parseInt(name.slice(2), 16) : Number(name.slice(1))) : ENTITIES[name] ?? e,
    );
    for (const c of text) chars.add(c);
  }
  return [...chars].sort().join("");
}

/** Where fonts-nanum puts NanumGothic (CCI_HANGUL_FONT overrides). */
export const HANGUL_FONT_PATHS = ["/usr/share/fonts/truetype/nanum/NanumGothic.ttf", "/usr/share/fonts/nanum/NanumGothic.ttf"];

export function hangulFontPath(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CCI_HANGUL_FONT && existsSync(env.CCI_HANGUL_FONT)) return env.CCI_HANGUL_FONT;
  return HANGUL_FONT_PATHS.find((p) => existsSync(p)) ?? null;
}

const fontCache = new Map<string, Buffer>();
const fontBytes = (path: string) => {
  let b = fontCache.get(path);
  if (!b) fontCache.set(path, (b = readFileSync(path)));
  return b;
};

/** The family name the charts ask for first (lib/charts/figure.ts). */
export const EMBEDDED_FAMILY = "NanumGothic";

/**
 * Embed a subset of the Hangul font as a @font-face in the SVG's first <defs> (or a new one).
 * Without the font file, the SVG is returned as it is (its text then needs the font installed).
 */
export async function embedHangulFont(svg: string, fontPath: string | null = hangulFontPath()): Promise<string> {
  if (!fontPath) return svg;
  const chars = svgTextChars(svg);
  if (!chars) return svg;
  // Loaded only here: its WebAssembly font tools cost start-up time every other command would pay.
  const { default: subsetFont } = await import("subset-font");
  const woff2 = await subsetFont(fontBytes(fontPath), chars, { targetFormat: "woff2" });
  const style = `<style>@font-face{font-family:"${EMBEDDED_FAMILY}";src:url(data:font/woff2;base64,${Buffer.from(woff2).toString("base64")}) format("woff2");}</style>`;
  const defs = /<defs\b[^>]*>/.exec(svg);
  if (defs) return svg.slice(0, defs.index + defs[0].length) + style + svg.slice(defs.index + defs[0].length);
  return svg.replace(/(<svg\b[^>]*>)/, `$1<defs>${style}</defs>`);
}
