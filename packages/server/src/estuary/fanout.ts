/**
 * The fan-out driver of a source StreamDO. An append writes its envelopes to
 * the outbox in its own transaction (`record`); after the commit `kick`
 * arms a backstop alarm and starts delivering in the background, so a publish
 * never waits for fan-out. Small fan-outs are delivered inline; above the
 * queue threshold each pending subscriber becomes a queue message and the
 * consumer (queue-consumer.ts) delivers and reports back. The outbox stays the
 * source of truth: whatever is not acknowledged is retried from the alarm.
 */
import { failure, type Result } from "../protocol/errors.js";
import { isJsonType } from "../protocol/parse.js";
import { offsetAt } from "../do/host.js";
import type { StreamMeta } from "../do/meta.js";
import { deliverRows, type Delivery, type DeliveryTally, type SessionStream } from "./deliver.js";
import { envelopeLimits, envelopeOf, packRows } from "./envelope.js";
import { producerIdOf, splitKey } from "./ids.js";
import type { Outbox, OutboxRow, Subscriber } from "./outbox-store.js";

/** A queue message: deliver the pending rows of `source` to `session`. */
export interface FanoutMessage {
  readonly source: string;
  readonly session: string;
}

/** What the queue consumer gets for a group of sessions of one source. */
export interface FanoutWork {
  readonly producerId: string;
  readonly subs: readonly { readonly session: string; readonly since: number; readonly acked: number }[];
  readonly rows: readonly OutboxRow[];
}

/** What the queue consumer reports per session. */
export interface FanoutReport {
  readonly session: string;
  readonly since: number;
  readonly ackedTo: number;
  readonly prune: boolean;
  /** Session appends this delivery made, and those that were duplicates. */
  readonly appends: number;
  readonly duplicates: number;
}

/** What a source's fan-out did since its object started (`fanout` in `GET /v1/metrics/stream/...`). */
export interface FanoutTally extends DeliveryTally {
  /** Queue messages sent. */
  queueSent: number;
  /** Calls the queue consumer made to this source (work, report, requeue). */
  consumerCalls: number;
}

/** What the driver needs from its StreamDO. */
export interface FanoutHost {
  readonly outbox: Outbox;
  meta(): StreamMeta | null;
  sessionStream(key: string): SessionStream;
  armAlarm(at: number): void;
  /** Tells a session (best effort) that the source dropped its subscription. */
  forgetSubscription(session: string, source: string): void;
  queue(): Queue<FanoutMessage> | undefined;
  readonly queueThreshold: number;
  /** The largest append a session stream takes: outbox rows never exceed it. */
  readonly maxAppendBytes: number;
  /** This object's fan-out counters (kept here: the edge runs in another isolate). */
  readonly fanoutTally: FanoutTally;
}

/** Most subscribers one source stream keeps. */
export const MAX_SUBSCRIBERS = 10_000;
const INLINE_CONCURRENCY = 16;
/** Armed with every outbox write: a crash mid-delivery resumes from this alarm. */
const BACKSTOP_MS = 2_000;
/** A subscriber handed to the queue and not acknowledged within this is sent again. */
const QUEUE_STALE_MS = 30_000;
const MAX_BACKOFF_MS = 60_000;
const ROWS_PER_CALL = 64;
const BYTES_PER_CALL = 4 * 1024 * 1024;
const QUEUE_BATCH = 100;
/** Inline rounds per drain before yielding to the alarm (bounds a drain that makes no progress). */
const MAX_ROUNDS = 64;

/** The per-source fan-out driver. */
export class Fanout {
  private running: Promise<void> | null = null;
  private again = false;
  private written = false;
  private failures = 0;

  constructor(private readonly host: FanoutHost) {}

