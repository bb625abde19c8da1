/** The part of subset-font (harfbuzz's hb-subset in wasm) the SVG export uses. */
declare module "subset-font" {
  export default function subsetFont(font: Buffer, text: string, opts?: { targetFormat?: "sfnt" | "woff" | "woff2" | "truetype" }): Promise<Buffer>;
}
