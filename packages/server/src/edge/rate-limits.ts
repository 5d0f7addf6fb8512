/**
 * The project's rate limits at the edge: one bucket per project (counted
 * before the token is verified, so floods of bad tokens are limited too) and
 * one per token — or per client address for anonymous callers. 429 +
 * Retry-After when a bucket is empty. Each isolate's own buckets answer at
 * once; the buckets shared by all isolates (RateLimitDO, when bound) are
 * told in batches off the request path and their verdicts are applied here
 * (auth/shared-limits.ts, docs/auth.md).
 */
import type { Context } from "hono";
import type { Principal } from "../auth/principal.js";
import { RateLimiter } from "../auth/rate-limit.js";
import { SharedLimits, type Report } from "../auth/shared-limits.js";
import type { Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import type { ProjectConfig } from "../projects/config.js";

type Ctx = Context<{ Bindings: Env }>;

const limiter = new RateLimiter();
const shared = new SharedLimits();

function reject(retryAfter: number, what: string): never {
  throw new HttpError(
    failure(429, "rate_limited", `Too many requests for this ${what}; retry after ${retryAfter} s`, {
      "retry-after": String(retryAfter),
    }),
  );
}

/** Sends a report to the key's RateLimitDO after the response; a failed report is retried with the next one. */
function send(c: Ctx, report: Report): void {
  const ns = c.env.RATE_LIMITS!;
  const call = ns
    .get(ns.idFromName(report.key))
    .report(report.perMinute, report.used)
    .then(
      (ms) => shared.answered(report, ms),
      (e: unknown) => {
        shared.answered(report, null);
        console.error(JSON.stringify({ msg: "rate-limit report failed", error: String(e) }));
      },
    );
  try {
    c.executionCtx.waitUntil(call);
  } catch {
    // No execution context (app.request in Node tests): the promise still runs.
  }
}

function take(c: Ctx, key: string, perMinute: number, what: string): void {
  if (perMinute <= 0) return;
  const blocked = shared.blockedFor(key);
  if (blocked > 0) reject(blocked, what);
  const wait = limiter.take(key, perMinute);
  if (wait > 0) reject(wait, what);
  if (!c.env.RATE_LIMITS) return;
  const report = shared.admitted(key, perMinute);
  if (report) send(c, report);
}

/** Takes one request from the project's bucket (principal null) or the caller's bucket. */
export function enforceRateLimits(c: Ctx, project: ProjectConfig, principal: Principal | null): void {
  const { requestsPerMinute, tokenRequestsPerMinute } = project.limits;
  if (principal === null) return take(c, `p|${project.name}`, requestsPerMinute, "project");
  if (principal.kind === "root") return;
  // A token's signature identifies it; anonymous callers are told apart by address.
  const who =
    principal.kind === "token" ? `t|${principal.token.slice(-43)}` : `a|${c.req.header("cf-connecting-ip") ?? "local"}`;
  take(c, `${project.name}|${who}`, tokenRequestsPerMinute, principal.kind === "token" ? "token" : "client");
}
