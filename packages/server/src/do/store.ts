/**
 * The StreamDO's SQLite access: metadata, the hot log and producer state.
 * Everything here is synchronous; callers group writes in one transaction.
 */
import { failure, type Failure } from "../protocol/errors.js";
import type { ProducerState } from "../protocol/producer.js";
import type { StreamMeta } from "./meta.js";
import { BATCH_START, MSG_START, ROW_MAX_BYTES, SCHEMA } from "./schema.js";

/** The narrow slice of `SqlStorage` the store needs. */
export interface Sql {
  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T>;
}

/** Bytes read from the log: byte pieces, or whole messages in JSON mode. */
export interface LogSlice {
  readonly pieces: Uint8Array[];
  readonly bytes: number;
  /** Position after the last byte returned. */
  readonly next: number;
}

type MetaRow = {
  stream_key: string;
  instance: string;
  content_type: string;
  created_at: number;
  ttl_seconds: number | null;
  expires_at: number | null;
  last_access: number;
  closed: number;
  closed_by: string | null;
  tail: number;
  segment: number;
  stream_seq: string | null;
  fork_source: string | null;
  fork_offset: string | null;
  fork_sub_offset: number;
  fork_position: number | null;
  ref_count: number;
  state: string;
  pending_release: number;
};

const READ_ROW_LIMIT = 4096;

/** SQLite-backed storage for one stream. */
export class StreamStore {
  /** The tail the stored metadata row holds (null: unknown); a plain append leaves it behind the log. */
  private storedTail: number | null = null;

  constructor(private readonly sql: Sql) {}

  /** Creates the tables if they are missing (after a wipe, or on first use). */
  ensureSchema(): void {
    this.sql.exec(SCHEMA);
  }

  /**
   * The metadata row, or null when no stream lives here. The row's tail may
   * trail the log (a plain append writes only its log row): the tail is the
   * end of the last log row when that is further.
   */
  loadMeta(): StreamMeta | null {
    const rows = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").toArray();
    const r = rows[0];
    this.storedTail = r?.tail ?? null;
    if (!r) return null;
    const logEnd =
      this.sql.exec<{ end: number }>("SELECT pos + length(data) AS end FROM log ORDER BY pos DESC LIMIT 1").toArray()[0]
        ?.end ?? 0;
    return {
      key: r.stream_key,
      instance: r.instance,
      contentType: r.content_type,
      createdAt: r.created_at,
      ttlSeconds: r.ttl_seconds,
      expiresAtMs: r.expires_at,
      lastAccess: r.last_access,
      closed: r.closed === 1,
      closedBy: r.closed_by,
      tail: Math.max(r.tail, logEnd),
      segment: r.segment,
      streamSeq: r.stream_seq,
      forkSource: r.fork_source,
      forkOffset: r.fork_offset,
      forkSubOffset: r.fork_sub_offset,
      forkPosition: r.fork_position,
      refCount: r.ref_count,
      state: r.state === "soft_deleted" ? "soft_deleted" : "live",
      pendingRelease: r.pending_release === 1,
    };
  }

