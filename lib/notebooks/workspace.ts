/**
 * The workspaces a notebook uses. Normally the repo's (outputs under resource/ and the write-up's
 * figures in reports/figures); under `cci notebooks --check` every output folder moves into the
 * run's scratch folder, so a check writes nothing anywhere in the checkout.
 */
import { join, relative } from "node:path";
import { defaultWorkspace, realWorkspace, repoRoot, sampleWorkspace, type Workspace } from "../corpus/locate";
import { isInside } from "../util/output-rule";
import { SCRATCH_ENV } from "./execute";

/** The scratch folder of a `--check` run, or undefined for a real (in-place) run. */
export function scratchDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[SCRATCH_ENV] || undefined;
}

/** `ws` with its output folders moved under the scratch folder (inputs stay where they are). */
export function redirectOutputs(ws: Workspace, scratch: string | undefined): Workspace {
  if (!scratch) return ws;
  const w = join(scratch, ws.kind);
  return { ...ws, refined: join(w, "refined_data"), eda: join(w, "EDA"), results: join(w, "results") };
}

/** The default corpus's workspace, as a notebook should use it. */
export function notebookWorkspace(env: NodeJS.ProcessEnv = process.env): Workspace {
  return redirectOutputs(defaultWorkspace(), scratchDir(env));
}

/** The bundled sample's workspace, as a notebook should use it. */
export function notebookSampleWorkspace(env: NodeJS.ProcessEnv = process.env): Workspace {
  return redirectOutputs(sampleWorkspace(), scratchDir(env));
}

/** Where the write-up's figures go: reports/figures, or the scratch folder under --check. */
export function figuresDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const scratch = scratchDir(env);
  return scratch ? join(scratch, "figures") : join(root, "reports", "figures");
}

/**
 * A path as a notebook prints it: relative to the checkout, and under --check the scratch
 * folder's copy shown as the repo path it stands for (the inverse of redirectOutputs and
 * figuresDir), so a check prints (and a re-run reproduces) the same outputs as the committed
 * notebook.
 */
export function shownPath(file: string, root: string = repoRoot(), env: NodeJS.ProcessEnv = process.env): string {
  const scratch = scratchDir(env);
  if (scratch) {
    // [where a check writes, where an in-place run writes]
    const places: [string, string][] = [[figuresDir(root, env), figuresDir(root, {})]];
    for (const ws of [realWorkspace(root), sampleWorkspace(root)]) {
      const moved = redirectOutputs(ws, scratch);
      for (const k of ["refined", "eda", "results"] as const) places.push([moved[k], ws[k]]);
    }
    for (const [copy, place] of places) if (isInside(copy, file)) return relative(root, join(place, relative(copy, file)));
  }
  return relative(root, file);
}
