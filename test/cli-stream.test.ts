/**
 * Streaming import and refinement through the real `cci` process, as a user runs them: hostile
 * input gets one line and leaves nothing behind; multi-file runs are all or nothing; an
 * interrupted run leaves no file at any output path; worker threads give the same bytes.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { scratch } from "./helpers/scratch";
import { pythonJsonDumps } from "../lib/corpus/pyjson";
import { corpusText, example, makeZip } from "./helpers/corpus";

const ROOT = resolve(__dirname, "..");
const CCI = join(ROOT, "lib", "cli", "cci.mjs");
const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: ROOT });
const tmp = scratch("cci-clistream-");

/** Exactly one line on stderr, `cci: …`, no stack, no raw control bytes; non-zero exit. */
function expectOneLine(r: ReturnType<typeof cci>, message: RegExp): void {
  expect(r.status, r.stderr).not.toBe(0);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cci: /);
  expect(lines[0]).toMatch(message);
  // eslint-disable-next-line no-control-regex
  expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
}

const good = () => pythonJsonDumps([example([[1, "안녕하세요~"], [1, "ㅇㅇ 좋아요"], [2, "name1님 ㅋㅋ"]], [2])]);

describe("refine: hostile input, one line each", () => {
  const CASES: [string, () => string | Buffer, RegExp][] = [
    ["deeply nested JSON", () => `[${"[".repeat(200_000)}${"]".repeat(200_000)}]`, /x\.json: not valid JSON \(nested deeper than 100000 levels at byte \d+\)$/],
    ["deep junk in an extra field", () => good().replace('"output"', `"junk": ${"{\"a\":".repeat(2000)}1${"}".repeat(2000)}, "output"`), /example .*: junk(\.a)+…?: nested more than 64 levels deep/],
    ["UTF-16 text", () => Buffer.from(`\uFEFF${good()}`, "utf16le"), /x\.json: looks like UTF-16 .*save it as UTF-8/],
    ["UTF-16 without a byte-order mark", () => Buffer.from(good(), "utf16le").swap16(), /looks like UTF-16/],
    ["invalid UTF-8", () => Buffer.concat([Buffer.from(good().slice(0, 40)), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(good().slice(40))]), /x\.json: not valid UTF-8 \(example #1, near byte \d+\)/],
    ["a NUL byte inside JSON", () => good().replace("안녕", "\u0000"), /x\.json: not valid JSON \(example #1/],
  ];
  it.each(CASES)("%s", (_n, content, message) => {
    const dir = tmp();
    writeFileSync(join(dir, "x.json"), content());
    const out = join(dir, "out.json");
    expectOneLine(cci("refine", join(dir, "x.json"), "--out", out), message);
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });

  it("--in FILE says to pass the file itself", () => {
    const dir = tmp();
    writeFileSync(join(dir, "x.json"), good());
    expectOneLine(cci("refine", "--in", join(dir, "x.json"), "--out", join(dir, "o")), /x\.json: is a file, not a folder; refine one file with `cci refine .*x\.json --out FILE`$/);
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });

  it("--in an empty folder says it found nothing", () => {
    const dir = tmp();
    mkdirSync(join(dir, "empty"));
    expectOneLine(cci("refine", "--in", join(dir, "empty"), "--out", join(dir, "o")), /empty: no corpus files \(\*\.json\) found; nothing to refine$/);
    expect(existsSync(join(dir, "o"))).toBe(false);
  });
});

describe("refine --in: all or nothing", () => {
  it("writes no file at all when a later file is bad, and leaves no temp file", () => {
    const dir = tmp();
    const inDir = join(dir, "in");
    mkdirSync(inDir);
    writeFileSync(join(inDir, "a.json"), good());
    writeFileSync(join(inDir, "b.json"), good());
    writeFileSync(join(inDir, "c.json"), "[{");
    const out = join(dir, "out");
    expectOneLine(cci("refine", "--in", inDir, "--out", out), /c\.json: not valid JSON/);
    expect(existsSync(out)).toBe(false);
  });

  it("keeps an existing output folder's files untouched on failure", () => {
    const dir = tmp();
    const inDir = join(dir, "in");
    const out = join(dir, "out");
    mkdirSync(inDir);
    mkdirSync(out);
    writeFileSync(join(out, "a.json"), "old");
    writeFileSync(join(inDir, "a.json"), good());
    writeFileSync(join(inDir, "b.json"), "[1]");
    expectOneLine(cci("refine", "--in", inDir, "--out", out), /b\.json: example #1: \(example\): expected an object/);
    expect(readdirSync(out)).toEqual(["a.json"]);
    expect(readFileSync(join(out, "a.json"), "utf8")).toBe("old");
  });

  it("gives the same bytes on worker threads as inline", () => {
    const dir = tmp();
    const input = join(dir, "big.json");
    writeFileSync(input, corpusText("w", 3000));
    expect(cci("refine", input, "--out", join(dir, "a.json"), "--threads", "0").status).toBe(0);
    const r = cci("refine", input, "--out", join(dir, "b.json"), "--threads", "2");
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "b.json")).equals(readFileSync(join(dir, "a.json")))).toBe(true);
  });
});

describe("interrupted runs leave no file at any output path", () => {
  /** Start `cci refine --in` on a corpus big enough to take a while; kill it once its temp files exist. */
  async function interrupt(signal: NodeJS.Signals): Promise<{ code: NodeJS.Signals | null; out: string; stderr: string }> {
    const dir = tmp();
    const inDir = join(dir, "in");
    mkdirSync(inDir);
    const text = corpusText("k", 20_000);
    for (const name of ["a.json", "b.json", "c.json"]) writeFileSync(join(inDir, name), text.replaceAll('"k-', `"${name[0]}-`));
    const out = join(dir, "out");
    const child = spawn(process.execPath, [CCI, "refine", "--in", inDir, "--out", out, "--threads", "0"], { cwd: ROOT });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // The run cleans up, says so, then dies by the signal itself (so a shell sees it was interrupted).
    const exited = new Promise<NodeJS.Signals | null>((ok) => child.on("exit", (_code, sig) => ok(sig)));
    for (let i = 0; i < 2000 && !(existsSync(out) && readdirSync(out).some((f) => f.endsWith(".tmp"))); i++) await new Promise((r) => setTimeout(r, 5));
    child.kill(signal);
    return { code: await exited, out, stderr };
  }

  it.each(["SIGINT", "SIGTERM"] as const)("%s: temp files removed, nothing at the outputs", async (signal) => {
    const { code, out, stderr } = await interrupt(signal);
    expect(code).toBe(signal);
    expect(stderr.trim()).toBe(`cci: interrupted (${signal}); no output written`);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("SIGKILL: no file at any output path; the next run there removes the hidden temp files left", async () => {
    const { out } = await interrupt("SIGKILL");
    const left = existsSync(out) ? readdirSync(out) : [];
    expect(left.filter((f) => !/^\..*\.tmp$/.test(f))).toEqual([]);
    const input = join(out, "..", "small.json");
    writeFileSync(input, good());
    expect(cci("refine", input, "--out", join(out, "small-refined.json")).status).toBe(0);
    expect(readdirSync(out)).toEqual(["small-refined.json"]);
  });
});

describe("import: hostile archives and paths", () => {
  const DIR = "대화맥락추론_데이터";
  const files = (test = corpusText("test", 2)) => ({
    [`${DIR}/대화맥락추론_train.json`]: corpusText("train", 3),
    [`${DIR}/대화맥락추론_dev.json`]: corpusText("dev", 2),
    [`${DIR}/대화맥락추론_test.json`]: test,
  });

  it("refuses a split over --max-entry-size, writing nothing", async () => {
    const dir = tmp();
    const zip = join(dir, "d.zip");
    writeFileSync(zip, await makeZip(files()));
    const out = join(dir, "out");
    expectOneLine(cci("import", zip, "--out", out, "--max-entry-size", "1K"), /대화맥락추론_train\.json: \d+ bytes uncompressed, over the 1024 bytes limit for one split \(raise it with --max-entry-size\)$/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses to write over the zip it reads", async () => {
    const dir = tmp();
    const zip = join(dir, "dev.json");
    const bytes = await makeZip(files());
    writeFileSync(zip, bytes);
    expectOneLine(cci("import", zip, "--out", dir), /dev\.json: refusing to write over the input file/);
    expect(readFileSync(zip).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual(["dev.json"]);
  });

  it("writes nothing when the last split is bad (all or nothing), and no temp file stays", async () => {
    const dir = tmp();
    const zip = join(dir, "d.zip");
    writeFileSync(zip, await makeZip(files(Buffer.from("\uFEFF[]", "utf16le").toString("latin1"))));
    const out = join(dir, "out");
    const r = cci("import", zip, "--out", out);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it("imports byte for byte, with train+dev spliced, from a folder and from a zip", async () => {
    const dir = tmp();
    const src = join(dir, "src");
    const fs = files();
    for (const [name, text] of Object.entries(fs)) {
      mkdirSync(join(src, DIR), { recursive: true });
      writeFileSync(join(src, name), text.replaceAll("\n", "\r\n"));
    }
    const out = join(dir, "out");
    const r = cci("import", src, "--out", out, "--threads", "2");
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, "train.json"), "utf8")).toBe(fs[`${DIR}/대화맥락추론_train.json`].replaceAll("\n", "\r\n"));
    const trainDev = JSON.parse(readFileSync(join(out, "train+dev.json"), "utf8")).map((e: { id: string }) => e.id);
    expect(trainDev).toEqual(["train-1", "train-2", "train-3", "dev-1", "dev-2"]);
    expect(readdirSync(out).sort()).toEqual(["dev.json", "test.json", "train+dev.json", "train.json"]);
  });
});

describe("start-up: the compiled build is used only while it is up to date", () => {
  /** A scratch checkout: the real launcher, a fake build and fake sources that say which ran. */
  function checkout(): string {
    const root = tmp();
    mkdirSync(join(root, "lib", "cli"), { recursive: true });
    mkdirSync(join(root, "dist"));
    writeFileSync(join(root, "package.json"), '{"type": "module"}\n');
    writeFileSync(join(root, "lib", "cli", "cci.mjs"), readFileSync(CCI));
    writeFileSync(join(root, "lib", "cli", "main.ts"), 'const from: string = "sources"; console.log(from);\n');
    writeFileSync(join(root, "dist", "cci.mjs"), 'console.log("build");\n');
    writeFileSync(join(root, "dist", "build.json"), JSON.stringify({ builtAt: Date.now() + 1000, inputs: ["lib/cli/main.ts"] }));
    // the fallback imports tsx from the checkout's node_modules
    spawnSync("ln", ["-s", join(ROOT, "node_modules"), join(root, "node_modules")]);
    return root;
  }
  const run = (root: string) => spawnSync(process.execPath, [join(root, "lib", "cli", "cci.mjs")], { encoding: "utf8" }).stdout.trim();

  it("runs the build when no source is newer", () => expect(run(checkout())).toBe("build"));

  it("runs the sources when one is newer than the build, or the build is missing", () => {
    const root = checkout();
    const build = JSON.parse(readFileSync(join(root, "dist", "build.json"), "utf8"));
    writeFileSync(join(root, "dist", "build.json"), JSON.stringify({ ...build, builtAt: statSync(join(root, "lib", "cli", "main.ts")).mtimeMs - 1 }));
    expect(run(root)).toBe("sources");
    rmSync(join(root, "dist"), { recursive: true });
    expect(run(root)).toBe("sources");
  });
});
