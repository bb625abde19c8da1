// Terminal tables (issue 18.5): one index column, cells unquoted, numbers right-aligned.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cellText, formatTable } from "../lib/util/text-table";

const CCI = resolve(__dirname, "..", "lib", "cli", "cci.mjs");

describe("formatTable", () => {
  it("draws the rows' own columns only, strings bare, numbers right-aligned", () => {
    const t = formatTable([
      { "#": 1, recipe: "ko-gemma", loss: 1.25 },
      { "#": 10, recipe: "EEVE", loss: 0.5 },
    ]);
    expect(t).not.toContain("(index)");
    expect(t).not.toContain("'");
    const lines = t.split("\n");
    expect(lines[1]).toMatch(/^│ +# │ recipe +│ loss │$/);
    expect(lines.find((l) => l.includes("ko-gemma"))).toMatch(/^│  1 │ ko-gemma │ 1\.25 │$/);
    expect(lines.find((l) => l.includes("EEVE"))).toMatch(/^│ 10 │ EEVE     │  0\.5 │$/);
  });

  it("measures Hangul as two columns, so the borders line up", () => {
    const lines = formatTable([{ type: "원인" }, { type: "cause" }]).split("\n");
    const width = (s: string) => [...s].reduce((w, c) => w + (/[\u3131-\uD79D]/.test(c) ? 2 : 1), 0);
    expect(new Set(lines.map(width)).size).toBe(1);
  });

  it("prints absent cells blank and objects as JSON", () => {
    expect(cellText(undefined)).toBe("");
    expect(cellText(null)).toBe("");
    expect(cellText({ a: 1 })).toBe('{"a":1}');
    expect(formatTable([{ a: 1 }, { b: "x" }])).toMatch(/│ a │ b │/);
  });
});

describe("CLI tables", () => {
  it("`cci train list` shows one index column", () => {
    const r = spawnSync(process.execPath, [CCI, "train", "list"], { encoding: "utf8", cwd: resolve(__dirname, "..") });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("(index)");
    expect(r.stdout).not.toMatch(/'[^']*'/);
    expect(r.stdout.split("\n")[1]).toMatch(/^│ +# │ name /);
  });
});