  /** Writes the whole metadata row. */
  saveMeta(m: StreamMeta): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO meta (id, stream_key, instance, content_type, created_at, ttl_seconds,
        expires_at, last_access, closed, closed_by, tail, segment, stream_seq, fork_source, fork_offset,
        fork_sub_offset, fork_position, ref_count, state, pending_release)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.key,
      m.instance,
      m.contentType,
      m.createdAt,
      m.ttlSeconds,
      m.expiresAtMs,
      m.lastAccess,
      m.closed ? 1 : 0,
      m.closedBy,
      m.tail,
      m.segment,
      m.streamSeq,
      m.forkSource,
      m.forkOffset,
      m.forkSubOffset,
      m.forkPosition,
      m.refCount,
      m.state,
      m.pendingRelease ? 1 : 0,
    );
    this.storedTail = m.tail;
  }

  /**
   * Brings the row's tail up to `tail` (before log rows that record it may be
   * deleted). No-op when the row has it already, or when no row exists.
   */
  persistTail(tail: number): void {
    if (this.storedTail === tail) return;
    this.sql.exec("UPDATE meta SET tail = ? WHERE id = 1", tail);
    this.storedTail = tail;
  }

  /** A transaction rolled back: what the row holds is unknown until it is read again. */
  forgetStoredTail(): void {
    this.storedTail = null;
  }

  /** Updates only the last-access time (TTL refresh). */
  touch(at: number): void {
    this.sql.exec("UPDATE meta SET last_access = ? WHERE id = 1", at);
  }

  /**
   * Appends one batch at `tail`: byte data as one message, or JSON messages.
   * Large pieces are split across rows. Returns the new tail.
   */
  appendBatch(tail: number, messages: readonly Uint8Array[]): number {
    let pos = tail;
    messages.forEach((msg, i) => {
      for (let at = 0; at < msg.length; at += ROW_MAX_BYTES) {
        let flags = at === 0 ? MSG_START : 0;
        if (i === 0 && at === 0) flags |= BATCH_START;
        const piece = msg.subarray(at, Math.min(msg.length, at + ROW_MAX_BYTES));
        this.sql.exec("INSERT INTO log (pos, data, flags) VALUES (?, ?, ?)", pos, piece, flags);
        pos += piece.length;
      }
    });
    return pos;
  }

  /**
   * Appends one batch at `tail`, each message given as pieces of at most
   * ROW_MAX_BYTES (do/append-body.ts), one row per piece. Returns the new tail.
   */
  appendPieces(tail: number, messages: readonly (readonly Uint8Array[])[]): number {
    let pos = tail;
    let flags = BATCH_START | MSG_START;
    for (const pieces of messages) {
      flags |= MSG_START;
      for (const piece of pieces) {
        if (piece.length > ROW_MAX_BYTES) throw new Error(`a log row holds at most ${ROW_MAX_BYTES} bytes`);
        this.sql.exec("INSERT INTO log (pos, data, flags) VALUES (?, ?, ?)", pos, piece, flags);
        pos += piece.length;
        flags = 0;
      }
    }
    return pos;
  }

  /**
   * Reads from `pos` up to (not including) `limit`, at most about `maxBytes`.
   * Byte streams may be cut anywhere; JSON returns whole messages (at least one).
   */
  read(pos: number, limit: number, maxBytes: number, json: boolean): LogSlice | Failure {
    if (pos >= limit) return { pieces: [], bytes: 0, next: pos };
    const first = this.sql
      .exec<{ pos: number; flags: number }>("SELECT pos, flags FROM log WHERE pos <= ? ORDER BY pos DESC LIMIT 1", pos)
      .toArray()[0];
    const start = first?.pos ?? pos;
    if (json && first && (first.pos !== pos || (first.flags & MSG_START) === 0)) {
      return failure(400, "invalid_offset", "Offset does not fall on a message boundary of this JSON stream");
    }
    const cursor = this.sql.exec<{ pos: number; data: ArrayBuffer; flags: number }>(
      "SELECT pos, data, flags FROM log WHERE pos >= ? AND pos < ? ORDER BY pos LIMIT ?",
      start,
      limit,
      READ_ROW_LIMIT + 1,
    );
    // Rows are taken from the cursor only while the read needs them: a read
    // never holds more than about `maxBytes` plus one row (rows are ≤ 1 MiB).
    const { rows, more } = takeRows(cursor, pos, json, maxBytes);
    return json ? readMessages(rows, more, pos, limit, maxBytes) : readBytes(rows, pos, limit, maxBytes);
  }

  /** Where the JSON message starting at `pos` ends: the next message start before `limit`, else `limit`. */
  messageEnd(pos: number, limit: number): number {
    const next = this.sql
      .exec<{ pos: number }>(
        "SELECT pos FROM log WHERE pos > ? AND pos < ? AND (flags & ?) != 0 ORDER BY pos LIMIT 1",
        pos,
        limit,
        MSG_START,
      )
      .toArray()[0];
    return next?.pos ?? limit;
  }

  /**
   * Resolves a sub-offset: the position `sub` bytes (or JSON messages) past
   * `pos`, which must not cross the end of the append batch at `pos`.
   */
  locateSubOffset(pos: number, sub: number, limit: number, json: boolean): number | Failure {
    if (sub === 0) return pos;
    const next = this.sql
      .exec<{ pos: number }>(
        "SELECT pos FROM log WHERE pos > ? AND pos < ? AND (flags & ?) != 0 ORDER BY pos LIMIT 1",
        pos,
        limit,
        BATCH_START,
      )
      .toArray()[0];
    const batchEnd = next?.pos ?? limit;
    if (!json) {
      if (pos + sub > batchEnd) {
        return failure(
          400,
          "invalid_header",
          `Stream-Fork-Sub-Offset ${sub} is past the end of the append at the fork offset`,
        );
      }
      return pos + sub;
    }
    const starts = this.sql
      .exec<{ pos: number }>(
        "SELECT pos FROM log WHERE pos >= ? AND pos < ? AND (flags & ?) != 0 ORDER BY pos LIMIT ?",
        pos,
        batchEnd,
        MSG_START,
        sub + 1,
      )
      .toArray();
    if (starts.length < sub) {
      return failure(
        400,
        "invalid_header",
        `Stream-Fork-Sub-Offset ${sub} is more messages than the batch at the fork offset holds`,
      );
    }
    return starts[sub]?.pos ?? batchEnd;
  }

  /** True when `pos` begins a message (or is the tail): a valid JSON read/fork position. */
  isMessageBoundary(pos: number, tail: number): boolean {
    if (pos === tail) return true;
    const row = this.sql.exec<{ flags: number }>("SELECT flags FROM log WHERE pos = ?", pos).toArray()[0];
    return row !== undefined && (row.flags & MSG_START) !== 0;
  }

  /** The hot rows in [start, end), in order, one at a time (for sealing a segment). */
  *rows(start: number, end: number): Generator<{ pos: number; data: Uint8Array; flags: number }> {
    const cursor = this.sql.exec<{ pos: number; data: ArrayBuffer; flags: number }>(
      "SELECT pos, data, flags FROM log WHERE pos >= ? AND pos < ? ORDER BY pos",
      start,
      end,
    );
    for (const r of cursor) yield { pos: r.pos, data: new Uint8Array(r.data), flags: r.flags };
  }

  /**
   * The hot rows in [start, end), in order, two per query: a seal that awaits
   * between rows holds no cursor and at most two rows (~2 MiB).
   */
  *rowsPaged(start: number, end: number): Generator<{ pos: number; data: Uint8Array; flags: number }> {
    let at = start;
    for (;;) {
      const page = this.sql
        .exec<{ pos: number; data: ArrayBuffer; flags: number }>(
          "SELECT pos, data, flags FROM log WHERE pos >= ? AND pos < ? ORDER BY pos LIMIT 2",
          at,
          end,
        )
        .toArray();
      if (page.length === 0) return;
      for (const r of page) yield { pos: r.pos, data: new Uint8Array(r.data), flags: r.flags };
      at = page[page.length - 1]!.pos + 1;
    }
  }

  /** The first append-batch start in [from, end), if any. */
  batchStartIn(from: number, end: number): number | undefined {
    return this.sql
      .exec<{ pos: number }>(
        "SELECT pos FROM log WHERE pos >= ? AND pos < ? AND (flags & ?) != 0 ORDER BY pos LIMIT 1",
        from,
        end,
        BATCH_START,
      )
      .toArray()[0]?.pos;
  }

  /** Where message number `n` (from 0) at or after `start` begins, if it is before `end`. */
  messageStartAt(start: number, end: number, n: number): number | undefined {
    return this.sql
      .exec<{ pos: number }>(
        "SELECT pos FROM log WHERE pos >= ? AND pos < ? AND (flags & ?) != 0 ORDER BY pos LIMIT 1 OFFSET ?",
        start,
        end,
        MSG_START,
        n,
      )
      .toArray()[0]?.pos;
  }

  /** Messages (appends, for byte streams) starting in [start, end). */
  countMessages(start: number, end: number): number {
    return (
      this.sql
        .exec<{ n: number }>(
          "SELECT count(*) AS n FROM log WHERE pos >= ? AND pos < ? AND (flags & ?) != 0",
          start,
          end,
          MSG_START,
        )
        .toArray()[0]?.n ?? 0
    );
  }

  /** Deletes the hot rows in [start, end) (their segment is sealed). */
  deleteRange(start: number, end: number): void {
    this.sql.exec("DELETE FROM log WHERE pos >= ? AND pos < ?", start, end);
  }

  /** Deletes the log and producer state (metadata stays). */
  clearData(): void {
    this.sql.exec("DELETE FROM log");
    this.sql.exec("DELETE FROM producers");
  }

  /** Deletes the metadata row: no stream lives here any more. */
  clearMeta(): void {
    this.sql.exec("DELETE FROM meta");
    this.storedTail = null;
  }

  /** Row counts, for tests that check what storage holds. */
  stats(): { meta: boolean; logRows: number; producerRows: number } {
    const count = (table: string) =>
      this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).toArray()[0]?.n ?? 0;
    return { meta: count("meta") > 0, logRows: count("log"), producerRows: count("producers") };
  }

  /** Stored state of one producer. */
  getProducer(id: string): ProducerState | undefined {
    const r = this.sql
      .exec<{ epoch: number; last_seq: number }>("SELECT epoch, last_seq FROM producers WHERE id = ?", id)
      .toArray()[0];
    return r ? { epoch: r.epoch, lastSeq: r.last_seq } : undefined;
  }

  /**
   * Saves one producer's state. An upsert, not INSERT OR REPLACE: replacing
   * deletes and re-inserts the row and its key index entry (3 rows written, 1 here).
   */
  putProducer(id: string, s: ProducerState, now: number): void {
    this.sql.exec(
      `INSERT INTO producers (id, epoch, last_seq, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq,
         updated_at = excluded.updated_at`,
      id,
      s.epoch,
      s.lastSeq,
      now,
    );
  }
}

