/**
 * Sends a wake out: a signed webhook POST (PROTOCOL.md §7.1), or a wake event
 * appended to the pull-wake stream (§7.2). Webhooks never follow redirects
 * (a 3xx is a failed attempt), so a redirect cannot re-aim them at an
 * address the SSRF check refused.
 */
import type { Env } from "../env.js";
import { signatureHeader, type SigningKey } from "./keys.js";
import type { SubRow } from "./store.js";
import { mintWakeToken } from "./tokens.js";
import { coveredStream } from "./scope.js";

/** How a webhook attempt ended. */
export type WebhookOutcome = { ok: true; done: boolean } | { ok: false; error: string };

const TIMEOUT_MS = 10_000;
const TOKEN_TTL_MS = 3600_000;

/** The JSON body of a wake's webhook. */
export async function webhookBody(row: SubRow, now: number): Promise<string> {
  const token = await mintWakeToken(row.secret, {
    sub: row.id,
    gen: row.generation,
    wake: row.wakeId!,
    exp: now + TOKEN_TTL_MS,
  });
  return JSON.stringify({
    subscription_id: row.id,
    wake_id: row.wakeId,
    generation: row.generation,
    streams: row.snapshot,
    callback_url: `${row.root}__ds/subscriptions/${encodeURIComponent(row.id)}/callback`,
    callback_token: token,
  });
}

/** POSTs the wake to the subscription's URL. */
export async function postWebhook(url: string, body: string, key: SigningKey, now: number): Promise<WebhookOutcome> {
  try {
    const res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", "webhook-signature": await signatureHeader(key, body, now) },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) return { ok: false, error: `webhook answered ${res.status}` };
    let done = false;
    try {
      done = (JSON.parse(text) as { done?: unknown }).done === true;
    } catch {
      // A 2xx without JSON accepts the wake; the handler calls back later.
    }
    return { ok: true, done };
  } catch (e) {
    return { ok: false, error: `webhook failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Token lifetime for claims (the lease and fencing do the real bounding). */
export const CLAIM_TOKEN_TTL_MS = TOKEN_TTL_MS;

/** Appends the wake event to the pull-wake stream; an error message on failure. */
export async function writeWakeEvent(env: Env, row: SubRow, now: number): Promise<string | null> {
  const event = {
    type: "wake",
    subscription_id: row.id,
    stream: row.snapshot[0]?.path ?? null,
    generation: row.generation,
    ts: now,
  };
  const c = coveredStream(row.project, row.config.wakeStream!);
  if (typeof c === "string") return c;
  const stub = env.STREAMS.get(env.STREAMS.idFromName(`${c.project}/${c.name}`));
  try {
    const body = new Blob([JSON.stringify(event)]).stream();
    const r = await stub.append(
      { contentType: "application/json", closed: false, producer: null, streamSeq: null },
      body,
    );
    return r.ok ? null : `wake stream: ${r.message}`;
  } catch (e) {
    return `wake stream: ${e instanceof Error ? e.message : String(e)}`;
  }
}
