/**
 * Retention at the edge (do/retention.ts): the retention headers of a PUT,
 * bounded by the project's defaults and caps; PATCH, which changes a stream's
 * limits and/or trims its history before an offset (write scope, like DELETE:
 * it removes history); and the retention headers of HEAD.
 */
import type { Context } from "hono";
import type { Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import { H } from "../protocol/headers.js";
import {
  applyRetention,
  isEmptyPatch,
  parseRetentionHeaders,
  RETENTION_HEADERS,
  START_OFFSET_HEADER,
  TRIM_BEFORE_HEADER,
  type Retention,
} from "../do/retention-policy.js";
import type { RetentionOk } from "../do/retention.js";
import { NO_PROJECT_RETENTION } from "../projects/retention-config.js";
import { accessOf } from "./auth-middleware.js";
import { check, must, streamPathOf, streamStub } from "./stream-routes.js";
import { metrics } from "../live/metrics.js";

type Ctx = Context<{ Bindings: Env }>;

function projectRetention(c: Ctx) {
  return accessOf(c)?.project.retention ?? NO_PROJECT_RETENTION;
}

/** A new stream's limits: its headers over the project's defaults, within the caps. */
export function createRetention(c: Ctx): Retention {
  const patch = check(parseRetentionHeaders(c.req.raw.headers));
  const { defaults, caps } = projectRetention(c);
  return check(applyRetention(defaults, patch, caps));
}

/** PATCH: `Stream-Retention-*` headers change limits, `Stream-Trim-Before` trims; 200 with the retained range. */
export async function handlePatch(c: Ctx): Promise<Response> {
  const path = streamPathOf(c);
  const headers = c.req.raw.headers;
  const patch = check(parseRetentionHeaders(headers));
  const trimBefore = headers.get(TRIM_BEFORE_HEADER);
  if (isEmptyPatch(patch) && trimBefore === null) {
    throw new HttpError(
      failure(
        400,
        "bad_request",
        `PATCH needs ${Object.values(RETENTION_HEADERS).join(", ")} or ${TRIM_BEFORE_HEADER}`,
      ),
    );
  }
  metrics.doWrites += 1;
  const r = must(await streamStub(c, path).changeRetention({ patch, caps: projectRetention(c).caps, trimBefore }));
  const out = new Headers({ [H.cacheControl]: "no-store" });
  setRetentionHeaders(out, r);
  return new Response(null, { status: 204, headers: out });
}

/** `Stream-Start-Offset` and the stream's `Stream-Retention-*` limits. */
export function setRetentionHeaders(out: Headers, r: RetentionOk | undefined): void {
  if (!r) return;
  out.set(START_OFFSET_HEADER, r.startOffset);
  for (const k of ["bytes", "messages", "seconds"] as const) {
    const v = r.limits[k];
    if (v !== null) out.set(RETENTION_HEADERS[k], String(v));
  }
}
