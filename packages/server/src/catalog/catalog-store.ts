/**
 * One catalog shard's SQLite table. Reports carry a version (a per-stream
 * clock) and only a newer one changes a row, so a late or retried report
 * never resurrects a deleted stream; removals leave a tombstone that is
 * dropped after TOMBSTONE_MS.
 */
import type { Sql } from "../do/store.js";
import type { CatalogEntry, CatalogReport, Position, ShardPage, ShardQuery } from "./entry.js";
import { nameMatches, scanPrefix } from "./glob.js";
import { formatOffset } from "../protocol/offset.js";

/** Rows a shard examines for one page at most (a glob that matches little stops here). */
export const SCAN_BUDGET = 5_000;
const CHUNK = 500;
const TOMBSTONE_MS = 10 * 60_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  instance TEXT NOT NULL,
  content_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_append INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  messages INTEGER NOT NULL DEFAULT 0,
  closed INTEGER NOT NULL DEFAULT 0,
  ttl_seconds INTEGER,
  expires_at INTEGER,
  fork_of TEXT,
  segments INTEGER NOT NULL DEFAULT 0,
  subscribers INTEGER NOT NULL DEFAULT 0,
  session INTEGER NOT NULL DEFAULT 0,
  reported_at INTEGER NOT NULL,
  start_offset TEXT,
  retention TEXT
);
CREATE INDEX IF NOT EXISTS streams_by_last_append ON streams (last_append, name);
CREATE INDEX IF NOT EXISTS streams_by_bytes ON streams (bytes, name);
`;

type Row = {
  name: string;
  instance: string;
  content_type: string;
  created_at: number;
  last_append: number;
  bytes: number;
  messages: number;
  closed: number;
  ttl_seconds: number | null;
  expires_at: number | null;
  fork_of: string | null;
  segments: number;
  subscribers: number;
  session: number;
  reported_at: number;
  start_offset: string | null;
  retention: string | null;
};

const NO_LIMITS = { bytes: null, messages: null, seconds: null };
/** Columns added after shards existed: added to an older table on start. */
const ADDED = ["start_offset TEXT", "retention TEXT"];

const toEntry = (r: Row): CatalogEntry => ({
  name: r.name,
  instance: r.instance,
  contentType: r.content_type,
  createdAt: r.created_at,
  lastAppendAt: r.last_append === 0 ? null : r.last_append,
  bytes: r.bytes,
  messages: r.messages,
  closed: r.closed === 1,
  ttlSeconds: r.ttl_seconds,
  expiresAt: r.expires_at,
  forkOf: r.fork_of,
  segments: r.segments,
  subscribers: r.subscribers,
  session: r.session === 1,
  reportedAt: r.reported_at,
  startOffset: r.start_offset ?? formatOffset({ segment: 0, position: 0 }),
  retention: r.retention === null ? NO_LIMITS : (JSON.parse(r.retention) as CatalogEntry["retention"]),
});

const COLUMN = { name: "name", lastAppend: "last_append", bytes: "bytes" } as const;

/** SQL access to one shard. */
export class CatalogStore {
  /** Reports that changed a row (tests and the bench read it). */
  applied = 0;

  constructor(private readonly sql: Sql) {
    this.sql.exec(SCHEMA);
    const have = new Set(
      this.sql
        .exec<{ name: string }>("PRAGMA table_info(streams)")
        .toArray()
        .map((c) => c.name),
    );
    for (const col of ADDED) if (!have.has(col.split(" ")[0]!)) this.sql.exec(`ALTER TABLE streams ADD COLUMN ${col}`);
  }

  /** Applies a report unless a newer one was applied; true when it changed the row. */
  apply(r: CatalogReport): boolean {
    const name = r.kind === "upsert" ? r.entry.name : r.name;
    const cur = this.sql.exec<{ version: number }>("SELECT version FROM streams WHERE name = ?", name).toArray()[0];
    if (cur && cur.version >= r.version) return false;
    if (r.kind === "remove") {
      if (!cur) return false;
      this.sql.exec(
        "UPDATE streams SET deleted = 1, version = ?, reported_at = ? WHERE name = ?",
        r.version,
        r.at,
        name,
      );
    } else {
      const e = r.entry;
      // A report made after a restart does not know the last append; the same instance keeps the stored one.
      this.sql.exec(
        `INSERT INTO streams (name, version, deleted, instance, content_type, created_at, last_append, bytes,
          messages, closed, ttl_seconds, expires_at, fork_of, segments, subscribers, session, reported_at,
          start_offset, retention)
         VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, deleted = 0,
           last_append = CASE WHEN excluded.last_append = 0 AND streams.instance = excluded.instance
             THEN streams.last_append ELSE excluded.last_append END,
           instance = excluded.instance, content_type = excluded.content_type, created_at = excluded.created_at,
           bytes = excluded.bytes, messages = excluded.messages, closed = excluded.closed,
           ttl_seconds = excluded.ttl_seconds, expires_at = excluded.expires_at, fork_of = excluded.fork_of,
           segments = excluded.segments, subscribers = excluded.subscribers, session = excluded.session,
           reported_at = excluded.reported_at, start_offset = excluded.start_offset, retention = excluded.retention`,
        e.name,
        r.version,
        e.instance,
        e.contentType,
        e.createdAt,
        e.lastAppendAt ?? 0,
        e.bytes,
        e.messages,
        e.closed ? 1 : 0,
        e.ttlSeconds,
        e.expiresAt,
        e.forkOf,
        e.segments,
        e.subscribers,
        e.session ? 1 : 0,
        e.reportedAt,
        e.startOffset,
        JSON.stringify(e.retention),
      );
    }
    this.applied += 1;
    return true;
  }

  /** One live entry by name. */
  get(name: string): CatalogEntry | null {
    const r = this.sql.exec<Row>("SELECT * FROM streams WHERE name = ? AND deleted = 0", name).toArray()[0];
    return r ? toEntry(r) : null;
  }

  /** Live streams and their bytes in this shard. */
  totals(): { streams: number; bytes: number; messages: number } {
    const r = this.sql
      .exec<{ n: number; b: number | null; m: number | null }>(
        "SELECT count(*) AS n, sum(bytes) AS b, sum(messages) AS m FROM streams WHERE deleted = 0",
      )
      .toArray()[0];
    return { streams: r?.n ?? 0, bytes: r?.b ?? 0, messages: r?.m ?? 0 };
  }

  /** Drops tombstones old enough that no late report for them is still in flight. */
  pruneTombstones(now: number): void {
    this.sql.exec("DELETE FROM streams WHERE deleted = 1 AND reported_at < ?", now - TOMBSTONE_MS);
  }

  /** One shard's part of a listing. */
  list(q: ShardQuery): ShardPage {
    const prefix = scanPrefix(q.prefix, q.glob);
    if (prefix === null) return { entries: [], scannedTo: null };
    const entries: CatalogEntry[] = [];
    let after: Position | null = q.after;
    let scanned = 0;
    while (scanned < SCAN_BUDGET) {
      const rows = this.chunk(q, prefix, after);
      for (const r of rows) {
        scanned += 1;
        after = { value: q.sort === "name" ? null : (r[COLUMN[q.sort] as "bytes"] as number), name: r.name };
        const kindOk = q.session === null || (r.session === 1) === q.session;
        if (r.deleted === 0 && kindOk && nameMatches(r.name, q.prefix, q.glob)) {
          entries.push(toEntry(r));
          if (entries.length >= q.limit) return { entries, scannedTo: null };
        }
      }
      if (rows.length < CHUNK) return { entries, scannedTo: null };
    }
    return { entries, scannedTo: after };
  }

  private chunk(q: ShardQuery, prefix: string, after: Position | null): (Row & { deleted: number })[] {
    const dir = q.desc ? "DESC" : "ASC";
    const cmp = q.desc ? "<" : ">";
    const where: string[] = [];
    const args: unknown[] = [];
    if (after && q.sort === "name") {
      where.push(`name ${cmp} ?`);
      args.push(after.name);
    } else if (after) {
      where.push(`(${COLUMN[q.sort]}, name) ${cmp} (?, ?)`);
      args.push(after.value ?? 0, after.name);
    }
    if (prefix !== "") {
      // Every name with this prefix sorts in [prefix, prefix + U+10FFFF) (a noncharacter names do not use).
      where.push("name >= ? AND name < ?");
      args.push(prefix, `${prefix}\u{10FFFF}`);
    }
    const order = q.sort === "name" ? `name ${dir}` : `${COLUMN[q.sort]} ${dir}, name ${dir}`;
    const sql = `SELECT * FROM streams ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT ${CHUNK}`;
    return this.sql.exec<Row & { deleted: number }>(sql, ...args).toArray();
  }
}
