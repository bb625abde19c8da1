/**
 * Where a command finds its corpus and puts its outputs.
 *
 * The real corpus lives in resource/data/ once the user imported it (never committed); the
 * bundled sample in resource/sample/ is the default otherwise. Each has its own output folders
 * so sample runs never mix with real ones.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { loadCorpus } from "./load";
import { SPLITS, type Example, type Split } from "./schema";
import { UserError } from "../util/errors";

export interface Workspace {
  /** "real" for resource/data, "sample" for the bundled corpus. */
  kind: "real" | "sample";
  root: string;
  /** Raw corpus folder (train.json, dev.json, test.json, train+dev.json). */
  data: string;
  /** Refined corpus folder. */
  refined: string;
  /** EDA outputs; refined-data EDA goes to `${eda}/refined_data`. */
  eda: string;
  /** Prediction files and other results. */
  results: string;
}

import { repoRoot } from "../util/repo-root";
export { repoRoot };

/** A folder holds a corpus when it has the three competition splits. */
export function holdsCorpus(dir: string): boolean {
  return ["train.json", "dev.json", "test.json"].every((f) => existsSync(join(dir, f)));
}

export function realWorkspace(root = repoRoot()): Workspace {
  const r = join(root, "resource");
  return { kind: "real", root, data: join(r, "data"), refined: join(r, "refined_data"), eda: join(r, "EDA"), results: join(r, "results") };
}

export function sampleWorkspace(root = repoRoot()): Workspace {
  const w = join(root, "resource", "sample-work");
  return { kind: "sample", root, data: join(root, "resource", "sample"), refined: join(w, "refined_data"), eda: join(w, "EDA"), results: join(w, "results") };
}

/** resource/data when it holds the corpus, else the bundled sample. */
export function defaultWorkspace(root = repoRoot()): Workspace {
  const real = realWorkspace(root);
  return holdsCorpus(real.data) ? real : sampleWorkspace(root);
}

/** One line saying which corpus a command uses. */
export function describeWorkspace(ws: Workspace): string {
  const rel = relative(process.cwd(), ws.data) || ".";
  return ws.kind === "real"
    ? `corpus: real competition data in ${rel}`
    : `corpus: bundled sample in ${rel} (import the real corpus with \`npx cci import <zip> --out resource/data\`)`;
}

/** The corpus files (*.json) of a folder, sorted, as the original's glob. */
export function corpusFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new UserError(`${dir}: no such folder`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(dir, f));
}

/** Load a split of a corpus folder; train+dev is built from train and dev when its file is absent. */
export function loadSplit(dir: string, split: Split): Example[] {
  const file = join(dir, `${split}.json`);
  if (split === "train+dev" && !existsSync(file)) return [...loadSplit(dir, "train"), ...loadSplit(dir, "dev")];
  return loadCorpus(file);
}

/** The splits present in a corpus folder, in the original's order. */
export function presentSplits(dir: string): Split[] {
  return SPLITS.filter((s) => existsSync(join(dir, `${s}.json`)) || (s === "train+dev" && existsSync(join(dir, "train.json")) && existsSync(join(dir, "dev.json"))));
}
