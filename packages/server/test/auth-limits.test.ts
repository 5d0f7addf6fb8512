/**
 * Per-project limits against the local Worker: rate limits per token and per
 * project (429 + Retry-After), body size (413, declared and chunked), CORS
 * origins; and a Worker whose default project is not opened.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { bearer, createProject, projectStreamUrl, tokenFor } from "./support/auth.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";

const text = { "content-type": "text/plain" };

describe("project limits", () => {
  test("rate limits per token and per project answer 429 with Retry-After", async () => {
    const p = await createProject("rate", { limits: { tokenRequestsPerMinute: 5, requestsPerMinute: 12 } });
    const url = `${projectStreamUrl(p.name, "r")}?offset=-1`;
    const t1 = bearer(await tokenFor(p, "read"));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(url, { headers: t1 })).status);
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses[5]).toBe(429);
    const limited = await fetch(url, { headers: t1 });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    // Another token has its own bucket, until the project's bucket runs out.
    const t2 = bearer(await tokenFor(p, "read"));
    // Every request counts against the project (12/min), the 7 of the first token included.
    const more: number[] = [];
    for (let i = 0; i < 5; i++) more.push((await fetch(url, { headers: t2 })).status);
    expect(more).toEqual([404, 404, 404, 404, 404]);
    const project = await fetch(url, { headers: t2 });
    expect(project.status).toBe(429);
    expect(((await project.json()) as { error: { message: string } }).error.message).toContain("project");
  });

  test("a project's body limit gives 413 for declared and chunked bodies and changes nothing", async () => {
    const p = await createProject("body", { limits: { maxAppendBytes: 1024 } });
    const url = projectStreamUrl(p.name, "b");
    const auth = bearer(await tokenFor(p, "write"));
    expect((await fetch(url, { method: "PUT", headers: { ...text, ...auth }, body: "a".repeat(1000) })).status).toBe(
      201,
    );
    expect((await fetch(url, { method: "POST", headers: { ...text, ...auth }, body: "b".repeat(1025) })).status).toBe(
      413,
    );
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(400).fill(99));
        c.close();
      },
    });
    const res = await fetch(url, {
      method: "POST",
      headers: { ...text, ...auth },
      body: chunked,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    const small = await fetch(url, { method: "POST", headers: { ...text, ...auth }, body: "c" });
    expect(small.status).toBe(204);
    const read = await fetch(`${url}?offset=-1`, { headers: auth });
    expect(await read.text()).toBe(`${"a".repeat(1000)}c`);
  });

  test("CORS origins are per project", async () => {
    const p = await createProject("cors", { corsOrigins: ["https://app.example"] });
    const url = projectStreamUrl(p.name, "c");
    const pre = (origin: string) =>
      fetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    expect((await pre("https://app.example")).headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect((await pre("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    const get = await fetch(`${url}?offset=-1`, { headers: { origin: "https://evil.example" } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("a deployment without DEFAULT_PROJECT_OPEN", () => {
  let worker: LocalWorker;
  beforeAll(async () => {
    worker = await startLocalWorker({ vars: { ...TEST_VARS, DEFAULT_PROJECT_OPEN: "false" } });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test("the default project is closed until configured, then needs tokens like any project", async () => {
    const url = `${worker.url}/v1/stream/plain`;
    // Unknown looks like private (401), so project names cannot be probed.
    expect((await fetch(url, { method: "PUT" })).status).toBe(401);
    expect((await fetch(`${worker.url}/v1/metrics`)).status).toBe(401);
    expect((await fetch(`${worker.url}/v1/metrics/stream/plain`)).status).toBe(401);
    const admin = { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}`, "content-type": "application/json" };
    const created = await fetch(`${worker.url}/v1/projects`, {
      method: "POST",
      headers: admin,
      body: '{"name":"default"}',
    });
    expect(created.status).toBe(201);
    expect((await fetch(url, { method: "PUT" })).status).toBe(401);
    const minted = await fetch(`${worker.url}/v1/projects/default/tokens`, {
      method: "POST",
      headers: admin,
      body: '{"sub":"ci","scope":"write"}',
    });
    const { token } = (await minted.json()) as { token: string };
    expect((await fetch(url, { method: "PUT", headers: bearer(token) })).status).toBe(201);
    expect((await fetch(`${worker.url}/v1/metrics`, { headers: { authorization: admin.authorization } })).status).toBe(
      200,
    );
  });
});
