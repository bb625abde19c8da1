import { writeOutput } from "../util/outputs";
import { pythonJsonDumps } from "./pyjson";

/** Write a corpus (or prediction) file exactly as the original's `json.dump(..., indent=4)`. */
export function writeCorpus(path: string, examples: unknown[]): void {
  writeOutput(path, pythonJsonDumps(examples), { verbatim: true }); // corpus bytes, never redacted
}
