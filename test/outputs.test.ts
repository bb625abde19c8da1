/** The one rule every output path passes, and all-or-nothing staging (lib/util/outputs.ts). */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkOutputFile, checkOutputFolder, makeDirs, OutputSet, sameFile, tempFolder, writeOutput } from "../lib/util/outputs";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "cci-outputs-"));
  dirs.push(d);
  return d;
};

describe("checkOutputFile", () => {
  it("refuses an input, through a symlink or a hard link", () => {
    const d = tmp();
    const input = join(d, "in.json");
    writeFileSync(input, "[]");
    symlinkSync(input, join(d, "soft.json"));
    linkSync(input, join(d, "hard.json"));
    for (const p of [input, join(d, "soft.json"), join(d, "hard.json"), join(d, ".", "in.json")])
      expect(() => checkOutputFile(p, { inputs: [input] })).toThrow(/refusing to write over the input file/);
    expect(sameFile(join(d, "soft.json"), input)).toBe(true);
    expect(sameFile(join(d, "other.json"), input)).toBe(false);
  });

  it("writes through a symlink to its target, so the link stays", () => {
    const d = tmp();
    writeFileSync(join(d, "real.json"), "old");
    symlinkSync(join(d, "real.json"), join(d, "link.json"));
    writeOutput(join(d, "link.json"), "new");
    expect(readFileSync(join(d, "real.json"), "utf8")).toBe("new");
    expect(readFileSync(join(d, "link.json"), "utf8")).toBe("new");
  });

  it.each([
    ["a folder", (d: string) => d, /is a folder/],
    ["a path below a file", (d: string) => (writeFileSync(join(d, "f"), ""), join(d, "f", "x", "o.json")), /is a file, not a folder/],
    ["a path under /proc", () => "/proc/cci-x/y/o.json", /procfs/],
    ["a path under /sys", () => "/sys/cci-x/o.json", /sysfs/],
    ["a broken symlink", (d: string) => (symlinkSync(join(d, "nowhere"), join(d, "dangling")), join(d, "dangling")), /broken symbolic link/],
    ["a path below a broken symlink", (d: string) => (symlinkSync(join(d, "nowhere"), join(d, "dl")), join(d, "dl", "o.json")), /broken symbolic link, not a folder/],
  ])("refuses %s in one line", (_n, path, message) => {
    expect(() => checkOutputFile(path(tmp()))).toThrow(message);
  });

  it("streams to character devices and FIFOs rather than renaming over them", () => {
    expect(checkOutputFile("/dev/null")).toMatchObject({ stream: true });
    expect(checkOutputFile(join(tmp(), "new.json"))).toMatchObject({ stream: false });
  });

  it("checks output folders: a file is not one", () => {
    const d = tmp();
    writeFileSync(join(d, "f"), "");
    expect(() => checkOutputFolder(join(d, "f"))).toThrow(/is a file, not a folder/);
    expect(() => checkOutputFolder("/proc/cci-x")).toThrow(/procfs/);
    expect(() => checkOutputFolder(join(d, "new", "deeper"))).not.toThrow();
  });
});

describe("makeDirs", () => {
  it("creates missing levels and returns them; ends under /proc instead of spinning", () => {
    const d = tmp();
    expect(makeDirs(join(d, "a", "b"))).toEqual([join(d, "a"), join(d, "a", "b")]);
    expect(makeDirs(join(d, "a", "b"))).toEqual([]);
    expect(() => makeDirs("/proc/cci-x/y")).toThrow(/procfs/);
  });
});

