/**
 * Inputs that are folders: a folder given to a command (the corpus folder, a tokenizer folder, a
 * run bundle) is protected file by file, so an output can never land on one of its files. The
 * one output rule compares paths and inodes; these are the paths it compares with.
 */
import { lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** How many files one protected folder may list (a bundle holds a few dozen); deeper or more is not searched. */
const MAX_FILES = 10_000;
const MAX_DEPTH = 6;

/** The files under `dir` (symlinked files included as their links; symlinked folders not followed); [] when it is no folder. */
export function filesUnder(dir: string | undefined): string[] {
  if (!dir) return [];
  try {
    if (!statSync(dir).isDirectory()) return [dir];
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      if (out.length >= MAX_FILES) return;
      const p = join(d, n);
      try {
        const l = lstatSync(p);
        if (l.isDirectory()) {
          if (depth < MAX_DEPTH) visit(p, depth + 1);
        } else out.push(p);
      } catch {
        /* vanished */
      }
    }
  };
  visit(dir, 0);
  return out;
}
