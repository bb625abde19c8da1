import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeCorpus } from "../lib/corpus/write";
import { SYS_DEFAULT, buildPrompt, type Prompt } from "../lib/prompts";
import {
  CHATML_TEMPLATE,
  IGNORE_INDEX,
  answerTokenIds,
  encodePrompt,
  encodeText,
  legacyTemplateName,
  llama2Template,
  loadTokenizer,
  promptText,
  renderChat,
  sftExamples,
} from "../lib/tokenize";
import { UserError } from "../lib/util/errors";
import { example } from "./helpers/corpus";
import { editJson, tinyTokenizerDir } from "./fixtures/tokenizers";

const ex = example([[1, "안녕하세요"], [2, "네 반가워요"], [1, "내일 봐요"]], [2], { category: "동기" }, "inference_2");
const prompt = buildPrompt(ex, "CustomRefDataset");
const baseline = buildPrompt(ex, "Baseline");
/** Every character the prompts use, so nothing maps to <unk>. */
const TEXTS = [prompt, baseline, buildPrompt(ex, "SystemRefOfficialTermDataset")].flatMap((p: Prompt) => [...p.messages.map((m) => m.content), p.target]);

/** `--template legacy`: these tiny folders have no chat template of their own. */
const LEGACY = { template: "legacy" } as const;
const llamaDir = tinyTokenizerDir({ texts: TEXTS, tokenizerClass: "LlamaTokenizer" });
const chatmlDir = tinyTokenizerDir({ texts: TEXTS, tokenizerClass: "PreTrainedTokenizerFast", chatTemplate: CHATML_TEMPLATE.replace("<|im_start|>assistant\n", "<|im_start|>assistant\n### ") });

