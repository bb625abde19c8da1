/** Small hand-built examples and zip fixtures for tests (nothing here comes from the real corpus). */
import JSZip from "jszip";
import iconv from "iconv-lite";
import type { Example, Utterance } from "../../lib/corpus/schema";
import { pythonJsonDumps } from "../../lib/corpus/pyjson";

let counter = 0;

/** An example with the given conversation lines ([speaker, text] or full utterances). */
export function example(lines: (readonly [number, string | number] | Utterance)[], refs: number[] = [0], extra: Partial<Example["input"]> = {}, output: Example["output"] = "inference_1"): Example {
  const n = ++counter;
  const conversation: Utterance[] = lines.map((l, i) =>
    Array.isArray(l) ? { speaker: l[0], utterance: l[1], utterance_id: `T${n}.1.${i + 1}` } : (l as Utterance),
  );
  return {
    id: `test-${n}`,
    input: {
      conversation,
      reference_id: refs.map((i) => String(conversation[i].utterance_id)),
      category: "원인",
      inference_1: "화자1은 기분이 좋다.",
      inference_2: "화자2는 배가 고프다.",
      inference_3: "화자1은 여행을 간다.",
      ...extra,
    },
    output,
  };
}

/** A valid corpus file's text with `count` examples. */
export function corpusText(prefix: string, count: number): string {
  return pythonJsonDumps(Array.from({ length: count }, (_, i) => ({ ...example([[1, "안녕"], [2, "네 반가워요"]]), id: `${prefix}-${i + 1}` })));
}

export interface ZipOptions {
  /** Encode names in CP949 with no UTF-8 flag and no Unicode-path field, as Korean Windows tools do. */
  cp949?: boolean;
}

/** Build a zip in memory from {name: text}. */
export async function makeZip(files: Record<string, string>, opts: ZipOptions = {}): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, text] of Object.entries(files)) zip.file(name, text);
  if (!opts.cp949) return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
  // JSZip accepts bytes here (it converts whatever comes back), though its types say string.
  const cp949 = ((n: string) => iconv.encode(n, "cp949")) as unknown as (n: string) => string;
  const buf = await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", encodeFileName: cp949 });
  return hideUnicodePathFields(buf);
}

/**
 * JSZip always adds an Info-ZIP Unicode-path extra field (id 0x7075) for non-ASCII names;
 * Windows archivers don't. Renaming the field's id to an unknown one leaves only the CP949 bytes.
 */
function hideUnicodePathFields(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i + 4 < out.length; i++) {
    // header id 0x7075 little-endian, then a 2-byte size, then version 1
    if (out[i] === 0x75 && out[i + 1] === 0x70 && out[i + 4] === 0x01) {
      out[i] = 0xfe;
      out[i + 1] = 0xca;
    }
  }
  return out;
}
