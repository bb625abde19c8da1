/**
 * Reading a training run bundle (the run-bundle contract with `cci train`): `{runs}/{name}/`
 * holds `run.json` (written before anything ran), the trained adapter and tokenizer in
 * `adapter/`, and the prompt data in `data/`. Scoring needs the recipe's variant, data
 * (raw/refined), prompt mode, base model, 4-bit flag and tokenizer; nothing here loads weights.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { repoRoot } from "../corpus/locate";
import { isMode, isVariantName, type Mode, type VariantName } from "../prompts/variants";
import { UserError } from "../util/errors";

/** The default runs folder (git-ignored). */
export function defaultRunsDir(root = repoRoot()): string {
  return join(root, "resource", "runs");
}

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
