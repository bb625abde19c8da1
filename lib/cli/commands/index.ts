/** Sub-commands in pipeline order (corpus → refine → eda → prompts → … → report). */
import type { Command } from "commander";
import * as importCmd from "./import";
import * as refine from "./refine";
import * as eda from "./eda";
import * as prompts from "./prompts";
import * as exportSft from "./export-sft";
import * as env from "./env";
import * as train from "./train";
import * as baseline from "./baseline";
import * as ablate from "./ablate";
import * as predict from "./predict";
import * as serve from "./serve";
import * as vote from "./vote";
import * as chart from "./chart";
import * as report from "./report";
import * as notebooks from "./notebooks";
import * as bench from "./bench";

export const COMMANDS: ((program: Command) => void)[] = [
  importCmd.register,
  refine.register,
  eda.register,
  prompts.register,
  exportSft.register,
  env.register,
  train.register,
  baseline.register,
  ablate.register,
  predict.register,
  serve.register,
  vote.register,
  chart.register,
  report.register,
  notebooks.register,
  bench.register,
];
