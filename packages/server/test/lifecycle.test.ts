/**
 * Stream lifetimes in real workerd: the expiry alarm frees storage without
 * any request, fork deletion cascades to a soft-deleted source, and
 * acknowledged writes survive a killed server process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { startLocalWorker } from "./support/local-worker.js";
import { streamUrl } from "./support/util.js";

type Stats = { meta: boolean; logRows: number; producerRows: number; alarmAt: number | null };

/** Storage facts of a stream, read without touching it (test-only debug route). */
async function storage(url: string): Promise<Stats> {
  const debug = url.replace("/v1/stream/", "/v1/_debug/storage/");
  return (await (await fetch(debug)).json()) as Stats;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("lifecycle", () => {
  test("a TTL stream's alarm frees its storage with no request arriving", async () => {
    const url = streamUrl("life-ttl");
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain", "stream-ttl": "1" }, body: "data" });
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain", "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" },
      body: "more",
    });
    const before = await storage(url);
    expect(before).toMatchObject({ meta: true, logRows: 2, producerRows: 1 });
    expect(before.alarmAt).not.toBeNull();
    await sleep(2_500);
    expect(await storage(url)).toMatchObject({ meta: false, logRows: 0, producerRows: 0 });
    expect((await fetch(url, { method: "HEAD" })).status).toBe(404);
  });

  test("Stream-Expires-At is enforced by the alarm too", async () => {
    const url = streamUrl("life-expires");
    const at = new Date(Date.now() + 1_500).toISOString();
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain", "stream-expires-at": at }, body: "x" });
    expect((await storage(url)).meta).toBe(true);
    await sleep(3_000);
    expect(await storage(url)).toMatchObject({ meta: false, logRows: 0 });
  });

  test("deleting the last fork of a soft-deleted source frees the source", async () => {
    const source = streamUrl("life-src");
    const fork = streamUrl("life-fork");
    await fetch(source, { method: "PUT", headers: { "content-type": "text/plain" }, body: "inherited" });
    const put = await fetch(fork, { method: "PUT", headers: { "stream-forked-from": new URL(source).pathname } });
    expect(put.status).toBe(201);
    expect((await fetch(source, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(source, { method: "HEAD" })).status).toBe(410);
    expect((await storage(source)).logRows).toBe(1);
    expect(await (await fetch(`${fork}?offset=-1`)).text()).toBe("inherited");
    expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
    expect(await storage(source)).toMatchObject({ meta: false, logRows: 0 });
    expect(await storage(fork)).toMatchObject({ meta: false, logRows: 0 });
  });

  test("acknowledged writes and producer state survive a killed server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ds-edge-restart-"));
    try {
      let worker = await startLocalWorker({ vars: TEST_VARS, persistTo: dir });
      const url = `${worker.url}/v1/stream/restart-${Date.now()}`;
      await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
      const producer = (seq: number) => ({
        "content-type": "application/json",
        "producer-id": "w",
        "producer-epoch": "0",
        "producer-seq": String(seq),
      });
      for (let seq = 0; seq < 20; seq++) {
        const res = await fetch(url, { method: "POST", headers: producer(seq), body: JSON.stringify({ seq }) });
        expect(res.status).toBe(200);
      }
      // Plain appends write only their log rows: the restarted object finds the tail in the log.
      const plain = `${url}-plain`;
      const bytes = { "content-type": "application/octet-stream" };
      await fetch(plain, { method: "PUT", headers: bytes });
      for (let i = 0; i < 10; i++)
        expect((await fetch(plain, { method: "POST", headers: bytes, body: `p${i};` })).status).toBe(204);
      const plainTail = (await fetch(plain, { method: "HEAD" })).headers.get("stream-next-offset");
      await worker.kill();
      worker = await startLocalWorker({ vars: TEST_VARS, persistTo: dir, port: worker.port });
      try {
        // The retry of the last acknowledged batch is a duplicate, not a second copy.
        expect((await fetch(url, { method: "POST", headers: producer(19), body: '{"seq":19}' })).status).toBe(204);
        expect((await fetch(url, { method: "POST", headers: producer(20), body: '{"seq":20}' })).status).toBe(200);
        const items = (await (await fetch(`${url}?offset=-1`)).json()) as { seq: number }[];
        expect(items.map((i) => i.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i));
        expect((await fetch(plain, { method: "HEAD" })).headers.get("stream-next-offset")).toBe(plainTail);
        expect((await fetch(plain, { method: "POST", headers: bytes, body: "after" })).status).toBe(204);
        const all = Array.from({ length: 10 }, (_, i) => `p${i};`).join("") + "after";
        expect(await (await fetch(`${plain}?offset=-1`)).text()).toBe(all);
      } finally {
        await worker.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
