import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          setupFiles: ["test/keep-alive.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // The suites share one Worker; run files one after another on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
