/**
 * The project's rate limits at the edge: one bucket per project (counted
 * before the token is verified, so floods of bad tokens are limited too) and
 * one per token — or per client address for anonymous callers. 429 +
 * Retry-After when a bucket is empty.
 */
import type { Context } from "hono";
import type { Principal } from "../auth/principal.js";
import { RateLimiter } from "../auth/rate-limit.js";
import type { Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import type { ProjectConfig } from "../projects/config.js";

const limiter = new RateLimiter();

function reject(retryAfter: number, what: string): never {
  throw new HttpError(
    failure(429, "rate_limited", `Too many requests for this ${what}; retry after ${retryAfter} s`, {
      "retry-after": String(retryAfter),
    }),
  );
}

/** Takes one request from the project's bucket (principal null) or the caller's bucket. */
export function enforceRateLimits(
  c: Context<{ Bindings: Env }>,
  project: ProjectConfig,
  principal: Principal | null,
): void {
  const { requestsPerMinute, tokenRequestsPerMinute } = project.limits;
  if (principal === null) {
    const wait = limiter.take(`p|${project.name}`, requestsPerMinute);
    if (wait > 0) reject(wait, "project");
    return;
  }
  if (principal.kind === "root") return;
  // A token's signature identifies it; anonymous callers are told apart by address.
  const who =
    principal.kind === "token" ? `t|${principal.token.slice(-43)}` : `a|${c.req.header("cf-connecting-ip") ?? "local"}`;
  const wait = limiter.take(`${project.name}|${who}`, tokenRequestsPerMinute);
  if (wait > 0) reject(wait, principal.kind === "token" ? "token" : "client");
}
