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
CREATE TABLE IF NOT EXISTS intents (
  stream TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;

/** Subscription columns added after the first release (added in place to existing tables). */
const ADDED_COLUMNS: readonly [string, string][] = [
  ["parked_at", "INTEGER NOT NULL DEFAULT 0"],
  ["parked_offset", "TEXT"],
  ["missed_from", "TEXT"],
  ["missed_to", "TEXT"],
];

/** A change to a subscription that was started but not yet confirmed by the source. */
export interface Intent {
  readonly stream: string;
  readonly kind: "subscribe" | "unsubscribe";
}

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
  /** The source parked this subscription at `parkedAt` (0: not parked); `parkedOffset` is the first message missed. */
  readonly parkedAt: number;
  readonly parkedOffset: string | null;
  /** After a resume: the source range it missed while parked (read it from the source). */
  readonly missed: { readonly from: string | null; readonly to: string } | null;
}

type SubscriptionRow = {
  stream: string;
  created_at: number;
  parked_at: number;
  parked_offset: string | null;
  missed_from: string | null;
  missed_to: string | null;
};

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
    const have = new Set(
      this.sql
        .exec<{ name: string }>("PRAGMA table_info(subscriptions)")
        .toArray()
        .map((c) => c.name),
    );
    for (const [name, type] of ADDED_COLUMNS) {
      if (!have.has(name)) this.sql.exec(`ALTER TABLE subscriptions ADD COLUMN ${name} ${type}`);
    }
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
      .exec<SubscriptionRow>("SELECT * FROM subscriptions ORDER BY stream")
      .toArray()
      .map((r) => ({
        stream: r.stream,
        createdAt: r.created_at,
        parkedAt: r.parked_at,
        parkedOffset: r.parked_offset,
        missed: r.missed_to === null ? null : { from: r.missed_from, to: r.missed_to },
      }));
  }

  /** Records that the source parked the subscription. */
  park(stream: string, at: number, offset: string | null): void {
    this.sql.exec("UPDATE subscriptions SET parked_at = ?, parked_offset = ? WHERE stream = ?", at, offset, stream);
  }

  /** The subscription resumed; `missed` is the source range it did not receive (null: nothing). */
  resumed(stream: string, missed: { from: string | null; to: string } | null): void {
    this.sql.exec(
      "UPDATE subscriptions SET parked_at = 0, parked_offset = NULL, missed_from = ?, missed_to = ? WHERE stream = ?",
      missed?.from ?? null,
      missed?.to ?? null,
      stream,
    );
  }

  /** Unconfirmed subscription changes. */
  intents(): Intent[] {
    return this.sql
      .exec<{ stream: string; kind: string }>("SELECT stream, kind FROM intents ORDER BY stream")
      .toArray()
      .map((r) => ({ stream: r.stream, kind: r.kind === "unsubscribe" ? "unsubscribe" : "subscribe" }));
  }

  /** Records a change before asking the source, so a crash leaves something to finish. */
  intend(stream: string, kind: Intent["kind"], now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO intents (stream, kind, created_at) VALUES (?, ?, ?)", stream, kind, now);
  }

  /** The change to `stream` is finished (or abandoned). */
  settle(stream: string): void {
    this.sql.exec("DELETE FROM intents WHERE stream = ?", stream);
  }

  /** True when the session subscribes to `stream`. */
  has(stream: string): boolean {
    return this.sql.exec("SELECT 1 FROM subscriptions WHERE stream = ?", stream).toArray().length > 0;
  }

  /** Number of subscriptions. */
  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM subscriptions").toArray()[0]?.n ?? 0;
  }

  /** Records a subscription (confirmed by the source) and settles its intent. */
  add(stream: string, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO subscriptions (stream, created_at) VALUES (?, ?)", stream, now);
    this.settle(stream);
  }

  /** Forgets a subscription and any intent about it. */
  remove(stream: string): void {
    this.sql.exec("DELETE FROM subscriptions WHERE stream = ?", stream);
    this.settle(stream);
  }
}
