import { defineConfig } from "vitest/config";

// CI-only checks against ../shared (the real corpus and the original's outputs): `.ci/run`.
export default defineConfig({
  test: {
    include: ["test/reference/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    globalSetup: ["test/helpers/tmp-root.ts"],
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".ci/results/reference.json" },
  },
});
