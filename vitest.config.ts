import { defineConfig } from "vitest/config";

// `npm test`: the repo's own tests, runnable anywhere (no ../shared, no network, no GPU).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/reference/**", "node_modules/**"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