describe("chat templates", () => {
  it("a Llama tokenizer without chat_template falls back to the Llama-2 default of transformers 4.41", async () => {
    const tok = await loadTokenizer(llamaDir, LEGACY);
    expect(tok.templateSource).toBe("legacy default (llama2)");
    const user = prompt.messages[1].content;
    expect(promptText(tok, prompt)).toBe(`<s>[INST] <<SYS>>\n${SYS_DEFAULT}\n<</SYS>>\n\n${user.trim()} [/INST]`);
  });

  it("the Llama-2 default has no generation-prompt branch: with or without it, the same text", async () => {
    const tok = await loadTokenizer(llamaDir, LEGACY);
    expect(llama2Template()).not.toContain("add_generation_prompt");
    const without = renderChat(tok.chatTemplate, prompt.messages, { bos_token: "<s>", eos_token: "</s>" }, false);
    expect(without).toBe(promptText(tok, prompt));
  });

  it("the Llama-2 default strips each turn's whole content (system block included) and closes assistant turns with eos", () => {
    const text = renderChat(
      llama2Template(),
      [
        { role: "system", content: " sys " },
        { role: "user", content: "  hi  " },
        { role: "assistant", content: " A. x " },
        { role: "user", content: "again" },
      ],
      { bos_token: "<s>", eos_token: "</s>" },
    );
    expect(text).toBe("<s>[INST] <<SYS>>\n sys \n<</SYS>>\n\n  hi [/INST] A. x </s><s>[INST] again [/INST]");
  });

  it("use_default_system_prompt puts Llama's default system prompt in when none is given", () => {
    const text = renderChat(llama2Template(true), [{ role: "user", content: "hi" }], { bos_token: "<s>" });
    expect(text.startsWith("<s>[INST] <<SYS>>\nYou are a helpful, respectful and honest assistant. Always answer")).toBe(true);
    expect(text).toContain("positive in nature.\n\nIf a question does not make any sense");
    expect(text.endsWith("If you don't know the answer to a question, please don't share false information.\n<</SYS>>\n\nhi [/INST]")).toBe(true);
    expect(renderChat(llama2Template(false), [{ role: "user", content: "hi" }], { bos_token: "<s>" })).toBe("<s>[INST] hi [/INST]");
  });

  it("roles that do not alternate are refused, as transformers' raise_exception", () => {
    expect(() => renderChat(llama2Template(), [{ role: "user", content: "a" }, { role: "user", content: "b" }], { bos_token: "<s>" })).toThrow(/alternate/);
  });

  it("a chat_template in tokenizer_config.json is used as it is, with the generation prompt", async () => {
    const tok = await loadTokenizer(chatmlDir);
    expect(tok.templateSource).toBe("tokenizer_config");
    const text = promptText(tok, prompt);
    expect(text.startsWith(`<|im_start|>system\n${SYS_DEFAULT}<|im_end|>\n<|im_start|>user\n[Conversation]`)).toBe(true);
    expect(text.endsWith("<|im_end|>\n<|im_start|>assistant\n### ")).toBe(true);
  });

  const classes: Record<string, { input: string | undefined; expected: string }> = {
    LlamaTokenizerFast: { input: "LlamaTokenizerFast", expected: "llama2" },
    CodeLlamaTokenizer: { input: "CodeLlamaTokenizer", expected: "llama2" },
    GPT2TokenizerFast: { input: "GPT2TokenizerFast", expected: "gpt2" },
    "PreTrainedTokenizerFast (no default of its own)": { input: "PreTrainedTokenizerFast", expected: "chatml" },
    "no tokenizer_class": { input: undefined, expected: "chatml" },
  };
  for (const [name, { input, expected }] of Object.entries(classes)) {
    it(`legacy default for ${name}: ${expected}`, () => expect(legacyTemplateName(input)).toBe(expected));
  }

  it("chat_template.jinja (how transformers >= 4.43 saves it) wins over the config; chat_template.json is read too", async () => {
    const jinja = "{% for m in messages %}<<{{ m.role }}>>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<<assistant>>{% endif %}";
    const dir = tinyTokenizerDir({ texts: TEXTS, tokenizerClass: "PreTrainedTokenizerFast" });
    writeFileSync(join(dir, "chat_template.jinja"), jinja);
    const tok = await loadTokenizer(dir);
    expect(tok.templateSource).toBe("chat_template.jinja");
    expect(promptText(tok, prompt).startsWith(`<<system>>${SYS_DEFAULT}<<user>>[Conversation]`)).toBe(true);
    const dir2 = tinyTokenizerDir({ texts: TEXTS, tokenizerClass: "PreTrainedTokenizerFast" });
    writeFileSync(join(dir2, "chat_template.json"), JSON.stringify({ chat_template: jinja }));
    const tok2 = await loadTokenizer(dir2);
    expect(tok2.templateSource).toBe("chat_template.json");
    expect(promptText(tok2, prompt)).toBe(promptText(tok, prompt));
  });

  it("no template of its own: refused in one line naming --template legacy, which gives the 4.41 class default", async () => {
    const dir = tinyTokenizerDir({ texts: TEXTS });
    await expect(loadTokenizer(dir)).rejects.toThrow(UserError);
    await expect(loadTokenizer(dir)).rejects.toThrow(/: no chat template \(no chat_template\.jinja, chat_template\.json or tokenizer_config\.json entry\); add --template legacy to render with transformers 4\.41's default for PreTrainedTokenizerFast \(chatml\), as the original did/);
    const tok = await loadTokenizer(dir, { template: "legacy" });
    expect(tok.templateSource).toBe("legacy default (chatml)");
    // A folder with its own template never needs the flag, and the flag never overrides it.
    expect((await loadTokenizer(chatmlDir)).templateSource).toBe("tokenizer_config");
    expect((await loadTokenizer(chatmlDir, { template: "legacy" })).chatTemplate).toBe((await loadTokenizer(chatmlDir)).chatTemplate);
  });

  it("a class without a default of its own and no template gets ChatML with the generation prompt", async () => {
    const tok = await loadTokenizer(tinyTokenizerDir({ texts: TEXTS }), LEGACY);
    expect(tok.templateSource).toBe("legacy default (chatml)");
    expect(promptText(tok, prompt).endsWith("<|im_start|>assistant\n")).toBe(true);
  });
});

describe("input_ids and labels", () => {
  it("input_ids = source ++ target, labels = -100 over the source ++ target", async () => {
    const tok = await loadTokenizer(llamaDir, LEGACY);
    const enc = encodePrompt(tok, ex.id, prompt);
    const source = tok.tokenizer.apply_chat_template(prompt.messages, { chat_template: tok.chatTemplate, add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false }) as number[];
    const target = encodeText(tok, "B. 화자2는 배가 고프다.</s>");
    expect(enc.sourceLength).toBe(source.length);
    expect(enc.input_ids).toEqual([...source, ...target]);
    expect(enc.labels).toEqual([...source.map(() => IGNORE_INDEX), ...target]);
  });

  it("the template's own <s> is the only bos (no special tokens added), the target ends in one eos id", async () => {
    const tok = await loadTokenizer(llamaDir, LEGACY);
    const enc = encodePrompt(tok, ex.id, prompt);
    const bos = tok.tokenizer.bos_token_id!;
    const eos = tok.tokenizer.eos_token_id!;
    expect(enc.input_ids[0]).toBe(bos);
    expect(enc.input_ids.filter((i) => i === bos)).toHaveLength(1);
    expect(enc.input_ids.at(-1)).toBe(eos);
    expect(enc.input_ids.at(-2)).not.toBe(eos);
    // With special tokens, this tokenizer would add a bos of its own: the rule matters.
    expect(tok.tokenizer.encode("x")[0]).toBe(bos);
  });

  it("the Baseline's faithful target ends in two eos ids, the fixed one in one", async () => {
    const tok = await loadTokenizer(llamaDir, LEGACY);
    const eos = tok.tokenizer.eos_token_id!;
    const faithful = encodePrompt(tok, ex.id, baseline).input_ids;
    const fixed = encodePrompt(tok, ex.id, buildPrompt(ex, "Baseline", { mode: "fixed" })).input_ids;
    expect(faithful.slice(-2)).toEqual([eos, eos]);
    expect(fixed.slice(-2)[0]).not.toBe(eos);
    expect(fixed.at(-1)).toBe(eos);
  });

  it("a hidden answer gives no target tokens and an all -100 label row", async () => {
    const tok = await loadTokenizer(llamaDir, LEGACY);
    const enc = encodePrompt(tok, "t", buildPrompt({ ...ex, output: "" }, "CustomRefDataset"));
    expect(enc.input_ids).toHaveLength(enc.sourceLength);
    expect(enc.labels.every((l) => l === IGNORE_INDEX)).toBe(true);
  });

  it("the target's eos is the tokenizer's eos_token", async () => {
    const dir = tinyTokenizerDir({ texts: TEXTS, eos: "<|end|>", tokenizerClass: "LlamaTokenizer" });
    const tok = await loadTokenizer(dir, LEGACY);
    const { rows } = sftExamples(tok, [ex], "CustomRefDataset");
    expect(rows[0].input_ids.at(-1)).toBe(tok.tokenizer.eos_token_id);
    expect(tok.eosToken).toBe("<|end|>");
  });
});

describe("the length rule (skip when the prompt is longer than model_max_length)", () => {
  const long = example([[1, "안녕하세요 ".repeat(40)], [2, "네 반가워요"]], [1], {}, "inference_1");
  const short = example([[1, "안녕하세요"], [2, "네"]], [0], {}, "inference_3");

  it("drops the longer prompt, keeps a prompt exactly at the limit, and says why", async () => {
    const probe = await loadTokenizer(tinyTokenizerDir({ texts: TEXTS, tokenizerClass: "LlamaTokenizer" }), LEGACY);
    const shortLength = encodePrompt(probe, short.id, buildPrompt(short, "CustomRefDataset")).sourceLength;
    const tok = await loadTokenizer(tinyTokenizerDir({ texts: TEXTS, tokenizerClass: "LlamaTokenizer", modelMaxLength: shortLength }), LEGACY);
    const result = sftExamples(tok, [long, short], "CustomRefDataset");
    expect(result.rows.map((r) => r.id)).toEqual([short.id]);
    expect(result.texts.map((r) => r.id)).toEqual([short.id]);
    expect(result.dropped).toHaveLength(1);
    expect(result.dropped[0]).toMatchObject({ id: long.id, category: "원인", limit: shortLength });
    expect(result.dropped[0].promptTokens).toBeGreaterThan(shortLength);
    expect(result.dropped[0].reason).toMatch(/longer than model_max_length/);
  });

  it("eval mode (no rule) keeps everything; --max-length overrides the tokenizer's limit", async () => {
    const tok = await loadTokenizer(tinyTokenizerDir({ texts: TEXTS, tokenizerClass: "LlamaTokenizer", modelMaxLength: 10 }), LEGACY);
    expect(sftExamples(tok, [long, short], "CustomRefDataset", { lengthRule: false }).rows).toHaveLength(2);
    expect(sftExamples(tok, [long, short], "CustomRefDataset").rows).toHaveLength(0);
    expect(sftExamples(tok, [long, short], "CustomRefDataset", { maxLength: 100_000 }).rows).toHaveLength(2);
  });

  it("no model_max_length means no limit, as transformers' very large default", async () => {
    const dir = tinyTokenizerDir({ texts: TEXTS });
    editJson(dir, "tokenizer_config.json", (c) => delete c.model_max_length);
    const tok = await loadTokenizer(dir, LEGACY);
    expect(tok.modelMaxLength).toBe(Infinity);
    expect(sftExamples(tok, [long, short], "CustomRefDataset").dropped).toHaveLength(0);
  });
});

describe("answer token ids", () => {
  it("are the ids of the tokens whose string is exactly A, B, C", async () => {
    const tok = await loadTokenizer(llamaDir, LEGACY);
    const ids = answerTokenIds(tok);
    expect(ids).toEqual({ A: tok.tokenizer.convert_tokens_to_ids("A"), B: tok.tokenizer.convert_tokens_to_ids("B"), C: tok.tokenizer.convert_tokens_to_ids("C") });
    expect(new Set(Object.values(ids)).size).toBe(3);
  });

  it("a vocabulary without C is refused with one line", async () => {
    const dir = tinyTokenizerDir({ texts: TEXTS });
    editJson(dir, "tokenizer.json", (t) => {
      const id = t.model.vocab.C;
      delete t.model.vocab.C;
      t.model.vocab["▁C"] = id;
    });
    const tok = await loadTokenizer(dir, LEGACY);
    expect(() => answerTokenIds(tok)).toThrow(/no token "C"/);
  });
});

describe("loading", () => {
  it("refuses a missing folder or a folder without tokenizer.json, naming the file", async () => {
    await expect(loadTokenizer("/nonexistent/tok")).rejects.toThrow(UserError);
    const dir = tinyTokenizerDir();
    rmSync(join(dir, "tokenizer.json"));
    await expect(loadTokenizer(dir)).rejects.toThrow(/missing tokenizer\.json/);
  });

  it("refuses a config that is not JSON", async () => {
    const dir = tinyTokenizerDir();
    require("node:fs").writeFileSync(join(dir, "tokenizer_config.json"), "{oops");
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer_config\.json: not valid JSON/);
  });
});

