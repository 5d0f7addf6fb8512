/**
 * CatalogShardDO: one SQLite-backed Durable Object per (project, hash shard
 * of the stream name). StreamDOs report to it; the edge and the AdminApi
 * list from it (catalog/list.ts merges the shards).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.js";
import { CatalogStore } from "./catalog-store.js";
import type { CatalogEntry, CatalogReport, ShardPage, ShardQuery } from "./entry.js";

const PRUNE_EVERY_MS = 60_000;

/** One shard of a project's stream catalog. */
export class CatalogShardDO extends DurableObject<Env> {
  private readonly store: CatalogStore;
  private prunedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new CatalogStore(ctx.storage.sql);
  }

  /** A StreamDO's report; true when it changed the catalog. */
  async report(r: CatalogReport): Promise<boolean> {
    const now = Date.now();
    if (now - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = now;
      this.store.pruneTombstones(now);
    }
    return this.store.apply(r);
  }

  /** This shard's part of a listing. */
  async list(q: ShardQuery): Promise<ShardPage> {
    return this.store.list(q);
  }

  /** One stream's entry, or null. */
  async entry(name: string): Promise<CatalogEntry | null> {
    return this.store.get(name);
  }

  /** Test and bench only (`DEBUG_ENDPOINTS`): applies many reports at once (synthetic entries). */
  async debugSeed(reports: CatalogReport[]): Promise<number> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    let n = 0;
    this.ctx.storage.transactionSync(() => {
      for (const r of reports) if (this.store.apply(r)) n += 1;
    });
    return n;
  }

  /** Live streams, bytes and messages in this shard, and reports applied since the object started. */
  async totals(): Promise<{ streams: number; bytes: number; messages: number; applied: number }> {
    return { ...this.store.totals(), applied: this.store.applied };
  }
}
