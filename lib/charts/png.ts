/**
 * PNG files that are the same bytes for the same picture: ancillary chunks that can carry a
 * time or free text (tIME, tEXt, zTXt, iTXt) are dropped, and the physical size (pHYs) is
 * set when a print resolution is given, so a paper's layout program sizes the image right.
 */
import { crc32 } from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const VOLATILE = new Set(["tIME", "tEXt", "zTXt", "iTXt", "pHYs"]);

export interface PngChunk {
  type: string;
  data: Buffer;
}

export function pngChunks(png: Uint8Array): PngChunk[] {
  const buf = Buffer.from(png);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new RangeError("not a PNG");
  const out: PngChunk[] = [];
  for (let i = 8; i < buf.length; ) {
    const len = buf.readUInt32BE(i);
    out.push({ type: buf.toString("latin1", i + 4, i + 8), data: buf.subarray(i + 8, i + 8 + len) });
    i += 12 + len;
  }
  return out;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** Drop the volatile chunks; with `dpi`, add a pHYs chunk saying so (pixels per metre). */
export function normalisePng(png: Uint8Array, opts: { dpi?: number } = {}): Buffer {
  const parts: Buffer[] = [SIGNATURE];
  for (const c of pngChunks(png)) {
    if (VOLATILE.has(c.type)) continue;
    parts.push(chunk(c.type, c.data));
    if (c.type === "IHDR" && opts.dpi) {
      const ppm = Math.round(opts.dpi / 0.0254);
      const phys = Buffer.alloc(9);
      phys.writeUInt32BE(ppm, 0);
      phys.writeUInt32BE(ppm, 4);
      phys[8] = 1; // unit: metre
      parts.push(chunk("pHYs", phys));
    }
  }
  return Buffer.concat(parts);
}