  /** Inside the append's transaction: the batch's envelopes go to the outbox (when anyone listens). */
  record(m: StreamMeta, start: number, messages: readonly Uint8Array[]): void {
    if (messages.length === 0 || this.host.outbox.count(m.instance) === 0) return;
    const json = isJsonType(m.contentType);
    const { name } = splitKey(m.key);
    const limits = envelopeLimits(this.host.maxAppendBytes);
    let pos = start;
    const envelopes = messages.map((data) => {
      const e = envelopeOf(name, m.contentType, json, { offset: offsetAt(m, pos), data }, limits.inlineBytes);
      pos += data.length;
      return e;
    });
    this.host.outbox.write(packRows(envelopes, limits.rowBytes));
    this.written = true;
  }

  /** After a committed append: arm the backstop and deliver in the background. */
  kick(): void {
    if (!this.written) return;
    this.written = false;
    this.host.armAlarm(Date.now() + BACKSTOP_MS);
    this.start();
  }

  /**
   * After a restart: resume undelivered fan-out. Queue hand-offs made before
   * are treated as lost (sending again is harmless: deliveries are idempotent).
   */
  resume(): void {
    if (this.host.outbox.stats().outboxRows === 0) return;
    this.host.outbox.markQueued(
      this.host.outbox.pending().map((s) => s.session),
      0,
      0,
    );
    this.host.armAlarm(Date.now());
  }

  /** The alarm: deliver what is pending (and re-arm while anything is left). */
  async onAlarm(): Promise<void> {
    this.start();
    await this.running;
  }

  /** Resolves once no delivery is running (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Subscribes a session to this stream (idempotent). */
  subscribe(session: string, now: number): Result<{ created: boolean }> {
    const m = this.host.meta();
    if (!m) return failure(404, "not_found", "Source stream not found");
    if (m.state === "soft_deleted") return failure(410, "gone", "Source stream was deleted");
    const outbox = this.host.outbox;
    if (outbox.isSession()) return failure(400, "bad_request", "An estuary session's stream cannot be a source");
    const count = outbox.count(m.instance);
    if (outbox.get(session)) return { ok: true, created: false };
    if (count >= MAX_SUBSCRIBERS) {
      return failure(409, "conflict", `The source stream already has ${MAX_SUBSCRIBERS} subscribers`);
    }
    outbox.add(session, m.instance, now);
    return { ok: true, created: true };
  }

  /** The stream is being deleted: tell each subscribed session (best effort) before the tables go. */
  sourceGone(m: StreamMeta): void {
    const { name } = splitKey(m.key);
    for (const session of this.host.outbox.sessions()) this.host.forgetSubscription(session, name);
  }

  /** Unsubscribes a session; false when it was not subscribed. */
  unsubscribe(session: string): boolean {
    return this.host.outbox.remove(session);
  }

  /** Queue consumer: the rows still owed to these sessions. */
  work(sessions: readonly string[]): FanoutWork | null {
    this.host.fanoutTally.consumerCalls += 1;
    const m = this.host.meta();
    if (!m) return null;
    this.host.outbox.count(m.instance);
    const subs = this.host.outbox.some(sessions).map((s) => ({ session: s.session, since: s.since, acked: s.acked }));
    if (subs.length === 0) return null;
    const from = Math.min(...subs.map((s) => s.acked));
    const rows = this.host.outbox.rowsAfter(from, ROWS_PER_CALL, BYTES_PER_CALL);
    return { producerId: producerIdOf(m.key, m.instance), subs, rows };
  }

  /** Queue consumer: what it delivered. Returns the sessions that are still owed rows. */
  report(results: readonly FanoutReport[]): string[] {
    const outbox = this.host.outbox;
    const tally = this.host.fanoutTally;
    tally.consumerCalls += 1;
    for (const r of results) {
      tally.appends += r.appends;
      tally.duplicates += r.duplicates;
      if (r.prune) tally.pruned += 1;
      if (r.prune) this.prune(r.session, r.since);
      else outbox.ack(r.session, r.since, r.ackedTo);
    }
    outbox.trim();
    const last = outbox.lastId();
    return outbox
      .some(results.map((r) => r.session))
      .filter((s) => s.acked < last)
      .map((s) => s.session);
  }

