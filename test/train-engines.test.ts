/** Engine plumbing that needs no Python: run.json argv per engine, requirements per engine, trl's done state. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ENGINES, engineArgv, faithfulArgv, REQUIREMENTS, TRAIN_PY_ENGINES } from "../lib/train/bundle";
import { RECIPES } from "../lib/train/recipes";
import { runState } from "../lib/train/status";
import { cleanTemp, tempDir } from "./helpers/train";

afterAll(cleanTemp);

describe("engines", () => {
  it("faithful's argv is the original's; modern and fast append the engine; trl runs trl sft", () => {
    const r = RECIPES[2];
    expect(engineArgv(r, "faithful")).toEqual(faithfulArgv(r));
    expect(engineArgv(r, "modern")).toEqual([...faithfulArgv(r), "--engine", "modern"]);
    expect(engineArgv(r, "fast")).toEqual([...faithfulArgv(r), "--engine", "fast", "--micro_batch_size", "8"]);
    expect(engineArgv(r, "trl")).toEqual(["trl", "sft", "--config", "trl-sft.yaml"]);
    expect(ENGINES.filter((e) => TRAIN_PY_ENGINES.includes(e))).toEqual(["faithful", "modern", "fast"]);
    expect(ENGINES.map((e) => REQUIREMENTS[e])).toEqual(["requirements.txt", "requirements-modern.txt", "requirements-modern.txt", "requirements-trl.txt"]);
  });

  it("a bundle without status.json is planned until an adapter is saved (trl sft writes no status)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "run.json"), "{}");
    expect(runState(dir)).toBe("planned");
    mkdirSync(join(dir, "adapter"));
    expect(runState(dir)).toBe("planned");
    writeFileSync(join(dir, "adapter", "adapter_config.json"), "{}");
    expect(runState(dir)).toBe("done");
  });
});
