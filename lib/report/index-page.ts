/**
 * reports/index.md: the front page of the narrated report — every notebook, the generated
 * report and the write-up's figures, linked (paths relative to reports/). Written by
 * `npm run report`, from what is on disk, so it stays in step with the files.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The notebooks in pipeline order, with what each shows (04 and 05 run on GPU machines). */
export const NOTEBOOKS: readonly { file: string; title: string; shows: string }[] = [
  { file: "01-eda.ipynb", title: "Exploratory data analysis", shows: "sizes, turns and characters per split, shared conversations, categories and answer positions, the original's mislabelled dev chart, what refinement shifts" },
  { file: "02-refinement.ipynb", title: "Refinement", shows: "the nine rules on sample utterances, per-rule effects on the corpus, byte-identity with the original, a live rule editor" },
  { file: "03-prompt-variants.ipynb", title: "Prompt variants", shows: "the six templates side by side, the original's quirks counted and fixed, prompt lengths in characters and Llama-3 tokens" },
  { file: "04-training-launches.ipynb", title: "Training launches", shows: "the eleven recipes' training runs, prepared here and launched on GPU machines (`cci train plan|launch`)" },
  { file: "05-inference.ipynb", title: "Inference", shows: "scoring test and dev with the trained adapters on GPU machines (`cci predict`)" },
  { file: "06-voting.ipynb", title: "Voting and ensemble analysis", shows: "CPU members, accuracy with intervals per category, agreement, oracle and ensemble size, McNemar, the eleven-recipe vote" },
];

const FIGURE_TITLES: Record<string, string> = {
  "eda_train+dev_category_distribution": "Inference types, train+dev",
  "eda_train+dev_output_distribution": "Correct answer positions, train+dev",
  "eda_train+dev_conversation_length_distribution": "Turns per conversation, train+dev",
  "eda_dev_total_utterance_length_distribution": "Characters per conversation, dev (the chart the original mislabelled)",
  "eda_train+dev_conversation_length_raw_vs_refined": "Turns per conversation, raw vs refined, train+dev",
  "eda_train+dev_total_utterance_length_raw_vs_refined": "Characters per conversation, raw vs refined, train+dev",
  "eda_sample_train_wordcloud": "Word cloud of the bundled sample (not the competition corpus)",
};

const link = (text: string, href: string) => `[${text}](${encodeURI(href)})`;

export function indexPage(root: string): string {
  const reports = join(root, "reports");
  const figures = existsSync(join(reports, "figures")) ? readdirSync(join(reports, "figures")).filter((f) => /\.(png|svg)$/.test(f)).sort() : [];
  const stems = [...new Set(figures.map((f) => f.replace(/\.(png|svg)$/, "")))];
  return [
    "# cci-workbench — the narrated report",
    "",
    "A reproduction of the winning entry (98.01 % test accuracy) of the NIKL 2024 *Conversation Context Inference (type B)*",
    "task, read as executed notebooks. Start with the notebooks in order; the generated report collects the aggregates.",
    "This page is written by `npm run report`.",
    "",
    "## What is and is not reproduced",
    "",
    "- **Reproduced and checked** on the competition corpus: the import, the nine refinement rules (byte-identical to the original's refined files), the EDA statistics and length CSVs (byte-identical), the five prompt variants (identical to the original's dev prompts, checked in CI against its reference files; the organisers' Baseline template is rendered from SPEC §4 but has no reference file, so it is not byte-checked), the SFT token ids and labels for any tokenizer folder, and the original's hard vote.",
    "- **Prepared, not run here**: training the eleven LoRA/QLoRA recipes and scoring with them need GPUs (notebooks 04 and 05). Without their prediction files the entry's vote and its 98.01 % are not reproduced in this copy.",
    "- **Added**: seven CPU members (≈ 74 % on dev — a baseline for the analysis, not the entry), and the ensemble analysis in notebook 06.",
    "",
    "## Notebooks",
    "",
    ...NOTEBOOKS.map((n) => `${n.file.slice(0, 2)}. ${link(n.title, `../notebooks/${n.file}`)} — ${n.shows}.`),
    "",
    "## Generated report",
    "",
    `- ${link("report-real.md", "report-real.md")}: every CPU stage on the competition corpus (aggregates only).`,
    "- `report-sample.md`: the same on the bundled sample, written where the real corpus is not imported (not committed).",
    "",
    "## Figures for the write-up",
    "",
    "PNG (1200 px wide) and SVG (the Hangul glyphs embedded); `npx cci chart NAME --out FILE` exports any chart at print size.",
    "",
    ...(stems.length
      ? stems.map((s) => `- ${FIGURE_TITLES[s] ?? s}: ${["png", "svg"].filter((e) => figures.includes(`${s}.${e}`)).map((e) => link(e.toUpperCase(), `figures/${s}.${e}`)).join(" · ")}`)
      : ["- none yet: executing notebook 01 on the competition corpus writes them"]),
    "",
  ].join("\n");
}
