import type { Workspace } from "../../corpus/locate";
import { selectRecipes } from "../../train/bundle";
import { assumptions, explainSchedule, planRow } from "../../train/compute";
import { loadRunCorpus } from "../../train/data";
import { computePlans } from "../../train/plan";
import { table } from "../markdown";
import type { ReportSection } from "../report";

/** The eleven recipes' compute plan on the workspace's corpus (token counts estimated: no model tokenizer offline). */
export const trainingSection: ReportSection = {
  title: "Training compute plan",
  build: async (ws: Workspace) => {
    const corpus = loadRunCorpus(ws.data);
    const plans = await computePlans(selectRecipes("all"), corpus, { mode: "faithful" });
    const hours = (g: "A100-40GB" | "H100-80GB") => plans.reduce((s, p) => s + p.plan.gpuHours[g], 0).toFixed(1);
    return [
      `The eleven recipes of SPEC §6 on ${corpus.train.length} train and ${corpus.dev.length} dev examples (\`npx cci train plan --recipe all\`; exact token counts with \`--tokenizer\`). Token counts here are estimates and the length rule is not applied.`,
      "",
      table(plans.map((p) => planRow(p.plan))),
      "",
      `All eleven: ${hours("A100-40GB")} A100-40GB hours, ${hours("H100-80GB")} H100 hours (estimates).`,
      "",
      `Steps: ${explainSchedule(plans[0].plan.schedule)}`,
      "",
      "Assumptions:",
      "",
      ...assumptions("estimate").map((a) => `- ${a}`),
    ].join("\n");
  },
};
