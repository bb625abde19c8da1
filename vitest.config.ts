import { defineConfig } from "vitest/config";

// `npm test`: the repo's own tests, runnable anywhere (no ../shared, no network, no GPU).
// Under CI a JSON summary is also written, so .ci/run can print one closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/reference/**", "node_modules/**"],
    testTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/helpers/tmp-root.ts"],
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: ".ci/results/unit.json" },
  },
});
