import { writeFileAtomic } from "../util/atomic";
import { pythonJsonDumps } from "./pyjson";

/** Write a corpus (or prediction) file exactly as the original's `json.dump(..., indent=4)`. */
export function writeCorpus(path: string, examples: unknown[]): void {
  writeFileAtomic(path, pythonJsonDumps(examples));
}
