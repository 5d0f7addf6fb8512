import { defineConfig } from "vitest/config";

// Unit tests only: pure math (percentiles, cost model, charts). Nothing here starts a server.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], testTimeout: 5_000 },
});
