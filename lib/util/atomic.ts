/**
 * Single-file writes, through the one rule of `outputs.ts`: temp file beside the target, renamed
 * over it (or streamed into a device or FIFO), never over an input, a folder or a device.
 */
import { checkOutputFile, writeOutput } from "./outputs";

/** Write a file so that readers see either the old content or the whole new one. */
export function writeFileAtomic(path: string, data: string | Uint8Array, inputs: readonly string[] = [], flag?: string): void {
  writeOutput(path, data, { inputs, flag });
}

/** Refuse to write an output over one of the command's inputs (or anywhere the rule forbids). */
export function assertNotInput(output: string, inputs: readonly string[], flag?: string): void {
  checkOutputFile(output, { inputs, flag });
}