  /** Queue consumer gave up on these sessions for now: hand them to the queue again on the next drain. */
  requeue(sessions: readonly string[]): void {
    this.host.fanoutTally.consumerCalls += 1;
    this.host.outbox.markQueued(sessions, 0, 0);
    this.start();
  }

  private start(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((e: unknown) => {
        this.retryLater(`drain failed: ${String(e)}`);
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.start();
        }
      });
  }

  private async drain(): Promise<void> {
    for (let round = 0; ; round++) {
      if (round === MAX_ROUNDS) {
        this.host.armAlarm(Date.now());
        return;
      }
      const m = this.host.meta();
      if (!m) {
        // The stream expired or was deleted: its subscriptions and undelivered fan-out go with it.
        this.host.outbox.clear();
        return;
      }
      const outbox = this.host.outbox;
      outbox.count(m.instance);
      const pending = outbox.pending();
      if (pending.length === 0) {
        outbox.trim();
        this.failures = 0;
        return;
      }
      const queue = this.host.queue();
      if (queue && pending.length > this.host.queueThreshold) {
        await this.enqueue(queue, m, pending);
        return;
      }
      if (!(await this.deliverInline(m, pending))) return;
    }
  }

  /** Hands pending subscribers to the queue (those not already waiting there). */
  private async enqueue(queue: Queue<FanoutMessage>, m: StreamMeta, pending: readonly Subscriber[]): Promise<void> {
    const now = Date.now();
    const last = this.host.outbox.lastId();
    const due = pending.filter((s) => s.queued < last || now - s.queuedAt > QUEUE_STALE_MS).map((s) => s.session);
    for (let i = 0; i < due.length; i += QUEUE_BATCH) {
      const chunk = due.slice(i, i + QUEUE_BATCH);
      await queue.sendBatch(chunk.map((session) => ({ body: { source: m.key, session } })));
      this.host.outbox.markQueued(chunk, last, now);
      this.host.fanoutTally.queueSent += chunk.length;
    }
    this.host.armAlarm(now + QUEUE_STALE_MS);
  }

  /** Delivers to every pending subscriber from here; false when something must be retried later. */
  private async deliverInline(m: StreamMeta, pending: readonly Subscriber[]): Promise<boolean> {
    const producerId = producerIdOf(m.key, m.instance);
    const outcomes: Delivery[] = [];
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const sub = pending[next++]!;
        const rows = this.host.outbox.rowsAfter(sub.acked, ROWS_PER_CALL, BYTES_PER_CALL);
        const d = await deliverRows(this.host.sessionStream(sub.session), producerId, sub, rows, this.host.fanoutTally);
        if (d.kind === "prune") this.prune(sub.session, sub.since);
        else this.host.outbox.ack(sub.session, sub.since, d.ackedTo);
        outcomes.push(d);
      }
    };
    await Promise.all(Array.from({ length: Math.min(INLINE_CONCURRENCY, pending.length) }, worker));
    this.host.outbox.trim();
    const failed = outcomes.find((d) => d.kind === "retry");
    if (failed && failed.kind === "retry") {
      this.retryLater(failed.error);
      return false;
    }
    return true;
  }

  private prune(session: string, since: number): void {
    const sub = this.host.outbox.get(session);
    if (!sub || sub.since !== since) return;
    this.host.outbox.remove(session);
    const m = this.host.meta();
    if (m) this.host.forgetSubscription(session, splitKey(m.key).name);
  }

  private retryLater(error: string): void {
    this.failures += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures, 10));
    console.error(JSON.stringify({ msg: "estuary fan-out will retry", delayMs: delay, error }));
    this.host.armAlarm(Date.now() + delay);
  }
}
