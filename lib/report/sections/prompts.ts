import { holdsCorpus, loadSplit, type Workspace } from "../../corpus/locate";
import type { Example } from "../../corpus/schema";
import { QUIRK_DESCRIPTIONS, VARIANT_NAMES, VARIANTS, promptLengths, quirkCounts, summarize } from "../../prompts";
import { table } from "../markdown";
import type { ReportSection } from "../report";

const SPLITS = ["train", "dev", "test"] as const;

function corpus(dir: string): Example[] {
  return SPLITS.flatMap((s) => loadSplit(dir, s));
}

/** Prompt sizes per variant and the examples the original's quirks touch (aggregates only). */
export const promptsSection: ReportSection = {
  title: "Prompt variants",
  build: (ws: Workspace) => {
    const raw = corpus(ws.data);
    const refined = holdsCorpus(ws.refined) ? corpus(ws.refined) : [];
    const lengthRows = VARIANT_NAMES.flatMap((variant) => [
      { variant, data: "raw", mode: "faithful", ...summarize(promptLengths(raw, variant, "faithful")) },
      { variant, data: "raw", mode: "fixed", ...summarize(promptLengths(raw, variant, "fixed")) },
      ...(refined.length ? [{ variant, data: "refined", mode: "faithful", ...summarize(promptLengths(refined, variant, "faithful")) }] : []),
    ]);
    return [
      `Six templates (\`npx cci prompts --list\`): ${VARIANT_NAMES.map((v) => `\`${v}\` (${VARIANTS[v].summary})`).join("; ")}.`,
      "",
      `Prompt length in characters (system + user message, before any chat template) over train, dev and test (${raw.length} examples):`,
      "",
      table(lengthRows),
      "",
      "Examples each quirk of the original touches, by category (faithful mode; `--mode fixed` corrects them):",
      "",
      table(quirkCounts(raw)),
      "",
      ...Object.entries(QUIRK_DESCRIPTIONS).map(([q, d]) => `- \`${q}\`: ${d}`),
    ].join("\n");
  },
};
