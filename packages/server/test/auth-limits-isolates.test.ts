/**
 * Rate limits hold across edge isolates: two isolates of the Worker (two
 * Miniflare workers running the same bundle, sharing Durable Objects and KV)
 * draw from the same buckets (docs/auth.md, "Limits").
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { startMiniflareWorker, type MiniflareWorker } from "./support/miniflare-worker.js";

let worker: MiniflareWorker | undefined;

beforeAll(async () => {
  worker = await startMiniflareWorker(2);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
});

describe("rate limits across isolates", () => {
  test("what one isolate admitted counts in the other", async () => {
    const { url, mf } = worker!;
    const admin = { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}`, "content-type": "application/json" };
    const name = `iso-${Date.now().toString(36)}`;
    const created = await fetch(`${url}/v1/projects`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ name, limits: { tokenRequestsPerMinute: 4, requestsPerMinute: 1000 } }),
    });
    expect(created.status).toBe(201);
    const minted = await fetch(`${url}/v1/projects/${name}/tokens`, {
      method: "POST",
      headers: admin,
      body: '{"sub":"x","scope":"read"}',
    });
    const { token } = (await minted.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const path = `/v1/stream/${name}/s?offset=-1`;
    // Isolate A spends the token's 4 requests a minute (404: no such stream; the limit is what counts).
    for (let i = 0; i < 4; i++) expect((await fetch(`${url}${path}`, { headers: auth })).status).toBe(404);
    // Isolate B has never seen the token: its first request is admitted and reported, then the shared
    // bucket's answer blocks it. Per-isolate buckets alone would admit 4 more.
    const b = await mf.getWorker("edge-b");
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await b.fetch(`http://edge-b${path}`, { headers: auth });
      statuses.push(res.status);
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(statuses.filter((s) => s !== 429).length, JSON.stringify(statuses)).toBeLessThanOrEqual(2);
    expect(statuses.at(-1)).toBe(429);
  });
});