describe("OutputSet", () => {
  it("moves every staged file into place on commit, and nothing before", () => {
    const d = tmp();
    const set = new OutputSet();
    set.write(join(d, "x", "a.json"), "a");
    set.write(join(d, "x", "b.json"), "b");
    expect(readdirSync(join(d, "x")).every((f) => f.includes(".cci-"))).toBe(true);
    set.commit();
    expect(readdirSync(join(d, "x")).sort()).toEqual(["a.json", "b.json"]);
  });

  it("leaves nothing on abort: no temp file, no folder it made", () => {
    const d = tmp();
    writeFileSync(join(d, "keep.json"), "old");
    const set = new OutputSet();
    set.write(join(d, "new", "deep", "a.json"), "a");
    set.write(join(d, "keep.json"), "new");
    set.abort();
    expect(readdirSync(d)).toEqual(["keep.json"]);
    expect(readFileSync(join(d, "keep.json"), "utf8")).toBe("old");
  });

  it("run() commits when the work succeeds and aborts when it throws", async () => {
    const d = tmp();
    await new OutputSet().run((o) => o.write(join(d, "ok.json"), "1"));
    await expect(new OutputSet().run((o) => (o.write(join(d, "no.json"), "1"), Promise.reject(new Error("boom"))))).rejects.toThrow("boom");
    expect(readdirSync(d)).toEqual(["ok.json"]);
  });

  it("refuses two options naming one file, and a file named like a declared folder", () => {
    const d = tmp();
    const set = new OutputSet();
    set.declare(join(d, "o.json"), "--out");
    expect(() => set.declare(join(d, "o.json"), "--stats")).toThrow(/--out and --stats name the same file/);
    set.declareFolder(join(d, "out"), "--out");
    expect(() => set.declare(join(d, "out"), "--stats")).toThrow(/names the --out folder/);
  });

  it("checks every staged file against the inputs", () => {
    const d = tmp();
    mkdirSync(join(d, "data"));
    writeFileSync(join(d, "data", "train.json"), "[]");
    const set = new OutputSet([join(d, "data", "train.json")]);
    expect(() => set.write(join(d, "data", "train.json"), "x")).toThrow(/refusing to write over the input file/);
    expect(readFileSync(join(d, "data", "train.json"), "utf8")).toBe("[]");
  });

  it("sweeps the temp files of a killed run (dead pid) but not those of a live one", () => {
    const d = tmp();
    const dead = spawnSync("true").pid!;
    writeFileSync(join(d, `.a.json.cci-${dead}-1.tmp`), "left by SIGKILL");
    writeFileSync(join(d, `.a.json.cci-${process.ppid}-1.tmp`), "someone alive");
    writeOutput(join(d, "a.json"), "new");
    expect(readdirSync(d).sort()).toEqual([`.a.json.cci-${process.ppid}-1.tmp`, "a.json"]);
  });

  it("removes a stale companion at commit, and only then", () => {
    const d = tmp();
    writeFileSync(join(d, "v.probs.json"), "{}");
    const set = new OutputSet();
    set.write(join(d, "v.json"), "[]");
    set.remove(join(d, "v.probs.json"));
    expect(existsSync(join(d, "v.probs.json"))).toBe(true);
    set.commit();
    expect(readdirSync(d)).toEqual(["v.json"]);
  });

  it("adopts a file written elsewhere on the same file system", () => {
    const d = tmp();
    const scratch = tempFolder(d);
    writeFileSync(join(scratch.path, "r.json"), "r");
    const set = new OutputSet();
    set.adopt(join(d, "out", "r.json"), join(scratch.path, "r.json"));
    set.commit();
    scratch.dispose();
    expect(readFileSync(join(d, "out", "r.json"), "utf8")).toBe("r");
    expect(existsSync(scratch.path)).toBe(false);
  });
});

describe("isInside", () => {
  it("is the folder itself or anything under it, by name", async () => {
    const { isInside } = await import("../lib/util/output-rule");
    expect(isInside("/a/b", "/a/b")).toBe(true);
    expect(isInside("/a/b", "/a/b/c/d.json")).toBe(true);
    expect(isInside("/a/b/", "/a/b/../b/c")).toBe(true);
    expect(isInside("/a/b", "/a/bc")).toBe(false);
    expect(isInside("/a/b", "/a")).toBe(false);
    expect(isInside("/a/b", "/a/b/..c")).toBe(true); // a name that starts with two dots is still inside
    expect(isInside("/a/b", "/x/b")).toBe(false);
  });
});
