/**
 * Notebooks import lib/ through the tslab kernel, which type-checks with its own, older
 * TypeScript and evaluates modules as CommonJS: `import.meta`, or code whose types only a newer
 * TypeScript infers, break every notebook while `tsc` and vitest stay green. Every module the
 * notebooks may import is loaded here the kernel's way.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
// The CLI's entry (top-level await) and worker-thread entries are never imported by a notebook.
const NOT_FOR_NOTEBOOKS = new Set(["lib/cli/main.ts", "lib/refine/worker.ts", "lib/ablate/worker.ts"]);

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "python" ? [] : modules(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [relative(ROOT, p)] : [];
  });
}

describe("the notebooks' kernel (tslab)", () => {
  it("loads every module of lib/", () => {
    const files = modules(join(ROOT, "lib")).filter((f) => !NOT_FOR_NOTEBOOKS.has(f)).sort();
    const cell = [...files.map((f, i) => `import * as m${i} from "./${f.replace(/\.ts$/, "")}";`), `console.log(${files.length});`].join("\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "test/helpers/tslab-load.cjs"), ROOT, cell], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toBe(String(files.length));
  });
});
