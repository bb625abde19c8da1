/** Where an ablation's table lands in its folder, and the JSON's text. */
import { join } from "node:path";
import type { AblationResult } from "./ablate";

export const ABLATION_FILES = (out: string) => ({ json: join(out, "ablation.json"), csv: join(out, "ablation.csv") });

export function ablationJson(result: AblationResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
