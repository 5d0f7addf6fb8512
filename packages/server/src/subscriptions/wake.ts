/**
 * Wake bookkeeping of one subscription (PROTOCOL.md §7): pending work makes a
 * new wake (generation + 1, fresh wake id) unless one is in flight or a
 * lease is held; acks move cursors forward; fencing checks a request against
 * the current generation and wake id. Pure over the store.
 */
import { parseOffset } from "../protocol/offset.js";
import type { SubRow, SubStore, WakeStream } from "./store.js";
import { wakeStream } from "./store.js";
import { randomId, verifyWakeToken } from "./tokens.js";

/** Webhook retry backoff: 1 s doubling to 60 s, ±20% jitter (§7.1). */
export function backoffMs(attempt: number, random = Math.random()): number {
  const base = Math.min(60_000, 1_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}

/** The streams with unacked data. */
export function pending(store: SubStore): WakeStream[] {
  return store
    .links()
    .filter((l) => l.tail > l.acked)
    .map(wakeStream);
}

/** Starts a wake when there is pending work and none is in flight; true when it did. */
export function maybeWake(store: SubStore, row: SubRow, now: number): boolean {
  if (row.deleted || row.wakeId !== null) return false;
  const work = pending(store);
  if (work.length === 0) return false;
  row.generation += 1;
  row.wakeId = `w_${randomId(12)}`;
  row.holder = null;
  row.leaseUntil = null;
  row.snapshot = work;
  row.attempts = 0;
  row.nextAttemptAt = now;
  row.wakeWritten = false;
  store.save(row);
  return true;
}

/** Ends the current wake (done, release, lease expiry). */
export function endWake(row: SubRow): void {
  row.wakeId = null;
  row.holder = null;
  row.leaseUntil = null;
  row.snapshot = [];
  row.nextAttemptAt = null;
  row.attempts = 0;
}

/** A wake request's body: `wake_id`, `generation`, optional `acks` and `done`. */
export interface WakeBody {
  wake_id: string;
  generation: number;
  acks: { stream: string; offset: string }[];
  done: boolean;
}

/** Reads a callback / ack / release body; a message when malformed. */
export function parseWakeBody(b: unknown): WakeBody | string {
  if (typeof b !== "object" || b === null) return "The body must be a JSON object";
  const o = b as Record<string, unknown>;
  if (typeof o.wake_id !== "string" || typeof o.generation !== "number")
    return '"wake_id" and "generation" are required';
  const acks = o.acks ?? [];
  if (!Array.isArray(acks) || acks.length > 1_000) return '"acks" must be a list';
  for (const a of acks as unknown[]) {
    const x = a as Record<string, unknown> | null;
    if (!x || typeof x.stream !== "string" || typeof x.offset !== "string" || !parseOffset(x.offset)) {
      return 'each ack is {"stream", "offset"} with a valid offset';
    }
  }
  if (o.done !== undefined && typeof o.done !== "boolean") return '"done" must be a boolean';
  return { wake_id: o.wake_id, generation: o.generation, acks: acks as WakeBody["acks"], done: o.done === true };
}

/** Why a request is fenced (409 FENCED), or null when it matches the current wake. */
export async function fenced(row: SubRow, token: string | null, body: WakeBody, now: number): Promise<boolean> {
  if (row.deleted || row.wakeId === null || token === null) return true;
  const c = await verifyWakeToken(row.secret, token, now);
  return (
    c === null ||
    c.sub !== row.id ||
    c.gen !== row.generation ||
    c.wake !== row.wakeId ||
    body.generation !== row.generation ||
    body.wake_id !== row.wakeId
  );
}

/** Applies acks to linked streams; the message of the first bad one (nothing applied then). */
export function applyAcks(store: SubStore, acks: WakeBody["acks"]): string | null {
  const parsed = [];
  for (const a of acks) {
    const link = store.link(a.stream);
    if (!link) return `"${a.stream}" is not linked to this subscription`;
    const pos = parseOffset(a.offset)!.position;
    if (pos > link.tail) return `"${a.offset}" is past the tail of "${a.stream}"`;
    parsed.push({ path: a.stream, pos, token: a.offset });
  }
  for (const p of parsed) store.ack(p.path, p.pos, p.token);
  return null;
}
