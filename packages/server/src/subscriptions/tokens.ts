/**
 * Callback and claim tokens (PROTOCOL.md §7.1, §12.9): HMAC-SHA256 over the
 * subscription, generation, wake id and expiry, keyed by a secret kept in the
 * subscription's own object. They are not service JWTs and open nothing but
 * that wake's callback / ack / release.
 */
import { base64url } from "./keys.js";

/** What a token binds. */
export interface WakeClaims {
  readonly sub: string;
  readonly gen: number;
  readonly wake: string;
  readonly exp: number;
}

async function hmac(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data))));
}

/** Mints a token for one wake. */
export async function mintWakeToken(secret: string, c: WakeClaims): Promise<string> {
  const payload = base64url(new TextEncoder().encode(JSON.stringify(c)));
  return `${payload}.${await hmac(secret, payload)}`;
}

/** The claims of a valid, unexpired token; null otherwise. */
export async function verifyWakeToken(secret: string, token: string, now: number): Promise<WakeClaims | null> {
  const [payload, sig, extra] = token.split(".");
  if (!payload || !sig || extra !== undefined) return null;
  const want = await hmac(secret, payload);
  if (want.length !== sig.length) return null;
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff |= want.charCodeAt(i) ^ sig.charCodeAt(i);
  if (diff !== 0) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const c = JSON.parse(json) as WakeClaims;
    return typeof c.exp === "number" && c.exp > now ? c : null;
  } catch {
    return null;
  }
}

/** A random secret or id (base64url of `bytes` random bytes). */
export function randomId(bytes = 16): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}
