import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { loadCorpus } from "../../corpus/load";
import { DEFAULT_EOS, toJsonl } from "../../prompts";
import { answerTokenIds } from "../../tokenize/answer-ids";
import { legacyTemplate, type LegacyTemplateName } from "../../tokenize/legacy-templates";
import { sftExamples, textExamples } from "../../tokenize/sft";
import { isStream, type OutputSet } from "../../util/outputs";
import { assertReadableInput } from "../../util/output-rule";
import { compileChatTemplate } from "../../tokenize/template";
import type { Mode, VariantName } from "../../prompts";
import { IO, openOutputs } from "../io";
import { UserError } from "../../util/errors";
import { info, progress } from "../../util/progress";
import { promptAndVariant } from "./prompts";
import { addVariantOptions, type Variant, type VariantOptions } from "../../variant/variant";
import { promptExamples } from "../../variant/plan-corpus";
import { printTable } from "../../util/text-table";

interface ExportOpts extends VariantOptions {
  variant?: string;
  tokenizer?: string;
  eos?: string;
  bos: string;
  template?: string;
  lengthRule: boolean;
  maxLength?: string;
  out?: string;
}

const TEMPLATE_NAMES: readonly LegacyTemplateName[] = ["llama2", "chatml", "gpt2"];
/** Without a tokenizer: the Llama-2 template (the class default of the Llama tokenizers). */
const DEFAULT_TEMPLATE = "llama2";

/** OUT.jsonl → the three files written beside it. */
export function exportPaths(out: string): { tokens: string; text: string; config: string } {
  const base = out.endsWith(".jsonl") ? out.slice(0, -".jsonl".length) : out;
  return { tokens: `${base}.jsonl`, text: `${base}.text.jsonl`, config: `${base}.config.json` };
}

function templateFromOption(value: string): { name: string; template: string } {
  if ((TEMPLATE_NAMES as readonly string[]).includes(value)) return { name: `legacy default (${value})`, template: legacyTemplate(value as LegacyTemplateName) };
  if (!existsSync(value)) throw new UserError(`--template: expected ${TEMPLATE_NAMES.join(", ")} or a Jinja file, got "${value}"`);
  assertReadableInput(value);
  return { name: value, template: readFileSync(value, "utf8") };
}

