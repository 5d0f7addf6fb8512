/**
 * Builds a StreamDO's catalog reporter: what a stream's entry is made of,
 * read from its metadata, segment index, hot-log count and subscriber table.
 */
import type { Env } from "../env.js";
import { expiryTime, type StreamMeta } from "../do/meta.js";
import { ownStart } from "../do/segment-index.js";
import type { Sql } from "../do/store.js";
import { bindObjectEnv, gauge, scheduleFlush } from "../metrics/recorder.js";
import { readCatalogConfig } from "./config.js";
import { CatalogReporter, type StreamSnapshot } from "./reporter.js";
import { splitKey } from "../estuary/ids.js";
import { shardName, shardOf } from "./shard.js";
import type { CatalogEntry } from "./entry.js";

/** What the hook reads from the StreamDO. */
export interface StreamView {
  readonly env: Env;
  readonly sql: Sql;
  /** The metadata row as stored (no expiry applied). */
  current(): StreamMeta | null;
  /** Messages in the hot log (counted once, then kept by cold storage). */
  hotMessages(m: StreamMeta): number;
  armAlarm(at: number): void;
  /** The earliest position still stored (moves when retention trims). */
  retainedStart(m: StreamMeta): number;
  /** The retention limits and the earliest offset still stored. */
  retention(m: StreamMeta): Pick<CatalogEntry, "retention" | "startOffset">;
}

function sealedStats(sql: Sql): { segments: number; messages: number } {
  const r = sql
    .exec<{ n: number; m: number | null }>("SELECT count(*) AS n, sum(messages) AS m FROM segments WHERE sealed = 1")
    .toArray()[0];
  return { segments: r?.n ?? 0, messages: r?.m ?? 0 };
}

/** Subscribers and the largest lag (outbox rows not yet acknowledged) among them. */
function subscribers(sql: Sql): { n: number; lag: number } {
  try {
    const r = sql
      .exec<{ n: number; acked: number | null; last: number | null }>(
        `SELECT count(*) AS n, min(max(acked, since)) AS acked,
          (SELECT last_id FROM estuary_state WHERE id = 1) AS last FROM estuary_subscribers`,
      )
      .toArray()[0];
    return { n: r?.n ?? 0, lag: r && r.n > 0 ? Math.max(0, (r.last ?? 0) - (r.acked ?? 0)) : 0 };
  } catch {
    return { n: 0, lag: 0 }; // the tables are created lazily
  }
}

function isSession(sql: Sql): boolean {
  try {
    return sql.exec<{ s: number }>("SELECT is_session AS s FROM estuary_state WHERE id = 1").toArray()[0]?.s === 1;
  } catch {
    return false;
  }
}

/** A snapshot of a visible stream (soft-deleted and releasing ones are gone from the catalog). */
function snapshotOf(v: StreamView, m: StreamMeta | null, session: boolean): StreamSnapshot | null {
  if (!m || m.state !== "live" || m.pendingRelease) return null;
  // A trim moves the start without an append: part of the lifecycle, so the catalog learns of it at once.
  const start = Math.max(ownStart(m), v.retainedStart(m));
  return {
    key: m.key,
    tail: m.tail,
    lifecycle: `${m.instance}|${m.closed ? "closed" : "open"}|${session ? "session" : "stream"}|${start}`,
    entry(lastAppendAt, now) {
      const sealed = sealedStats(v.sql);
      const bytes = m.tail - start;
      const subs = subscribers(v.sql);
      const { project, name } = splitKey(m.key);
      if (subs.n > 0) {
        gauge(project, name, "subscriberLag", subs.lag, now);
        scheduleFlush();
      }
      return {
        name,
        instance: m.instance,
        contentType: m.contentType,
        createdAt: m.createdAt,
        lastAppendAt: lastAppendAt ?? (bytes > 0 && now - m.createdAt < 5_000 ? m.createdAt : null),
        bytes,
        messages: sealed.messages + v.hotMessages(m),
        ...v.retention(m),
        closed: m.closed,
        ttlSeconds: m.ttlSeconds,
        expiresAt: expiryTime(m),
        forkOf: m.forkSource === null ? null : splitKey(m.forkSource).name,
        segments: sealed.segments,
        subscribers: subs.n,
        session,
        reportedAt: now,
      };
    },
  };
}

/** The last catalog version a StreamDO sent, in its own SQLite (one row; survives restarts and wipes of the stream). */
function versionStore(sql: Sql): { load(): number; save(v: number): void } {
  // Created on every use: a wipe of the stream's storage (deleteAll) drops the table.
  const table = () =>
    sql.exec("CREATE TABLE IF NOT EXISTS catalog_version (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL)");
  return {
    load() {
      table();
      return sql.exec<{ v: number }>("SELECT v FROM catalog_version WHERE id = 1").toArray()[0]?.v ?? 0;
    },
    save(v) {
      table();
      sql.exec("INSERT OR REPLACE INTO catalog_version (id, v) VALUES (1, ?)", v);
    },
  };
}

/** The reporter of one StreamDO. */
export function catalogReporter(v: StreamView): CatalogReporter {
  const config = readCatalogConfig(v.env);
  bindObjectEnv(v.env);
  // Whether the stream is a session stream, read once per instance (not on every append).
  let session: { instance: string; value: boolean } | null = null;
  const sessionOf = (m: StreamMeta | null) => {
    if (!m) return false;
    if (session?.instance !== m.instance) session = { instance: m.instance, value: isSession(v.sql) };
    return session.value;
  };
  return new CatalogReporter({
    refresh: () => {
      session = null;
    },
    intervalMs: config.statsIntervalMs,
    disabled: !config.enabled,
    versions: versionStore(v.sql),
    arm: (at) => v.armAlarm(at),
    later: (fn, ms) => setTimeout(fn, ms),
    snapshot: () => {
      const m = v.current();
      return snapshotOf(v, m, sessionOf(m));
    },
    sink(key) {
      const ns = v.env.CATALOG;
      if (!ns) return null;
      const { project, name } = splitKey(key);
      return ns.get(ns.idFromName(shardName(project, shardOf(name, config.shards))));
    },
  });
}
