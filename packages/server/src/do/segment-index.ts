/**
 * The StreamDO's index of its R2 segments (SQLite `segments`) and of R2
 * purges still owed for deleted instances (`purges`). A segment row is
 * written `pending` before its object is uploaded and marked sealed in the
 * same transaction that deletes its hot rows.
 *
 * Offset tokens name segments: the token of position p is the first segment
 * whose end is at or after p, else the tail's segment (`meta.segment`); a
 * fork's inherited positions take its base segment. A seal that covers the
 * hot log up to the tail leaves the tail's token as it is; one that leaves data
 * after it (a backlog sealed a threshold at a time) moves `meta.segment` past
 * itself, so the tail's token names the next segment and tokens keep sorting
 * by position.
 */
import { parseOffset } from "../protocol/offset.js";
import type { StreamMeta } from "./meta.js";
import type { Cached, RowCaches } from "./row-cache.js";
import type { Sql } from "./store.js";

/** One row of the segment index. */
export interface SegmentRow {
  readonly seq: number;
  readonly start: number;
  readonly end: number;
  readonly messages: number;
  readonly sealed: boolean;
}

type Row = { seq: number; start_pos: number; end_pos: number; messages: number; sealed: number };

const toRow = (r: Row): SegmentRow => ({
  seq: r.seq,
  start: r.start_pos,
  end: r.end_pos,
  messages: r.messages,
  sealed: r.sealed === 1,
});

/** The first segment number of a stream: 0, or the fork's inherited one. */
export function baseSegment(m: StreamMeta): number {
  return m.forkOffset === null ? 0 : (parseOffset(m.forkOffset)?.segment ?? 0);
}

/** Where a stream's own data starts: 0, or a fork's fork position. */
export function ownStart(m: StreamMeta): number {
  return m.forkPosition ?? 0;
}

/**
 * SQLite access to `segments` and `purges`. Every write to `segments` goes
 * through here, so the newest row (which each append checks) is kept in memory.
 */
export class SegmentIndex {
  private readonly newest: Cached<SegmentRow | undefined>;

  constructor(
    private readonly sql: Sql,
    caches: RowCaches,
  ) {
    this.newest = caches.cell();
  }

  /** The newest segment (pending or sealed), if any. */
  last(): SegmentRow | undefined {
    return this.newest.get(() => {
      const r = this.sql.exec<Row>("SELECT * FROM segments ORDER BY seq DESC LIMIT 1").toArray()[0];
      return r ? toRow(r) : undefined;
    });
  }

  /** Segments whose upload has not been committed. */
  pending(): SegmentRow[] {
    return this.sql.exec<Row>("SELECT * FROM segments WHERE sealed = 0 ORDER BY seq").toArray().map(toRow);
  }

  /** The sealed segment holding position `pos`, if any. */
  sealedAt(pos: number): SegmentRow | undefined {
    const r = this.sql
      .exec<Row>("SELECT * FROM segments WHERE start_pos <= ? AND end_pos > ? AND sealed = 1 LIMIT 1", pos, pos)
      .toArray()[0];
    return r ? toRow(r) : undefined;
  }

  /** The segment number an offset token for `pos` carries. */
  tokenSegment(m: StreamMeta, pos: number): number {
    if (pos <= ownStart(m)) return baseSegment(m);
    const r = this.sql
      .exec<{ seq: number }>("SELECT seq FROM segments WHERE end_pos >= ? ORDER BY seq LIMIT 1", pos)
      .toArray()[0];
    return r?.seq ?? m.segment;
  }

  /** Records a segment about to be uploaded. */
  addPending(s: Omit<SegmentRow, "sealed">): void {
    this.newest.drop();
    this.sql.exec(
      "INSERT OR REPLACE INTO segments (seq, start_pos, end_pos, messages, sealed) VALUES (?, ?, ?, ?, 0)",
      s.seq,
      s.start,
      s.end,
      s.messages,
    );
  }

  /** Marks an uploaded segment sealed (call inside the transaction that drops its hot rows). */
  markSealed(seq: number): void {
    this.newest.drop();
    this.sql.exec("UPDATE segments SET sealed = 1 WHERE seq = ?", seq);
  }

  /** Counts for tests and metrics. */
  stats(): { segments: number; pendingSegments: number; purges: number } {
    const one = (q: string) => this.sql.exec<{ n: number }>(q).toArray()[0]?.n ?? 0;
    return {
      segments: one("SELECT count(*) AS n FROM segments WHERE sealed = 1"),
      pendingSegments: one("SELECT count(*) AS n FROM segments WHERE sealed = 0"),
      purges: one("SELECT count(*) AS n FROM purges"),
    };
  }

  /** Whether this instance ever wrote to R2 (a segment row exists, even a pending one). */
  any(): boolean {
    return this.sql.exec("SELECT 1 FROM segments LIMIT 1").toArray().length > 0;
  }

  /** Drops the index (the stream's data is gone). */
  clear(): void {
    this.newest.drop();
    this.sql.exec("DELETE FROM segments");
  }

  /**
   * A trim's rows step (do/trim.ts): drops segments `first`..`last` but keeps
   * the row of `last` as a marker (`sealed = 2`: trimmed), so seals continue
   * after its end and tokens of the start keep naming it; an older marker goes.
   */
  dropTrimmed(first: number, last: number): void {
    if (last < first) return;
    this.newest.drop();
    this.sql.exec("DELETE FROM segments WHERE sealed = 2 AND seq < ?", last);
    this.sql.exec("DELETE FROM segments WHERE sealed = 1 AND seq >= ? AND seq < ?", first, last);
    this.sql.exec("UPDATE segments SET sealed = 2 WHERE seq = ? AND sealed = 1", last);
  }

  /** Remembers that an instance's R2 objects must be deleted. */
  addPurge(instance: string, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO purges (instance, since) VALUES (?, ?)", instance, now);
  }

  /** Instances whose R2 objects are still to be deleted. */
  purges(): string[] {
    return this.sql
      .exec<{ instance: string }>("SELECT instance FROM purges ORDER BY since")
      .toArray()
      .map((r) => r.instance);
  }

  /** A purge finished. */
  donePurge(instance: string): void {
    this.sql.exec("DELETE FROM purges WHERE instance = ?", instance);
  }
}
