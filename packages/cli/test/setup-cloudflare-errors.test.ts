/**
 * API failures that stop `setup --yes` early, with the real wrangler against
 * the Cloudflare API double: a token the API refuses (at the start, and
 * revoked half-way), and an R2 bucket name another account owns. Each gives
 * a clear message and exit 1; the recovery of a half-done run is shown in
 * setup-cloudflare.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startCloudflareApi, type CloudflareApiDouble } from "./support/cf-api/server.js";
import { RUN_MS, TEST_MS, apiEnv } from "./support/cf-env.js";
import { offlineInstall, runCli } from "./support/cli.js";

const root = mkdtempSync(join(tmpdir(), "ds-edge-cf-errors-"));
let api: CloudflareApiDouble;
const setupArgs = (name: string) => [
  "setup",
  "--yes",
  "--name",
  name,
  "--dir",
  join(root, name),
  ...offlineInstall().flags,
];
const posts = () => api.received.filter((r) => r.method !== "GET").length;

beforeAll(async () => {
  api = await startCloudflareApi();
});
afterAll(async () => {
  await api.close();
  rmSync(root, { recursive: true, force: true });
});

describe("setup --yes: API errors", { timeout: TEST_MS }, () => {
  test("a token the API refuses (10000): clear message, exit 1, nothing changed", async () => {
    const r = await runCli(setupArgs("a"), apiEnv(api, { CLOUDFLARE_API_TOKEN: "wrong-token" }), undefined, RUN_MS);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain("Cloudflare refused the API token (authentication error)");
    expect(r.stderr).toContain("→ check CLOUDFLARE_API_TOKEN");
    expect(posts()).toBe(0);
  });

  test("a token revoked half-way: the failing call is named with the same advice", async () => {
    api.faults.push({
      method: "GET",
      path: /\/queues$/,
      status: 403,
      code: 10000,
      message: "Authentication error",
      times: 1,
    });
    const r = await runCli(setupArgs("b"), apiEnv(api), undefined, RUN_MS);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain("Cloudflare refused the API token");
    expect(r.stderr).toContain("wrangler queues info b-ds-estuary-fanout failed");
    expect(api.state.scripts.size).toBe(0);
  });

  test("an R2 bucket name owned by another account: says to choose another --name", async () => {
    api.state.takenBuckets.add("c-segments");
    const r = await runCli(setupArgs("c"), apiEnv(api), undefined, RUN_MS);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain("The R2 bucket name c-segments is taken by another Cloudflare account");
    expect(r.stderr).toContain("→ choose another Worker name with --name");
    expect(api.state.r2.has("c-segments")).toBe(false);
    expect(api.unknown).toEqual([]);
  });
});
