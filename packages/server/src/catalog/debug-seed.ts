/**
 * Test and bench only (`DEBUG_ENDPOINTS`): `POST /v1/_debug/catalog-seed?project=&prefix=&from=&count=`
 * writes `count` synthetic entries (`<prefix><from>`…) straight into a
 * project's catalog shards, so listing can be measured at 100,000 streams
 * without creating 100,000 Durable Objects. The entries are ordinary rows;
 * StreamDO reports for real streams are unaffected.
 */
import { Hono } from "hono";
import type { Env } from "../env.js";
import { failure } from "../protocol/errors.js";
import { errorResponse } from "../edge/respond.js";
import { readCatalogConfig } from "./config.js";
import type { CatalogReport } from "./entry.js";
import { shardName, shardOf } from "./shard.js";

const MAX_SEED = 20_000;

/** The seeding route (404 unless DEBUG_ENDPOINTS is "true"). */
export function catalogSeedRoute(): Hono<{ Bindings: Env }> {
  const r = new Hono<{ Bindings: Env }>();
  r.post("/", async (c) => {
    if (c.env.DEBUG_ENDPOINTS !== "true" || !c.env.CATALOG)
      return errorResponse(failure(404, "not_found", "No such route"));
    const project = c.req.query("project") ?? "default";
    const prefix = c.req.query("prefix") ?? "seed-";
    const from = Number(c.req.query("from") ?? "0");
    const count = Number(c.req.query("count") ?? "1000");
    if (!Number.isInteger(count) || count < 1 || count > MAX_SEED || !Number.isInteger(from) || from < 0) {
      return errorResponse(failure(400, "bad_request", `count must be 1-${MAX_SEED}, from a non-negative integer`));
    }
    const shards = readCatalogConfig(c.env).shards;
    const byShard = new Map<number, CatalogReport[]>();
    const now = Date.now();
    for (let i = from; i < from + count; i++) {
      const name = `${prefix}${String(i).padStart(7, "0")}`;
      const s = shardOf(name, shards);
      (byShard.get(s) ?? byShard.set(s, []).get(s)!).push({
        kind: "upsert",
        version: 1,
        entry: {
          name,
          instance: "seed",
          contentType: "application/octet-stream",
          createdAt: now,
          lastAppendAt: now - ((i * 7919) % 86_400_000),
          bytes: (i * 104_729) % 10_000_000,
          messages: i % 1000,
          startOffset: "0000000000000000_0000000000000000",
          retention: { bytes: null, messages: null, seconds: null },
          closed: false,
          ttlSeconds: null,
          expiresAt: null,
          forkOf: null,
          segments: 0,
          subscribers: 0,
          session: false,
          reportedAt: now,
        },
      });
    }
    const ns = c.env.CATALOG;
    const written = await Promise.all(
      [...byShard].map(([s, reports]) => ns.get(ns.idFromName(shardName(project, s))).debugSeed(reports)),
    );
    return c.json({ written: written.reduce((a, b) => a + b, 0) });
  });
  return r;
}