type LogRow = { pos: number; data: ArrayBuffer; flags: number };

/**
 * The rows a read uses, taken from the cursor only while needed: a read holds
 * about `maxBytes` plus one row (rows are ≤ 1 MiB), never a whole large
 * message after others. JSON reads stop at a message start once `maxBytes`
 * are in, or inside a later message (which the read then leaves out); `more`
 * is the row looked at past the end, which tells whether the last message is
 * complete.
 */
function takeRows(
  cursor: Iterable<LogRow>,
  pos: number,
  json: boolean,
  maxBytes: number,
): { rows: LogRow[]; more: LogRow | undefined } {
  const rows: LogRow[] = [];
  let bytes = 0;
  let messages = 0;
  for (const r of cursor) {
    const starts = (r.flags & MSG_START) !== 0;
    if (json && bytes >= maxBytes && (starts || messages > 1)) return { rows, more: r };
    if (starts) messages += 1;
    rows.push(r);
    bytes += r.data.byteLength - Math.max(0, pos - r.pos);
    if (!json && bytes >= maxBytes) break;
  }
  // The query fetched one row past READ_ROW_LIMIT to look past the end.
  return { rows, more: rows.length > READ_ROW_LIMIT ? rows.pop() : undefined };
}

function readBytes(rows: LogRow[], pos: number, limit: number, maxBytes: number): LogSlice {
  const pieces: Uint8Array[] = [];
  let bytes = 0;
  for (const r of rows) {
    if (bytes >= maxBytes) break;
    const data = new Uint8Array(r.data);
    const from = Math.max(0, pos - r.pos);
    const to = Math.min(data.length, limit - r.pos, from + (maxBytes - bytes));
    if (to <= from) continue;
    pieces.push(data.subarray(from, to));
    bytes += to - from;
  }
  return { pieces, bytes, next: pos + bytes };
}

function readMessages(
  rows: LogRow[],
  more: LogRow | undefined,
  pos: number,
  limit: number,
  maxBytes: number,
): LogSlice {
  // `more` (the row past the last one read) tells whether the last message
  // read is complete (it starts a new one) or was cut off.
  const messages: Uint8Array[][] = [];
  let bytes = 0;
  let next = pos;
  let lastStart = pos;
  for (const r of rows) {
    const starts = (r.flags & MSG_START) !== 0;
    if (starts && bytes >= maxBytes && messages.length > 0) {
      return { pieces: messages.map(concat), bytes, next };
    }
    const data = new Uint8Array(r.data);
    if (starts) {
      messages.push([data]);
      lastStart = r.pos;
    } else messages[messages.length - 1]?.push(data);
    bytes += data.length;
    next = Math.min(limit, r.pos + data.length);
  }
  if (more && (more.flags & MSG_START) === 0 && messages.length > 1) {
    messages.pop();
    bytes -= next - lastStart;
    next = lastStart;
  }
  return { pieces: messages.map(concat), bytes, next };
}

/** Concatenates byte pieces. */
export function concat(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const size = pieces.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
