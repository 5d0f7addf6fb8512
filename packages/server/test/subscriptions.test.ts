/**
 * Subscriptions (PROTOCOL.md §6–7) beyond the conformance suite, on a Worker
 * of its own: webhook URLs refused by the SSRF check change nothing; every
 * delivery is signed by a key the JWKS publishes (also after a rotation);
 * a failing webhook is retried with the same wake (no new generation, so
 * no duplicate beyond the spec's retries) across a killed and restarted
 * runtime, and once it succeeds the acked offset is the tail and the next
 * append wakes exactly once more.
 */
import { createPublicKey, verify } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { eventually, sleep } from "./support/control-plane.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";

const dir = mkdtempSync(join(tmpdir(), "ds-subs-"));
let worker: LocalWorker;
const run = Date.now().toString(36);
const root = () => `${worker.url}/v1/stream/`;
const json = { "content-type": "application/json" };

interface Hook {
  body: { wake_id: string; generation: number; streams: { path: string; tail_offset: string }[] };
  raw: string;
  signature: string;
}

/** A webhook receiver on loopback that answers 500 to the first `failures` requests, then {"done": true}. */
async function receiver(failures: number): Promise<{ url: string; got: Hook[]; close(): Promise<void> }> {
  const got: Hook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      got.push({ body: JSON.parse(raw) as Hook["body"], raw, signature: String(req.headers["webhook-signature"]) });
      const ok = got.length > failures;
      res.writeHead(ok ? 200 : 500, json).end(ok ? '{"done":true}' : "{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function jwks(): Promise<{ kid: string; x: string; kty: string; crv: string }[]> {
  const res = await fetch(`${root()}__ds/jwks.json`);
  expect(res.headers.get("content-type")).toContain("application/jwk-set+json");
  return ((await res.json()) as { keys: { kid: string; x: string; kty: string; crv: string }[] }).keys;
}

/** Verifies a Webhook-Signature header against the published keys. */
async function verified(h: Hook): Promise<boolean> {
  const m = /^t=(\d+),kid=([^,]+),ed25519=([A-Za-z0-9_-]+)$/.exec(h.signature);
  if (!m) return false;
  const key = (await jwks()).find((k) => k.kid === m[2]);
  if (!key) return false;
  const pub = createPublicKey({ key: { kty: key.kty, crv: key.crv, x: key.x }, format: "jwk" });
  return verify(null, Buffer.from(`${m[1]}.${h.raw}`), pub, Buffer.from(m[3]!, "base64url"));
}

const put = (id: string, body: unknown) =>
  fetch(`${root()}__ds/subscriptions/${id}`, { method: "PUT", headers: json, body: JSON.stringify(body) });

beforeAll(async () => {
  worker = await startLocalWorker({ vars: TEST_VARS, persistTo: dir });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("subscriptions", () => {
  test("unsafe webhook URLs are refused and create nothing", async () => {
    const urls = [
      "http://10.0.0.1/hook",
      "https://169.254.169.254/latest",
      "https://192.168.0.1/",
      "https://[fd00::1]/",
      "https://[::ffff:10.0.0.1]/",
      "https://0x0a000001/",
      "file:///etc/passwd",
      "http://example.com/hook",
    ];
    for (const [i, url] of urls.entries()) {
      const id = `ssrf-${run}-${i}`;
      const res = await put(id, { type: "webhook", streams: ["s"], webhook: { url } });
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("WEBHOOK_URL_REJECTED");
      expect((await fetch(`${root()}__ds/subscriptions/${id}`)).status).toBe(404);
    }
  });

  test("the admin API shows a subscription's lag until the work is acked", async () => {
    const id = `lag-${run}`;
    const stream = `l-${run}`;
    const wake = `w-${run}`;
    const admin = { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}` };
    const lag = async () => {
      const res = await fetch(`${worker.url}/v1/projects/default/subscriptions`, { headers: admin });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { subscriptions: { id: string; lag: number }[] };
      return body.subscriptions.find((s) => s.id === id)?.lag;
    };
    expect((await fetch(`${root()}${wake}`, { method: "PUT", headers: json, body: "[]" })).status).toBe(201);
    expect((await fetch(`${root()}${stream}`, { method: "PUT", headers: json })).status).toBe(201);
    expect((await put(id, { type: "pull-wake", streams: [stream], wake_stream: wake })).status).toBe(201);
    expect(await lag()).toBe(0);
    await fetch(`${root()}${stream}`, { method: "POST", headers: json, body: '{"a":1}' });
    expect(await lag()).toBeGreaterThan(0);
    const claim = await fetch(`${root()}__ds/subscriptions/${id}/claim`, {
      method: "POST",
      headers: json,
      body: '{"worker":"w1"}',
    });
    const c = (await claim.json()) as {
      wake_id: string;
      generation: number;
      token: string;
      streams: { tail_offset: string }[];
    };
    const ack = await fetch(`${root()}__ds/subscriptions/${id}/ack`, {
      method: "POST",
      headers: { ...json, authorization: `Bearer ${c.token}` },
      body: JSON.stringify({
        wake_id: c.wake_id,
        generation: c.generation,
        acks: [{ stream, offset: c.streams[0]!.tail_offset }],
        done: true,
      }),
    });
    expect(await ack.json()).toEqual({ ok: true, next_wake: false });
    expect(await lag()).toBe(0);
  });

  test("a stream deleted and created again in the same object still wakes its subscription", async () => {
    const hook = await receiver(0);
    const id = `recreate-${run}`;
    const stream = `re-${run}`;
    try {
      expect((await put(id, { type: "webhook", streams: [stream], webhook: { url: hook.url } })).status).toBe(201);
      expect((await fetch(`${root()}${stream}`, { method: "PUT", headers: json, body: '{"n":1}' })).status).toBe(201);
      await eventually(async () => hook.got.length === 1, 5_000, "a wake for the first instance");
      // Deleting wipes the object's storage; the object (and its hook) stays in memory.
      expect((await fetch(`${root()}${stream}`, { method: "DELETE" })).status).toBe(204);
      // Longer than the first instance's data: its tail is past the offset acked for that one.
      const again = await fetch(`${root()}${stream}`, { method: "PUT", headers: json, body: '{"n":2,"more":true}' });
      expect(again.status).toBe(201);
      const tail = again.headers.get("stream-next-offset");
      await eventually(async () => hook.got.length === 2, 5_000, "a wake for the new instance");
      expect(hook.got[1]!.body.streams.find((s) => s.path === stream)?.tail_offset).toBe(tail);
      expect((await fetch(`${root()}${stream}`, { method: "POST", headers: json, body: '{"n":3}' })).status).toBe(204);
      await eventually(async () => hook.got.length === 3, 5_000, "a wake for its next append");
    } finally {
      await fetch(`${root()}__ds/subscriptions/${id}`, { method: "DELETE" });
      await hook.close();
    }
  });

  test("signed with published keys, retried with the same wake across a restart, acked once", async () => {
    const hook = await receiver(2);
    const id = `restart-${run}`;
    const stream = `r-${run}`;
    try {
      expect((await put(id, { type: "webhook", streams: [stream], webhook: { url: hook.url } })).status).toBe(201);
      const created = await fetch(`${root()}${stream}`, { method: "PUT", headers: json, body: '{"n":1}' });
      expect(created.status).toBe(201);
      const tail = created.headers.get("stream-next-offset")!;

      await eventually(async () => hook.got.length >= 1, 5_000, "first attempt");
      await worker.kill(); // the retry (about 1 s later) is due while the runtime is down
      await sleep(1_500);
      worker = await startLocalWorker({ vars: TEST_VARS, persistTo: dir, port: worker.port });

      const acked = async () => {
        const res = await fetch(`${root()}__ds/subscriptions/${id}`);
        const body = (await res.json()) as { streams: { path: string; acked_offset: string }[] };
        return body.streams.some((s) => s.path === stream && s.acked_offset === tail);
      };
      await eventually(acked, 15_000, "the retried delivery to succeed and ack the tail");
      expect(hook.got.length).toBe(3);
      const first = hook.got[0]!.body;
      for (const h of hook.got) {
        expect(h.body.wake_id).toBe(first.wake_id); // retries of one wake, not new wakes
        expect(h.body.generation).toBe(first.generation);
        expect(h.body.streams.find((s) => s.path === stream)?.tail_offset).toBe(tail);
        expect(await verified(h)).toBe(true);
      }

      // After a rotation, new deliveries use the new key and the old one is still published.
      const old = hook.got[0]!.signature.split(",")[1];
      const rotated = await fetch(`${root()}__ds/keys/rotate`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}` },
      });
      expect(rotated.status).toBe(200);
      const { kid } = (await rotated.json()) as { kid: string };
      expect((await jwks()).map((k) => `kid=${k.kid}`)).toEqual(expect.arrayContaining([old, `kid=${kid}`]));

      expect((await fetch(`${root()}${stream}`, { method: "POST", headers: json, body: '{"n":2}' })).status).toBe(204);
      await eventually(async () => hook.got.length === 4, 5_000, "one wake for the next append");
      const next = hook.got[3]!;
      expect(next.body.generation).toBe(first.generation + 1);
      expect(next.body.wake_id).not.toBe(first.wake_id);
      expect(next.signature).toContain(`kid=${kid}`);
      expect(await verified(next)).toBe(true);
      await sleep(1_500);
      expect(hook.got.length).toBe(4); // done: no further wake
    } finally {
      await fetch(`${root()}__ds/subscriptions/${id}`, { method: "DELETE" });
      await hook.close();
    }
  }, 60_000);
});
