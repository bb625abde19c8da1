/**
 * The repository root, found from the current folder. Kept apart from lib/corpus/locate.ts so the
 * output rule (lib/util/output-rule.ts) can find the corpus folders without importing the corpus
 * reader: that import closed a cycle (load → stream → output-rule → locate → load) that the
 * notebooks' kernel (tslab, CommonJS) follows for ever.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "./errors";

/** The repository root: the nearest folder above `from` whose package.json is ours. */
export function repoRoot(from = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "cci-workbench") return dir;
    if (dirname(dir) === dir) break;
  }
  // Run from elsewhere (e.g. `npx cci` in another folder): fall back to the script's checkout.
  const script = process.argv[1] ? resolve(process.argv[1], "../../..") : "";
  if (script && existsSync(join(script, "lib", "corpus"))) return script;
  throw new UserError("cannot find the cci-workbench checkout; run from inside it");
}