describe("cci export-sft and cci prompts", () => {
  const CCI = resolve(__dirname, "..", "lib", "cli", "cci.mjs");
  const cci = (...args: string[]) => spawnSync(process.execPath, [CCI, ...args], { encoding: "utf8", cwd: resolve(__dirname, "..") });
  const work = () => mkdtempSync(join(tmpdir(), "cci-sft-"));
  const corpus = (dir: string) => {
    const path = join(dir, "in.json");
    writeCorpus(path, [ex, { ...ex, id: "test-x", output: "" }]);
    return path;
  };
  const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

  it("with a tokenizer: token rows, the text form and the config beside OUT", () => {
    const dir = work();
    // A folder without a chat template: one line naming the remedy, nothing written.
    const refused = cci("export-sft", "--variant", "Baseline", "--tokenizer", llamaDir, corpus(dir), "--out", join(dir, "out.jsonl"));
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^cci: .*: no chat template .*; add --template legacy to render with transformers 4\.41's default for LlamaTokenizer \(llama2\)/);
    expect(existsSync(join(dir, "out.jsonl")) || existsSync(join(dir, "out.text.jsonl")) || existsSync(join(dir, "out.config.json"))).toBe(false);
    expect(cci("export-sft", "--variant", "Baseline", "--tokenizer", llamaDir, "--template", "chatml", corpus(dir), "--out", join(dir, "out.jsonl")).stderr).toMatch(/--template chatml: with --tokenizer only legacy/);
    const r = cci("export-sft", "--variant", "Baseline", "--tokenizer", llamaDir, "--template", "legacy", corpus(dir), "--out", join(dir, "out.jsonl"));
    expect(r.status, r.stderr).toBe(0);
    const rows = lines(join(dir, "out.jsonl"));
    expect(rows.map((x) => Object.keys(x))).toEqual([["id", "input_ids", "labels"], ["id", "input_ids", "labels"]]);
    const texts = lines(join(dir, "out.text.jsonl"));
    expect(texts[0]).toMatchObject({ id: ex.id, completion: "B. 화자2는 배가 고프다.</s></s>" });
    expect(texts[0].prompt.startsWith("<s>[INST] <<SYS>>\n")).toBe(true);
    expect(texts[1].completion).toBe("</s>");
    const config = JSON.parse(readFileSync(join(dir, "out.config.json"), "utf8"));
    expect(config).toMatchObject({ variant: "Baseline", mode: "faithful", eos: "</s>", written: 2, dropped: [], template: { source: "legacy default (llama2)" } });
    expect(config.tokenizer.answer_token_ids).toEqual(expect.objectContaining({ A: expect.any(Number) }));
  });

  it("without a tokenizer: the text form (Llama-2 template by default) and the config, no token rows", () => {
    const dir = work();
    const r = cci("export-sft", "--variant", "CustomRefDataset", "--mode", "fixed", corpus(dir), "--out", join(dir, "out.jsonl"));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, "out.jsonl"))).toBe(false);
    const texts = lines(join(dir, "out.text.jsonl"));
    expect(texts[0].prompt).toContain("위 대화의 특정 발화인 `Utterance References`에 대한 동기로 올바른 지문은? ".trim());
    expect(texts[0].prompt.endsWith(" [/INST]")).toBe(true);
    const r2 = cci("export-sft", "--variant", "CustomRefDataset", "--template", "chatml", corpus(dir), "--out", join(dir, "c.jsonl"));
    expect(r2.status, r2.stderr).toBe(0);
    expect(lines(join(dir, "c.text.jsonl"))[0].prompt.endsWith("<|im_start|>assistant\n")).toBe(true);
  });

  it("bad input ends in one line and a non-zero exit", () => {
    const dir = work();
    const bad = [
      { args: ["export-sft", "--variant", "Nope", corpus(dir), "--out", join(dir, "o.jsonl")], expected: /unknown variant "Nope"/ },
      { args: ["export-sft", "--variant", "Baseline", "--mode", "exact", corpus(dir), "--out", join(dir, "o.jsonl")], expected: /--mode: expected faithful or fixed/ },
      { args: ["export-sft", "--variant", "Baseline", "--tokenizer", join(dir, "none"), corpus(dir), "--out", join(dir, "o.jsonl")], expected: /no such tokenizer folder/ },
      { args: ["export-sft", "--variant", "Baseline", "--max-length", "0", corpus(dir), "--out", join(dir, "o.jsonl")], expected: /--max-length: expected a positive integer/ },
      { args: ["prompts", "--variant", "Baseline", corpus(dir), "--out", join(dir, "in.json")], expected: /refusing to write over the input/ },
      { args: ["prompts", corpus(dir), "--out", join(dir, "o.jsonl")], expected: /--variant is required/ },
    ];
    for (const { args, expected } of bad) {
      const r = cci(...args);
      expect(r.status, args.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("cci prompts writes one Python-json object per line", () => {
    const dir = work();
    const r = cci("prompts", "--variant", "CustomRefInstructionDataset", "--eos", "<eos>", corpus(dir), "--out", join(dir, "p.jsonl"));
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(join(dir, "p.jsonl"), "utf8");
    expect(text.startsWith('{"id": "')).toBe(true);
    expect(lines(join(dir, "p.jsonl"))[0]).toEqual({ id: ex.id, ...buildPrompt(ex, "CustomRefInstructionDataset", { eos: "<eos>" }) });
  });
});
