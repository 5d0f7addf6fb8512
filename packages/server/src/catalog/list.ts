/**
 * A project's listing: asks every shard for its part in parallel and merges
 * (merge.ts). One page costs one RPC per shard, each reading at most
 * `limit` matches or SCAN_BUDGET rows.
 */
import type { Env } from "../env.js";
import { readCatalogConfig } from "./config.js";
import { encodeCursor } from "./cursor.js";
import type { CatalogEntry, CatalogPage } from "./entry.js";
import type { ListParams } from "./list-params.js";
import { mergePages } from "./merge.js";
import { shardName, shardOf } from "./shard.js";

function shards(env: Env, project: string) {
  const ns = env.CATALOG;
  if (!ns) throw new Error("the CATALOG Durable Object binding is missing (wrangler.jsonc)");
  const n = readCatalogConfig(env).shards;
  return Array.from({ length: n }, (_, i) => ns.get(ns.idFromName(shardName(project, i))));
}

/** One page of a project's streams. */
export async function listCatalog(env: Env, project: string, p: ListParams): Promise<CatalogPage> {
  const q = {
    sort: p.sort,
    desc: p.desc,
    prefix: p.prefix,
    glob: p.glob,
    session: p.session,
    after: p.after,
    limit: p.limit,
  };
  const pages = await Promise.all(shards(env, project).map((s) => s.list(q)));
  const { entries, next } = mergePages(pages, p.sort, p.desc, p.limit);
  return {
    streams: entries,
    cursor: next === null ? null : encodeCursor({ sort: p.sort, desc: p.desc, filter: p.filter, after: next }),
  };
}

/** One stream's catalog entry, or null. */
export async function catalogEntry(env: Env, project: string, name: string): Promise<CatalogEntry | null> {
  const ns = env.CATALOG;
  if (!ns) return null;
  return ns.get(ns.idFromName(shardName(project, shardOf(name, readCatalogConfig(env).shards)))).entry(name);
}

/** A project's totals over every shard. */
export async function catalogTotals(
  env: Env,
  project: string,
): Promise<{ streams: number; bytes: number; messages: number }> {
  const parts = await Promise.all(shards(env, project).map((s) => s.totals()));
  return parts.reduce(
    (a, b) => ({ streams: a.streams + b.streams, bytes: a.bytes + b.bytes, messages: a.messages + b.messages }),
    {
      streams: 0,
      bytes: 0,
      messages: 0,
    },
  );
}
