/**
 * The fan-out driver of a source StreamDO. An append writes its envelopes to
 * the outbox in its own transaction (`record`); after the commit `kick` arms
 * a backstop alarm and starts delivering in the background, so a publish
 * never waits for fan-out. Each drain is one invocation with a subrequest
 * budget and a time limit per call; what it cannot finish continues from the
 * alarm. Small fan-outs are delivered inline; above the queue threshold the
 * pending sessions are handed to the queue, many per message, and the
 * consumer (queue-consumer.ts) delivers and reports back. A hand-off the
 * consumer does not report within QUEUE_STALE_MS is delivered inline, so
 * nothing depends on a queue message arriving. A failing subscriber backs off
 * on its own and is parked once it lags past the limits (docs/estuary.md).
 */
import { failure, type Result } from "../protocol/errors.js";
import { isJsonType } from "../protocol/parse.js";
import { estuaryPublished } from "../metrics/estuary-hooks.js";
import { offsetAt } from "../do/host.js";
import type { StreamMeta } from "../do/meta.js";
import { Budget, backoffMs, withTimeout } from "./bounded.js";
import type { EstuaryConfig } from "./config.js";
import { deliverRows, type Delivery, type DeliveryTally, type SessionStream } from "./deliver.js";
import { envelopeLimits, envelopeOf, packRows } from "./envelope.js";
import { producerIdOf, splitKey } from "./ids.js";
import type { Outbox, OutboxRow, Subscriber } from "./outbox-store.js";
import { noticeParked, parkLaggards } from "./parking.js";
import { batchesOf, packSessions, sessionsPerMessage, type FanoutMessage } from "./queue-pack.js";

export type { FanoutMessage } from "./queue-pack.js";

/** What the queue consumer gets for a group of sessions of one source. */
export interface FanoutWork {
  readonly producerId: string;
  readonly subs: readonly { readonly session: string; readonly since: number; readonly acked: number }[];
  readonly rows: readonly OutboxRow[];
}

/** What the queue consumer reports per session (`failed`: its last append was refused or timed out). */
export interface FanoutReport {
  readonly session: string;
  readonly since: number;
  readonly ackedTo: number;
  readonly prune: boolean;
  readonly failed?: boolean;
  /** Session appends this delivery made, and those that were duplicates (the source counts them). */
  readonly appends?: number;
  readonly duplicates?: number;
}

/** What a source's fan-out did since its object started (`fanout` in `GET /v1/metrics/stream/...`). */
export interface FanoutTally extends DeliveryTally {
  /** Queue messages sent. */
  queueSent: number;
}

/** Where a parked subscription's gap is: the first source offset it missed, and where delivery resumed. */
export interface ResumeOk {
  readonly parkedOffset: string | null;
  readonly resumedAt: string;
}

/** What the driver needs from its StreamDO. */
export interface FanoutHost {
  readonly outbox: Outbox;
  meta(): StreamMeta | null;
  sessionStream(key: string): SessionStream;
  /** The alarm hook: the alarm fires no later than `at` and calls `onAlarm`. */
  armAlarm(at: number): void;
  /** Tells a session that the source dropped its subscription. */
  forgetSubscription(session: string, source: string): Promise<void>;
  /** Tells a session that its subscription to `source` is parked. */
  notifyParked(session: string, source: string, parked: { at: number; offset: string | null }): Promise<void>;
  queue(): Queue<FanoutMessage> | undefined;
  readonly limits: Pick<
    EstuaryConfig,
    "queueThreshold" | "subrequestBudget" | "callTimeoutMs" | "parkAfterMs" | "parkLagRows"
  >;
  /** The largest append a session stream takes: outbox rows never exceed it. */
  readonly maxAppendBytes: number;
  /** This object's fan-out counters (kept here: the edge runs in another isolate). */
  readonly fanoutTally: FanoutTally;
}

/** Most subscribers one source stream keeps. */
export const MAX_SUBSCRIBERS = 10_000;
const INLINE_CONCURRENCY = 16;
/** Armed with every outbox write and every drain: a crash mid-delivery resumes from this alarm. */
const BACKSTOP_MS = 2_000;
/** A hand-off the consumer has not reported within this is delivered by the source itself. */
export const QUEUE_STALE_MS = 30_000;
const ROWS_PER_CALL = 64;
const BYTES_PER_CALL = 4 * 1024 * 1024;
/** Rounds per drain (bounds CPU when rows keep coming). */
const MAX_ROUNDS = 64;

