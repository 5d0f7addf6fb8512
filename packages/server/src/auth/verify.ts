/**
 * Verifies a project token with jose. The header's `kid` selects one of the
 * project's keys and the key fixes the algorithm, so `alg: none`, algorithm
 * confusion and keys of other projects are refused before any signature check.
 */
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type CryptoKey } from "jose";
import { failure, type Failure } from "../protocol/errors.js";
import type { ProjectConfig } from "../projects/config.js";
import { fromBase64Url, type SigningKey } from "../projects/keys.js";
import { CLOCK_SKEW_SECONDS, audienceOf, isAlgorithm, parseScope, type Scope } from "./claims.js";
import { parseStreamsClaim } from "./patterns.js";

/** What a verified token grants. */
export interface TokenGrant {
  readonly sub: string;
  readonly scope: Scope;
  /** Stream-path patterns the token is limited to; null for every stream of the project. */
  readonly streams: readonly string[] | null;
  readonly kid: string;
  readonly exp: number;
}

// Imported keys, per key object: configs are cached per isolate, so this
// lasts as long as the config does.
const imported = new WeakMap<SigningKey, Promise<CryptoKey | Uint8Array>>();

function keyMaterial(key: SigningKey): Promise<CryptoKey | Uint8Array> {
  let k = imported.get(key);
  if (!k) {
    k =
      key.alg === "HS256"
        ? Promise.resolve(fromBase64Url(key.secret))
        : (importJWK({ ...key.jwk }, key.alg) as Promise<CryptoKey>);
    imported.set(key, k);
  }
  return k;
}

const deny = (message: string): Failure =>
  failure(401, "unauthorized", message, { "www-authenticate": 'Bearer error="invalid_token"' });

/** Verifies `token` against the project's keys; a 401 Failure says why it is refused. */
export async function verifyToken(
  token: string,
  project: ProjectConfig,
  now = new Date(),
): Promise<TokenGrant | Failure> {
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return deny("Token is not a JWT");
  }
  if (!isAlgorithm(header.alg))
    return deny(`Token algorithm "${String(header.alg)}" is not accepted (HS256, ES256, EdDSA)`);
  if (typeof header.kid !== "string") return deny("Token header has no kid");
  const key = project.keys.find((k) => k.kid === header.kid);
  if (!key) return deny(`Token key id "${header.kid}" is not a key of project "${project.name}"`);
  if (key.alg !== header.alg) return deny(`Key "${key.kid}" is an ${key.alg} key; the token says ${header.alg}`);
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await keyMaterial(key), {
      algorithms: [key.alg],
      audience: audienceOf(project.name),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", "sub"],
      currentDate: now,
    }));
  } catch (e) {
    if (e instanceof errors.JWTExpired) return deny("Token has expired");
    if (e instanceof errors.JWSSignatureVerificationFailed) return deny("Token signature is invalid");
    if (e instanceof errors.JWTClaimValidationFailed && e.claim === "aud") {
      return deny(`Token is not for project "${project.name}" (aud must be "${audienceOf(project.name)}")`);
    }
    if (e instanceof errors.JOSEError) return deny(`Token is invalid: ${e.message}`);
    throw e;
  }
  const scope = parseScope(payload.scope);
  if (scope === null) return deny('Token has no valid "scope" (read, write or manage)');
  if (typeof payload.sub !== "string" || payload.sub === "") return deny('Token "sub" must be a non-empty string');
  const streams = parseStreamsClaim(payload.streams);
  if (streams instanceof Error) return deny(`Token ${streams.message}`);
  return { sub: payload.sub, scope, streams, kid: key.kid, exp: payload.exp! };
}
