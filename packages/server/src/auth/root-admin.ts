/**
 * The root admin secret (`ADMIN_TOKEN`, a Worker secret): the operator's
 * credential for creating projects and managing any of them. Compared in
 * constant time over SHA-256 digests so neither length nor prefix leaks.
 */
import { HttpError, failure } from "../protocol/errors.js";

/** Shortest accepted ADMIN_TOKEN. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
}

/** True when `token` is the configured root admin secret. */
export async function isRootToken(adminToken: string | undefined, token: string): Promise<boolean> {
  if (adminToken === undefined || adminToken === "") return false;
  if (adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new HttpError(
      failure(
        503,
        "unavailable",
        `ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters; set a long random one with "wrangler secret put ADMIN_TOKEN"`,
      ),
    );
  }
  const [a, b] = await Promise.all([digest(adminToken), digest(token)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
