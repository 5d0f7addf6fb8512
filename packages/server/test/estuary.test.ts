/**
 * Estuary sessions against the local Worker: subscribe, get, unsubscribe,
 * refresh, delete, expiry by alarm, pruning of deleted sessions, the
 * envelope format, live reads of a session stream, and bad input (4xx JSON,
 * nothing changed).
 */
import { describe, expect, test } from "vitest";
import { baseUrl, estuary, publish, readAll, sourceStats, subscribe, type Envelope } from "./support/estuary.js";
import { openSse } from "./support/sse-client.js";
import { waitFor } from "./support/util.js";

let n = 0;
/** A unique default-project name. */
const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;
const streamUrl = (name: string) => `${baseUrl()}/v1/stream/${name}`;

async function createStream(name: string, contentType = "application/json"): Promise<void> {
  const res = await fetch(streamUrl(name), { method: "PUT", headers: { "content-type": contentType } });
  expect(res.status).toBe(201);
}

async function waitForEnvelopes(session: string, count: number): Promise<Envelope[]> {
  let got: Envelope[] = [];
  const deadline = Date.now() + 15_000;
  while ((got = await readAll(streamUrl(session))).length < count) {
    if (Date.now() > deadline) throw new Error(`session ${session} has ${got.length} of ${count} messages`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return got;
}

async function sessionStats(id: string): Promise<{ session: boolean; subscriptions: number; alarmAt: number | null }> {
  const res = await fetch(`${baseUrl()}/v1/_debug/estuary/default/${id}`);
  return (await res.json()) as { session: boolean; subscriptions: number; alarmAt: number | null };
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/json");
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe("estuary sessions", () => {
  test("subscribe creates the session and its JSON stream; repeating it is idempotent; get shows it", async () => {
    const src = uniq("es-src");
    const id = uniq("es-sess");
    await createStream(src);
    const first = await subscribe(baseUrl(), src, id);
    expect(first.status).toBe(201);
    expect(first.body.subscribed).toBe(true);
    expect(first.body.session).toMatchObject({
      estuaryId: id,
      project: "default",
      stream: `/v1/stream/default/${id}`,
      owner: "anonymous",
      ttlSeconds: 86_400,
      subscriptions: [{ stream: src }],
    });
    const head = await fetch(streamUrl(id), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json");

    const again = await subscribe(baseUrl(), src, id);
    expect(again.status).toBe(200);
    expect(again.body.subscribed).toBe(false);
    expect(again.body.session.subscriptions).toHaveLength(1);

    const got = await estuary(baseUrl(), "GET", `/default/${id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("cache-control")).toBe("no-store");
    const body = (await got.json()) as { session: { subscriptions: unknown[]; expiresAt: string } };
    expect(body.session.subscriptions).toEqual(first.body.session.subscriptions);
    expect(Date.parse(body.session.expiresAt)).toBeGreaterThan(Date.now() + 86_000_000);
    expect((await sourceStats(baseUrl(), src)).estuary.subscribers).toBe(1);
  });

  test("envelopes: JSON as JSON, other types as base64, huge messages by reference; offsets read back the message", async () => {
    const json = uniq("es-json");
    const text = uniq("es-text");
    const bin = uniq("es-bin");
    const id = uniq("es-env");
    await createStream(json);
    await createStream(text, "text/plain");
    await createStream(bin, "application/octet-stream");
    for (const s of [json, text, bin]) await subscribe(baseUrl(), s, id);

    await publish(streamUrl(json), [{ a: 1 }, "two", [3]]);
    await waitForEnvelopes(id, 3);
    const post = (url: string, type: string, body: BodyInit) =>
      fetch(url, { method: "POST", headers: { "content-type": type }, body }).then((r) => expect(r.status).toBe(204));
    await post(streamUrl(text), "text/plain", "héllo\n");
    await waitForEnvelopes(id, 4);
    const big = new Uint8Array(300 * 1024).fill(7);
    big[0] = 0xff;
    await post(streamUrl(bin), "application/octet-stream", new Uint8Array([0, 1, 254, 255]));
    await waitForEnvelopes(id, 5);
    await post(streamUrl(bin), "application/octet-stream", big);
    const all = await waitForEnvelopes(id, 6);

    expect(all.map((e) => e.stream)).toEqual([json, json, json, text, bin, bin]);
    expect(all.slice(0, 3).map((e) => e.data)).toEqual([{ a: 1 }, "two", [3]]);
    expect(all[3]).toMatchObject({ contentType: "text/plain", encoding: "base64" });
    expect(Buffer.from(all[3]!.data as string, "base64").toString()).toBe("héllo\n");
    expect([...Buffer.from(all[4]!.data as string, "base64")]).toEqual([0, 1, 254, 255]);
    expect(all[5]).toMatchObject({ stream: bin, truncated: true, bytes: big.length });
    expect(all[5]!.data).toBeUndefined();
    // Each envelope's offset reads its message back from the source.
    const second = await fetch(`${streamUrl(json)}?offset=${all[1]!.offset}`);
    expect(await second.json()).toEqual(["two", [3]]);
    // A byte stream is read in chunks of at most MAX_READ_BYTES: follow Stream-Next-Offset to the tail.
    const parts: Uint8Array[] = [];
    let offset = all[5]!.offset as string;
    for (;;) {
      const res = await fetch(`${streamUrl(bin)}?offset=${offset}`);
      parts.push(new Uint8Array(await res.arrayBuffer()));
      offset = res.headers.get("stream-next-offset")!;
      if (res.headers.get("stream-up-to-date") === "true") break;
    }
    // Buffer.equals, not toEqual: a deep compare of 300 KiB takes seconds of test CPU, long enough
    // for the server to close the idle keep-alive socket the next request then reuses.
    expect(Buffer.concat(parts).equals(Buffer.from(big))).toBe(true);
  });

  test("unsubscribe stops the fan-out from that source only", async () => {
    const a = uniq("es-a");
    const b = uniq("es-b");
    const id = uniq("es-unsub");
    await createStream(a);
    await createStream(b);
    await subscribe(baseUrl(), a, id);
    await subscribe(baseUrl(), b, id);
    await publish(streamUrl(a), { m: "a1" });
    await waitForEnvelopes(id, 1);

    const res = await estuary(baseUrl(), "DELETE", `/subscribe/${a}`, { estuaryId: id });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { session: { subscriptions: { stream: string }[] } };
    expect(body.session.subscriptions.map((s) => s.stream)).toEqual([b]);
    const before = (await sourceStats(baseUrl(), a)).estuary;
    expect(before.subscribers).toBe(0);
    await publish(streamUrl(a), { m: "a2" });
    await publish(streamUrl(b), { m: "b1" });
    // No fan-out intent was even written for a2: the source has no subscriber left.
    expect((await sourceStats(baseUrl(), a)).estuary.lastId).toBe(before.lastId);
    const all = await waitForEnvelopes(id, 2);
    expect(all.map((e) => e.data)).toEqual([{ m: "a1" }, { m: "b1" }]);

    await expectError(await estuary(baseUrl(), "DELETE", `/subscribe/${a}`, { estuaryId: id }), 404, "not_found");
    await expectError(
      await estuary(baseUrl(), "DELETE", `/subscribe/${a}`, { estuaryId: uniq("none") }),
      404,
      "not_found",
    );
  });

  test("delete removes the session, its stream and every subscription; publishing still works", async () => {
    const a = uniq("es-da");
    const b = uniq("es-db");
    const id = uniq("es-del");
    await createStream(a);
    await createStream(b);
    await subscribe(baseUrl(), a, id);
    await subscribe(baseUrl(), b, id);
    const del = await estuary(baseUrl(), "DELETE", `/default/${id}`);
    expect(del.status).toBe(204);
    await expectError(await estuary(baseUrl(), "GET", `/default/${id}`), 404, "not_found");
    expect((await fetch(streamUrl(id), { method: "HEAD" })).status).toBe(404);
    expect((await sourceStats(baseUrl(), a)).estuary.subscribers).toBe(0);
    expect((await sourceStats(baseUrl(), b)).estuary.subscribers).toBe(0);
    expect(await sessionStats(id)).toMatchObject({ session: false, subscriptions: 0, alarmAt: null });
    await publish(streamUrl(a), { after: "delete" });
    await expectError(await estuary(baseUrl(), "DELETE", `/default/${id}`), 404, "not_found");
  });

  test("deleting a source removes it from its sessions' subscriptions", async () => {
    const a = uniq("es-srcdel");
    const b = uniq("es-srckeep");
    const id = uniq("es-srcgone");
    await createStream(a);
    await createStream(b);
    await subscribe(baseUrl(), a, id);
    await subscribe(baseUrl(), b, id);
    expect((await fetch(streamUrl(a), { method: "DELETE" })).status).toBe(204);
    const deadline = Date.now() + 10_000;
    let subs: { stream: string }[] = [];
    do {
      const res = await estuary(baseUrl(), "GET", `/default/${id}`);
      subs = ((await res.json()) as { session: { subscriptions: { stream: string }[] } }).session.subscriptions;
    } while (subs.length !== 1 && Date.now() < deadline);
    expect(subs.map((s) => s.stream)).toEqual([b]);
  });

  test("refresh extends the lifetime; an expired session is torn down by its alarm", async () => {
    const src = uniq("es-exp");
    const id = uniq("es-ttl");
    await createStream(src);
    const sub = await subscribe(baseUrl(), src, id, {}, { ttlSeconds: 600 });
    expect(sub.body.session.ttlSeconds).toBe(600);
    const refreshed = await estuary(baseUrl(), "POST", `/default/${id}/refresh`, { ttlSeconds: 3600 });
    expect(refreshed.status).toBe(200);
    const r = (await refreshed.json()) as { session: { ttlSeconds: number; expiresAt: string } };
    expect(r.session.ttlSeconds).toBe(3600);
    expect(Date.parse(r.session.expiresAt)).toBeGreaterThan(Date.parse(sub.body.session.expiresAt));
    // A refresh without a body keeps the TTL and restarts the clock.
    const plain = await estuary(baseUrl(), "POST", `/default/${id}/refresh`);
    expect(((await plain.json()) as { session: { ttlSeconds: number } }).session.ttlSeconds).toBe(3600);

    const short = await estuary(baseUrl(), "POST", `/default/${id}/refresh`, { ttlSeconds: 1 });
    expect(short.status).toBe(200);
    // Only the alarm can remove it: nothing below asks the session itself.
    const deadline = Date.now() + 15_000;
    while ((await sessionStats(id)).session) {
      if (Date.now() > deadline) throw new Error("session was not expired by its alarm");
      await new Promise((res) => setTimeout(res, 200));
    }
    expect((await fetch(streamUrl(id), { method: "HEAD" })).status).toBe(404);
    expect((await sourceStats(baseUrl(), src)).estuary.subscribers).toBe(0);
    await expectError(await estuary(baseUrl(), "GET", `/default/${id}`), 404, "not_found");
  });

  test("a session whose stream was deleted is pruned by the next fan-out, and the publish is unaffected", async () => {
    const src = uniq("es-prune");
    const keep = uniq("es-keep");
    const gone = uniq("es-gone");
    await createStream(src);
    await subscribe(baseUrl(), src, keep);
    await subscribe(baseUrl(), src, gone);
    expect((await fetch(streamUrl(gone), { method: "DELETE" })).status).toBe(204);
    await publish(streamUrl(src), { x: 1 });
    const deadline = Date.now() + 15_000;
    while ((await sourceStats(baseUrl(), src)).estuary.subscribers !== 1) {
      if (Date.now() > deadline) throw new Error("deleted session was not pruned");
      await new Promise((res) => setTimeout(res, 100));
    }
    expect((await waitForEnvelopes(keep, 1)).map((e) => e.data)).toEqual([{ x: 1 }]);
    expect((await fetch(streamUrl(gone), { method: "HEAD" })).status).toBe(404);
    // The session itself still exists and no longer lists the pruned subscription.
    const dl = Date.now() + 10_000;
    let subs: unknown[] = [src];
    while (subs.length > 0 && Date.now() < dl) {
      const res = await estuary(baseUrl(), "GET", `/default/${gone}`);
      subs = ((await res.json()) as { session: { subscriptions: unknown[] } }).session.subscriptions;
    }
    expect(subs).toEqual([]);
  });

  test("the session stream is readable live: SSE and long-poll get fanned-out messages", async () => {
    const src = uniq("es-live");
    const id = uniq("es-sse");
    await createStream(src);
    await subscribe(baseUrl(), src, id);
    const sse = await openSse(`${streamUrl(id)}?offset=-1&live=sse`);
    const poll = fetch(`${streamUrl(id)}?offset=now&live=long-poll`);
    await waitFor(() => sse.lastControl()?.upToDate === true, 10_000, "SSE caught up");
    await publish(streamUrl(src), { hello: "sse" });
    await waitFor(() => sse.text().includes('"hello":"sse"'), 15_000, "SSE data event");
    const events = JSON.parse(sse.text()) as Envelope[];
    expect(events).toEqual([expect.objectContaining({ stream: src, data: { hello: "sse" } })]);
    sse.close();
    const res = await poll;
    // The long-poll either caught the message or timed out (204) just before it; both are protocol answers.
    expect([200, 204]).toContain(res.status);
    if (res.status === 200) expect(await res.json()).toEqual(events);
  });

  test("bad input gets a 4xx JSON error and changes nothing", async () => {
    const src = uniq("es-bad");
    const textStream = uniq("es-taken");
    const id = uniq("es-badsess");
    await createStream(src);
    await createStream(textStream, "text/plain");
    const sub = (body: unknown, source = src) => estuary(baseUrl(), "POST", `/subscribe/${source}`, body);
    await expectError(await sub("{not json"), 400, "invalid_json");
    await expectError(await sub([id]), 400, "invalid_json");
    await expectError(await sub({}), 400, "bad_request");
    await expectError(await sub({ estuaryId: "" }), 400, "bad_request");
    await expectError(await sub({ estuaryId: "a/b" }), 400, "bad_request");
    await expectError(await sub({ estuaryId: "_x" }), 400, "bad_request");
    await expectError(await sub({ estuaryId: "x".repeat(129) }), 400, "bad_request");
    await expectError(await sub({ estuaryId: 42 }), 400, "bad_request");
    await expectError(await sub({ estuaryId: id, ttlSeconds: 0 }), 400, "bad_request");
    await expectError(await sub({ estuaryId: id, ttlSeconds: 1.5 }), 400, "bad_request");
    await expectError(await sub({ estuaryId: id, extra: true }), 400, "bad_request");
    await expectError(await sub({ estuaryId: id }, uniq("es-missing")), 404, "not_found");
    await expectError(await sub({ estuaryId: id }, "bad%ZZ"), 400, "invalid_path");
    await expectError(await sub({ estuaryId: src }), 400, "bad_request");
    await expectError(await sub({ estuaryId: textStream }), 409, "conflict");
    await expectError(
      await estuary(baseUrl(), "POST", `/subscribe/${src}`, "x".repeat(5000)),
      413,
      "payload_too_large",
    );
    await expectError(await estuary(baseUrl(), "GET", `/default/${id}`), 404, "not_found");
    await expectError(await estuary(baseUrl(), "GET", `/Bad_Project/${id}`), 400, "invalid_path");
    await expectError(
      await estuary(baseUrl(), "POST", `/default/${id}/refresh`, { ttlSeconds: -1 }),
      400,
      "bad_request",
    );
    await expectError(await estuary(baseUrl(), "POST", `/default/${id}/refresh`), 404, "not_found");
    await expectError(await estuary(baseUrl(), "DELETE", `/default/${id}`), 404, "not_found");
    // Nothing was created or changed by any of them.
    expect(await sessionStats(id)).toMatchObject({ session: false, subscriptions: 0 });
    expect((await fetch(streamUrl(id), { method: "HEAD" })).status).toBe(404);
    expect((await sourceStats(baseUrl(), src)).estuary.subscribers).toBe(0);
    const taken = await fetch(`${streamUrl(textStream)}?offset=-1`);
    expect(taken.headers.get("content-type")).toBe("text/plain");
    expect(await sessionStats(textStream)).toMatchObject({ session: false });

    // A session's stream cannot be a source (that would loop).
    const other = uniq("es-loop");
    await subscribe(baseUrl(), src, id);
    await expectError(await sub({ estuaryId: other }, id), 400, "bad_request");
    expect(await sessionStats(other)).toMatchObject({ session: false });
  });
});
