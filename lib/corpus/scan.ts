/**
 * Splits a JSON array, fed as byte chunks of any size, into the raw bytes of its elements —
 * one corpus example at a time, so no file is ever held whole in memory.
 *
 * The scanner only finds where each element starts and ends (strings, escapes and bracket
 * depth); each element is then decoded and parsed by `JSON.parse` itself (`elements.ts`). So
 * duplicate keys, numbers, escapes and lone surrogates keep exactly the semantics of a
 * whole-file `JSON.parse` — a sub-tree parses the same alone as inside its file — and the
 * output written from them stays byte-identical. Scanning bytes is safe for UTF-8: the bytes of
 * a multi-byte character are all ≥ 0x80 and never look like `"`, `\`, brackets or commas.
 */

/**
 * A sanity bound on bracket depth. JSON.parse is not recursive in V8, and the schema check
 * (validate.ts) names any value nested more than 64 levels with its example and field, so this
 * only stops input that is not a corpus at all (a corpus example is 6 deep).
 */
export const MAX_DEPTH = 100_000;

/** A problem found while scanning, at an absolute byte offset of the input. */
export class ScanError extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
  ) {
    super(`${problem} at byte ${offset}`);
  }
}

const enum State {
  Start, // before the opening bracket
  FirstValue, // after `[`: a value or `]`
  Value, // after `,`: a value
  InValue, // inside an element
  AfterValue, // after an element: `,` or `]`
  Done, // after the closing bracket: only whitespace
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** A byte as a reader can see it (never a raw control byte such as NUL). */
export function showByte(b: number): string {
  return b >= 0x21 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, "0")}`;
}

/** What a JSON text starting with byte `b` holds. */
function topKind(b: number): string {
  if (b === 0x7b) return "an object";
  if (b === 0x22) return "a string";
  if (b === 0x2d || (b >= 0x30 && b <= 0x39)) return "a number";
  if (b === 0x74 || b === 0x66) return "a boolean";
  if (b === 0x6e) return "null";
  return `${showByte(b)} (not JSON)`;
}

export class ArrayScanner {
  /** Bytes consumed so far. */
  offset = 0;
  /** Offset just after the opening `[` (after any BOM and whitespace). */
  openEnd = -1;
  /** Offset just after the last element (the opening bracket's end while there is none). */
  lastEnd = -1;
  /** Elements seen. */
  count = 0;

  private state = State.Start;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Element is a bare scalar (number, literal): it ends at `,`, `]` or whitespace. */
  private scalar = false;
  private parts: Buffer[] = [];
  private elementStart = 0;

  /** `onElement` receives each complete element's bytes and file offset. */
  constructor(private readonly onElement: (bytes: Buffer, offset: number) => void) {}

  /** Feed the next chunk. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = this.offset === 0 ? this.checkStart(chunk) : 0;
    const base = this.offset;
    // The hot loop works on locals; they are saved back at the end.
    let state = this.state;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let scalar = this.scalar;
    let start = state === State.InValue ? 0 : -1; // where the current element starts in this chunk
    outer: while (i < n) {
      if (state === State.InValue) {
        if (inString) {
          // A plain loop: Buffer#indexOf costs more per call than most strings take to walk.
          for (; i < n; i++) {
            const b = chunk[i];
            if (escaped) escaped = false;
            else if (b === BACKSLASH) escaped = true;
            else if (b === QUOTE) {
              i++;
              inString = false;
              if (depth === 0) {
                this.finish(chunk, start, i);
                state = State.AfterValue;
                start = -1;
              }
              continue outer;
            }
          }
          break;
        }
        if (scalar) {
          for (; i < n; i++) {
            const b = chunk[i];
            if (b === 0x2c || b === 0x5d || isSpace(b)) {
              this.finish(chunk, start, i);
              state = State.AfterValue;
              scalar = false;
              start = -1;
              continue outer; // the delimiter is read in AfterValue
            }
          }
          break;
        }
        for (; i < n; i++) {
          const b = chunk[i];
          if (b === QUOTE) {
            inString = true;
            i++;
            continue outer;
          }
          if (b === 0x7b || b === 0x5b) {
            if (++depth > MAX_DEPTH) throw new ScanError(`nested deeper than ${MAX_DEPTH} levels`, base + i);
          } else if ((b === 0x7d || b === 0x5d) && --depth === 0) {
            i++;
            this.finish(chunk, start, i);
            state = State.AfterValue;
            start = -1;
            continue outer;
          }
        }
        break;
      }
      const b = chunk[i];
      if (isSpace(b)) {
        i++;
        continue;
      }
      switch (state) {
        case State.Start:
          if (b !== 0x5b) throw new ScanError(`expected a JSON array of examples, got ${topKind(b)}`, base + i);
          state = State.FirstValue;
          this.openEnd = this.lastEnd = base + i + 1;
          i++;
          continue;
        case State.FirstValue:
        case State.Value:
          if (b === 0x5d) {
            if (state === State.Value) throw new ScanError("a comma before the closing bracket", base + i);
            state = State.Done;
            i++;
            continue;
          }
          if (b === 0x2c) throw new ScanError("a missing value (two commas)", base + i);
          state = State.InValue;
          this.elementStart = base + i;
          start = i;
          this.parts = [];
          scalar = false;
          depth = 0;
          if (b === QUOTE) {
            inString = true;
            i++;
          } else if (b === 0x7b || b === 0x5b) {
            depth = 1;
            i++;
          } else {
            scalar = true;
          }
          continue;
        case State.AfterValue:
          if (b === 0x2c) state = State.Value;
          else if (b === 0x5d) state = State.Done;
          else throw new ScanError(`expected ',' or ']' after example #${this.count}, found ${showByte(b)}`, base + i);
          i++;
          continue;
        case State.Done:
          throw new ScanError(`unexpected ${showByte(b)} after the closing bracket`, base + i);
      }
    }
    if (state === State.InValue && start >= 0) this.parts.push(chunk.subarray(start));
    this.state = state;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.scalar = scalar;
    this.offset += n;
  }

  /** The input ended: it must have closed its array. */
  end(): void {
    if (this.state === State.Done) return;
    const what = this.state === State.Start ? (this.offset === 0 ? "an empty file" : "no JSON array") : "the file ends before the array closes";
    throw new ScanError(what, this.offset);
  }

  private finish(chunk: Buffer, start: number, end: number): void {
    const tail = chunk.subarray(start, end);
    const bytes = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    this.parts = [];
    this.count++;
    this.lastEnd = this.elementStart + bytes.length;
    this.onElement(bytes, this.elementStart);
  }

  /** The file's first bytes: skip a UTF-8 BOM; refuse UTF-16 and UTF-32 with a hint. */
  private checkStart(chunk: Buffer): number {
    const [a, b] = chunk;
    if (a === 0xef && b === 0xbb && chunk[2] === 0xbf) return 3;
    const head = chunk.subarray(0, 4);
    if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff) || head.includes(0)) {
      throw new ScanError("looks like UTF-16 or UTF-32 text (NUL bytes or a UTF-16 byte-order mark); save it as UTF-8, e.g. `iconv -f UTF-16 -t UTF-8`", 0);
    }
    return 0;
  }
}
