/**
 * train.py's replay of transformers 4.41's update loop (modern and fast engines) against
 * lib/train/schedule.ts, which the plan's compute.json comes from: the two must agree on every
 * example count, or a run's optimizer steps would differ from the planned schedule. Runs with the
 * system python3 (the replay is standard library; torch is imported only to train).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainerSchedule } from "../lib/train/schedule";

const TRAIN_PY_DIR = join(__dirname, "..", "lib", "train", "python");

function pythonReplay(counts: number[], epochs: number, ga: number): Record<string, unknown>[] {
  const code = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(TRAIN_PY_DIR)})`,
    "import train",
    "out = []",
    `for n in ${JSON.stringify(counts)}:`,
    `    events, max_steps = train.replay_schedule(n, ${epochs}, ${ga}, lambda e: list(range(n)))`,
    "    s = train.schedule_summary(events, n)",
    "    s['maxSteps'] = max_steps",
    "    s['evals'] = sum(1 for e in events if e[0] == 'eval')",
    "    s['windows'] = [sum(1 for e in events[:k] if e[0] == 'example') for k, e in enumerate(events) if e[0] == 'update']",
    "    out.append(s)",
    "print(json.dumps(out))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", code], { encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe("train.py's schedule replay (modern, fast)", () => {
  const counts = [1, 8, 63, 64, 65, 127, 128, 200, 758, 1000];
  const replayed = pythonReplay(counts, 4, 64);

  it.each(counts.map((n, k) => [n, k]))("%i examples: the same steps per epoch, examples per epoch and unseen tail as schedule.ts", (n, k) => {
    const ts = trainerSchedule(n, { epochs: 4, gradientAccumulationSteps: 64 });
    expect(replayed[k]).toMatchObject({
      examples: n,
      maxSteps: ts.maxSteps,
      realSteps: ts.realSteps,
      stepsPerEpoch: ts.stepsPerEpoch,
      examplesPerEpoch: ts.examplesPerEpoch,
      unseenInLastEpoch: ts.unseenInLastEpoch,
    });
    expect(replayed[k].evals).toBe(ts.examplesPerEpoch.length); // the stopped epoch is still evaluated
  });

  it("the real train split (758 kept): 44 updates of 64 examples across epochs, 11/12/12/9, the last 216 unseen", () => {
    const r = replayed[counts.indexOf(758)] as { realSteps: number; stepsPerEpoch: number[]; unseenInLastEpoch: number; windows: number[] };
    expect(r.realSteps).toBe(44);
    expect(r.stepsPerEpoch).toEqual([11, 12, 12, 9]);
    expect(r.unseenInLastEpoch).toBe(216);
    expect(r.windows).toEqual(Array.from({ length: 44 }, (_, k) => 64 * (k + 1))); // every window is 64 examples
  });
});
