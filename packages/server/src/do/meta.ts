/** The stream's metadata row, as the StreamDO works with it. */
export interface StreamMeta {
  key: string;
  instance: string;
  contentType: string;
  createdAt: number;
  ttlSeconds: number | null;
  expiresAtMs: number | null;
  lastAccess: number;
  closed: boolean;
  /** `epoch:seq:id` of the producer append that closed the stream (id last: it may contain ':'). */
  closedBy: string | null;
  tail: number;
  segment: number;
  streamSeq: string | null;
  forkSource: string | null;
  forkOffset: string | null;
  forkSubOffset: number;
  forkPosition: number | null;
  refCount: number;
  /** `live`, or `soft_deleted` (deleted or expired while forks still read it). */
  state: "live" | "soft_deleted";
  /** A fork deleted before its source acknowledged the release; retried by alarm. */
  pendingRelease: boolean;
}

/** The instant a stream expires, or null when it never does. */
export function expiryTime(m: StreamMeta): number | null {
  const ttl = m.ttlSeconds === null ? null : m.lastAccess + m.ttlSeconds * 1000;
  if (ttl === null) return m.expiresAtMs;
  if (m.expiresAtMs === null) return ttl;
  return Math.min(ttl, m.expiresAtMs);
}

/** True when the stream's TTL or absolute expiry has passed. */
export function isExpired(m: StreamMeta, now: number): boolean {
  const at = expiryTime(m);
  return at !== null && now >= at;
}

/** The `epoch:seq:id` tuple recorded when a producer closes a stream (id last: it may contain ':'). */
export function producerTuple(p: { id: string; epoch: number; seq: number }): string {
  return `${p.epoch}:${p.seq}:${p.id}`;
}
