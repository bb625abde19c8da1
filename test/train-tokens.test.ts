import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECIPES } from "../lib/train/recipes";
import { cci, cleanTemp, LLAMA3, readJson, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);

const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const py = (code: string, cwd: string) => spawnSync("python3", ["-c", code], { encoding: "utf8", cwd });

describe("a bundle with the real Llama-3 tokenizer (sample corpus)", () => {
  let runs: string;
  let dir: string;
  let plan: ReturnType<typeof cci>;
  beforeAll(() => {
    runs = join(tempDir(), "runs");
    dir = join(runs, RECIPES[7].name);
    plan = cci(["train", "plan", "--recipe", "8", "--out", runs, "--data", SAMPLE, "--tokenizer", LLAMA3, "--engine", "trl"]);
  });

  it("records the tokenizer's files and counts tokens with it", () => {
    expect(plan.status, plan.stderr).toBe(0);
    const run = readJson(join(dir, "run.json"));
    expect(run.tokenizer.files).toEqual({ "tokenizer.json": sha(join(LLAMA3, "tokenizer.json")), "tokenizer_config.json": sha(join(LLAMA3, "tokenizer_config.json")) });
    expect(run.eos).toBe("<|end_of_text|>");
    expect(run.splits.train).toMatchObject({ rows: 30, kept: 30, dropped: [], tokens: "tokenizer" });
    expect(readJson(join(dir, "compute.json")).counted).toBe("tokenizer");
    expect(plan.stderr).not.toMatch(/token counts are estimates/);
  });

  it("writes the token rows `cci export-sft` writes for the same variant", () => {
    const out = join(tempDir(), "sft.jsonl");
    const e = cci(["export-sft", "--variant", "CustomRefDataset", "--tokenizer", LLAMA3, join(SAMPLE, "train.json"), "--out", out]);
    expect(e.status, e.stderr).toBe(0);
    expect(readFileSync(join(dir, "data", "train.tokens.jsonl"), "utf8")).toBe(readFileSync(out, "utf8"));
  });

  it("gives the trl engine the same ids with the prompt masked out of the loss", () => {
    const tokens = readFileSync(join(dir, "data", "train.tokens.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const trl = readFileSync(join(dir, "data", "trl", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(trl.map((r) => r.input_ids)).toEqual(tokens.map((t) => t.input_ids));
    expect(trl.map((r) => r.completion_mask)).toEqual(tokens.map((t) => t.labels.map((l: number) => (l === -100 ? 0 : 1))));
    expect(readFileSync(join(dir, "README.md"), "utf8")).toMatch(/the supplied ids are the original's/);
  });

  it("passes train.py --check, which validates ids and label masks", () => {
    const c = spawnSync("python3", [join(dir, "train.py"), "--check"], { encoding: "utf8" });
    expect(c.status, c.stderr).toBe(0);
  });

  it("--check names the row whose prompt is not masked", () => {
    const p = join(dir, "data", "dev.tokens.jsonl");
    const before = readFileSync(p, "utf8");
    const lines = before.trimEnd().split("\n").map((l) => JSON.parse(l));
    lines[2].labels[0] = lines[2].input_ids[0];
    writeFileSync(p, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const runPath = join(dir, "run.json");
    const runBefore = readFileSync(runPath, "utf8");
    const run = JSON.parse(runBefore);
    run.files["data/dev.tokens.jsonl"] = sha(p);
    writeFileSync(runPath, JSON.stringify(run));
    const c = spawnSync("python3", [join(dir, "train.py"), "--check"], { encoding: "utf8" });
    writeFileSync(p, before);
    writeFileSync(runPath, runBefore);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/data\/dev\.tokens\.jsonl: line 3: labels: the prompt is not masked/);
  });

  it("the training path's comparison names the first example whose ids differ", () => {
    // train.py imports nothing heavy at module level, so its helpers load with the standard library.
    const code = [
      "import json, train",
      "rows = train.read_jsonl(train.Path('data/train.tokens.jsonl'))",
      "mine = json.loads(json.dumps(rows))",
      "print(train.first_difference(mine, rows))",
      "mine[4]['input_ids'][7] += 1",
      "print(train.first_difference(mine, rows))",
      "print(train.first_difference(mine[:-1], rows[:-1]) is not None, train.first_difference(rows[:-1], rows))",
    ].join("\n");
    const r = py(code, dir);
    expect(r.status, r.stderr).toBe(0);
    const [same, diff, short] = r.stdout.trim().split("\n");
    const id5 = readFileSync(join(dir, "data", "train.tokens.jsonl"), "utf8").split("\n")[4];
    expect(same).toBe("None");
    expect(diff).toBe(`example ${JSON.parse(id5).id}: input_ids differ at position 7 (here ${JSON.parse(id5).input_ids.length} tokens, bundled ${JSON.parse(id5).input_ids.length})`);
    expect(short).toBe("True 29 examples kept here, 30 bundled");
  });

  it("the training path tokenizes as SPEC §5 and applies the length rule", () => {
    // A stand-in tokenizer with the two calls train.py makes: the template's ids and the target's.
    const code = [
      "import train",
      "class Tok:",
      "    model_max_length = 3",
      "    def apply_chat_template(self, messages, add_generation_prompt, return_dict=True):",
      "        assert add_generation_prompt is True",
      "        ids = [ord(c) for c in messages[1]['content'][:int(messages[1]['content'][0])]]",
      "        return ids if return_dict is False else {'input_ids': ids}  # transformers >= 5: a BatchEncoding unless told",
      "    def __call__(self, text, return_attention_mask, add_special_tokens):",
      "        assert add_special_tokens is False",
      "        return {'input_ids': [ord(c) for c in text]}",
      "rows = [{'id': 'a', 'messages': [{'role': 'system', 'content': ''}, {'role': 'user', 'content': '2xyz'}], 'target': 'B'},",
      "        {'id': 'b', 'messages': [{'role': 'system', 'content': ''}, {'role': 'user', 'content': '4xyz'}], 'target': 'C'}]",
      "print(train.tokenize_split(Tok(), rows))",
    ].join("\n");
    const r = py(code, dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("([{'id': 'a', 'input_ids': [50, 120, 66], 'labels': [-100, -100, 66]}], ['b'])");
  });
});
