/** Where prediction files live in a workspace (SPEC §7: `resource/results/predictions/`). */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Workspace } from "../corpus/locate";
import { isProbsFile } from "./predictions";
import { isProvenanceFile } from "../variant/provenance";

/** The original's vote output name. */
export const FINAL_RESULT = "final-result.json";

/** Predictions on test in `predictions/` (as the original); on other splits in `predictions/{split}/`. */
export function predictionsDir(ws: Pick<Workspace, "results">, split: "test" | "dev" = "test"): string {
  const dir = join(ws.results, "predictions");
  return split === "test" ? dir : join(dir, split);
}

export function predictionFile(ws: Pick<Workspace, "results">, name: string, split: "test" | "dev" = "test"): string {
  return join(predictionsDir(ws, split), `${name}.json`);
}

/** The prediction files of a folder, sorted: every *.json but sidecars and the vote's own output. */
export function listPredictionFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(".json") && !isProbsFile(d.name) && !isProvenanceFile(d.name) && d.name !== FINAL_RESULT)
    .map((d) => join(dir, d.name))
    .sort();
}
