/**
 * What the StreamDO's operation modules (create, append, read, lifecycle) get
 * from the Durable Object: storage, time, limits, and calls to other streams.
 * Operations never reach for `ctx` directly.
 */
import { formatOffset } from "../protocol/offset.js";
import type { Failure, Result } from "../protocol/errors.js";
import type { BodyGate } from "./append-body.js";
import type { StreamMeta } from "./meta.js";
import type { AlarmJobs } from "./alarm-schedule.js";
import type { Faults } from "./faults.js";
import type { ForkStore } from "./fork-links.js";
import type { ProducerTurns } from "./producer-turns.js";
import type { AttachOk, AttachRequest, DetachRequest, RangeOk, StreamInfo } from "./rpc-types.js";
import type { SegmentIndex } from "./segment-index.js";
import type { RetentionStore } from "./retention-store.js";
import type { StreamStore } from "./store.js";

/** Calls a StreamDO makes on the source of a fork. */
export interface SourceApi {
  attachFork(req: AttachRequest): Promise<Result<AttachOk>>;
  detachFork(req: DetachRequest): Promise<void>;
  readRange(pos: number, limit: number, maxBytes: number, raw?: boolean): Promise<Result<RangeOk>>;
  locateSubOffset(pos: number, sub: number, limit: number): Promise<number | Failure>;
  /** A fork trimmed its view: it needs the source's history from `start` on (do/trim.ts). */
  forkTrimmed(ref: string, start: number): Promise<void>;
}

/** The Durable Object seen from an operation. */
export interface StreamHost {
  readonly store: StreamStore;
  /** The index of sealed R2 segments. */
  readonly segments: SegmentIndex;
  /** Retention limits, the retained start and unfinished trims (retention-store.ts). */
  readonly retention: RetentionStore;
  /** Fork references: those held on this stream, and this fork's own (fork-links.ts). */
  readonly forks: ForkStore;
  /** The durable alarm schedule (alarm-schedule.ts). */
  readonly alarms: AlarmJobs;
  /** Test-only fault switches (faults.ts). */
  readonly faults: Faults;
  /** Per-producer append turns (producer-turns.ts). */
  readonly producerTurns: ProducerTurns;
  /** This object's id: names the stream's R2 objects (cold/segment-format.ts). */
  readonly doId: string;
  readonly maxAppendBytes: number;
  /** JSON messages one append may hold (MAX_APPEND_MESSAGES). */
  readonly maxAppendMessages: number;
  /** Lets one large request body at a time be received (do/append-body.ts). */
  readonly bodyGate: BodyGate;
  readonly maxReadBytes: number;
  /** Appends that would grow the database past this are refused (507). */
  readonly hotStorageLimitBytes: number;
  /** The segment bucket; throws when a stream has segments but the binding is gone. */
  requireBucket(): R2Bucket;
  /** Bytes the object's SQLite database occupies. */
  storageBytes(): number;
  /** Whether `bytes` more fit under hotStorageLimitBytes (do/storage-estimate.ts: SQLite is not asked every time). */
  storageFits(bytes: number): boolean;
  /** Called after an append committed `messages` messages of `bytes` bytes: may start a seal. */
  appended(m: StreamMeta, messages: number, bytes: number): void;
  /** Called after a seal committed (the hot log shrank). */
  sealedHot(): void;
  now(): number;
  /** The live stream's metadata, after expiry has been applied; null when absent. */
  meta(): StreamMeta | null;
  /** A deleted fork's tombstone waits for its source's release (meta() is null, yet the path is not free). */
  releasePending(): boolean;
  /** Persists metadata changes made to the object returned by `meta()`. */
  saveMeta(m: StreamMeta): void;
  /**
   * Inside an append's transaction: `m` differs from the stored row only in
   * what the log rows record (the tail; the access time of a stream without
   * TTL). Cached once the transaction commits; the row is not written.
   */
  keepMeta(m: StreamMeta): void;
  /** Runs `fn` as one SQLite transaction. */
  transaction<T>(fn: () => T): T;
  /** The fork source stream's RPC surface. */
  source(key: string): SourceApi;
  /** Re-arms the expiry alarm after a change to TTL / expiry / access time. */
  scheduleExpiry(m: StreamMeta): void;
  /** Drops all of this stream's storage (and releases its fork source). */
  destroy(m: StreamMeta): Promise<void>;
  /** Inside an append's transaction: writes the estuary fan-out intent (src/estuary/fanout.ts). */
  recordFanout(m: StreamMeta, start: number, batch: AppendedBatch): void;
  /** Sends a committed append (or close) to the live feeds. `start` is the tail before it. */
  publish(m: StreamMeta, start: number, batch: AppendedBatch): void;
}

/** An append's messages as feeds and fan-out see them: bytes are joined only when asked for. */
export interface AppendedBatch {
  readonly count: number;
  /** Bytes of all messages. */
  readonly bytes: number;
  /** Each message's bytes (may copy a message stored in several rows). */
  messages(): readonly Uint8Array[];
}

/** A batch with nothing in it (a close-only append). */
export const EMPTY_BATCH: AppendedBatch = { count: 0, bytes: 0, messages: () => [] };

/** The offset token of the tail (or of any position minted in the tail's segment). */
export function offsetAt(m: StreamMeta, position: number): string {
  return formatOffset({ segment: m.segment, position });
}

/** The offset token of any position: it names the segment holding it (segment-index.ts). */
export function tokenAt(host: StreamHost, m: StreamMeta, position: number): string {
  return formatOffset({ segment: host.segments.tokenSegment(m, position), position });
}

/** Refuses an append of `bytes` that would take the database past its limit. */
export function storageFull(host: StreamHost, bytes: number): Failure | null {
  if (bytes === 0 || host.storageFits(bytes)) return null;
  return {
    ok: false,
    status: 507,
    code: "insufficient_storage",
    message: `Stream storage is full (limit ${host.hotStorageLimitBytes} bytes of hot data); no appends are accepted until it is moved to cold storage`,
  };
}

/** The stream facts every response carries. */
export function infoOf(m: StreamMeta): StreamInfo {
  return {
    instance: m.instance,
    contentType: m.contentType,
    nextOffset: offsetAt(m, m.tail),
    closed: m.closed,
    ttlSeconds: m.ttlSeconds,
    expiresAtMs: m.expiresAtMs,
  };
}
