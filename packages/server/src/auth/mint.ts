/**
 * Minting project tokens: the server's mint route and the CLI both use this,
 * and a team's own backend can too (or any JWT library with the same claims).
 */
import { SignJWT, importJWK, type CryptoKey, type JWK } from "jose";
import { fromBase64Url } from "../projects/keys.js";
import { audienceOf, type Scope } from "./claims.js";
import { parseStreamsClaim } from "./patterns.js";

/** The signing key: a project's HS256 secret, or an ES256 / EdDSA private key. */
export type MintKey =
  | { readonly alg: "HS256"; readonly secret: string | Uint8Array }
  | { readonly alg: "ES256" | "EdDSA"; readonly privateKey: CryptoKey | JWK };

/** What a minted token says. */
export interface MintOptions {
  /** Project name (the token's audience becomes `ds:<project>`). */
  readonly project: string;
  /** Key id of the signing key, as listed in the project's config. */
  readonly kid: string;
  readonly key: MintKey;
  /** Who the token is for (your user or service id). */
  readonly sub: string;
  readonly scope: Scope;
  /** Stream-path patterns (`chat/*`, `logs/**`); omit for every stream. */
  readonly streams?: readonly string[];
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  /** Issue time (default: now); for tests. */
  readonly now?: Date;
}

/** Mints a signed project token (a compact JWT). */
export async function mintToken(opts: MintOptions): Promise<string> {
  if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds <= 0)
    throw new Error("ttlSeconds must be a positive integer");
  if (opts.streams !== undefined) {
    const s = parseStreamsClaim(opts.streams);
    if (s instanceof Error) throw s;
  }
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = { scope: opts.scope };
  if (opts.streams !== undefined) claims.streams = [...opts.streams];
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: opts.key.alg, kid: opts.kid, typ: "JWT" })
    .setSubject(opts.sub)
    .setAudience(audienceOf(opts.project))
    .setIssuedAt(iat)
    .setExpirationTime(iat + opts.ttlSeconds)
    .setJti(crypto.randomUUID());
  const k = opts.key;
  if (k.alg === "HS256") return jwt.sign(typeof k.secret === "string" ? fromBase64Url(k.secret) : k.secret);
  const priv = "kty" in k.privateKey ? await importJWK(k.privateKey as JWK, k.alg) : k.privateKey;
  return jwt.sign(priv);
}
