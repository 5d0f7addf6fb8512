/**
 * Calls between objects that lose their REPLY after the other side committed
 * (fork attach, fork detach), a statement failing inside an append's
 * transaction, and pipelined producer appends whose bodies finish out of
 * order. The fault switches are test-only (src/do/faults.ts).
 */
import { describe, expect, test } from "vitest";
import { streamUrl } from "./support/util.js";
import { readToEnd } from "./support/cold.js";
import { armFault, controlStats, eventually, positionOf, sleep, trickle } from "./support/control-plane.js";

const put = (url: string, headers: Record<string, string> = {}, body = "x") =>
  fetch(url, { method: "PUT", headers: { "content-type": "text/plain", ...headers }, body });
const forkOf = (source: string) => ({ "stream-forked-from": new URL(source).pathname });
const text = async (url: string) => (await fetch(`${url}?offset=-1`)).text();

describe("fork attach: a lost reply", () => {
  test("the fork retries the attach; the source holds exactly one reference", async () => {
    const source = streamUrl("attach-lost-src");
    const fork = streamUrl("attach-lost-fork");
    expect((await put(source)).status).toBe(201);
    await armFault(fork, "attach-reply", 1);
    expect((await put(fork, forkOf(source), "y")).status).toBe(201);
    expect((await controlStats(source)).forks.refs).toBe(1);
    expect(await text(fork)).toBe("xy");
    expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
    expect((await controlStats(source)).forks.refs).toBe(0);
    // No leaked reference: the source is destroyed outright, not soft-deleted.
    expect((await fetch(source, { method: "DELETE" })).status).toBe(204);
    expect((await controlStats(source)).meta).toBe(false);
  });

  test("when no reply arrives at all, the fork answers 503 and its alarm releases the reference", async () => {
    const source = streamUrl("attach-none-src");
    const fork = streamUrl("attach-none-fork");
    expect((await put(source)).status).toBe(201);
    await armFault(fork, "attach-reply", 2);
    const res = await put(fork, forkOf(source));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
    expect((await fetch(fork)).status).toBe(404);
    // The source committed the reference; the fork's durable intent releases it.
    expect((await controlStats(source)).forks.refs).toBe(1);
    expect((await controlStats(fork)).forks.links).toBe(1);
    await eventually(async () => (await controlStats(source)).forks.refs === 0, 10_000, "the release");
    await eventually(async () => (await controlStats(fork)).forks.links === 0, 2_000, "the intent to go");
    expect((await fetch(source, { method: "DELETE" })).status).toBe(204);
    expect((await controlStats(source)).meta).toBe(false);
    // A retried PUT works.
    expect((await put(source)).status).toBe(201);
    expect((await put(fork, forkOf(source))).status).toBe(201);
    expect((await controlStats(source)).forks.refs).toBe(1);
  }, 20_000);
});

describe("fork detach: a lost reply", () => {
  test("the retried detach does not release a second fork's reference", async () => {
    const source = streamUrl("detach-lost-src");
    const first = streamUrl("detach-lost-f1");
    const second = streamUrl("detach-lost-f2");
    expect((await put(source)).status).toBe(201);
    expect((await put(first, forkOf(source))).status).toBe(201);
    expect((await put(second, forkOf(source))).status).toBe(201);
    expect((await fetch(source, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(source)).status).toBe(410);

    await armFault(first, "detach-reply", 1);
    expect((await fetch(first, { method: "DELETE" })).status).toBe(204);
    // The source committed the detach; the fork retries it from its alarm (5 s).
    expect((await controlStats(source)).forks.refs).toBe(1);
    await eventually(async () => !(await controlStats(first)).meta, 10_000, "the fork's retried release");
    const held = await controlStats(source);
    expect(held.meta).toBe(true);
    expect(held.forks.refs).toBe(1);
    expect(await text(second)).toBe("xx"); // inherited "x", then its own "x"

    expect((await fetch(second, { method: "DELETE" })).status).toBe(204);
    await eventually(async () => !(await controlStats(source)).meta, 5_000, "the source to be freed");
  }, 20_000);
});

describe("append transaction", () => {
  test("a statement failing after the log insert leaves the cached tail at the committed one", async () => {
    const s = streamUrl("txn-fault");
    expect((await put(s, {}, "a")).status).toBe(201);
    await armFault(s, "append-txn", 1);
    const failed = await fetch(s, { method: "POST", headers: { "content-type": "text/plain" }, body: "bb" });
    expect(failed.status).toBe(500);
    const ok = await fetch(s, { method: "POST", headers: { "content-type": "text/plain" }, body: "c" });
    expect(ok.status).toBe(204);
    expect(positionOf(ok.headers.get("stream-next-offset"))).toBe(2);
    const read = await fetch(`${s}?offset=-1`);
    expect(await read.text()).toBe("ac");
    expect(positionOf(read.headers.get("stream-next-offset"))).toBe(2);
    const head = await fetch(s, { method: "HEAD" });
    expect(positionOf(head.headers.get("stream-next-offset"))).toBe(2);
  });
});

describe("pipelined producer appends", () => {
  test("a small seq N+1 sent while a large seq N uploads waits for it; both succeed in order", async () => {
    const s = streamUrl("pipelined");
    expect((await put(s, {}, "")).status).toBe(201);
    const producer = { "producer-id": "p1", "producer-epoch": "0", "content-type": "text/plain" };
    const big = trickle();
    const chunk = new Uint8Array(64 * 1024).fill(0x61); // "a"
    const first = fetch(s, {
      method: "POST",
      headers: { ...producer, "producer-seq": "0" },
      body: big.body,
      duplex: "half",
    } as RequestInit);
    big.push(chunk);
    await sleep(300); // seq 0's headers reached the object; its body is still coming
    const order: number[] = [];
    const second = fetch(s, { method: "POST", headers: { ...producer, "producer-seq": "1" }, body: "b" }).then((r) => {
      order.push(1);
      return r;
    });
    for (let i = 0; i < 8; i++) {
      await sleep(50);
      big.push(chunk);
    }
    big.end();
    const r0 = await first;
    order.push(0);
    const r1 = await second;
    expect([r0.status, r1.status]).toEqual([200, 200]);
    expect(order).toEqual([0, 1]);
    expect(r1.headers.get("producer-seq")).toBe("1");
    const { bodies, next } = await readToEnd(s);
    const body = new TextDecoder().decode(concat(bodies));
    expect(body).toBe("a".repeat(9 * chunk.length) + "b");
    expect(positionOf(next)).toBe(9 * chunk.length + 1);
  });
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
