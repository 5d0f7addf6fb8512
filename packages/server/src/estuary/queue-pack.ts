/**
 * Packing fan-out work into Cloudflare Queues messages: one message names
 * many sessions of one source (a message is at most 128 KB, a batch at most
 * 100 messages / 256 KB), so a large fan-out costs a few messages, not one
 * per session. A message also names no more sessions than one consumer
 * invocation can append to within its subrequest budget, so each message is
 * one invocation's work and the queue can run a large fan-out's messages
 * side by side. Pure: tested in Node.
 */

/** A queue message: deliver the pending rows of `source` to these sessions. */
export interface FanoutMessage {
  readonly source: string;
  readonly sessions: readonly string[];
}

/** Bytes of one message body we allow (the platform's limit is 128 KB, with room for its envelope). */
export const MAX_MESSAGE_BYTES = 96 * 1024;
/** Messages and bytes per `sendBatch` (the limits are 100 and 256 KB). */
export const MAX_BATCH_MESSAGES = 100;
export const MAX_BATCH_BYTES = 192 * 1024;

const encoder = new TextEncoder();
const size = (v: unknown) => encoder.encode(JSON.stringify(v)).length;

/**
 * Subrequests a consumer invocation keeps for its calls to the source (the
 * owed rows, the report, a hand-back), beside one append per session.
 */
export const CONSUMER_RESERVE = 4;

/** Sessions one message may name so that one invocation with `budget` subrequests can deliver a row to each. */
export function sessionsPerMessage(budget: number): number {
  return Math.max(1, budget - CONSUMER_RESERVE);
}

/** Splits sessions of one source into messages of at most `maxBytes` of JSON and `maxSessions` sessions each. */
export function packSessions(
  source: string,
  sessions: readonly string[],
  maxSessions = Infinity,
  maxBytes = MAX_MESSAGE_BYTES,
): FanoutMessage[] {
  const out: FanoutMessage[] = [];
  const head = size({ source, sessions: [] });
  let current: string[] = [];
  let bytes = head;
  for (const s of sessions) {
    const add = size(s) + 1;
    if (current.length > 0 && (bytes + add > maxBytes || current.length >= maxSessions)) {
      out.push({ source, sessions: current });
      current = [];
      bytes = head;
    }
    current.push(s);
    bytes += add;
  }
  if (current.length > 0) out.push({ source, sessions: current });
  return out;
}

/** Groups messages into `sendBatch` calls within the count and byte limits. */
export function batchesOf(
  messages: readonly FanoutMessage[],
  maxMessages = MAX_BATCH_MESSAGES,
  maxBytes = MAX_BATCH_BYTES,
): FanoutMessage[][] {
  const out: FanoutMessage[][] = [];
  let current: FanoutMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const b = size(m);
    if (current.length > 0 && (current.length === maxMessages || bytes + b > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += b;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The sessions a message names (also the one-session form sent by earlier versions). */
export function sessionsOf(body: FanoutMessage | { source: string; session: string }): readonly string[] {
  return "sessions" in body ? body.sessions : [body.session];
}
