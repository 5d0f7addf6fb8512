/**
 * SQLite of retention, beside the stream's own tables (so older objects need
 * no migration of `meta`): per instance its limits, its retained start (the
 * earliest position still stored) and an unfinished trim's durable intent;
 * when each segment was sealed (what age retention measures); and, as a fork
 * source, where each fork's history starts (what the source must keep). Rows are
 * keyed by instance, so a re-created stream never sees an earlier one's.
 */
import type { Retention } from "./retention-policy.js";
import type { Cached, RowCaches } from "./row-cache.js";
import type { Sql } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS retention (
  instance TEXT PRIMARY KEY,
  max_bytes INTEGER,
  max_messages INTEGER,
  max_seconds INTEGER,
  start_pos INTEGER NOT NULL DEFAULT 0,
  trim_to INTEGER,
  trim_first INTEGER,
  trim_last INTEGER
);
CREATE TABLE IF NOT EXISTS fork_pins (
  ref TEXT PRIMARY KEY,
  start INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS segment_sealed_at (
  instance TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (instance, seq)
);
`;

/** A trim recorded but not finished: move the start to `to`, drop segments `first`..`last` (none when last < first). */
export interface TrimIntent {
  readonly to: number;
  readonly first: number;
  readonly last: number;
}

type Row = {
  max_bytes: number | null;
  max_messages: number | null;
  max_seconds: number | null;
  start_pos: number;
  trim_to: number | null;
  trim_first: number | null;
  trim_last: number | null;
};

/** Retention state of the stream's instances. */
export class RetentionStore {
  /** The last instance's row, read once (reads check it on every request; it changes only here). */
  private readonly current: Cached<{ instance: string; row: Row | undefined }>;

  constructor(
    private readonly sql: Sql,
    caches: RowCaches,
  ) {
    this.current = caches.cell();
  }

  /** Creates the tables (after a wipe, or on first use). */
  ensureSchema(): void {
    this.current.drop();
    this.sql.exec(SCHEMA);
  }

  private row(instance: string): Row | undefined {
    const read = () => ({
      instance,
      row: this.sql.exec<Row>("SELECT * FROM retention WHERE instance = ?", instance).toArray()[0],
    });
    let c = this.current.get(read);
    if (c.instance !== instance) this.current.set((c = read()));
    return c.row;
  }

  /** The instance's limits (none when never set). */
  limits(instance: string): Retention {
    const r = this.row(instance);
    return { bytes: r?.max_bytes ?? null, messages: r?.max_messages ?? null, seconds: r?.max_seconds ?? null };
  }

  /** The earliest position still stored (0 when never trimmed). */
  start(instance: string): number {
    return this.row(instance)?.start_pos ?? 0;
  }

  /** Sets the instance's limits (and, for a new stream, where its history starts). */
  setLimits(instance: string, r: Retention, start?: number): void {
    this.current.drop();
    this.sql.exec(
      `INSERT INTO retention (instance, max_bytes, max_messages, max_seconds, start_pos) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (instance) DO UPDATE SET max_bytes = excluded.max_bytes, max_messages = excluded.max_messages,
       max_seconds = excluded.max_seconds`,
      instance,
      r.bytes,
      r.messages,
      r.seconds,
      start ?? 0,
    );
  }

  /** The unfinished trim, if any. */
  intent(instance: string): TrimIntent | null {
    const r = this.row(instance);
    if (!r || r.trim_to === null) return null;
    return { to: r.trim_to, first: r.trim_first ?? 0, last: r.trim_last ?? -1 };
  }

  /** Step 1: records the trim before it changes anything. */
  recordIntent(instance: string, t: TrimIntent): void {
    this.current.drop();
    this.sql.exec(
      `INSERT INTO retention (instance, trim_to, trim_first, trim_last) VALUES (?, ?, ?, ?)
       ON CONFLICT (instance) DO UPDATE SET trim_to = excluded.trim_to, trim_first = excluded.trim_first,
       trim_last = excluded.trim_last`,
      instance,
      t.to,
      t.first,
      t.last,
    );
  }

  /** Step 2: moves the retained start (never backwards). */
  moveStart(instance: string, to: number): void {
    this.current.drop();
    this.sql.exec("UPDATE retention SET start_pos = max(start_pos, ?) WHERE instance = ?", to, instance);
  }

  /** Last step: the trim is finished. */
  clearIntent(instance: string): void {
    this.current.drop();
    this.sql.exec(
      "UPDATE retention SET trim_to = NULL, trim_first = NULL, trim_last = NULL WHERE instance = ?",
      instance,
    );
  }

  /** Records the seal time of segments sealed since the last call. */
  noteSealed(instance: string, now: number): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO segment_sealed_at (instance, seq, at)
       SELECT ?, seq, ? FROM segments WHERE sealed = 1
       AND seq > coalesce((SELECT max(seq) FROM segment_sealed_at WHERE instance = ?), -1)`,
      instance,
      now,
      instance,
    );
  }

  /** Sealed segments, ascending, with their seal times (now when unknown: sealed before retention existed). */
  sealed(
    instance: string,
    now: number,
  ): { seq: number; start: number; end: number; messages: number; sealedAt: number }[] {
    return this.sql
      .exec<{ seq: number; start_pos: number; end_pos: number; messages: number; at: number | null }>(
        `SELECT s.seq, s.start_pos, s.end_pos, s.messages, t.at FROM segments s
         LEFT JOIN segment_sealed_at t ON t.instance = ? AND t.seq = s.seq
         WHERE s.sealed = 1 ORDER BY s.seq`,
        instance,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, start: r.start_pos, end: r.end_pos, messages: r.messages, sealedAt: r.at ?? now }));
  }

  /**
   * Step 3, with the segment rows (SegmentIndex.dropTrimmed) in the same
   * transaction: drops the trimmed segments' seal times and hot rows before `to`.
   */
  dropRows(instance: string, t: TrimIntent): void {
    this.sql.exec("DELETE FROM segment_sealed_at WHERE instance = ? AND seq <= ?", instance, t.last);
    this.sql.exec("DELETE FROM log WHERE pos < ?", t.to);
  }

  /** As a source: fork `ref` needs this stream's history from `start` on (never lowered). */
  pin(ref: string, start: number): void {
    this.sql.exec(
      `INSERT INTO fork_pins (ref, start) VALUES (?, ?)
       ON CONFLICT (ref) DO UPDATE SET start = max(start, excluded.start)`,
      ref,
      start,
    );
  }

  /** As a source: the earliest position any fork still needs, or null without forks (0 for a fork never pinned). */
  forkCap(): number | null {
    const r = this.sql
      .exec<{ cap: number | null }>(
        "SELECT min(coalesce(p.start, 0)) AS cap FROM fork_refs r LEFT JOIN fork_pins p ON p.ref = r.ref",
      )
      .toArray()[0];
    return r?.cap ?? null;
  }

  /** Forgets every instance but `keep` (a new stream replaced them). */
  forgetOthers(keep: string): void {
    this.current.drop();
    this.sql.exec("DELETE FROM retention WHERE instance != ?", keep);
    this.sql.exec("DELETE FROM segment_sealed_at WHERE instance != ?", keep);
    this.sql.exec("DELETE FROM fork_pins WHERE ref NOT IN (SELECT ref FROM fork_refs)");
  }
}
