/**
 * The estuary tables of a source StreamDO: its subscribers (sessions) and the
 * fan-out outbox. Outbox rows are written in the append's own transaction, so
 * a committed append always has its fan-out intent; a row is deleted once
 * every subscriber that is not parked has acknowledged it. Synchronous, like
 * the StreamStore.
 */
import type { Sql } from "../do/store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS estuary_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_id INTEGER NOT NULL DEFAULT 0,
  is_session INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS estuary_subscribers (
  session TEXT PRIMARY KEY,
  instance TEXT NOT NULL,
  since INTEGER NOT NULL,
  acked INTEGER NOT NULL,
  queued INTEGER NOT NULL DEFAULT 0,
  queued_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS estuary_outbox (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);
`;

/** Columns added after the first release (added in place to existing tables). */
const ADDED_COLUMNS: readonly [string, string][] = [
  ["attempts", "INTEGER NOT NULL DEFAULT 0"],
  ["retry_at", "INTEGER NOT NULL DEFAULT 0"],
  ["failing_since", "INTEGER NOT NULL DEFAULT 0"],
  ["parked_at", "INTEGER NOT NULL DEFAULT 0"],
  ["parked_offset", "TEXT"],
  ["notified", "INTEGER NOT NULL DEFAULT 0"],
  ["parked_reason", "TEXT"],
];

/** Why a subscriber was parked: its deliveries failed for too long, or it fell too many rows behind. */
export type ParkReason = "failing" | "lagging";

/** One subscriber of the source. `since` is the last outbox id before it subscribed. */
export interface Subscriber {
  readonly session: string;
  readonly instance: string;
  readonly since: number;
  readonly acked: number;
  /** When it was handed to the queue and not yet reported back (0: not in flight). */
  readonly queuedAt: number;
  /** Failed deliveries in a row, the earliest time to try again, and when the failures began. */
  readonly attempts: number;
  readonly retryAt: number;
  readonly failingSince: number;
  /** Parked (0: not parked): it lagged past the limit and no longer holds outbox rows. */
  readonly parkedAt: number;
  /** The source offset of the first message it did not get. */
  readonly parkedOffset: string | null;
  /** Why it was parked (null when not parked, or parked before reasons were kept). */
  readonly parkedReason: ParkReason | null;
  /** Whether the session has been told that it is parked. */
  readonly notified: boolean;
}

/** One outbox row: a JSON array of envelopes, delivered as one session append. */
export interface OutboxRow {
  readonly id: number;
  readonly body: string;
  /** When the append that wrote it committed (ms; 0 for rows written before this was kept): fan-out latency. */
  readonly committedAt?: number;
}

type SubRow = {
  session: string;
  instance: string;
  since: number;
  acked: number;
  queued_at: number;
  attempts: number;
  retry_at: number;
  failing_since: number;
  parked_at: number;
  parked_offset: string | null;
  parked_reason: string | null;
  notified: number;
};

const toSub = (r: SubRow): Subscriber => ({
  session: r.session,
  instance: r.instance,
  since: r.since,
  acked: r.acked,
  queuedAt: r.queued_at,
  attempts: r.attempts,
  retryAt: r.retry_at,
  failingSince: r.failing_since,
  parkedAt: r.parked_at,
  parkedOffset: r.parked_offset,
  parkedReason: r.parked_reason === "failing" || r.parked_reason === "lagging" ? r.parked_reason : null,
  notified: r.notified === 1,
});

/** What the fan-out driver uses of the store (an in-memory fake implements it in unit tests). */
export type Outbox = Pick<
  OutboxStore,
  | "lastId"
  | "isSession"
  | "count"
  | "get"
  | "add"
  | "remove"
  | "write"
  | "pending"
  | "some"
  | "rowsAfter"
  | "ack"
  | "failed"
  | "markQueued"
  | "park"
  | "unnotified"
  | "markNotified"
  | "resume"
  | "trim"
  | "stats"
  | "clear"
  | "sessions"
>;

/** SQLite access to a source stream's subscribers and outbox. */
export class OutboxStore {
  private counted: { instance: string; n: number } | undefined;

  constructor(private readonly sql: Sql) {}

  /** Creates the tables (on first use, and after the stream's storage was wiped). */
  ensureSchema(): void {
    this.sql.exec(SCHEMA);
    const have = new Set(
      this.sql
        .exec<{ name: string }>("PRAGMA table_info(estuary_subscribers)")
        .toArray()
        .map((c) => c.name),
    );
    for (const [name, type] of ADDED_COLUMNS) {
      if (!have.has(name)) this.sql.exec(`ALTER TABLE estuary_subscribers ADD COLUMN ${name} ${type}`);
    }
    const outboxColumns = this.sql.exec<{ name: string }>("PRAGMA table_info(estuary_outbox)").toArray();
    if (!outboxColumns.some((c) => c.name === "committed_at")) {
      this.sql.exec("ALTER TABLE estuary_outbox ADD COLUMN committed_at INTEGER NOT NULL DEFAULT 0");
    }
    this.sql.exec("INSERT OR IGNORE INTO estuary_state (id) VALUES (1)");
    this.counted = undefined;
  }

  /** The id of the last outbox row ever written (0 when none). */
  lastId(): number {
    return (
      this.sql.exec<{ last_id: number }>("SELECT last_id FROM estuary_state WHERE id = 1").toArray()[0]?.last_id ?? 0
    );
  }

  /** True when this stream is an estuary session's stream (which cannot be a source). */
  isSession(): boolean {
    return this.sql.exec<{ s: number }>("SELECT is_session AS s FROM estuary_state WHERE id = 1").toArray()[0]?.s === 1;
  }

  /** Marks this stream as a session stream. */
  markSession(): void {
    this.sql.exec("UPDATE estuary_state SET is_session = 1 WHERE id = 1");
  }

  /** Number of subscribers of the given source instance (cached; subscribers of older instances are dropped). */
  count(instance: string): number {
    if (this.counted?.instance !== instance) {
      this.sql.exec("DELETE FROM estuary_subscribers WHERE instance != ?", instance);
      const n = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM estuary_subscribers").toArray()[0]?.n ?? 0;
      this.counted = { instance, n };
    }
    return this.counted.n;
  }

  /** One subscriber, if the session is subscribed. */
  get(session: string): Subscriber | null {
    const r = this.sql.exec<SubRow>("SELECT * FROM estuary_subscribers WHERE session = ?", session).toArray()[0];
    return r ? toSub(r) : null;
  }

  /** Adds a subscriber that receives every row written from now on (or starts it again from now). */
  add(session: string, instance: string, now: number): void {
    const last = this.lastId();
    const isNew = this.get(session) === null;
    this.sql.exec(
      `INSERT OR REPLACE INTO estuary_subscribers (session, instance, since, acked, queued, queued_at, created_at)
       VALUES (?, ?, ?, ?, ?, 0, ?)`,
      session,
      instance,
      last,
      last,
      last,
      now,
    );
    // Kept in step rather than counted again: a count is a scan of every subscriber.
    if (this.counted?.instance !== instance) this.counted = undefined;
    else if (isNew) this.counted.n += 1;
  }

  /** Removes a subscriber; true when it was there. */
  remove(session: string): boolean {
    const n = this.sql.exec("DELETE FROM estuary_subscribers WHERE session = ?", session).rowsWritten;
    if (this.counted && n > 0) this.counted.n -= 1;
    this.trim();
    return n > 0;
  }

  /** Writes outbox rows (inside the append's transaction). */
  write(bodies: readonly string[], committedAt = Date.now()): void {
    let id = this.lastId();
    for (const body of bodies) {
      id += 1;
      this.sql.exec("INSERT INTO estuary_outbox (id, body, committed_at) VALUES (?, ?, ?)", id, body, committedAt);
    }
    this.sql.exec("UPDATE estuary_state SET last_id = ? WHERE id = 1", id);
  }

  /** Every subscribed session key. */
  sessions(): string[] {
    return this.sql
      .exec<{ session: string }>("SELECT session FROM estuary_subscribers")
      .toArray()
      .map((r) => r.session);
  }

  /** Subscribers that are not parked and have not acknowledged every row. */
  pending(): Subscriber[] {
    const last = this.lastId();
    return this.sql
      .exec<SubRow>("SELECT * FROM estuary_subscribers WHERE acked < ? AND parked_at = 0 ORDER BY session", last)
      .toArray()
      .map(toSub);
  }

  /** Subscribers by session key (those still subscribed). */
  some(sessions: readonly string[]): Subscriber[] {
    const out: Subscriber[] = [];
    for (const s of sessions) {
      const sub = this.get(s);
      if (sub && sub.parkedAt === 0) out.push(sub);
    }
    return out;
  }

  /** Outbox rows after `after`, in order, up to about `maxBytes` (at least one). */
  rowsAfter(after: number, limit: number, maxBytes: number): OutboxRow[] {
    const rows: OutboxRow[] = [];
    let bytes = 0;
    for (const r of this.sql.exec<{ id: number; body: string; committed_at: number }>(
      "SELECT id, body, committed_at FROM estuary_outbox WHERE id > ? ORDER BY id LIMIT ?",
      after,
      limit,
    )) {
      if (rows.length > 0 && bytes + r.body.length > maxBytes) break;
      rows.push({ id: r.id, body: r.body, committedAt: r.committed_at });
      bytes += r.body.length;
    }
    return rows;
  }

  /** Records that `session` (subscribed at `since`) has every row up to `id`; progress clears its failures. */
  ack(session: string, since: number, id: number): void {
    this.sql.exec(
      `UPDATE estuary_subscribers SET
         attempts = CASE WHEN ? > acked THEN 0 ELSE attempts END,
         retry_at = CASE WHEN ? > acked THEN 0 ELSE retry_at END,
         failing_since = CASE WHEN ? > acked THEN 0 ELSE failing_since END,
         acked = max(acked, ?)
       WHERE session = ? AND since = ?`,
      id,
      id,
      id,
      id,
      session,
      since,
    );
  }

  /** A delivery to `session` failed: count it and wait until `retryAt`. */
  failed(session: string, since: number, now: number, retryAt: number): void {
    this.sql.exec(
      `UPDATE estuary_subscribers SET attempts = attempts + 1, retry_at = ?,
         failing_since = CASE WHEN failing_since = 0 THEN ? ELSE failing_since END
       WHERE session = ? AND since = ?`,
      retryAt,
      now,
      session,
      since,
    );
  }

  /** Records that these sessions were handed to the queue at `now` (0: no longer in flight). */
  markQueued(sessions: readonly string[], now: number): void {
    for (const s of sessions) {
      this.sql.exec("UPDATE estuary_subscribers SET queued_at = ? WHERE session = ?", now, s);
    }
  }

  /** Parks a subscriber: it stops holding outbox rows; `offset` is the first message it misses. */
  park(session: string, now: number, offset: string | null, reason: ParkReason): void {
    this.sql.exec(
      `UPDATE estuary_subscribers SET parked_at = ?, parked_offset = ?, parked_reason = ?, notified = 0, queued_at = 0
         WHERE session = ?`,
      now,
      offset,
      reason,
      session,
    );
    this.trim();
  }

  /** Parked subscribers whose session has not been told yet. */
  unnotified(limit: number): Subscriber[] {
    return this.sql
      .exec<SubRow>("SELECT * FROM estuary_subscribers WHERE parked_at > 0 AND notified = 0 LIMIT ?", limit)
      .toArray()
      .map(toSub);
  }

  /** The session was told it is parked (at `parkedAt`). */
  markNotified(session: string, parkedAt: number): void {
    this.sql.exec("UPDATE estuary_subscribers SET notified = 1 WHERE session = ? AND parked_at = ?", session, parkedAt);
  }

  /**
   * Resumes a parked subscriber from the next row written (a new epoch, as a
   * fresh subscription would get). Returns the parked offset, or null when it was not parked.
   */
  resume(session: string): { parkedOffset: string | null } | null {
    const s = this.get(session);
    if (!s || s.parkedAt === 0) return null;
    const last = this.lastId();
    this.sql.exec(
      `UPDATE estuary_subscribers SET since = ?, acked = ?, queued = ?, queued_at = 0, attempts = 0, retry_at = 0,
         failing_since = 0, parked_at = 0, parked_offset = NULL, parked_reason = NULL, notified = 0
         WHERE session = ?`,
      last,
      last,
      last,
      session,
    );
    return { parkedOffset: s.parkedOffset };
  }

  /** Deletes rows every subscriber that is not parked has acknowledged. */
  trim(): void {
    const min = this.sql
      .exec<{ m: number | null }>("SELECT min(acked) AS m FROM estuary_subscribers WHERE parked_at = 0")
      .toArray()[0]?.m;
    this.sql.exec("DELETE FROM estuary_outbox WHERE id <= ?", min ?? this.lastId());
  }

  /** Drops every subscriber and outbox row (the stream is gone), and its session mark. */
  clear(): void {
    this.sql.exec("DELETE FROM estuary_subscribers");
    this.sql.exec("DELETE FROM estuary_outbox");
    this.sql.exec("UPDATE estuary_state SET is_session = 0 WHERE id = 1");
    this.counted = undefined;
  }

  /** Row counts, for tests and metrics. */
  stats(): { subscribers: number; outboxRows: number; lastId: number; parked: number } {
    const n = (q: string) => this.sql.exec<{ n: number }>(q).toArray()[0]?.n ?? 0;
    return {
      subscribers: n("SELECT count(*) AS n FROM estuary_subscribers"),
      outboxRows: n("SELECT count(*) AS n FROM estuary_outbox"),
      lastId: this.lastId(),
      parked: n("SELECT count(*) AS n FROM estuary_subscribers WHERE parked_at > 0"),
    };
  }
}
