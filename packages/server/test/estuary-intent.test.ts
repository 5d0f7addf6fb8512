/**
 * Estuary calls between objects when replies are lost (against the shared
 * local Worker, with its DEBUG_ENDPOINTS fault switches): a source that
 * commits a subscribe or unsubscribe and then loses the reply ends in a
 * consistent state with no new request. And a session never takes over a
 * user's stream. Lost fan-out acknowledgements and a hung consumer call are
 * in estuary-stuck.test.ts, whose Worker parks and times out quickly.
 */
import { describe, expect, test } from "vitest";
import {
  baseUrl,
  estuary,
  eventually,
  publish,
  readAll,
  sessionStats,
  setFaults,
  sourceStats,
  subscribe,
} from "./support/estuary.js";

let n = 0;
const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;
const streamUrl = (name: string) => `${baseUrl()}/v1/stream/${name}`;

async function createStream(name: string, body?: string): Promise<void> {
  const res = await fetch(streamUrl(name), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body }),
  });
  expect(res.status).toBe(201);
}

describe("estuary: lost replies and takeovers", () => {
  test("subscribe: the source commits and the reply is lost; the session completes on its own", async () => {
    const src = uniq("li-src");
    const id = uniq("li-sess");
    await createStream(src);
    await setFaults(baseUrl(), src, { loseSubscribe: 1 });
    const res = await estuary(baseUrl(), "POST", `/subscribe/${src}`, { estuaryId: id });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
    // The source holds the subscriber; the session's alarm confirms it: owner, expiry and subscription.
    expect((await sourceStats(baseUrl(), src)).estuary.subscribers).toBe(1);
    await eventually(
      async () => {
        const st = await sessionStats(baseUrl(), id);
        return st.session && st.subscriptions === 1 && st.intents === 0;
      },
      15_000,
      "the session finished its subscribe",
    );
    const view = await estuary(baseUrl(), "GET", `/default/${id}`);
    expect(view.status).toBe(200);
    expect(((await view.json()) as { session: { subscriptions: { stream: string }[] } }).session.subscriptions).toEqual(
      [expect.objectContaining({ stream: src })],
    );
    await publish(streamUrl(src), { after: "lost reply" });
    await eventually(async () => (await readAll(streamUrl(id))).length === 1, 15_000, "delivery");
    // A client retry is harmless.
    expect((await subscribe(baseUrl(), src, id)).status).toBe(200);
    expect((await sourceStats(baseUrl(), src)).estuary.subscribers).toBe(1);
  });

  test("unsubscribe: the source commits and the reply is lost; the session drops the subscription on its own", async () => {
    const src = uniq("lu-src");
    const id = uniq("lu-sess");
    await createStream(src);
    await subscribe(baseUrl(), src, id);
    await setFaults(baseUrl(), src, { loseUnsubscribe: 1 });
    const res = await estuary(baseUrl(), "DELETE", `/subscribe/${src}`, { estuaryId: id });
    expect(res.status).toBe(503);
    expect((await sourceStats(baseUrl(), src)).estuary.subscribers).toBe(0);
    await eventually(
      async () => {
        const st = await sessionStats(baseUrl(), id);
        return st.session && st.subscriptions === 0 && st.intents === 0;
      },
      15_000,
      "the session finished its unsubscribe",
    );
  });

  test("a session never takes over a user's stream of the same name (409), and never deletes it", async () => {
    const src = uniq("tk-src");
    const mine = uniq("tk-user");
    await createStream(src);
    await createStream(mine, '[{"user":"data"}]');
    const res = await estuary(baseUrl(), "POST", `/subscribe/${src}`, { estuaryId: mine });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("conflict");
    expect(await sessionStats(baseUrl(), mine)).toMatchObject({ session: false, subscriptions: 0, intents: 0 });
    expect((await sourceStats(baseUrl(), src)).estuary.subscribers).toBe(0);
    await publish(streamUrl(src), { not: "delivered" });
    expect((await readAll(streamUrl(mine))).map((e) => e as unknown)).toEqual([{ user: "data" }]);
    // A session's own stream is still its own: a second source re-uses it.
    const id = uniq("tk-sess");
    const other = uniq("tk-src2");
    await createStream(other);
    expect((await subscribe(baseUrl(), src, id)).status).toBe(201);
    expect((await subscribe(baseUrl(), other, id)).status).toBe(201);
  });
});
