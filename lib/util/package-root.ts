/**
 * The checkout this code runs from: the folder of its package.json (name "cci-workbench"), for
 * files shipped beside the code (the Python entrypoints, the refinement worker) and the version.
 * The same answer from the TypeScript sources and from the start-up bundle (dist/).
 *
 * `cci` (lib/cli/cci.mjs) says where it is in CCI_PACKAGE_ROOT; notebooks and tests run inside
 * the checkout, so its folder is found upward from the current one. No module of lib/ reads
 * `import.meta`: tslab evaluates lib/ as CommonJS, where that syntax does not parse.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../corpus/locate";

const NAME = "cci-workbench";

let found: { root: string; version: string } | undefined;

function pkgAt(dir: string): { root: string; version: string } | undefined {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return undefined;
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
  return pkg.name === NAME ? { root: dir, version: pkg.version ?? "unknown" } : undefined;
}

function find(): { root: string; version: string } {
  const fromEnv = process.env.CCI_PACKAGE_ROOT;
  const known = fromEnv ? pkgAt(resolve(fromEnv)) : undefined;
  if (known) return known;
  const root = repoRoot(); // upward from the current folder (notebooks and tests run inside the checkout)
  return pkgAt(root) ?? { root, version: "unknown" };
}

export function packageRoot(): string {
  return (found ??= find()).root;
}

export function packageVersion(): string {
  return (found ??= find()).version;
}
