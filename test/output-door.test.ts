/**
 * One door out: no module of lib/ writes, renames, copies, removes, chmods or makes folders with
 * `fs` itself; only the output rule's modules do (lib/util/outputs.ts and the two it is built
 * on). A new code path that writes around the rule fails here, naming the file and the call.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..");
const LIB = join(ROOT, "lib");

/** The rule's modules: the only ones that touch the file system to change it. */
const RULE_MODULES = new Set(["lib/util/outputs.ts", "lib/util/output-rule.ts", "lib/util/cleanup.ts"]);
/** The start-up build: it compiles lib/ into dist/ before any of lib/ can run, so it cannot import the rule. It writes dist/ only. */
const EXEMPT: Record<string, string> = { "lib/cli/build.mjs": "builds dist/ before lib/ is runnable" };

/** Every fs function that changes the file system (sync, callback and promise forms share names). */
const WRITE_OPS = new Set([
  "writeFileSync", "writeFile", "appendFileSync", "appendFile", "createWriteStream", "writeSync", "write", "writevSync", "writev",
  "renameSync", "rename", "copyFileSync", "copyFile", "cpSync", "cp", "chmodSync", "chmod", "lchmodSync", "fchmodSync", "fchmod",
  "chownSync", "chown", "lchownSync", "fchownSync", "mkdirSync", "mkdir", "mkdtempSync", "mkdtemp", "rmSync", "rm", "rmdirSync", "rmdir",
  "unlinkSync", "unlink", "symlinkSync", "symlink", "linkSync", "link", "truncateSync", "truncate", "ftruncateSync", "ftruncate",
  "utimesSync", "utimes", "lutimesSync", "futimesSync",
]);

const FS_MODULE = /^(node:)?fs(\/promises)?$/;

/** The writes a source file makes with fs: `import { writeFileSync }`, `import * as fs`, `require("fs")`, `openSync(p, "w")`. */
export function fsWrites(source: string): string[] {
  const found: string[] = [];
  const imports = /import\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']/g;
  for (const m of source.matchAll(imports)) {
    if (m[1] || !FS_MODULE.test(m[3])) continue;
    const clause = m[2];
    if (/\*\s+as\s+\w+/.test(clause) || /^\s*\w+\s*(,|$)/.test(clause)) found.push(`the whole fs module (${clause.trim()})`);
    const names = /\{([^}]*)\}/.exec(clause)?.[1] ?? "";
    for (const part of names.split(",")) {
      const name = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0];
      if (WRITE_OPS.has(name) || name === "promises") found.push(name);
    }
  }
  if (/require\(\s*["'](node:)?fs(\/promises)?["']\s*\)/.test(source)) found.push('require("fs")');
  if (/import\(\s*["'](node:)?fs(\/promises)?["']\s*\)/.test(source)) found.push('import("fs")');
  // openSync is how reads open files too: only a writing flag counts.
  for (const m of source.matchAll(/\bopenSync\(([^()]*(?:\([^()]*\))?[^()]*)\)/g)) {
    const flag = /,\s*(["'`][^"'`]*["'`]|[A-Za-z_.|\s]+)\s*(,|$)/.exec(m[1])?.[1]?.trim();
    if (flag !== undefined && !/^["'`]r["'`]$/.test(flag)) found.push(`openSync(…, ${flag})`);
  }
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|mts|cts|mjs|cjs|js)$/.test(n) && !n.endsWith(".d.ts") ? [p] : [];
  });
}

describe("one door out (lib/util/outputs.ts)", () => {
  it("the scanner sees each way of writing with fs (so the scan below can fail)", () => {
    expect(fsWrites(`import { existsSync, writeFileSync } from "node:fs";`)).toEqual(["writeFileSync"]);
    expect(fsWrites(`import { rmSync as rm } from "fs";`)).toEqual(["rmSync"]);
    expect(fsWrites(`import { mkdir } from "node:fs/promises";`)).toEqual(["mkdir"]);
    expect(fsWrites(`import * as fs from "node:fs";`)).toHaveLength(1);
    expect(fsWrites(`import { promises as fsp } from "node:fs";`)).toEqual(["promises"]);
    expect(fsWrites(`import fs from "fs";`)).toHaveLength(1);
    expect(fsWrites(`const fs = require("fs");`)).toEqual(['require("fs")']);
    expect(fsWrites(`const fd = openSync(path, "w");`)).toEqual(['openSync(…, "w")']);
    expect(fsWrites(`const fd = openSync(path, constants.O_WRONLY);`)).toEqual(["openSync(…, constants.O_WRONLY)"]);
    expect(fsWrites(`import { createWriteStream, chmodSync, renameSync, copyFileSync, appendFileSync } from "node:fs";`)).toHaveLength(5);
    // reads are not writes
    expect(fsWrites(`import { readFileSync, statSync, type Stats } from "node:fs";\nconst fd = openSync(p, "r");`)).toEqual([]);
  });

  it("no module of lib/ writes with fs outside the rule's modules", () => {
    const files = sources(LIB);
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .map((f) => relative(ROOT, f))
      .filter((f) => !RULE_MODULES.has(f) && !(f in EXEMPT))
      .map((f) => ({ f, writes: fsWrites(readFileSync(join(ROOT, f), "utf8")) }))
      .filter((x) => x.writes.length > 0)
      .map((x) => `${x.f}: ${x.writes.join(", ")} (write through lib/util/outputs.ts)`);
    expect(offenders).toEqual([]);
  });

  it("the rule's modules are where the writes are (the list above is not stale)", () => {
    for (const m of RULE_MODULES) expect(fsWrites(readFileSync(join(ROOT, m), "utf8")).length, m).toBeGreaterThan(0);
  });
});
