/**
 * The folder of this checkout's package.json, found upward from this module's own file — the
 * same answer from the TypeScript sources (lib/util/) and from the start-up bundle (dist/), and
 * whatever the current folder. For files shipped beside the code (the Python entrypoints) and
 * the version.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const NAME = "cci-workbench";

let found: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === NAME) return { root: dir, version: pkg.version ?? "unknown" };
    }
    if (dirname(dir) === dir) throw new Error(`${NAME}: no package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

export function packageRoot(): string {
  return (found ??= find()).root;
}

export function packageVersion(): string {
  return (found ??= find()).version;
}
