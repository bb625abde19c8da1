import type { Command } from "commander";
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { loadCorpus } from "../../corpus/load";
import { ANSWERS, type Answer } from "../../corpus/schema";
import { isMode, isVariantName, MODES, VARIANT_NAMES } from "../../prompts/variants";
import { BACKENDS, type BackendName, type Scorer } from "../../infer/backend";
import { defaultRunsDir } from "../../infer/bundle";
import { compareMembers } from "../../infer/compare";
import { faithfulArgv, faithfulInputsPath, predictEntry, runFaithful, SOFTMAXES, softmaxOpt, writeFaithfulInputs, writeFaithfulMessages } from "../../infer/faithful";
import { PREDICT_SPLITS, prepareJob, type PredictJob, type PredictSplit } from "../../infer/job";
import { DEFAULT_BATCH_SIZE } from "../../infer/onnx";
import { DEFAULT_CONCURRENCY, LOGPROBS_VIA, type LogprobsVia } from "../../infer/openai";
import { accuracyOf, runScoring } from "../../infer/predict";
import { checkPredictionName, predictionInputs } from "../../infer/inputs";
import { loadMember, probsPath } from "../../ensemble/predictions";
import { shellLine } from "../../util/shell";
import { assertNotInput, writeFileAtomic } from "../../util/atomic";
import { sidecar } from "../../util/outputs";
import { filesUnder } from "../../util/protect";
import { UserError } from "../../util/errors";
import { info, progress } from "../../util/progress";
import { repoRoot } from "../../corpus/locate";
import { resolvePython } from "../../env/python";
import { readRunJson, selectRecipes } from "../../train/bundle";
import { gpusOption } from "../../train/queue";
import { runPredictJobs, stripOptions } from "../../infer/batch";
import { printTable } from "../../util/text-table";
import { addVariantOptions, describeVariant, variantFromOptions, variantRecord, type VariantOptions } from "../../variant/variant";
import { flagsTweakRules } from "../../variant/plan-corpus";
import { corpusRecord } from "../../variant/manifest";
import { provenancePath, provenanceText } from "../../variant/provenance";

