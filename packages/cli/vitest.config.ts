import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: "unit", include: ["src/**/*.test.ts"], environment: "node" },
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // Each file starts wrangler processes; one at a time on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
