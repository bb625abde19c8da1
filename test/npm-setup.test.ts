/**
 * Issue 18 (housekeeping): the project's .npmrc holds only settings npm knows, so no command —
 * `npm test`, `npx cci …` — starts with "npm warn Unknown project config", and dependency install
 * scripts stay off (onnxruntime-node's would fetch CUDA binaries).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

describe(".npmrc", () => {
  it("npm reads it without a warning", () => {
    const r = spawnSync("npm", ["pkg", "get", "name"], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('"cci-workbench"');
    expect(r.stderr).not.toMatch(/Unknown (project|user|global) config/);
  });

  it("keeps dependency install scripts off, and the build runs before the test and report scripts", () => {
    const r = spawnSync("npm", ["config", "get", "ignore-scripts"], { cwd: root, encoding: "utf8" });
    expect(r.stdout.trim()).toBe("true");
    const scripts = JSON.parse(readFileSync(`${root}/package.json`, "utf8")).scripts as Record<string, string>;
    for (const s of ["test", "report", "bench", "notebooks"]) expect(scripts[s]).toMatch(/^node lib\/cli\/build\.mjs && /);
  });
});
