import { basename, relative } from "node:path";
import { distinctFiles, refineFolder, statsBySplitRows, statsRows, summaryRow } from "../../refine/run";
import { ruleNames } from "../../refine/rules";
import { table } from "../markdown";
import type { ReportSection } from "../report";

/** Refine the raw corpus (faithful rules) into the workspace's refined folder and summarise. */
export const refinementSection: ReportSection = {
  title: "Refinement",
  build: (ws) => {
    const { files, total } = refineFolder(ws.data, ws.refined);
    const perFile = files.map((f) => ({ file: relative(ws.root, f.output), ...summaryRow(f.stats), "references dropped": f.stats.referencesDropped }));
    // train+dev repeats train's and dev's examples: the per-step table shows the three distinct splits and their total.
    const order = ["train", "dev", "test"];
    const distinct = distinctFiles(files)
      .map((f) => ({ split: basename(f.input, ".json"), stats: f.stats }))
      .sort((a, b) => (order.indexOf(a.split) + 1 || 99) - (order.indexOf(b.split) + 1 || 99));
    const bySplit = statsBySplitRows(distinct);
    const totals = statsRows(total);
    const steps = bySplit.map((row, i) => ({ ...row, "total: utterances": totals[i].utterances, "total: chars removed": totals[i]["characters removed (net)"] }));
    return [
      `Faithful rules, in order: ${ruleNames().map((n) => `\`${n}\``).join(" → ")}, then drop-empty and merge-turns.`,
      "",
      "Mean turns and characters (Unicode code points) per conversation, before → after:",
      "",
      table(perFile),
      "",
      `What each step changed, per split and in total over ${distinct.map((d) => d.split).join(", ")} (train+dev holds the same examples as train and dev, so it is not counted again). *Utterances* are those a rule changed; for drop-empty, those dropped; for merge-turns, those joined to the turn before. Characters are net: merge-turns joins a run's texts with one space, so it adds one character per merge.`,
      "",
      table(steps),
    ].join("\n");
  },
};
