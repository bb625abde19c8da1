/** Where an ablation's table lands in its folder, and the JSON's text. */
import { join } from "node:path";
import type { AblationResult } from "./ablate";
import type { DesignSpec } from "./design";

/** resource/results/ablate for train → dev (the folder `cci chart ablation` reads), ablate-{k}fold for cross-validation: both kept. */
export function defaultAblationDir(results: string, design: DesignSpec): string {
  return join(results, design.kind === "dev" ? "ablate" : `ablate-${design.folds}fold`);
}

export const ABLATION_FILES = (out: string) => ({ json: join(out, "ablation.json"), csv: join(out, "ablation.csv") });

export function ablationJson(result: AblationResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
