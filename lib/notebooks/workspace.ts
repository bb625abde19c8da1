/**
 * The workspaces a notebook uses. Normally the repo's (outputs under resource/ and the write-up's
 * figures in reports/figures); under `cci notebooks --check` every output folder moves into the
 * run's scratch folder, so a check writes nothing anywhere in the checkout.
 */
import { join, relative, sep } from "node:path";
import { defaultWorkspace, realWorkspace, repoRoot, sampleWorkspace, type Workspace } from "../corpus/locate";
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
 * folder's copy shown as the repo path it stands for, so a check prints (and a re-run
 * reproduces) the same outputs as the committed notebook.
 */
export function shownPath(file: string, root: string = repoRoot(), env: NodeJS.ProcessEnv = process.env): string {
  const scratch = scratchDir(env);
  if (scratch) {
    const inScratch = relative(scratch, file);
    if (!inScratch.startsWith("..") && inScratch !== "") {
      const [head, ...rest] = inScratch.split(sep);
      const real = { figures: join(root, "reports", "figures") } as Record<string, string>;
      for (const ws of [realWorkspace(root), sampleWorkspace(root)]) {
        const [folder, ...tail] = rest;
        const target = { refined_data: ws.refined, EDA: ws.eda, results: ws.results }[folder ?? ""];
        if (head === ws.kind && target) return relative(root, join(target, ...tail));
      }
      if (real[head]) return relative(root, join(real[head], ...rest));
    }
  }
  return relative(root, file);
}
