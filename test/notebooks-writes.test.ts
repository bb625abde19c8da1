// `cci notebooks --check` writes nothing into the checkout (issue 18.5): every folder a notebook
// writes to comes from lib/notebooks/workspace.ts, which moves outputs into the run's scratch
// folder under --check. A notebook that builds an output path from the repo itself (the sample
// workspace's folders, resource/sample-work, reports/) would write into the repo during a check.
// .ci/run also checks the whole run: no file in the checkout is newer than the run's start.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { notebookSampleWorkspace, notebookWorkspace, redirectOutputs } from "../lib/notebooks/workspace";
import { sampleWorkspace } from "../lib/corpus/locate";
import { SCRATCH_ENV } from "../lib/notebooks/execute";

const NB = join(__dirname, "..", "notebooks");
const code = (file: string) =>
  (JSON.parse(readFileSync(join(NB, file), "utf8")).cells as { cell_type: string; source: string[] }[])
    .filter((c) => c.cell_type === "code")
    .map((c) => c.source.join("").replace(/\/\/.*$/gm, "")) // comments may name folders
    .join("\n");

describe("notebooks take their output folders from lib/notebooks/workspace.ts", () => {
  for (const file of readdirSync(NB).filter((f) => f.endsWith(".ipynb"))) {
    it(`${file}: no output path built from the repo's own folders`, () => {
      const src = code(file);
      expect(src).not.toMatch(/(?<!notebook)sampleWorkspace\(/i);
      expect(src).not.toMatch(/sample-work/);
      expect(src).not.toMatch(/["']reports["']\s*,\s*["']figures["']/);
    });
  }

  it("under --check every output folder is in the scratch folder, inputs stay", () => {
    const env = { [SCRATCH_ENV]: "/tmp/cci-scratch" };
    for (const ws of [notebookWorkspace(env), notebookSampleWorkspace(env)]) {
      for (const dir of [ws.refined, ws.eda, ws.results]) expect(dir.startsWith("/tmp/cci-scratch/")).toBe(true);
    }
    expect(notebookSampleWorkspace(env).data).toBe(sampleWorkspace().data);
    expect(redirectOutputs(sampleWorkspace(), undefined)).toEqual(sampleWorkspace());
  });
});

describe("a check prints what an in-place run prints", () => {
  it("shownPath shows a scratch copy as the repo path it stands for", async () => {
    const { shownPath } = await import("../lib/notebooks/workspace");
    const root = "/repo";
    const env = { [SCRATCH_ENV]: "/tmp/cci-nb-x/scratch" };
    expect(shownPath("/tmp/cci-nb-x/scratch/figures/a.png", root, env)).toBe("reports/figures/a.png");
    expect(shownPath("/tmp/cci-nb-x/scratch/real/results/predictions", root, env)).toBe("resource/results/predictions");
    expect(shownPath("/tmp/cci-nb-x/scratch/sample/EDA/x.html", root, env)).toBe("resource/sample-work/EDA/x.html");
    expect(shownPath("/repo/resource/results/predictions", root, {})).toBe("resource/results/predictions");
    expect(shownPath("/repo/reports/figures/a.png", root, env)).toBe("reports/figures/a.png");
  });

  it("firstNotebookDifference names the first differing cell", async () => {
    const { firstNotebookDifference } = await import("../lib/notebooks/execute");
    const nb = (out: string) => JSON.stringify({ cells: [{ cell_type: "code", source: ["x"], outputs: [] }, { cell_type: "code", source: ["y"], outputs: [{ text: [out] }] }], metadata: {} });
    expect(firstNotebookDifference(nb("1"), nb("1"))).toBeUndefined();
    expect(firstNotebookDifference(nb("1"), nb("2"))).toBe("cell 1 (outputs)");
    expect(firstNotebookDifference(nb("1"), JSON.stringify(JSON.parse(nb("1")), null, 1))).toBe("formatting");
  });

  it("no notebook prints a scratch path or hides one with a regex", () => {
    for (const file of readdirSync(NB).filter((f) => f.endsWith(".ipynb"))) expect(code(file)).not.toMatch(/cci-nb-|<scratch>/);
  });
});
