/** Helpers for the estuary tests: sessions, publishing, and reading a session stream whole. */
import { inject } from "vitest";

/** One fanned-out message as a session stream holds it. */
export interface Envelope {
  stream: string;
  offset: string;
  data?: unknown;
  contentType?: string;
  encoding?: string;
  truncated?: boolean;
  bytes?: number;
}

/** Calls an estuary route (path after `/v1/estuary`) with an optional JSON body. */
export function estuary(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${base}/v1/estuary${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

/** Subscribes `estuaryId` to a stream path (`project/name` or a default-project name); throws unless 200/201. */
export async function subscribe(
  base: string,
  source: string,
  estuaryId: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: { session: SessionJson; subscribed: boolean } }> {
  const res = await estuary(base, "POST", `/subscribe/${source}`, { estuaryId, ...extra }, headers);
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`subscribe ${source} ${estuaryId}: ${res.status} ${text}`);
  return { status: res.status, body: JSON.parse(text) as { session: SessionJson; subscribed: boolean } };
}

/** A session as the API returns it. */
export interface SessionJson {
  estuaryId: string;
  project: string;
  stream: string;
  owner: string;
  createdAt: string;
  ttlSeconds: number;
  expiresAt: string;
  subscriptions: {
    stream: string;
    subscribedAt: string;
    parked?: { at: string; fromOffset: string | null };
    missed?: { from: string | null; to: string };
  }[];
}

/** Appends a JSON body to a stream; throws unless 204/200. */
export async function publish(url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  if (res.status !== 204 && res.status !== 200) throw new Error(`publish ${url}: ${res.status} ${await res.text()}`);
}

/**
 * Publishes as an idempotent producer (`producer` id, epoch 0, `seq`). A publish that wrangler
 * dev's proxy lost is sent again by the tests' fetch (test/keep-alive.ts, DEV_PROXY_LOST); with
 * the producer triple the source writes it exactly once whether or not the first attempt
 * reached it, as a client retrying a lost reply relies on.
 */
export async function publishOnce(url: string, body: unknown, producer: string, seq: number): Promise<void> {
  await publish(url, body, { "producer-id": producer, "producer-epoch": "0", "producer-seq": String(seq) });
}

/** Reads a JSON stream from the start to its tail (following Stream-Next-Offset). */
export async function readAll(url: string, headers: Record<string, string> = {}): Promise<Envelope[]> {
  const out: Envelope[] = [];
  let offset = "-1";
  for (;;) {
    // A bounded wait: a read that never answers fails the test instead of hanging it.
    const res = await fetch(`${url}?offset=${offset}`, { headers, signal: AbortSignal.timeout(20_000) }).catch(
      (e: unknown) => {
        throw new Error(
          `read ${url}?offset=${offset}: ${(e as Error).name === "TimeoutError" ? "no answer in 20 s" : e}`,
        );
      },
    );
    if (res.status !== 200) throw new Error(`read ${url}: ${res.status} ${await res.text()}`);
    out.push(...((await res.json()) as Envelope[]));
    offset = res.headers.get("stream-next-offset") ?? offset;
    if (res.headers.get("stream-up-to-date") === "true") return out;
  }
}

/** The estuary part of a source stream's storage facts. */
export interface SourceEstuaryStats {
  subscribers: number;
  outboxRows: number;
  lastId: number;
  parked: number;
  subrequests: { last: number; max: number; drains: number; budget: number };
}

/** Storage facts of a source stream (`/v1/_debug/storage/...`). */
export async function sourceStats(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ meta: boolean; estuary: SourceEstuaryStats }> {
  const res = await fetch(`${base}/v1/_debug/storage/${path}`, { headers });
  return (await res.json()) as { meta: boolean; estuary: SourceEstuaryStats };
}

/** A session's own storage facts (`/v1/_debug/estuary/default/:id`). */
export async function sessionStats(
  base: string,
  id: string,
): Promise<{ session: boolean; subscriptions: number; intents: number; alarmAt: number | null }> {
  const res = await fetch(`${base}/v1/_debug/estuary/default/${id}`);
  return (await res.json()) as { session: boolean; subscriptions: number; intents: number; alarmAt: number | null };
}

/** Sets a stream's estuary fault switches (src/estuary/faults.ts); `{}` turns them off. */
export async function setFaults(base: string, path: string, switches: Record<string, number>): Promise<void> {
  const res = await fetch(`${base}/v1/_debug/estuary-faults/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(switches),
  });
  if (res.status !== 200) throw new Error(`faults ${path}: ${res.status} ${await res.text()}`);
}

/** Polls `check` every 100 ms until it returns true, or throws `what` after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The base URL of the shared test Worker. */
export function baseUrl(): string {
  return inject("baseUrl");
}
