/**
 * Real data for the dashboard tests and screenshots, written straight to the
 * server: a stream long enough to seal many small segments (the test server
 * seals every 4 messages), a fork of it, expiring text streams, and an estuary
 * session whose session stream refuses appends, so it lags behind its source
 * and is soon parked (ESTUARY_PARK_AFTER_MS in stack.ts).
 */
import { ADMIN_TOKEN } from "./stack.js";

/** How many messages chat/room1 holds before the session subscribes. */
export const ROOM_MESSAGES = 48;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function must(res: Promise<Response>, what: string): Promise<Response> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${await r.text()}`);
  return r;
}

/** PUT a stream. */
export function put(server: string, name: string, headers: Record<string, string> = {}): Promise<Response> {
  return must(
    fetch(`${server}/v1/stream/default/${name}`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json", ...headers },
    }),
    `PUT ${name}`,
  );
}

/** POST one message. */
export function append(server: string, name: string, body: string, type = "application/json"): Promise<Response> {
  return must(
    fetch(`${server}/v1/stream/default/${name}`, { method: "POST", headers: { ...auth, "content-type": type }, body }),
    `POST ${name}`,
  );
}

/** The server's inspection of a stream (admin read route). */
export async function inspect(server: string, name: string): Promise<{ stream: Record<string, unknown> }> {
  const r = await must(fetch(`${server}/v1/projects/default/streams/${name}`, { headers: auth }), `inspect ${name}`);
  return (await r.json()) as { stream: Record<string, unknown> };
}

/** Polls until `check` holds, or throws after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes the test data set. */
export async function seed(server: string): Promise<void> {
  await put(server, "chat/room1");
  for (let n = 0; n < ROOM_MESSAGES; n++)
    await append(server, "chat/room1", JSON.stringify({ n, text: `message ${n}` }));
  await put(server, "chat/room1-fork", { "stream-forked-from": "/v1/stream/default/chat/room1" });
  await put(server, "logs/a", { "content-type": "text/plain", "stream-ttl": "86400" });
  await append(server, "logs/a", "hello from logs/a\n", "text/plain");
  await put(server, "logs/b", { "content-type": "text/plain", "stream-ttl": "86400" });
  await put(server, "tail/live");
  // An estuary session that lags: its stream refuses appends, so deliveries fail and stay pending.
  await must(
    fetch(`${server}/v1/estuary/subscribe/default/chat/room1`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ estuaryId: "tab-1" }),
    }),
    "subscribe tab-1",
  );
  await must(
    fetch(`${server}/v1/_debug/estuary-faults/default/tab-1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ failAppends: 100_000 }),
    }),
    "faults",
  );
  await append(server, "chat/room1", JSON.stringify({ n: ROOM_MESSAGES, text: "while tab-1 lags" }));
  await append(server, "chat/room1", JSON.stringify({ n: ROOM_MESSAGES + 1, text: "while tab-1 lags" }));
  // Seals run in the background: wait for them, and for the catalog to hear of them.
  await eventually(
    async () => {
      const s = (await inspect(server, "chat/room1")).stream as { segments: { sealed: boolean }[] };
      return s.segments.filter((x) => x.sealed).length >= 12;
    },
    20_000,
    "chat/room1 sealed into 12 segments",
  );
  // Failing deliveries are retried after 1 s, 2 s, ...: the source parks tab-1 within a few seconds.
  await eventually(
    async () => {
      const s = (await inspect(server, "chat/room1")).stream as { estuary: { subscribers: { parked: unknown }[] } };
      return s.estuary.subscribers.some((x) => x.parked !== null);
    },
    20_000,
    "tab-1 parked",
  );
}
