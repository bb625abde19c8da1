import type { Command } from "commander";
import { relative } from "node:path";
import { loadCorpus } from "../../corpus/load";
import { DEFAULT_EOS, MODES, VARIANTS, VARIANT_NAMES, buildPrompts, danglingWarning, isMode, isVariantName, quirkCounts, toJsonl, type Mode, type VariantName } from "../../prompts";
import { IO, openOutputs } from "../io";
import { UserError } from "../../util/errors";
import { info } from "../../util/progress";
import { sidecar } from "../../util/outputs";
import { printTable } from "../../util/text-table";
import { addVariantOptions, variantFromOptions, type Variant, type VariantOptions } from "../../variant/variant";
import { promptExamples } from "../../variant/plan-corpus";
import { provenancePath, provenanceText } from "../../variant/provenance";

interface PromptsOpts extends VariantOptions {
  variant?: string;
  eos: string;
  out?: string;
  list?: boolean;
  quirks?: boolean;
}

/** Validate --variant and --mode (shared with export-sft). */
export function variantAndMode(variant: string | undefined, mode: string): { variant: VariantName; mode: Mode } {
  if (!variant) throw new UserError(`--variant is required (one of: ${VARIANT_NAMES.join(", ")})`);
  if (!isVariantName(variant)) throw new UserError(`--variant: unknown variant "${variant}" (one of: ${VARIANT_NAMES.join(", ")})`);
  if (!isMode(mode)) throw new UserError(`--mode: expected ${MODES.join(" or ")}, got "${mode}"`);
  return { variant, mode };
}

/** The prompt variant and the refinement variant (rules + prompt mode; --mode is --prompt-mode's alias). */
export function promptAndVariant(promptVariant: string | undefined, o: VariantOptions): { variant: VariantName; mode: Mode; refine: Variant } {
  const refine = variantFromOptions(o);
  return { ...variantAndMode(promptVariant, refine.prompts), refine };
}

export function register(program: Command): void {
  const cmd = program
    .command("prompts")
    .summary("corpus file → chat messages and targets of one prompt variant (JSONL)")
    .description(
      [
        "Build one prompt variant (SPEC §4) for every example of a corpus file:",
        'one JSON object per line, {"id", "messages": [{"role", "content"}], "target"},',
        "written as Python's json.dumps.",
        "--mode faithful (default) keeps the original's quirks (josa overwrite,",
        "the Baseline's double eos); --mode fixed writes the right particle and one",
        "eos. See --list for the variants.",
      ].join("\n"),
    )
    .argument("[file]", "corpus file (e.g. resource/data/dev.json)")
    .option("--variant <name>", "prompt variant (see --list)")
    .option("--mode <mode>", "faithful or fixed (alias of --prompt-mode)")
    .option("--eos <token>", "eos string that ends each target", DEFAULT_EOS)
    .option("--out <file>", "output JSONL file")
    .option("--list", "print the variants and exit")
    .option("--quirks", "also print how many examples each quirk touches, by category");
  addVariantOptions(cmd, { prompts: true });
  cmd.action((file: string | undefined, opts: PromptsOpts) => {
      if (opts.list) {
        printTable(VARIANT_NAMES.map((v) => ({ variant: v, summary: VARIANTS[v].summary })));
        return;
      }
      const { variant, mode, refine } = promptAndVariant(opts.variant, opts);
      if (!file) throw new UserError("prompts needs a corpus FILE");
      if (!opts.out) throw new UserError("prompts needs --out FILE.jsonl");
      const outputs = openOutputs(IO.prompts(file, opts.out));
      // A stream output (/dev/null, /dev/stdout) gets no sidecar (lib/util/outputs.ts sidecar).
      const prov = sidecar(opts.out, provenancePath(opts.out));
      if (prov) outputs.declare(prov);
      const src = promptExamples(file, refine, opts, loadCorpus);
      const examples = src.examples;
      const rows = buildPrompts(examples, variant, { mode, eos: opts.eos });
      outputs.write(opts.out, toJsonl(rows));
      if (prov) outputs.write(prov, provenanceText({ variant: src.recorded, corpus: src.corpus, refined_here: src.refinedHere, prompt_variant: variant }));
      outputs.commit();
      info(`prompts: ${relative(process.cwd(), file)}${src.refinedHere ? ` (refined by ${refine.name})` : ""} → ${relative(process.cwd(), opts.out)}  ${rows.length} prompts (${variant}, ${mode})`);
      const dangling = danglingWarning(examples);
      if (dangling) info(`prompts: ${dangling}`);
      if (opts.quirks) printTable(quirkCounts(examples, [variant]));
    });
}
