/**
 * Reading a training run bundle (the run-bundle contract with `cci train`): `{runs}/{name}/`
 * holds `run.json` (written before anything ran), the trained adapter and tokenizer in
 * `adapter/`, and the prompt data in `data/`. Scoring needs the recipe's variant, data
 * (raw/refined), prompt mode, base model, 4-bit flag and tokenizer; nothing here loads weights.
 */
import { IGNORE_INDEX } from "../tokenize/sft";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { ScoreInput } from "./inputs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { repoRoot } from "../corpus/locate";
import { isMode, isVariantName, type Mode, type VariantName } from "../prompts/variants";
import { UserError } from "../util/errors";

export { defaultRunsDir } from "../train/bundle";

/** The keys of run.json scoring reads (the contract guarantees more). */
export interface RunJson {
  name: string;
  index: number;
  model_id: string;
  custom_dataset: VariantName;
  data: "raw" | "refined";
  mode: Mode;
  load_in_4bit: boolean;
  save_dir: string;
  tokenizer: { dir: string; files?: Record<string, string> } | null;
  [key: string]: unknown;
}

export interface RunBundle {
  dir: string;
  run: RunJson;
  /** `{bundle}/{save_dir}`: the LoRA adapter (and, after training, the tokenizer). */
  adapterDir: string;
}

const REQUIRED: Record<string, (v: unknown) => boolean> = {
  name: (v) => typeof v === "string" && v !== "",
  index: (v) => Number.isInteger(v),
  model_id: (v) => typeof v === "string" && v !== "",
  custom_dataset: (v) => typeof v === "string" && isVariantName(v),
  data: (v) => v === "raw" || v === "refined",
  load_in_4bit: (v) => typeof v === "boolean",
  save_dir: (v) => typeof v === "string" && v !== "",
};

/** Validate a parsed run.json; one line naming the file and the key on failure. */
export function parseRunJson(data: unknown, file: string): RunJson {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new UserError(`${file}: expected a JSON object`);
  const o = data as Record<string, unknown>;
  for (const [key, ok] of Object.entries(REQUIRED)) {
    if (!(key in o)) throw new UserError(`${file}: ${key}: missing`);
    if (!ok(o[key])) throw new UserError(`${file}: ${key}: unexpected value ${JSON.stringify(o[key])}`);
  }
  const mode = o.mode ?? "faithful";
  if (typeof mode !== "string" || !isMode(mode)) throw new UserError(`${file}: mode: unexpected value ${JSON.stringify(o.mode)}`);
  const tok = o.tokenizer ?? null;
  if (tok !== null && (typeof tok !== "object" || typeof (tok as { dir?: unknown }).dir !== "string"))
    throw new UserError(`${file}: tokenizer: expected null or {"dir": …, "files": …}`);
  return { ...(o as RunJson), mode, tokenizer: tok as RunJson["tokenizer"] };
}

export function readBundle(runsDir: string, name: string): RunBundle {
  const dir = resolve(runsDir, name);
  const file = join(dir, "run.json");
  if (!existsSync(file)) throw new UserError(`${relative(process.cwd(), file)}: no such file (no run bundle for recipe ${name} in ${relative(process.cwd(), runsDir) || "."}; \`cci train plan\` writes it)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const run = parseRunJson(data, file);
  if (run.name !== name) throw new UserError(`${file}: name: "${run.name}" but the bundle folder is ${name}`);
  return { dir, run, adapterDir: join(dir, run.save_dir) };
}

const isTokenizerDir = (d: string) => existsSync(join(d, "tokenizer.json")) && existsSync(join(d, "tokenizer_config.json"));

/**
 * The tokenizer scoring renders prompts with: the one training saved beside the adapter, else
 * the folder run.json names (relative to the bundle, then to the repository), else none.
 */
export function bundleTokenizerDir(b: RunBundle, root = repoRoot()): string | undefined {
  if (existsSync(b.adapterDir) && statSync(b.adapterDir).isDirectory() && isTokenizerDir(b.adapterDir)) return b.adapterDir;
  const named = b.run.tokenizer?.dir;
  if (!named) return undefined;
  const candidates = isAbsolute(named) ? [named] : [join(b.dir, named), join(root, named)];
  return candidates.find(isTokenizerDir);
}

/**
 * Training wrote `data/{split}.tokens.jsonl` ({id, input_ids, labels}, labels -100 over the
 * prompt): where it exists, the prompts scored must be exactly the prompts trained on. Returns how
 * many rows were compared; a mismatch (another tokenizer, template or prompt mode) is refused,
 * naming the example and the first differing position.
 */
export function checkAgainstTrainingTokens(b: RunBundle, split: string, inputs: readonly ScoreInput[]): number {
  const file = join(b.dir, "data", `${split}.tokens.jsonl`);
  if (!existsSync(file)) return 0;
  const byId = new Map(inputs.map((x) => [x.id, x.inputIds]));
  let compared = 0;
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, n) => {
      if (line.trim() === "") return;
      let row: { id?: unknown; input_ids?: unknown; labels?: unknown };
      try {
        row = JSON.parse(line);
      } catch (err) {
        throw new UserError(`${file}: line ${n + 1}: not valid JSON (${(err as Error).message})`);
      }
      if (typeof row.id !== "string" || !Array.isArray(row.input_ids) || !Array.isArray(row.labels)) throw new UserError(`${file}: line ${n + 1}: expected {"id", "input_ids", "labels"}`);
      const ours = byId.get(row.id);
      if (!ours) return;
      const ids = row.input_ids as number[];
      const firstTarget = (row.labels as number[]).findIndex((l) => l !== IGNORE_INDEX);
      const source = firstTarget < 0 ? ids : ids.slice(0, firstTarget);
      const at = source.findIndex((t, i) => t !== ours[i]);
      if (at >= 0 || source.length !== ours.length)
        throw new UserError(
          `${file}: example ${row.id}: the prompt scored differs from the prompt trained on (at token ${at >= 0 ? at : Math.min(source.length, ours.length)}; ${ours.length} vs ${source.length} tokens) — another tokenizer, template or prompt mode?`,
        );
      compared++;
    });
  return compared;
}
