/**
 * RateLimitDO: one per rate-limit key (a project, or a token / client of a
 * project), holding the bucket every edge isolate reports to
 * (shared-limits.ts). The bucket lives in memory only: if the object is
 * evicted the key starts again with a full bucket, which errs on the side of
 * admitting and costs no storage writes.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.js";
import { SharedBucket } from "./shared-limits.js";

/** The shared bucket of one rate-limit key. */
export class RateLimitDO extends DurableObject<Env> {
  private readonly bucket = new SharedBucket();

  /** Draws `used` admitted requests from the bucket; answers how long (ms) the key is over its limit. */
  report(perMinute: number, used: number): number {
    return this.bucket.draw(perMinute, used);
  }
}
