/**
 * Webhook signing keys (PROTOCOL.md §6.5): Ed25519 pairs kept in the
 * project registry's SQLite (so they survive restarts), one active at a time.
 * The active key is replaced after ROTATE_AFTER_MS; a retired key stays in
 * the JWKS for PUBLISH_RETIRED_MS, far past the receivers' five-minute replay
 * window, so every delivery it signed can still be verified. `kid` is `ds_`
 * plus the key's RFC 7638 thumbprint: stable and unique per key.
 */
import { calculateJwkThumbprint } from "jose";
import type { Sql } from "../do/store.js";

export const ROTATE_AFTER_MS = 30 * 24 * 3600_000;
export const PUBLISH_RETIRED_MS = 24 * 3600_000;

/** A public key as the JWKS lists it. */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  use: "sig";
  alg: "EdDSA";
}

/** The active key: its id and private JWK (never leaves the objects). */
export interface SigningKey {
  readonly kid: string;
  readonly privateJwk: JsonWebKey;
}

/** The registry's key table. */
export class KeyStore {
  constructor(private readonly sql: Sql) {
    sql.exec(`CREATE TABLE IF NOT EXISTS sub_keys (
      kid TEXT PRIMARY KEY, public_jwk TEXT NOT NULL, private_jwk TEXT NOT NULL,
      created_at INTEGER NOT NULL, retired_at INTEGER)`);
  }

  /** The active key, created (or rotated) first when due. */
  async active(now: number): Promise<SigningKey> {
    const row = this.sql
      .exec<{ kid: string; private_jwk: string; created_at: number }>(
        "SELECT kid, private_jwk, created_at FROM sub_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
      )
      .toArray()[0];
    if (row && now - row.created_at < ROTATE_AFTER_MS) {
      return { kid: row.kid, privateJwk: JSON.parse(row.private_jwk) as JsonWebKey };
    }
    return this.rotate(now);
  }

  /** Makes a new active key and retires the previous one (still published for a while). */
  async rotate(now: number): Promise<SigningKey> {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const priv = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
    const pub = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    const kid = `ds_${await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: pub.x! })}`;
    const publicJwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x: pub.x!, kid, use: "sig", alg: "EdDSA" };
    this.sql.exec("UPDATE sub_keys SET retired_at = ? WHERE retired_at IS NULL", now);
    this.sql.exec("DELETE FROM sub_keys WHERE retired_at IS NOT NULL AND retired_at < ?", now - PUBLISH_RETIRED_MS);
    this.sql.exec(
      "INSERT INTO sub_keys (kid, public_jwk, private_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, NULL)",
      kid,
      JSON.stringify(publicJwk),
      JSON.stringify(priv),
      now,
    );
    return { kid, privateJwk: priv };
  }

  /** The published keys: the active one and those retired within PUBLISH_RETIRED_MS. */
  async jwks(now: number): Promise<{ keys: PublicJwk[] }> {
    await this.active(now);
    const rows = this.sql
      .exec<{ public_jwk: string }>(
        "SELECT public_jwk FROM sub_keys WHERE retired_at IS NULL OR retired_at >= ? ORDER BY created_at DESC",
        now - PUBLISH_RETIRED_MS,
      )
      .toArray();
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as PublicJwk) };
  }
}

/** Signs `<t>.<body>` and returns the Webhook-Signature header value. */
export async function signatureHeader(key: SigningKey, body: string, nowMs: number): Promise<string> {
  const t = Math.floor(nowMs / 1000);
  const k = await crypto.subtle.importKey("jwk", key.privateJwk, { name: "Ed25519" }, false, ["sign"]);
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, k, new TextEncoder().encode(`${t}.${body}`));
  return `t=${t},kid=${key.kid},ed25519=${base64url(new Uint8Array(sig))}`;
}

/** Unpadded base64url. */
export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