function parseMaxLength(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--max-length: expected a positive integer, got "${v}"`);
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command("export-sft")
    .summary("corpus file → supervised fine-tuning data of one prompt variant (token ids and/or text)")
    .description(
      [
        "Turn a corpus file into the training data the original's trainer consumed",
        "(SPEC §5). Files written:",
        "",
        "OUT.jsonl (with --tokenizer DIR, a Hugging Face folder loaded offline):",
        "  {id, input_ids, labels}: the chat template with the generation prompt,",
        "  then the target; labels are -100 over the prompt. A folder without a",
        "  chat template is refused unless --template legacy: its class's",
        "  transformers 4.41 default (Llama: the Llama-2 [INST] <<SYS>> template),",
        "  as the original rendered it. Prompts longer than model_max_length",
        "  are skipped and listed (the original's train-mode rule; --no-length-rule",
        "  keeps them, as its eval mode).",
        "OUT.text.jsonl: {id, prompt, completion}, the rendered prompt and the",
        "  target, for a trainer that tokenizes itself (add no special tokens).",
        "  Without --tokenizer, rendered with --template and --bos/--eos.",
        "OUT.config.json: variant, mode, template, limit, dropped examples.",
      ].join("\n"),
    )
    .argument("[file]", "corpus file (e.g. resource/data/train.json)")
    .option("--variant <name>", "prompt variant (see `cci prompts --list`)")
    .option("--mode <mode>", "faithful or fixed (alias of --prompt-mode)")
    .option("--tokenizer <dir>", "Hugging Face tokenizer folder (offline)")
    .option("--eos <token>", `eos string ending each target (default: the tokenizer's, else ${DEFAULT_EOS})`)
    .option("--template <name|file>", `with --tokenizer: legacy (a folder without a chat template renders with its class's transformers 4.41 default); without: ${TEMPLATE_NAMES.join(", ")} (default llama2) or a Jinja file`)
    .option("--bos <token>", "bos string for the template without a tokenizer", "<s>")
    .option("--no-length-rule", "keep prompts longer than model_max_length (the original's eval mode)")
    .option("--max-length <n>", "use this limit instead of the tokenizer's model_max_length")
    .option("--out <file>", "output OUT.jsonl (OUT.text.jsonl and OUT.config.json go beside it)");
  addVariantOptions(cmd, { prompts: true });
  cmd.action(async (file: string | undefined, opts: ExportOpts) => {
      const { variant, mode, refine } = promptAndVariant(opts.variant, opts);
      if (!file) throw new UserError("export-sft needs a corpus FILE");
      if (!opts.out) throw new UserError("export-sft needs --out OUT.jsonl");
      // A stream (/dev/null, /dev/stdout) takes the main file alone: no .text.jsonl or .config.json beside a device.
      const paths: OutPaths = isStream(opts.out) ? (opts.tokenizer ? { tokens: opts.out } : { text: opts.out }) : exportPaths(opts.out);
      // The corpus file and a --template file are inputs; all three outputs are staged and land together at the end.
      if (opts.tokenizer && opts.template !== undefined && opts.template !== "legacy")
        throw new UserError(`--template ${opts.template}: with --tokenizer only legacy (a folder's own chat template is always used when it has one)`);
      const outputs = openOutputs(IO.exportSft(file, opts.tokenizer ? paths : { text: paths.text, config: paths.config }, opts.tokenizer ? { tokenizer: opts.tokenizer } : { template: opts.template ?? DEFAULT_TEMPLATE }));
      await outputs.run(() => exportSft(file, paths, opts, variant, mode, outputs, refine));
    });
}

/** The files of one export; a stream output has only its main one. */
type OutPaths = { tokens?: string; text?: string; config?: string };

async function exportSft(file: string, paths: OutPaths, opts: ExportOpts, variant: VariantName, mode: Mode, outputs: OutputSet, refine: Variant): Promise<void> {
  const maxLength = parseMaxLength(opts.maxLength);
  const src = promptExamples(file, refine, opts, loadCorpus);
  const examples = src.examples;
  const rel = (p: string | undefined) => (p === undefined ? null : relative(process.cwd(), p));
  const put = (p: string | undefined, data: string) => p !== undefined && outputs.write(p, data);
  // OUT.config.json records the refinement variant and the input's sha256 (provenance).
  const config: Record<string, unknown> = { input: rel(file), variant, mode, examples: examples.length, refinement: { variant: src.recorded, refined_here: src.refinedHere, corpus: src.corpus } };

  if (opts.tokenizer) {
    // transformers.js takes seconds to import: only when a tokenizer is asked for.
    const { loadTokenizer } = await import("../../tokenize/load");
    const tok = await loadTokenizer(opts.tokenizer, { template: opts.template === "legacy" ? "legacy" : undefined });
    compileChatTemplate(tok.chatTemplate, `${opts.tokenizer}: chat template (${tok.templateSource})`);
    const answerIds = answerTokenIds(tok);
    info(`export-sft: tokenizer ${rel(tok.dir)} (${tok.tokenizerClass ?? "no tokenizer_class"}), template: ${tok.templateSource}`);
    const bar = progress("export-sft", examples.length);
    const result = sftExamples(tok, examples, variant, { mode, eos: opts.eos, lengthRule: opts.lengthRule, maxLength }, () => bar.tick());
    bar.done();
    put(paths.tokens, toJsonl(result.rows));
    put(paths.text, toJsonl(result.texts));
    Object.assign(config, {
      eos: opts.eos ?? tok.eosToken,
      tokenizer: { dir: rel(tok.dir), class: tok.tokenizerClass ?? null, model_max_length: Number.isFinite(tok.modelMaxLength) ? tok.modelMaxLength : null, answer_token_ids: answerIds },
      template: { source: tok.templateSource, text: tok.chatTemplate },
      length_rule: opts.lengthRule ? { limit: Number.isFinite(result.limit) ? result.limit : null, rule: "skip when prompt tokens > limit" } : null,
      written: result.rows.length,
      dropped: result.dropped,
      files: { tokens: rel(paths.tokens), text: rel(paths.text) },
    });
    info(`export-sft: ${rel(paths.tokens)}  ${result.rows.length} examples (${variant}, ${mode}), ${result.dropped.length} dropped`);
    if (result.dropped.length) printTable(result.dropped);
  } else {
    const value = opts.template ?? DEFAULT_TEMPLATE;
    const { name, template } = templateFromOption(value);
    const eos = opts.eos ?? DEFAULT_EOS;
    const texts = textExamples(examples, variant, template, { bos_token: opts.bos, eos_token: eos }, { mode, eos }, name === value ? name : `--template ${value}`);
    put(paths.text, toJsonl(texts));
    Object.assign(config, {
      eos,
      tokenizer: null,
      template: { source: name, text: template, bos_token: opts.bos, eos_token: eos },
      length_rule: null,
      written: texts.length,
      dropped: [],
      files: { text: rel(paths.text) },
    });
    info(`export-sft: no --tokenizer, so no token ids; text form only`);
  }
  put(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  info(`export-sft: ${[paths.text, paths.config].filter((p) => p !== undefined).map(rel).join(", ")}`);
}