/** The per-source fan-out driver. */
export class Fanout {
  private running: Promise<void> | null = null;
  /** A drain a publish asked for, starting in the next task. */
  private deferred: Promise<void> | null = null;
  private again = false;
  private written = false;
  /** Subrequests of the last drain and the most any drain of this instance made. */
  private readonly spent = { last: 0, max: 0, drains: 0 };

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
    const rows = packRows(envelopes, limits.rowBytes);
    this.host.outbox.write(rows);
    const last = this.host.outbox.lastId();
    estuaryPublished(m.key, m.instance, last - rows.length + 1, last, envelopes.length);
    this.written = true;
  }

  /**
   * After a committed append: arm the backstop and deliver in the background,
   * in a task of its own: a drain's first step reads every pending subscriber
   * (and may write to each), which the publish's reply must not wait for.
   */
  kick(): void {
    if (!this.written) return;
    this.written = false;
    this.host.armAlarm(Date.now() + BACKSTOP_MS);
    this.deferred ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.deferred = null;
        this.start();
        resolve();
      }, 0),
    );
  }

  /**
   * After a restart: resume undelivered fan-out from the alarm. Queue hand-offs
   * made before are treated as lost (sending again is harmless: deliveries are idempotent).
   */
  resume(): void {
    const pending = this.host.outbox.pending();
    if (pending.length === 0) return;
    this.host.outbox.markQueued(
      pending.filter((s) => s.queuedAt > 0).map((s) => s.session),
      0,
    );
    this.host.armAlarm(Date.now());
  }

  /** The alarm: deliver what is pending (and re-arm while anything is left). */
  async onAlarm(): Promise<void> {
    this.start();
    await this.settled();
  }

  /** Resolves once no delivery is running or about to start (tests). */
  async settled(): Promise<void> {
    while (this.deferred || this.running) await (this.deferred ?? this.running);
  }

  /** Subrequests per drain, for the debug stats. */
  stats(): { subrequests: { last: number; max: number; drains: number; budget: number } } {
    return { subrequests: { ...this.spent, budget: this.host.limits.subrequestBudget } };
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

  /** The stream is being deleted: tell its sessions (best effort, within one budget) before the tables go. */
  sourceGone(m: StreamMeta): void {
    const { name } = splitKey(m.key);
    const budget = new Budget(this.host.limits.subrequestBudget);
    for (const session of this.host.outbox.sessions()) {
      if (!budget.take()) break;
      void this.bounded(this.host.forgetSubscription(session, name), "forget").catch(() => {});
    }
  }

  /** Unsubscribes a session; false when it was not subscribed. */
  unsubscribe(session: string): boolean {
    return this.host.outbox.remove(session);
  }

  /** A parked session resumes: delivery restarts with the next message (its gap is returned). */
  resumeSubscriber(session: string): Result<ResumeOk> {
    const m = this.host.meta();
    if (!m) return failure(404, "not_found", "Source stream not found");
    const r = this.host.outbox.resume(session);
    if (!r) return failure(409, "conflict", "The subscription is not parked");
    return { ok: true, parkedOffset: r.parkedOffset, resumedAt: offsetAt(m, m.tail) };
  }

  /** Queue consumer: the rows still owed to these sessions. */
  work(sessions: readonly string[]): FanoutWork | null {
    const m = this.host.meta();
    if (!m) return null;
    this.host.outbox.count(m.instance);
    const subs = this.host.outbox.some(sessions).map((s) => ({ session: s.session, since: s.since, acked: s.acked }));
    if (subs.length === 0) return null;
    const from = Math.min(...subs.map((s) => s.acked));
    const rows = this.host.outbox.rowsAfter(from, ROWS_PER_CALL, BYTES_PER_CALL);
    return { producerId: producerIdOf(m.key, m.instance), subs, rows };
  }

  /** Queue consumer: what it delivered. Returns the sessions it should go on with (still owed rows). */
  report(results: readonly FanoutReport[]): string[] {
    const outbox = this.host.outbox;
    const now = Date.now();
    const done: string[] = [];
    const tally = this.host.fanoutTally;
    for (const r of results) {
      tally.appends += r.appends ?? 0;
      tally.duplicates += r.duplicates ?? 0;
      if (r.prune) {
        tally.pruned += 1;
        this.prune(r.session, r.since);
        continue;
      }
      outbox.ack(r.session, r.since, r.ackedTo);
      if (r.failed) this.failed(r.session, r.since, now);
    }
    outbox.trim();
    const last = outbox.lastId();
    const owed: string[] = [];
    for (const s of outbox.some(results.map((r) => r.session))) {
      if (s.acked < last && s.retryAt <= now) owed.push(s.session);
      else done.push(s.session);
    }
    // Finished or failing sessions leave the queue; the source hands them out again when needed.
    outbox.markQueued(done, 0);
    outbox.markQueued(owed, now);
    if (done.length > 0) this.host.armAlarm(now + BACKSTOP_MS);
    return owed;
  }

  /** Queue consumer ran out of budget for these sessions: hand them to the queue again. */
  requeue(sessions: readonly string[]): void {
    this.host.outbox.markQueued(sessions, 0);
    this.start();
  }

  /**
   * Starts a drain unless one runs (then it runs again afterwards). A drain
   * that follows another runs in the same invocation, so it gets only what
   * the first left of the budget; with little left, the alarm takes over.
   */
  private start(left = this.host.limits.subrequestBudget): void {
    if (this.running) {
      this.again = true;
      return;
    }
    const limit = this.host.limits.subrequestBudget;
    const budget = new Budget(left);
    this.running = this.drain(budget)
      .catch((e: unknown) => {
        console.error(JSON.stringify({ msg: "estuary fan-out drain failed; the alarm retries", error: String(e) }));
        this.host.armAlarm(Date.now() + BACKSTOP_MS);
      })
      .finally(() => {
        const spent = limit - budget.left;
        this.spent.last = spent;
        this.spent.max = Math.max(this.spent.max, spent);
        this.spent.drains += 1;
        this.running = null;
        if (this.again) {
          this.again = false;
          if (budget.left > limit / 4) this.start(budget.left);
          else this.host.armAlarm(Date.now());
        }
      });
  }

  /** One invocation's worth of delivery; whatever is left is re-armed on the alarm. */
  private async drain(budget: Budget): Promise<void> {
    for (let round = 0; ; round++) {
      const m = this.host.meta();
      if (!m) {
        // The stream expired or was deleted: its subscriptions and undelivered fan-out go with it.
        this.host.outbox.clear();
        return;
      }
      const outbox = this.host.outbox;
      outbox.count(m.instance);
      const now = Date.now();
      parkLaggards(this.host, m, now);
      await noticeParked(this.host, m, budget);
      const pending = outbox.pending();
      if (pending.length === 0) {
        outbox.trim();
        return;
      }
      if (round === MAX_ROUNDS || budget.left <= 0) {
        this.host.armAlarm(now);
        return;
      }
      // Whatever happens to this invocation, the alarm comes back.
      this.host.armAlarm(now + BACKSTOP_MS);
      const ready = pending.filter((s) => s.retryAt <= now);
      let wake = Math.min(...pending.filter((s) => s.retryAt > now).map((s) => s.retryAt));
      // Handed to the queue and not yet reported: the consumer has them (until they go stale).
      const inFlight = ready.filter((s) => s.queuedAt > 0 && now - s.queuedAt <= QUEUE_STALE_MS);
      if (inFlight.length > 0) wake = Math.min(wake, Math.min(...inFlight.map((s) => s.queuedAt)) + QUEUE_STALE_MS + 1);
      let inline = ready.filter((s) => !(s.queuedAt > 0 && now - s.queuedAt <= QUEUE_STALE_MS));
      const queue = this.host.queue();
      if (queue && inline.length > this.host.limits.queueThreshold) {
        const fresh = inline.filter((s) => s.queuedAt === 0);
        // Stale hand-offs (a lost message, a stalled consumer) are delivered from here.
        inline = inline.filter((s) => s.queuedAt > 0);
        if (!(await this.enqueue(queue, m, fresh, budget))) wake = Math.min(wake, Date.now() + 1_000);
        else wake = Math.min(wake, Date.now() + QUEUE_STALE_MS + 1);
      }
      if (inline.length === 0) {
        if (Number.isFinite(wake)) this.host.armAlarm(wake);
        return;
      }
      if ((await this.deliverInline(m, inline, budget)) === "paused") {
        this.host.armAlarm(Date.now());
        return;
      }
    }
  }

  /** Hands sessions to the queue, many per message; false when it could not send them all. */
  private async enqueue(
    queue: Queue<FanoutMessage>,
    m: StreamMeta,
    subs: readonly Subscriber[],
    budget: Budget,
  ): Promise<boolean> {
    const perMessage = sessionsPerMessage(this.host.limits.subrequestBudget);
    for (const batch of batchesOf(
      packSessions(
        m.key,
        subs.map((s) => s.session),
        perMessage,
      ),
    )) {
      if (!budget.take()) return false;
      try {
        await this.bounded(queue.sendBatch(batch.map((body) => ({ body }))), "queue send");
      } catch (e) {
        console.error(JSON.stringify({ msg: "estuary queue send failed; will retry", error: String(e) }));
        return false;
      }
      this.host.outbox.markQueued(
        batch.flatMap((b) => b.sessions),
        Date.now(),
      );
      this.host.fanoutTally.queueSent += batch.length;
    }
    return true;
  }

  /** Delivers up to one slice of rows to each subscriber; "paused" when the budget ran out first. */
  private async deliverInline(m: StreamMeta, subs: readonly Subscriber[], budget: Budget): Promise<"ok" | "paused"> {
    const producerId = producerIdOf(m.key, m.instance);
    const bounds = { budget, timeoutMs: this.host.limits.callTimeoutMs, tally: this.host.fanoutTally };
    let next = 0;
    let paused = false;
    const worker = async () => {
      while (next < subs.length && !paused) {
        const sub = subs[next++]!;
        const rows = this.host.outbox.rowsAfter(sub.acked, ROWS_PER_CALL, BYTES_PER_CALL);
        const d = await deliverRows(this.host.sessionStream(sub.session), producerId, sub, rows, bounds);
        this.settle(sub, d, budget);
        if (d.kind === "paused") paused = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(INLINE_CONCURRENCY, subs.length) }, worker));
    this.host.outbox.trim();
    return paused || next < subs.length ? "paused" : "ok";
  }

  private settle(sub: Subscriber, d: Delivery, budget: Budget): void {
    const outbox = this.host.outbox;
    if (d.kind === "prune") {
      this.prune(sub.session, sub.since, budget);
      return;
    }
    outbox.ack(sub.session, sub.since, d.ackedTo);
    if (sub.queuedAt > 0) outbox.markQueued([sub.session], 0);
    if (d.kind === "retry" || d.kind === "superseded") {
      if (d.kind === "retry") console.error(JSON.stringify({ msg: "estuary delivery will retry", error: d.error }));
      this.failed(sub.session, sub.since, Date.now());
    }
  }

  private failed(session: string, since: number, now: number): void {
    const s = this.host.outbox.get(session);
    if (!s) return;
    const retryAt = now + backoffMs(s.attempts + 1);
    this.host.outbox.failed(session, since, now, retryAt);
    this.host.armAlarm(retryAt);
  }

  private prune(session: string, since: number, budget?: Budget): void {
    const sub = this.host.outbox.get(session);
    if (!sub || sub.since !== since) return;
    this.host.outbox.remove(session);
    const m = this.host.meta();
    if (!m || (budget && !budget.take())) return;
    void this.bounded(this.host.forgetSubscription(session, splitKey(m.key).name), "forget").catch((e: unknown) => {
      console.error(
        JSON.stringify({ msg: "estuary: telling a session about a pruned subscription failed", error: String(e) }),
      );
    });
  }

  private bounded<T>(p: Promise<T>, what: string): Promise<T> {
    return withTimeout(p, this.host.limits.callTimeoutMs, what);
  }
}
