/**
 * A corpus file written item by item, in the bytes of Python's
 * `json.dump(examples, f, ensure_ascii=False, indent=4)` — the same as `pythonJsonDumps` of the
 * whole list — so memory does not grow with the file.
 */
import { openStaged, type FileWriter } from "../util/outputs";
import { ITEM_SEPARATOR, pythonJsonItem } from "./pyjson";

export class CorpusWriter {
  private file: FileWriter;
  private count = 0;

  /** Opens (truncates) `path`; callers give a staged temp path and move it into place themselves. */
  constructor(readonly path: string) {
    this.file = openStaged(path);
  }

  /** Append items already written by `pythonJsonItem` and joined by ITEM_SEPARATOR. */
  writeItems(joined: string | Uint8Array, items: number): void {
    if (items === 0) return;
    this.put(this.count === 0 ? "[\n    " : ITEM_SEPARATOR);
    this.put(joined);
    this.count += items;
  }

  /** Append values. */
  write(values: readonly unknown[]): void {
    this.writeItems(values.map(pythonJsonItem).join(ITEM_SEPARATOR), values.length);
  }

  /** Close the array and the file. */
  close(): void {
    this.put(this.count === 0 ? "[]" : "\n]");
    this.file.close();
  }

  /** Close the file without finishing it (the caller removes it). */
  abandon(): void {
    try {
      this.file.close();
    } catch {
      /* already closed */
    }
  }

  private put(data: string | Uint8Array): void {
    this.file.write(data);
  }
}
