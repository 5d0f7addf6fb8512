/**
 * SSE ids and `Last-Event-ID` over HTTP against the local Worker: every event
 * names the point after it; a reconnect resumes there whatever its `offset`
 * says; a malformed id is a 400, an id from a deleted stream a 410, and a
 * reconnect at a closed stream's tail a 204.
 */
import { describe, expect, test } from "vitest";
import { openSse, type SseConnection } from "./support/sse-client.js";
import { streamUrl } from "./support/util.js";

async function create(url: string, body: string, closed = false): Promise<void> {
  const headers: Record<string, string> = { "content-type": "text/plain" };
  if (closed) headers["stream-closed"] = "true";
  const res = await fetch(url, { method: "PUT", headers, body });
  expect(res.status).toBe(201);
}

async function append(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body });
  expect(res.status).toBe(204);
}

/** Reads SSE until the first up-to-date control event, then closes. */
async function readUntilUpToDate(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const conn = await openSse(url, headers);
  const deadline = Date.now() + 10_000;
  while (!conn.events.some((e) => e.type === "control" && /"upToDate":true|"streamClosed":true/.test(e.data))) {
    if (Date.now() > deadline) throw new Error("no up-to-date control event");
    await new Promise((r) => setTimeout(r, 20));
  }
  conn.close();
  return conn;
}

describe("SSE event ids", () => {
  test("every data and control event carries an id that starts with the control's next offset", async () => {
    const url = streamUrl("sse-id");
    await create(url, "one;");
    await append(url, "two;");
    const conn = await readUntilUpToDate(`${url}?offset=-1&live=sse`);
    expect(conn.events.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < conn.events.length; i++) {
      const e = conn.events[i]!;
      expect(e.id, e.type).toMatch(/^\d{16}_\d{16}:\d+:[0-9a-f]{8}$/);
      const control = e.type === "control" ? e : conn.events[i + 1]!;
      const next = (JSON.parse(control.data) as { streamNextOffset: string }).streamNextOffset;
      expect(e.id!.split(":")[0]).toBe(next);
    }
  });

  test("Last-Event-ID wins over the offset parameter and continues exactly", async () => {
    const url = streamUrl("sse-resume");
    await create(url, "one;");
    const first = await readUntilUpToDate(`${url}?offset=-1&live=sse`);
    const id = first.events.at(-1)!.id!;
    await append(url, "two;");
    await append(url, "three;");
    // The same URL an EventSource reconnects to, still saying offset=-1.
    const resumed = await readUntilUpToDate(`${url}?offset=-1&live=sse`, { "last-event-id": id });
    expect(resumed.text()).toBe("two;three;");
    const cursor = Number(id.split(":")[1]);
    expect(Number(resumed.lastControl()!.streamCursor)).toBeGreaterThan(cursor);
  });

  test.each(["nonsense", "-1", "0000000000000000_0000000000000004", "0000000000000000_0000000000000004:1:zz-z"])(
    "a malformed Last-Event-ID (%j) is a 400 JSON error",
    async (value) => {
      const url = streamUrl("sse-bad-id");
      await create(url, "one;");
      const res = await fetch(`${url}?offset=-1&live=sse`, { headers: { "last-event-id": value } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_offset");
    },
  );

  test("Last-Event-ID means nothing to catch-up reads", async () => {
    const url = streamUrl("sse-id-catchup");
    await create(url, "one;");
    const res = await fetch(`${url}?offset=-1`, { headers: { "last-event-id": "nonsense" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("one;");
  });
});

describe("SSE on a closed stream", () => {
  test("the closing control event comes once; a reconnect with its id gets 204 and no body", async () => {
    const url = streamUrl("sse-closed");
    await create(url, "all;", true);
    const conn = await openSse(`${url}?offset=-1&live=sse`);
    await conn.ended;
    const last = conn.events.at(-1)!;
    expect(JSON.parse(last.data)).toMatchObject({ streamClosed: true });
    const res = await fetch(`${url}?offset=-1&live=sse`, { headers: { "last-event-id": last.id! } });
    expect(res.status).toBe(204);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.text()).toBe("");
  });

  test("a reconnect from before the end still gets the rest and the closing event", async () => {
    const url = streamUrl("sse-closed-late");
    await create(url, "a;");
    const first = await readUntilUpToDate(`${url}?offset=-1&live=sse`);
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain", "stream-closed": "true" },
      body: "b;",
    });
    const conn = await openSse(`${url}?offset=-1&live=sse`, { "last-event-id": first.events.at(-1)!.id! });
    await conn.ended;
    expect(conn.text()).toBe("b;");
    expect(conn.lastControl()).toMatchObject({ streamClosed: true });
  });
});

describe("SSE ids across delete and re-create", () => {
  test.each([
    ["shorter", "x"],
    ["longer", "a much longer body than the first one had"],
  ])("an id from the deleted stream is 410 on a %s re-created one", async (_what, body) => {
    const url = streamUrl("sse-recreate");
    await create(url, "first body;");
    const old = await readUntilUpToDate(`${url}?offset=-1&live=sse`);
    expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
    await create(url, body);
    const res = await fetch(`${url}?offset=-1&live=sse`, { headers: { "last-event-id": old.events.at(-1)!.id! } });
    expect(res.status).toBe(410);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("gone");
  });
});
