/**
 * The SQLite of an EstuaryDO: the session row (owner, lifetime) and the
 * source streams it subscribes to. Synchronous; the DO groups writes.
 */
import type { Sql } from "../do/store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS session (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  project TEXT NOT NULL,
  estuary_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ttl_seconds INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
  stream TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
`;

/** A session as stored. */
export interface Session {
  readonly project: string;
  readonly estuaryId: string;
  readonly owner: string;
  readonly createdAt: number;
  ttlSeconds: number;
  expiresAt: number;
}

/** One subscription: a source stream name of the session's project. */
export interface Subscription {
  readonly stream: string;
  readonly createdAt: number;
}

type SessionRow = {
  project: string;
  estuary_id: string;
  owner: string;
  created_at: number;
  ttl_seconds: number;
  expires_at: number;
};

/** SQLite access for one session. */
export class SessionStore {
  constructor(private readonly sql: Sql) {}

  /** Creates the tables if missing (after a wipe, or on first use). */
  ensureSchema(): void {
    this.sql.exec(SCHEMA);
  }

  /** The session, or null when none lives here. */
  load(): Session | null {
    const r = this.sql.exec<SessionRow>("SELECT * FROM session WHERE id = 1").toArray()[0];
    if (!r) return null;
    return {
      project: r.project,
      estuaryId: r.estuary_id,
      owner: r.owner,
      createdAt: r.created_at,
      ttlSeconds: r.ttl_seconds,
      expiresAt: r.expires_at,
    };
  }

  /** Writes the session row. */
  save(s: Session): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO session (id, project, estuary_id, owner, created_at, ttl_seconds, expires_at)
       VALUES (1, ?, ?, ?, ?, ?, ?)`,
      s.project,
      s.estuaryId,
      s.owner,
      s.createdAt,
      s.ttlSeconds,
      s.expiresAt,
    );
  }

  /** The session's subscriptions, by stream name. */
  subscriptions(): Subscription[] {
    return this.sql
      .exec<{ stream: string; created_at: number }>("SELECT stream, created_at FROM subscriptions ORDER BY stream")
      .toArray()
      .map((r) => ({ stream: r.stream, createdAt: r.created_at }));
  }

  /** True when the session subscribes to `stream`. */
  has(stream: string): boolean {
    return this.sql.exec("SELECT 1 FROM subscriptions WHERE stream = ?", stream).toArray().length > 0;
  }

  /** Number of subscriptions. */
  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM subscriptions").toArray()[0]?.n ?? 0;
  }

  /** Records a subscription. */
  add(stream: string, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO subscriptions (stream, created_at) VALUES (?, ?)", stream, now);
  }

  /** Forgets a subscription. */
  remove(stream: string): void {
    this.sql.exec("DELETE FROM subscriptions WHERE stream = ?", stream);
  }
}
