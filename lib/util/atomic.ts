import { mkdirSync, renameSync, rmSync, writeFileSync, realpathSync, existsSync } from "node:fs";
import { dirname, resolve, basename, join } from "node:path";
import { UserError } from "./errors";

/**
 * Write a file so that readers see either the old content or the whole new one:
 * the bytes go to a temp file beside the target, which is then renamed over it.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(resolve(path));
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Canonical path for comparing files that may not exist yet. */
function canonical(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return existsSync(parent) ? join(realpathSync(parent), basename(abs)) : abs;
}

/** Refuse to write an output over one of the command's inputs. */
export function assertNotInput(output: string, inputs: readonly string[]): void {
  const out = canonical(output);
  for (const input of inputs) {
    if (canonical(input) === out) {
      throw new UserError(`${output}: refusing to write over the input file; choose another --out`);
    }
  }
}