interface PredictOpts extends VariantOptions {
  recipe?: string;
  variant?: string;
  tokenizer?: string;
  refined?: boolean;
  name?: string;
  backend: string;
  split: string;
  data?: string;
  results?: string;
  out?: string;
  runs?: string;
  url?: string;
  model?: string;
  concurrency: string;
  timeout: string;
  attempts: string;
  logprobsVia: string;
  modelDir?: string;
  batchSize?: string;
  device?: string;
  python?: string;
  gpus?: string;
  template?: string;
  dryRun?: boolean;
  tokenizeInPython?: boolean;
  softmax?: string;
  fresh?: boolean;
  compare?: string[];
  gold?: string;
  top: string;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: expected a positive integer, got "${v}"`);
  return n;
}

/** A day: longer is no timeout (and past 2^31 ms, setTimeout fires at once). */
const MAX_TIMEOUT_S = 86_400;

const rel = (p: string) => relative(process.cwd(), p) || ".";
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function printCompare(files: string[], opts: PredictOpts): void {
  if (files.length !== 2) throw new UserError(`--compare needs two prediction files, got ${files.length}`);
  const [a, b] = files.map((f) => loadMember(f)); // one clear line for a bad file before anything else
  const gold = opts.gold ? loadCorpus(opts.gold) : undefined;
  const c = compareMembers(a, b, { top: positiveInt("--top", opts.top), gold });
  info(`compare: ${c.a} vs ${c.b}: ${c.examples} examples, same answer on ${c.agree} (${pct(c.agreement)}), different on ${c.disagreements.length}`);
  if (c.accuracy) info(`compare: accuracy against ${rel(opts.gold!)}: ${c.a} ${pct(c.accuracy.a)}, ${c.b} ${pct(c.accuracy.b)}`);
  if (c.largest) {
    info(`compare: probability difference per example (largest of the three): max ${c.maxDiff!.toFixed(6)}, mean ${c.meanDiff!.toFixed(6)}`);
    printTable(
      c.largest.map((d) => ({ id: d.id, "max |Δp|": +d.diff.toFixed(6), [c.a]: `${d.a} [${d.probsA.map((p) => p.toFixed(4)).join(", ")}]`, [c.b]: `${d.b} [${d.probsB.map((p) => p.toFixed(4)).join(", ")}]` })),
    );
  } else {
    info("compare: no probabilities sidecar on one side (NAME.probs.json): answers only");
  }
  if (c.disagreements.length) info(`compare: different answers: ${c.disagreements.slice(0, 20).join(", ")}${c.disagreements.length > 20 ? ", …" : ""}`);
}

async function makeScorer(backend: BackendName, job: PredictJob, opts: PredictOpts): Promise<{ scorer: Scorer; fingerprint: Record<string, unknown> }> {
  const common = { name: job.name, split: job.split, prompts: job.promptsHash, answer_ids: job.answerIds };
  if (backend === "openai") {
    const { openaiScorer, serverUrl } = await import("../../infer/openai");
    const via = opts.logprobsVia as LogprobsVia;
    const model = opts.model ?? job.name;
    const scorer = openaiScorer({
      url: opts.url!,
      model,
      answerIds: job.answerIds,
      concurrency: positiveInt("--concurrency", opts.concurrency),
      timeoutMs: Number(opts.timeout) * 1000,
      maxAttempts: positiveInt("--attempts", opts.attempts),
      via,
      apiKey: process.env.OPENAI_API_KEY,
      onRetry: (id, attempt, reason) => info(`predict: ${id}: retry ${attempt} (${reason})`),
    });
    return { scorer, fingerprint: { backend, url: serverUrl(opts.url!).url, model, via, ...common } };
  }
  const { onnxScorer } = await import("../../infer/onnx");
  const scorer = await onnxScorer(opts.modelDir!, job.answerIds, { batchSize: positiveInt("--batch-size", opts.batchSize ?? String(DEFAULT_BATCH_SIZE)), device: opts.device });
  return { scorer, fingerprint: { backend, model_dir: rel(opts.modelDir!), ...common } };
}

/** `--template legacy` (the only value): the explicit form of the original's era fallback. */
export function templateOpt(v: string | undefined): "legacy" | undefined {
  if (v === undefined) return undefined;
  if (v !== "legacy") throw new UserError(`--template: expected legacy, got "${v}" (a folder's own template is always used when it has one)`);
  return "legacy";
}

/** The options every job shares, checked before any work (and once for a batch). */
async function checkOptions(opts: PredictOpts): Promise<void> {
  if (!(BACKENDS as readonly string[]).includes(opts.backend)) throw new UserError(`--backend: expected ${BACKENDS.join(", ")}, got "${opts.backend}"`);
  if (!(LOGPROBS_VIA as readonly string[]).includes(opts.logprobsVia)) throw new UserError(`--logprobs-via: expected ${LOGPROBS_VIA.join(" or ")}, got "${opts.logprobsVia}"`);
  if (opts.variant !== undefined && !isVariantName(opts.variant)) throw new UserError(`--variant: unknown variant "${opts.variant}" (one of: ${VARIANT_NAMES.join(", ")})`);
  // --mode/--prompt-mode are checked by variantFromOptions (lib/variant), with the other variant flags.
  checkPredictionName(opts.name);
  if (!(Number(opts.timeout) > 0 && Number(opts.timeout) <= MAX_TIMEOUT_S)) throw new UserError(`--timeout: expected a positive number of seconds up to ${MAX_TIMEOUT_S}, got "${opts.timeout}"`);
  const backend = opts.backend as BackendName;
  // What each backend needs, refused before seconds of prompt rendering.
  if (backend === "openai" && !opts.url) throw new UserError("--backend openai needs --url (e.g. http://localhost:8000/v1; `cci serve plan` prints the servers)");
  if (backend === "openai") (await import("../../infer/openai")).serverUrl(opts.url!); // a bad --url is one line now, not after the prompts
  if (backend === "onnx" && !opts.modelDir) throw new UserError("--backend onnx needs --model-dir DIR (an exported model: config.json + onnx/model.onnx)");
  if (backend === "faithful" && !opts.recipe) throw new UserError("--backend faithful scores a trained run bundle: pass --recipe NAME");
  if (opts.gpus !== undefined) gpusOption(opts.gpus);
}

/**
 * The recipes whose bundle exists in --runs. `--recipe all` runs those and names the missing in
 * one line; recipes named one by one must all exist (one line, exit 2, before any job starts).
 */
function planned(names: string[], opts: PredictOpts): string[] {
  const runsDir = opts.runs ?? defaultRunsDir();
  const missing = names.filter((n) => !existsSync(join(runsDir, n, "run.json")));
  if (missing.length === 0) return names;
  const all = opts.recipe!.split(",").some((p) => p.trim() === "all");
  if (!all || missing.length === names.length) throw new UserError(`no run bundle in ${rel(runsDir)} for: ${missing.join(", ")} (\`cci train plan\` makes them)`);
  info(`predict: ${missing.length} of ${names.length} recipes have no bundle in ${rel(runsDir)}, skipped: ${missing.join(", ")}`);
  return names.filter((n) => !missing.includes(n));
}

/** Several (recipe, split) jobs: each one an ordinary `cci predict`, queued over --gpus. */
async function predictMany(recipes: string[], splits: string[], opts: PredictOpts): Promise<void> {
  if (opts.out || opts.name) throw new UserError("--out and --name name one prediction file: give a single --recipe and --split with them");
  const gpus = gpusOption(opts.gpus);
  const jobs = recipes.flatMap((recipe) => splits.map((split) => ({ recipe, split })));
  // Dev before test for every recipe: the dev accuracy (and --compare) is the check before test is trusted.
  jobs.sort((a, b) => (a.split === b.split ? 0 : a.split === "dev" ? -1 : b.split === "dev" ? 1 : 0));
  info(`predict: ${jobs.length} job(s): ${recipes.length} recipe(s) × ${splits.join(", ")}${gpus ? ` on ${gpus.length} GPU(s)` : ", one after another"}`);
  const base = stripOptions(process.argv.slice(3), ["--recipe", "--split", "--gpus"]);
  const results = await runPredictJobs(process.argv[1], base, jobs, gpus);
  const failed = results.filter((r) => !r.ok);
  for (const r of results) info(`predict: ${r.recipe} ${r.split}: ${r.ok ? "ok" : `failed (${r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`}): ${r.last}`}`);
  if (failed.length) throw new UserError(`${failed.length} of ${results.length} prediction job(s) failed: ${failed.map((r) => `${r.recipe} ${r.split}`).join(", ")}`, 1);
}

async function runFaithfulBackend(job: PredictJob, opts: PredictOpts): Promise<void> {
  if (!job.bundle) throw new Error("faithful without a bundle: checked before the job was prepared");
  const inputs = faithfulInputsPath(job.bundle, job.split);
  if (opts.tokenizeInPython) writeFaithfulMessages(inputs, job.raw, job.spec);
  else writeFaithfulInputs(inputs, job.inputs);
  // Paths relative to the checkout, so the printed command also runs from the checkout on a GPU machine.
  const argv = faithfulArgv({ entry: rel(predictEntry(job.bundle)), bundle: rel(job.bundle.dir), inputs: rel(inputs), baseFile: rel(job.baseFile), out: rel(job.out), answerIds: job.answerIds, device: opts.device, fresh: opts.fresh, batchSize: opts.batchSize === undefined ? 1 : positiveInt("--batch-size", opts.batchSize), softmax: softmaxOpt(opts.softmax) });
  info(`predict: faithful: ${job.inputs.length} prompts${opts.tokenizeInPython ? " (chat messages, tokenized by predict.py)" : ""} → ${rel(inputs)}`);
  // The same interpreter rule as `cci train launch`: --python (relative to here), else the
  // bundle engine's environment (lib/env/engines.ts: fast runs in .venv-modern), else python3.
  const { python } = resolvePython(opts.python, readRunJson(job.bundle.dir).engine, repoRoot());
  if (opts.dryRun) {
    info("predict: --dry-run: run this from the same folder of the checkout, on the machine with the engine's stack and a GPU (HF_TOKEN from the environment for gated bases):");
    console.log(shellLine([python, ...argv]));
    return;
  }
  await runFaithful(python, argv, { checkOnly: true });
  await runFaithful(python, argv);
}

/** `{name}.provenance.json` beside the prediction: the variant and the corpus file it answers. */
function writeJobProvenance(job: PredictJob, backend: string): void {
  const corpus = corpusRecord(dirname(job.baseFile), [job.baseFile]);
  const prov = { variant: variantRecord(job.refineVariant), corpus, recipe: job.bundle ? job.name : null, prompt_variant: job.spec.variant, data: job.spec.data, mode: job.spec.mode, backend };
  // A stream output (/dev/null, /dev/stdout) gets no sidecar.
  const path = sidecar(job.out, provenancePath(job.out));
  if (path) writeFileAtomic(path, provenanceText(prov));
}

function report(job: PredictJob, answers: readonly Answer[], extra = ""): void {
  const counts = ANSWERS.map((a) => answers.filter((x) => x === a).length);
  info(`predict: ${job.name} on ${job.split}: ${answers.length} examples${extra} → ${rel(job.out)} (+ .probs.json); answers A/B/C ${counts.join("/")}`);
  const acc = accuracyOf(job.raw, answers);
  if (acc) info(`predict: ${job.split} accuracy ${pct(acc.estimate)} (95 % bootstrap interval ${pct(acc.low)}–${pct(acc.high)}, n = ${acc.n})`);
}

export function register(program: Command): void {
  const cmd = program
    .command("predict")
    .summary("score a recipe (or a variant) with the original's A/B/C rule → prediction file + probabilities")
    .description(
      [
        "Score every example of a split by the original's rule (SPEC §7): the",
        "prompt's token ids, the logits of A, B, C at the last position, softmax",
        "over the three, argmax (exact ties → A). Writes the raw split file with",
        "outputs filled (Python json.dump bytes) to",
        "resource/results/predictions/{name}.json (dev: predictions/dev/), and the",
        "{name}.probs.json sidecar that `cci vote --method soft` and notebook 06 read.",
        "",
        "Backends:",
        "  faithful  the original's stack on a GPU: lib/infer/python/predict.py",
        "            (batch 1, 4-bit where the recipe says) on the bundle's adapter;",
        "            --dry-run prints the command instead",
        "  openai    an OpenAI-compatible /v1/completions server, e.g. vLLM with",
        "            all adapters of a base (`cci serve plan`); journaled, so a",
        "            killed run resumes without rescoring",
        "  onnx      an exported (merged) model folder on onnxruntime, batched",
        "",
        "--compare A.json B.json: agreement of two prediction files and their",
        "largest probability differences (e.g. vLLM against faithful on dev).",
      ].join("\n"),
    )
    .option("--recipe <which>", "a recipe with a run bundle in --runs (variant, data, mode, tokenizer from its run.json): a name, a number 1–11, a comma-separated list, or all")
    .option("--variant <name>", `without a recipe: prompt variant (${VARIANT_NAMES.join(", ")})`)
    .option("--tokenizer <dir>", "tokenizer folder (default with --recipe: the bundle's adapter/)")
    .option("--mode <mode>", `without a recipe: prompt mode, ${MODES.join(" or ")} (alias of --prompt-mode)`)
    .option("--refined", "without a recipe: render prompts from the refined split (as recipes on refined data)")
    .option("--name <name>", "without a recipe: prediction name (default: the variant)")
    .option("--backend <name>", BACKENDS.join(" | "), "faithful")
    .option("--split <split>", `${PREDICT_SPLITS.join(" | ")}, or several comma-separated (dev,test)`, "test")
    .option("--data <dir>", "corpus folder with {split}.json (default: resource/data, else the bundled sample)")
    .option("--results <dir>", "results folder (default: the workspace's resource/results)")
    .option("--out <file>", "prediction file (default: {results}/predictions[/dev]/{name}.json)")
    .option("--runs <dir>", "run bundles folder (default: resource/runs)")
    .option("--url <url>", "openai: server base URL, e.g. http://localhost:8000/v1")
    .option("--model <name>", "openai: served model (default: the recipe / prediction name, as `cci serve plan` names adapters)")
    .option("--concurrency <n>", "openai: requests in flight", String(DEFAULT_CONCURRENCY))
    .option("--timeout <seconds>", "openai: per-request timeout", "120")
    .option("--attempts <n>", "openai: attempts per request (retries on 429, 5xx, timeouts, dropped connections)", "8")
    .option("--logprobs-via <how>", `openai: ${LOGPROBS_VIA.join(" | ")}`, "logprob_token_ids")
    .option("--model-dir <dir>", "onnx: exported model folder (config.json + onnx/model.onnx)")
    .option("--batch-size <n>", `prompts per forward pass, left-padded: faithful default 1 (the original), onnx default ${DEFAULT_BATCH_SIZE}`)
    .option("--device <device>", "onnx: cpu | cuda; faithful: device_map (default cuda:0)")
    .option("--python <path>", "faithful: the Python with the engine's stack (default: the engine's environment from `cci env create`, .venv-modern for modern and fast, else python3); relative to the current folder")
    .option("--template <which>", "legacy: a tokenizer folder without a chat template renders with transformers 4.41's class default, as the original did (without it such a folder is refused)")
    .option("--gpus <list>", "with several recipes/splits: one job per GPU at a time (CUDA_VISIBLE_DEVICES), e.g. 0,1,2,3")
    .option("--dry-run", "faithful: write the prompts and print the command instead of running it")
    .option("--softmax <which>", `faithful: which softmax decides the answer: ${SOFTMAXES.join(" | ")} (default bf16, the original's: ties made by bf16 rounding go to A; the sidecar holds float64 either way)`)
    .option("--tokenize-in-python", "faithful: send chat messages; predict.py applies the chat template itself, as the original")
    .option("--fresh", "ignore (delete) the journal of an interrupted run instead of resuming it")
    .option("--compare <files...>", "compare two prediction files (agreement, largest probability differences)")
    .option("--gold <file>", "with --compare: a labelled split for each side's accuracy")
    .option("--top <n>", "with --compare: how many of the largest differences to list", "10");
  addVariantOptions(cmd, { prompts: true });
  cmd.action(async (opts: PredictOpts) => {
      if (opts.compare) return printCompare(opts.compare, opts);
      if (opts.recipe !== undefined) {
        const picked = selectRecipes(opts.recipe);
        // Each split once: `--split dev,dev` is one job, not two writers of one file.
        const splits = [...new Set(opts.split.split(",").map((x) => x.trim()).filter(Boolean))];
        const badSplit = splits.find((x) => !(PREDICT_SPLITS as readonly string[]).includes(x));
        if (badSplit !== undefined || splits.length === 0) throw new UserError(`--split: expected ${PREDICT_SPLITS.join(" or ")} (comma-separated for several), got "${opts.split}"`);
        if (picked.length > 1 || splits.length > 1 || opts.gpus !== undefined) {
          // Checked once here (exit 2), not as one failure per child job.
          await checkOptions(opts);
          return predictMany(planned(picked.map((p) => p.recipe.name), opts), splits, opts);
        }
        opts.recipe = picked[0].recipe.name; // a number names its recipe
      }
      if (!(PREDICT_SPLITS as readonly string[]).includes(opts.split)) throw new UserError(`--split: expected ${PREDICT_SPLITS.join(" or ")}, got "${opts.split}"`);
      await checkOptions(opts);
      // Variant flags: without a recipe they choose the rules (--refined) and prompt mode; with one they must match its bundle's.
      const anyVariantFlag = flagsTweakRules(opts) || opts.promptMode !== undefined || opts.mode !== undefined;
      const refine = anyVariantFlag ? variantFromOptions(opts) : undefined;
      const backend = opts.backend as BackendName;
      const split = opts.split as PredictSplit;
      const job = await prepareJob({
        recipe: opts.recipe,
        variant: opts.variant as never,
        mode: refine?.prompts,
        refine,
        data: opts.refined ? "refined" : "raw",
        tokenizer: opts.tokenizer,
        name: opts.name,
        split,
        dataDir: opts.data,
        resultsDir: opts.results,
        out: opts.out,
        runsDir: opts.runs ?? defaultRunsDir(),
        template: templateOpt(opts.template),
      });
      // The exported model (--model-dir) is read too: no output may land on its files.
      const reads = [...predictionInputs(job), ...filesUnder(opts.modelDir)];
      for (const out of [job.out, sidecar(job.out, probsPath(job.out))]) if (out) assertNotInput(out, reads);
      info(`predict: ${job.name}: ${job.spec.variant} (${job.spec.mode}, ${job.spec.data} data) on ${rel(job.baseFile)}, tokenizer ${rel(job.tokenizerDir)}, A/B/C = ${job.answerIds.join("/")}`);
      info(`predict: variant ${describeVariant(job.refineVariant)}${job.spec.data === "raw" ? " (raw data: its rules are not applied)" : ""}`);
      const prov = sidecar(job.out, provenancePath(job.out));
      if (prov) assertNotInput(prov, reads);
      if (job.checkedAgainstTraining)
        info(
          job.checkedSplit === split
            ? `predict: ${job.checkedAgainstTraining} prompts identical to the bundle's training data (data/${split}.tokens.jsonl)`
            : `predict: ${job.checkedAgainstTraining} ${job.checkedSplit} prompts rendered by this tokenizer identical to the bundle's training data (data/${job.checkedSplit}.tokens.jsonl)`,
        );
      if (backend === "faithful") {
        await runFaithfulBackend(job, opts);
        if (!opts.dryRun) {
          writeJobProvenance(job, "faithful");
          report(job, loadMember(job.out).examples.map((e) => e.output as Answer), " (faithful)");
        }
        return;
      }
      const { scorer, fingerprint } = await makeScorer(backend, job, opts);
      info(`predict: ${scorer.describe}`);
      const bar = progress(`predict ${job.name}`, job.inputs.length);
      try {
        const r = await runScoring({ name: job.name, raw: job.raw, inputs: job.inputs, out: job.out, fingerprint }, scorer, { fresh: opts.fresh, onScored: () => bar.tick() });
        bar.done();
        writeJobProvenance(job, backend);
        const rate = r.scored > 0 && r.seconds > 0 ? `, ${(r.scored / r.seconds).toFixed(2)} examples/s` : "";
        report(job, r.answers, ` (scored ${r.scored}${r.resumed ? `, resumed ${r.resumed} from the journal` : ""} in ${r.seconds.toFixed(1)} s${rate})`);
        if (job.bundle) {
          const record = { name: job.name, split, backend, fingerprint, out: rel(job.out), examples: job.inputs.length, seconds: +r.seconds.toFixed(3), date: new Date().toISOString() };
          writeFileAtomic(`${faithfulInputsPath(job.bundle, split).replace(/\.inputs\.jsonl$/, "")}.${backend}.run.json`, `${JSON.stringify(record, null, 2)}\n`);
        }
      } finally {
        bar.done();
        await scorer.close?.();
      }
    });
}
