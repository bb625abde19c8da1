/**
 * Tokenizer folders without the Hub (issue 28, defect 6): `train fetch` failing to reach the Hub
 * and `train plan --tokenizer` on a folder that holds none say, in their one line, how to supply
 * the folders otherwise: copied from a machine that has them, HF_HUB_OFFLINE=1 over a Hub cache.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cci, cleanTemp, LLAMA3, ROOT, SAMPLE, tempDir } from "./helpers/train";

afterAll(cleanTemp);
const hasPython = spawnSync("python3", ["--version"]).status === 0;
const STUBS = join(ROOT, "test", "fixtures", "env", "stubs");
const HINT = /without the Hub: copy the tokenizer folders from a machine that has them .* into (.+)\/<model id>\/ \(tokenizer\.json, tokenizer_config\.json and the chat template file\) and plan with --tokenizer \1; set HF_HUB_OFFLINE=1 where the Hub cache \(HF_HOME\) already holds the models/;

describe("tokenizer folders without the Hub", () => {
  it.skipIf(!hasPython)("train fetch --tokenizers-only with the Hub unreachable: one line naming the ways round it", () => {
    const root = tempDir("cci-offline-");
    const env = { ...process.env, PYTHONPATH: STUBS, STANDIN_HF_TOKENIZER: LLAMA3, STANDIN_HF_LOG: join(root, "hub.jsonl"), HF_HOME: join(root, "hf"), STANDIN_HF_FAIL: "1" };
    const r = cci(["train", "fetch", "--recipe", "3", "--tokenizers-only", "--out", join(root, "toks"), "--python", "python3"], env);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^cci: fetch: cannot read the models' sizes from the Hub: fetch\.py: ConnectionError/);
    expect(r.stderr).toMatch(HINT);
  });

  it("train plan --tokenizer on a folder holding no tokenizer: one line naming fetch and the offline ways", () => {
    const empty = tempDir("cci-offline-toks-");
    const r = cci(["train", "plan", "--recipe", "3", "--data", SAMPLE, "--out", join(empty, "runs"), "--tokenizer", empty]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/^cci: --tokenizer .*: no tokenizer\.json there nor in .*beomi\/Solar-Ko-Recovery-11B \(`cci train fetch --tokenizers-only` fetches it; without the Hub/);
    expect(r.stderr).toMatch(HINT);
  });
});
