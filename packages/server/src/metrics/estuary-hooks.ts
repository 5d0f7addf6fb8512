/**
 * Estuary metrics, counted where fan-out happens (the source StreamDO, the
 * queue consumer): publishes, deliveries, failures, and the fan-out latency
 * from the append's commit to each session append. The commit time travels
 * with the outbox row (`committed_at`), so deliveries made by the queue
 * consumer in another isolate are timed too; rows written before that column
 * existed fall back to the time remembered by the isolate that committed them.
 */
import { count, observeLatency, scheduleFlush } from "./recorder.js";

const MAX_REMEMBERED = 10_000;
/** `producerId#rowId` → commit time, oldest first. */
const committed = new Map<string, number>();

/** The source key a Producer-Id names (`estuary:<instance>:<project>/<name>`, estuary/ids.ts). */
function sourceOf(producerId: string): { project: string; name: string } | null {
  const rest = producerId.split(":").slice(2).join(":");
  const i = rest.indexOf("/");
  return i < 0 ? null : { project: rest.slice(0, i), name: rest.slice(i + 1) };
}

/** Outbox rows `first..last` were committed for an append of `messages` messages. */
export function estuaryPublished(key: string, instance: string, first: number, last: number, messages: number): void {
  const producerId = `estuary:${instance}:${key}`;
  const now = Date.now();
  for (let id = first; id <= last; id++) committed.set(`${producerId}#${id}`, now);
  while (committed.size > MAX_REMEMBERED) committed.delete(committed.keys().next().value!);
  const src = sourceOf(producerId);
  if (src) count(src.project, src.name, "estuaryPublishes", messages, now);
  scheduleFlush();
}

/** One outbox row (committed at `committedAt`, when known) reached a session stream. */
export function estuaryDelivered(producerId: string, rowId: number, committedAt?: number): void {
  const src = sourceOf(producerId);
  if (!src) return;
  count(src.project, src.name, "estuaryDeliveries");
  const at = committedAt || committed.get(`${producerId}#${rowId}`);
  if (at !== undefined) observeLatency(src.project, src.name, Date.now() - at);
  scheduleFlush();
}

/** A delivery attempt failed (it is retried or the subscription pruned). */
export function estuaryFailed(producerId: string): void {
  const src = sourceOf(producerId);
  if (!src) return;
  count(src.project, src.name, "estuaryFailures");
  scheduleFlush();
}
