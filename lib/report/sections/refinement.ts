import { relative } from "node:path";
import { refineFolder, statsRows, statsSummary } from "../../refine/run";
import { ruleNames } from "../../refine/rules";
import { table } from "../markdown";
import type { ReportSection } from "../report";

/** Refine the raw corpus (faithful rules) into the workspace's refined folder and summarise. */
export const refinementSection: ReportSection = {
  title: "Refinement",
  build: (ws) => {
    const { files, total } = refineFolder(ws.data, ws.refined);
    const perFile = files.map((f) => ({ file: relative(ws.root, f.output), ...statsSummary(f.stats), "references dropped": f.stats.referencesDropped }));
    return [
      `Faithful rules, in order: ${ruleNames().map((n) => `\`${n}\``).join(" → ")}, then drop-empty and merge-turns.`,
      "",
      "Mean turns and characters per conversation, before → after:",
      "",
      table(perFile),
      "",
      "What each step changed (all files):",
      "",
      table(statsRows(total)),
    ].join("\n");
  },
};
