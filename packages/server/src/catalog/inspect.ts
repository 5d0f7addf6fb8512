/**
 * One stream's inspection, read from its StreamDO's own tables: metadata and
 * offsets, hot vs sealed ranges with R2 keys, producers, fork facts, estuary
 * subscribers with their lag, and the live feeds the object serves. Bounded:
 * at most LIMIT rows of each list (the counts say how many there are).
 */
import { segmentKey } from "../cold/segment-format.js";
import { expiryTime, type StreamMeta } from "../do/meta.js";
import { ownStart } from "../do/segment-index.js";
import type { Sql } from "../do/store.js";
import { formatOffset } from "../protocol/offset.js";
import { splitKey } from "../estuary/ids.js";

const LIMIT = 1000;

/** What the inspection reads besides SQL. */
export interface InspectView {
  readonly sql: Sql;
  readonly doId: string;
  /** Edge isolates holding a live feed of this stream (each fans out to its SSE and long-poll readers). */
  readonly feeds: number;
  /** Live readers the edge isolates hold, by mode, as their feeds last reported (within about a second). */
  readonly readers: { sse: number; longPoll: number };
  /** Forks reading from this stream (references by key plus legacy ones, do/fork-source.ts). */
  readonly forks: number;
  /** The earliest position still stored (retention moves it past trimmed history; do/retention.ts). */
  readonly retained: { readonly position: number; readonly offset: string };
}

/** The inspection of one stream (plain JSON). */
export type Inspection = ReturnType<typeof inspectStream>;

const count = (sql: Sql, q: string) => {
  try {
    return sql.exec<{ n: number }>(q).toArray()[0]?.n ?? 0;
  } catch {
    return 0;
  }
};

function rows<T extends Record<string, SqlStorageValue>>(sql: Sql, q: string, ...args: unknown[]): T[] {
  try {
    return sql.exec<T>(q, ...args).toArray();
  } catch {
    return []; // a table created lazily (estuary) may not exist yet
  }
}

/** Inspects the stream whose metadata is `m`. */
export function inspectStream(v: InspectView, m: StreamMeta) {
  const at = (position: number, segment: number) => formatOffset({ segment, position });
  const segs = rows<{ seq: number; start_pos: number; end_pos: number; messages: number; sealed: number }>(
    v.sql,
    `SELECT seq, start_pos, end_pos, messages, sealed FROM segments ORDER BY seq LIMIT ${LIMIT}`,
  );
  // The hot range starts after the last sealed segment, or after the trimmed marker row (sealed = 2) that
  // stands for the segments a trim dropped (do/retention-store.ts), and never before the retained start.
  const start = Math.max(ownStart(m), v.retained.position);
  const hotStart = Math.max(segs.filter((s) => s.sealed >= 1).at(-1)?.end_pos ?? 0, start);
  const lastId = rows<{ last_id: number }>(v.sql, "SELECT last_id FROM estuary_state WHERE id = 1")[0]?.last_id ?? 0;
  // `*`: the parking columns are added in place (estuary/outbox-store.ts) and may be missing on an old table.
  const subs = rows<{
    session: string;
    acked: number;
    queued: number;
    since: number;
    created_at: number;
    failing_since?: number;
    parked_at?: number;
    parked_offset?: string | null;
    parked_reason?: string | null;
  }>(v.sql, `SELECT * FROM estuary_subscribers ORDER BY session LIMIT ${LIMIT}`);
  // A fork's reference is `instance:project/name` (do/fork-links.ts); the name is what an operator needs.
  const forkRows = rows<{ ref: string; fork_offset: string; since: number }>(
    v.sql,
    `SELECT ref, fork_offset, since FROM fork_refs ORDER BY since, ref LIMIT ${LIMIT}`,
  );
  const producers = rows<{ id: string; epoch: number; last_seq: number; updated_at: number }>(
    v.sql,
    `SELECT id, epoch, last_seq, updated_at FROM producers ORDER BY updated_at DESC LIMIT ${LIMIT}`,
  );
  return {
    name: splitKey(m.key).name,
    instance: m.instance,
    state: m.state,
    contentType: m.contentType,
    createdAt: m.createdAt,
    lastAccess: m.lastAccess,
    closed: m.closed,
    ttlSeconds: m.ttlSeconds,
    expiresAt: expiryTime(m),
    // `trimmed`: retention dropped history before `start` (else a fork's start is its fork point).
    offsets: {
      start: start > ownStart(m) ? v.retained.offset : at(start, 0),
      tail: at(m.tail, m.segment),
      bytes: m.tail - start,
      trimmed: start > ownStart(m),
    },
    hot: {
      start: hotStart,
      end: m.tail,
      bytes: m.tail - hotStart,
      rows: count(v.sql, "SELECT count(*) AS n FROM log"),
    },
    segments: segs
      .filter((s) => s.sealed !== 2) // the trimmed marker holds no data (its object is gone)
      .map((s) => ({
        seq: s.seq,
        sealed: s.sealed === 1,
        start: s.start_pos,
        end: s.end_pos,
        bytes: s.end_pos - s.start_pos,
        messages: s.messages,
        startOffset: at(s.start_pos, s.seq),
        endOffset: at(s.end_pos, s.seq),
        r2Key: segmentKey(v.doId, m.instance, s.seq),
      })),
    producers: {
      count: count(v.sql, "SELECT count(*) AS n FROM producers"),
      list: producers.map((p) => ({ id: p.id, epoch: p.epoch, seq: p.last_seq, lastSeen: p.updated_at })),
    },
    fork: {
      parent: m.forkSource === null ? null : splitKey(m.forkSource).name,
      offset: m.forkOffset,
      subOffset: m.forkSubOffset,
      forks: v.forks,
      list: forkRows.map((f) => {
        const key = f.ref.slice(f.ref.indexOf(":") + 1);
        return {
          name: splitKey(key).name,
          instance: f.ref.slice(0, f.ref.indexOf(":")),
          offset: f.fork_offset,
          since: f.since,
        };
      }),
    },
    estuary: {
      lastOutboxId: lastId,
      subscribers: subs.map((s) => ({
        session: s.session,
        since: s.since,
        acked: s.acked,
        lag: Math.max(0, lastId - Math.max(s.acked, s.since)),
        queued: s.queued === 1,
        subscribedAt: s.created_at,
        /** When its deliveries began failing (null: not failing). */
        failingSince: s.failing_since ? s.failing_since : null,
        /** Parked (docs/estuary.md): since when, why ("failing" or "lagging"), and the first message it missed. */
        parked: s.parked_at
          ? { at: s.parked_at, reason: s.parked_reason ?? null, fromOffset: s.parked_offset ?? null }
          : null,
      })),
    },
    live: { feeds: v.feeds, readers: v.readers },
  };
}
