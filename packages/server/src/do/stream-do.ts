/**
 * StreamDO: one SQLite-backed Durable Object per stream, the stream's single
 * sequencer. It wires storage, alarms and waiters, then delegates each
 * operation to its module (create, append, read, fork-source, rotation,
 * purge).
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig, type Env } from "../env.js";
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { appendToStream } from "./append.js";
import { BodyGate } from "./append-body.js";
import { createStream, stillCleaningUp } from "./create.js";
import { attachFork, detachFork, forkReferences, locateSubOffset, readRange } from "./fork-source.js";
import { FORK_INTENTS_JOB, RELEASE_RETRY_MS, releaseAbandoned, releaseSource } from "./fork-client.js";
import { ForkStore } from "./fork-links.js";
import { AlarmSchedule } from "./alarm-schedule.js";
import { faultNamed, Faults, SLOW_ATTACH_MS } from "./faults.js";
import { ProducerTurns } from "./producer-turns.js";
import { Lock, type Held } from "./lock.js";
import { debugJobs, registerDebugJobs, scheduleDebugJob } from "./debug-jobs.js";
import {
  acceptFeed,
  broadcastBatch,
  closeFeeds,
  heldReadersOf,
  noteFeedMessage,
  type FeedHubStats,
} from "./feed-hub.js";
import { infoOf, type AppendedBatch, type SourceApi, type StreamHost } from "./host.js";
import { expiryTime, isExpired, type StreamMeta } from "./meta.js";
import { readStream } from "./read.js";
import { readRest } from "./read-piece.js";
import {
  discardBody,
  type AppendOk,
  type AppendRequest,
  type AttachOk,
  type AttachRequest,
  type BodyInput,
  type CreateOk,
  type CreateRequest,
  type DetachRequest,
  type HeadOk,
  type PieceRequest,
  type RangeOk,
  type ReadOk,
  type ReadRequest,
  type RestOk,
} from "./rpc-types.js";
import { CountingSql, type SqlTotals } from "./sql-counter.js";
import { StreamStore } from "./store.js";
import { SegmentIndex } from "./segment-index.js";
import { ROTATION_STEPS, type RotationStep } from "./rotation.js";
import { ColdStorage } from "./cold-storage.js";
import { RetentionStore } from "./retention-store.js";
import { afterSeal, changeRetention, enforceRetention, pinFork, RETENTION_JOB, retentionOf } from "./retention.js";
import type { RetentionChange, RetentionOk } from "./retention.js";
import { trimBefore, TRIM_STEPS } from "./trim.js";
import { Fanout, type FanoutReport, type FanoutTally, type FanoutWork, type ResumeOk } from "../estuary/fanout.js";
import { OutboxStore } from "../estuary/outbox-store.js";
import { catalogReporter } from "../catalog/stream-hook.js";
import type { CatalogReporter } from "../catalog/reporter.js";
import { inspectStream, type Inspection } from "../catalog/inspect.js";
import { countStoredBytes } from "../metrics/stored-bytes.js";
import { SubscriptionHook } from "../subscriptions/stream-hook.js";
import { RowCaches } from "./row-cache.js";
import { StorageEstimate } from "./storage-estimate.js";
import type { Position } from "../subscriptions/subscription.js";
import { fanoutHostOf } from "../estuary/source-host.js";
import { claimSessionStream } from "../estuary/session-stream.js";
import { EstuaryFaults, type EstuaryFaultSwitches } from "../estuary/faults.js";
import { isolateId } from "../isolate-id.js";
import { countingBucket, type R2Tally } from "../cold/counting-bucket.js";

/** An unfinished seal or purge is retried from the alarm after this. */
const COLD_RETRY_MS = 2_000;
/** Alarm jobs (alarm-schedule.ts); the first three share the maintenance pass. */
const JOB = {
  expiry: "expiry",
  release: "fork-release",
  cold: "cold",
  fanout: "fanout",
  catalog: "catalog",
  subs: "subs",
} as const;

/** The per-stream Durable Object. */
export class StreamDO extends DurableObject<Env> implements StreamHost {
  readonly store: StreamStore;
  /** Estuary: this stream's subscribers and fan-out outbox (src/estuary). */
  readonly outbox: OutboxStore;
  private readonly fanout: Fanout;
  /** Test-only estuary fault switches (`DEBUG_ENDPOINTS`). */
  private readonly estuaryFaults = new EstuaryFaults();
  private readonly sql: CountingSql;
  readonly segments: SegmentIndex;
  readonly forks: ForkStore;
  readonly retention: RetentionStore;
  readonly alarms: AlarmSchedule;
  readonly faults = new Faults();
  readonly producerTurns: ProducerTurns;
  readonly doId: string;
  readonly maxAppendBytes: number;
  readonly maxAppendMessages: number;
  readonly bodyGate = new BodyGate();
  readonly maxReadBytes: number;
  readonly hotStorageLimitBytes: number;
  private readonly cold: ColdStorage;
  /** Reports this stream to the project's catalog (src/catalog). */
  private readonly catalog: CatalogReporter;
  /** Wakes the PROTOCOL.md §6 subscriptions covering this stream (src/subscriptions). */
  private readonly subs: SubscriptionHook;
  /** Edge requests served, by kind, since this instance started (`/v1/metrics/stream/...`). */
  private readonly served = { reads: 0, writes: 0, other: 0 };
  private cached: StreamMeta | null | undefined;
  /** Rows kept in memory besides the metadata (do/row-cache.ts): dropped on a rollback or a wipe. */
  private readonly caches = new RowCaches();
  /** What the database holds, measured now and then (do/storage-estimate.ts). */
  private readonly storage = new StorageEstimate(() => this.storageBytes());
  /** Inside `transaction`: its depth and the metadata it saved, cached only once it commits. */
  private txn = { depth: 0, saved: undefined as StreamMeta | undefined, tailInLog: false };
  private readonly feedStats: FeedHubStats = { feedsAccepted: 0, framesSent: 0 };
  /** Counted in this object, never in a module the edge reads: on Cloudflare they are different isolates. */
  readonly fanoutTally: FanoutTally = { appends: 0, duplicates: 0, pruned: 0, queueSent: 0 };
  private readonly r2: R2Tally = { r2ClassA: 0, r2ClassB: 0 };
  private readonly bucket: R2Bucket | undefined;
  /** When this instance was constructed: tests use it to see hibernation evict the object. */
  private readonly constructedAt = Date.now();
  /** Serialises operations that await between reading and writing metadata. */
  private readonly lock = new Lock();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = readConfig(env);
    this.maxAppendBytes = config.maxAppendBytes;
    this.maxAppendMessages = config.maxAppendMessages;
    this.maxReadBytes = config.maxReadBytes;
    this.hotStorageLimitBytes = config.hotStorageLimitBytes;
    this.producerTurns = new ProducerTurns(config.producerTurnTimeoutMs);
    this.bucket = env.SEGMENTS && countingBucket(env.SEGMENTS, this.r2);
    this.cold = new ColdStorage({
      host: this,
      bucket: this.bucket,
      limits: { maxBytes: config.segmentMaxBytes, maxMessages: config.segmentMaxMessages },
      scheduleRetry: (delayMs) => this.alarms.schedule(JOB.cold, Date.now() + (delayMs ?? COLD_RETRY_MS)),
      exclusive: (fn) => this.exclusive(fn),
    });
    this.doId = ctx.id.toString();
    this.sql = new CountingSql(ctx.storage.sql);
    this.store = new StreamStore(this.sql);
    this.segments = new SegmentIndex(this.sql, this.caches);
    this.store.ensureSchema();
    this.outbox = new OutboxStore(this.sql);
    this.outbox.ensureSchema();
    this.forks = new ForkStore(this.sql);
    this.forks.ensureSchema();
    this.retention = new RetentionStore(this.sql, this.caches);
    this.retention.ensureSchema();
    this.alarms = new AlarmSchedule(this.sql, ctx.storage);
    const maintain = () => this.exclusive(() => this.maintain());
    for (const job of [JOB.expiry, JOB.release, JOB.cold]) this.alarms.register(job, maintain);
    this.alarms.register(FORK_INTENTS_JOB, () =>
      this.exclusive(() => releaseAbandoned(this).then(() => this.settle())),
    );
    this.alarms.register(JOB.fanout, () => this.fanout.onAlarm());
    this.alarms.register(RETENTION_JOB, () => this.exclusive(() => enforceRetention(this)));
    this.alarms.register(JOB.catalog, () => this.catalog.onAlarm(Date.now()));
    this.alarms.register(JOB.subs, () => this.subs.sync(this.meta()));
    if (env.DEBUG_ENDPOINTS === "true") registerDebugJobs(this.alarms, this.sql);
    this.fanout = new Fanout(fanoutHostOf(this, env));
    this.fanout.resume();
    this.catalog = catalogReporter({
      env,
      sql: this.sql,
      current: () => this.loadRaw(),
      hotMessages: (m) => this.cold.hotMessageCount(m),
      retainedStart: (m) => this.retention.start(m.instance),
      retention: (m) => ({
        retention: this.retention.limits(m.instance),
        startOffset: retentionOf(this, m).startOffset,
      }),
      armAlarm: (at) => this.alarms.schedule(JOB.catalog, at),
    });
    this.subs = new SubscriptionHook({
      env,
      sql: this.sql,
      caches: this.caches,
      armRetry: (at) => this.alarms.schedule(JOB.subs, at),
    });
  }

  // ---- RPC surface used by the edge -------------------------------------

  /** The edge's live feed: `GET /feed` with `Upgrade: websocket`. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/feed" || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("not found", { status: 404 });
    }
    const m = this.meta();
    if (!m) return new Response("stream not found", { status: 404 });
    if (m.state === "soft_deleted") return new Response("stream gone", { status: 410 });
    return acceptFeed(this.ctx, m, this.feedStats);
  }

  /** Feeds only receive data; an edge sends only how many readers it holds (for inspection). */
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    noteFeedMessage(ws, message);
  }

  /** An edge isolate closed its feed. */
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  /** PUT */
  create(req: CreateRequest, body: BodyInput): Promise<Result<CreateOk>> {
    this.served.writes += 1;
    const op = this.exclusive(async (held) => {
      // A fork whose source release is still pending keeps a tombstone; finish
      // the release before a new stream replaces it, or the source's count stays high.
      const raw = this.loadRaw();
      if (raw?.pendingRelease) {
        await this.destroy(raw);
        if (this.loadRaw()?.pendingRelease) {
          await discardBody(body);
          return stillCleaningUp();
        }
      }
      return createStream(this, req, body, held);
    });
    return this.reported(op, req.key);
  }

  /** POST */
  append(req: AppendRequest, body: BodyInput): Promise<Result<AppendOk>> {
    this.served.writes += 1;
    return this.reported(this.estuaryFaults.append(() => appendToStream(this, req, body), body));
  }

  /** GET (catch-up and long-poll) */
  read(req: ReadRequest): Promise<Result<ReadOk>> {
    this.served.reads += 1;
    return readStream(this, req);
  }

  /** The rest of a large JSON message (ReadOk.rest), as a stream of bounded pieces; each piece counts as a read. */
  readRest(req: PieceRequest): Promise<Result<RestOk>> {
    return readRest(this, req, () => (this.served.reads += 1));
  }

  /** Refreshes a sliding TTL for live readers served from an edge feed. */
  async touch(): Promise<void> {
    const m = this.meta();
    if (!m || m.state === "soft_deleted" || m.ttlSeconds === null) return;
    m.lastAccess = Date.now();
    this.store.touch(m.lastAccess);
    this.scheduleExpiry(m);
  }

  /** HEAD: metadata only; does not refresh a sliding TTL. */
  async head(): Promise<Result<HeadOk>> {
    this.served.other += 1;
    const m = this.meta();
    if (!m) return failure(404, "not_found", "Stream not found");
    if (m.state === "soft_deleted") return failure(410, "gone", "Stream was deleted");
    return { ok: true, info: infoOf(m), retention: retentionOf(this, m) };
  }

  /** PATCH: changes retention limits and/or trims history before an offset (do/retention.ts). */
  changeRetention(req: RetentionChange): Promise<Result<RetentionOk>> {
    this.served.writes += 1;
    return this.reported(this.exclusive(() => changeRetention(this, req)));
  }

  /** DELETE: soft-delete while forks reference the stream, otherwise destroy. */
  remove(): Promise<Result<{ softDeleted: boolean }>> {
    this.served.writes += 1;
    const key = this.loadRaw()?.key;
    const op = this.exclusive(async (): Promise<Result<{ softDeleted: boolean }>> => {
      const m = this.meta();
      if (!m) return failure(404, "not_found", "Stream not found");
      if (m.state === "soft_deleted") return failure(410, "gone", "Stream was deleted");
      if (forkReferences(this, m) > 0) {
        m.state = "soft_deleted";
        this.saveMeta(m);
        closeFeeds(this.ctx);
        await this.cold.hideFromEdge(m);
        return { ok: true, softDeleted: true };
      }
      await this.destroy(m);
      return { ok: true, softDeleted: false };
    });
    return this.reported(op, key);
  }

  // ---- RPC surface used by estuary sessions and the fan-out queue ---------

  /** An estuary session subscribes to this stream. */
  addSubscriber(session: string): Promise<Result<{ created: boolean }>> {
    return this.reported(
      this.estuaryFaults.loseReply("loseSubscribe", async () => this.fanout.subscribe(session, Date.now())),
    );
  }

  /** An estuary session unsubscribes; false when it was not subscribed. */
  removeSubscriber(session: string): Promise<boolean> {
    return this.reported(this.estuaryFaults.loseReply("loseUnsubscribe", async () => this.fanout.unsubscribe(session)));
  }

  /** A parked subscription resumes with the next message; returns its gap. */
  async resumeSubscriber(session: string): Promise<Result<ResumeOk>> {
    return this.fanout.resumeSubscriber(session);
  }

  /** Deletes this stream only if it is an estuary session's stream (409 otherwise). */
  async removeSessionStream(): Promise<Result<{ softDeleted: boolean }>> {
    if (!this.outbox.isSession()) return failure(409, "conflict", "Not an estuary session's stream");
    return this.remove();
  }

  /** Creates this stream as an estuary session's stream (409 when another stream holds the name). */
  claimSessionStream(key: string): Promise<Result<{ created: boolean }>> {
    this.served.writes += 1;
    const op = this.exclusive((held) => claimSessionStream(this, this.outbox, key, held)).finally(() =>
      this.catalog.refresh(),
    );
    return this.reported(op, key);
  }

  /** Queue consumer: rows owed to these sessions. */
  async fanoutWork(sessions: string[]): Promise<FanoutWork | null> {
    return this.fanout.work(sessions);
  }

  /** Queue consumer: what it delivered; returns sessions still owed rows. */
  fanoutReport(reports: FanoutReport[]): Promise<string[]> {
    return this.estuaryFaults.loseReply("loseReport", async () => this.fanout.report(reports));
  }

  /** Queue consumer: these sessions go back to the queue on the next drain. */
  async fanoutRequeue(sessions: string[]): Promise<void> {
    this.fanout.requeue(sessions);
  }

  /** Raw storage and feed facts for tests (does not apply expiry, so it observes the alarm's work). */
  async storageStats(): Promise<
    {
      meta: boolean;
      logRows: number;
      producerRows: number;
      segments: number;
      pendingSegments: number;
      purges: number;
      instance: string | null;
      doId: string;
      databaseBytes: number;
      estuary: ReturnType<OutboxStore["stats"]> & ReturnType<Fanout["stats"]>;
      alarmAt: number | null;
      alarmJobs: Record<string, number>;
      forks: { refs: number; legacyRefs: number; links: number };
      seals: { attempts: number; failures: number };
      isolate: string;
    } & Awaited<ReturnType<StreamDO["counters"]>>
  > {
    return {
      ...this.store.stats(),
      ...this.segments.stats(),
      instance: this.loadRaw()?.instance ?? null,
      doId: this.doId,
      databaseBytes: this.storageBytes(),
      estuary: { ...this.outbox.stats(), ...this.fanout.stats() },
      alarmAt: await this.ctx.storage.getAlarm(),
      alarmJobs: this.alarms.jobs(),
      forks: {
        refs: this.forks.refCount(),
        legacyRefs: this.loadRaw()?.refCount ?? 0,
        links: this.forks.links().length,
      },
      seals: { ...this.cold.sealStats },
      isolate: isolateId(),
      ...(await this.counters()),
    };
  }

  /** What this object has done since it was constructed (`GET /v1/metrics/stream/...`). */
  async counters(): Promise<
    SqlTotals &
      FeedHubStats &
      R2Tally & {
        feeds: number;
        constructedAt: number;
        served: { reads: number; writes: number; other: number };
        fanout: FanoutTally;
        catalogWrites: number;
      }
  > {
    return {
      ...this.sql.totals(),
      ...this.r2,
      fanout: { ...this.fanoutTally },
      served: { ...this.served },
      ...this.feedStats,
      feeds: this.ctx.getWebSockets().length,
      constructedAt: this.constructedAt,
      catalogWrites: this.catalog.writes,
    };
  }

  /** A subscription links this stream (src/subscriptions): its tail, or null when no stream lives here. */
  async subscriptionLink(_subId: string): Promise<Position | null> {
    return this.subs.link(this.meta());
  }

  /** Admin inspection (src/catalog/inspect.ts); null when no stream lives here. */
  async inspect(): Promise<(Inspection & { retention: RetentionOk }) | null> {
    const m = this.meta();
    if (!m) return null;
    const view = {
      sql: this.sql,
      doId: this.doId,
      feeds: this.ctx.getWebSockets().length,
      readers: heldReadersOf(this.ctx),
      forks: forkReferences(this, m),
    };
    const retention = retentionOf(this, m);
    const retained = { position: this.retention.start(m.instance), offset: retention.startOffset };
    return { ...inspectStream({ ...view, retained }, m), retention };
  }

  // ---- RPC surface used by forks of this stream --------------------------

  /** A fork attaches to this stream as its source. */
  attachFork(req: AttachRequest): Promise<Result<AttachOk>> {
    return this.exclusive(async () => {
      await this.faults.delay("slow-attach", SLOW_ATTACH_MS);
      return attachFork(this, req);
    });
  }

  /** A fork of this stream went away (idempotent by its reference). */
  detachFork(req?: DetachRequest): Promise<void> {
    // A trim this fork held back may run now.
    return this.exclusive(() => detachFork(this, req)).finally(() => this.alarms.schedule(RETENTION_JOB, Date.now()));
  }

  /** A fork trimmed its view: this stream may trim up to `start` for it. */
  forkTrimmed(ref: string, start: number): Promise<void> {
    return this.exclusive(async () => pinFork(this, ref, start));
  }

  /** A fork reads inherited data. */
  readRange(pos: number, limit: number, maxBytes: number, raw = false): Promise<Result<RangeOk>> {
    return readRange(this, pos, limit, maxBytes, raw);
  }

  /** A fork (or a fork of a fork) resolves a sub-offset inside this stream. */
  async locateSubOffset(pos: number, sub: number, limit: number): Promise<number | Failure> {
    const m = this.meta();
    if (!m) return failure(404, "not_found", "Fork source stream not found");
    return locateSubOffset(this, m, pos, sub, limit);
  }

  // ---- alarms -------------------------------------------------------------

  /** Runs the due jobs of the durable schedule (alarm-schedule.ts) and re-arms for the next. */
  override async alarm(): Promise<void> {
    if ((await this.alarms.runDue(Date.now())) > 0) return;
    // No job was due: an alarm set before the schedule existed. Do everything once.
    await this.exclusive(() => this.maintain());
    await this.fanout.onAlarm();
    await this.catalog.onAlarm(Date.now());
  }

  /** Expires the stream, retries a pending fork release, and finishes unfinished seals and purges. */
  private async maintain(): Promise<void> {
    const m = this.loadRaw();
    if (m) this.expireIfDue(m);
    const after = this.loadRaw();
    if (after?.pendingRelease) await this.destroy(after);
    else if (after?.state === "soft_deleted") await this.cold.hideFromEdge(after);
    else if (after) await this.cold.rotate({});
    await this.settle();
    const left = this.loadRaw();
    if (left) this.scheduleExpiry(left);
  }

  // ---- cold storage ---------------------------------------------------------

  /**
   * Test-only (`DEBUG_ENDPOINTS`): finishes a pending seal and (with `force`)
   * seals now even below the thresholds; optionally crashes the object right
   * after a step of the seal.
   */
  async debugRotate(crashAfter: string | null, force = true): Promise<{ sealed: number }> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    const step = ROTATION_STEPS.find((s) => s === crashAfter);
    if (crashAfter !== null && !step) throw new Error(`unknown rotation step ${crashAfter}`);
    const sealed = await this.exclusive(() =>
      this.cold.rotate({
        force,
        after: async (s: RotationStep) => {
          if (s !== step) return;
          // Crash once the step is durable (an abort discards unflushed writes).
          await this.ctx.storage.sync();
          this.ctx.abort(`fault injected after ${s}`);
        },
      }),
    );
    return { sealed };
  }

  /** Test-only (`DEBUG_ENDPOINTS`): trims before `position`, optionally crashing the object right after a step. */
  async debugTrim(position: number, crashAfter: string | null): Promise<{ start: number }> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    const step = TRIM_STEPS.find((s) => s === crashAfter);
    if (crashAfter !== null && !step) throw new Error(`unknown trim step ${crashAfter}`);
    const after = async (s: string) => {
      if (s !== step) return;
      await this.ctx.storage.sync();
      this.ctx.abort(`fault injected after ${s}`);
    };
    return { start: await this.exclusive(() => trimBefore(this, position, { after })) };
  }

  /** Test-only (`DEBUG_ENDPOINTS`): the next `count` seal uploads fail, as if R2 were down (0 ends it). */
  async debugFailSeals(count: number): Promise<void> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    this.cold.failSeals = count;
  }

  /** Test-only (`DEBUG_ENDPOINTS`): the next `count` purge attempts fail, as if R2 were down. */
  async debugFailPurges(count: number): Promise<void> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    this.cold.failPurges = count;
  }

  /** Test-only (`DEBUG_ENDPOINTS`): sets this stream's estuary fault switches (estuary/faults.ts). */
  async debugEstuaryFaults(s: EstuaryFaultSwitches): Promise<void> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    this.estuaryFaults.set(s);
  }

  /** Test-only (`DEBUG_ENDPOINTS`): the next `count` releases of this fork's source fail. */
  async debugFailReleases(count: number): Promise<void> {
    return this.debugFault("release", count);
  }

  /** Test-only (`DEBUG_ENDPOINTS`): schedules `debug-<name>` (when `inMs` is given) and lists jobs and alarm. */
  async debugAlarmJobs(
    name: string | null,
    inMs: number,
  ): Promise<ReturnType<typeof debugJobs> & { alarmAt: number | null }> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    if (name !== null) scheduleDebugJob(this.alarms, name, inMs);
    return { ...debugJobs(this.alarms, this.sql), alarmAt: await this.ctx.storage.getAlarm() };
  }

  /** Test-only (`DEBUG_ENDPOINTS`): arms a fault switch (faults.ts) for the next `count` operations. */
  async debugFault(name: string, count: number): Promise<void> {
    if (this.env.DEBUG_ENDPOINTS !== "true") throw new Error("debug endpoints are disabled");
    const fault = faultNamed(name);
    if (!fault) throw new Error(`unknown fault ${name}`);
    this.faults.arm(fault, count);
  }

  /** Purges what it can; frees all storage when no stream, purge or fork reference to release is left. */
  private async settle(): Promise<void> {
    if (!(await this.cold.finishPurges()) || this.loadRaw() !== null || this.forks.links().length > 0) return;
    await this.wipe();
  }

  /** Frees all storage: nothing is left here. */
  private async wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.cached = null;
    this.caches.dropAll();
    this.store.ensureSchema();
    this.outbox.ensureSchema();
    this.forks.ensureSchema();
    this.retention.ensureSchema();
    this.subs.ensureSchema();
    this.alarms.reload();
    this.catalog.keepVersion();
  }

  // ---- StreamHost ---------------------------------------------------------

  now(): number {
    return Date.now();
  }

  meta(): StreamMeta | null {
    const m = this.loadRaw();
    if (!m || m.pendingRelease) return null;
    this.expireIfDue(m);
    const current = this.cached;
    return current && !current.pendingRelease ? current : null;
  }

  releasePending(): boolean {
    return this.loadRaw()?.pendingRelease === true;
  }

  saveMeta(m: StreamMeta): void {
    try {
      this.store.saveMeta(m);
    } catch (e) {
      this.cached = undefined;
      throw e;
    }
    if (this.txn.depth > 0) this.txn.saved = m;
    else this.cached = m;
  }

  keepMeta(m: StreamMeta): void {
    if (this.txn.depth === 0) throw new Error("keepMeta belongs inside an append's transaction");
    this.txn.saved = m;
    this.txn.tailInLog = true;
  }

  /**
   * One SQLite transaction; the cached metadata changes only when it commits.
   * Any but a plain append's also brings the row's tail up to date, so that
   * deleting log rows (a seal, a trim) never loses the tail they recorded.
   */
  transaction<T>(fn: () => T): T {
    if (this.txn.depth === 0) this.txn = { depth: 0, saved: undefined, tailInLog: false };
    this.txn.depth += 1;
    try {
      const result = this.ctx.storage.transactionSync(() => {
        const r = fn();
        const m = this.txn.saved ?? this.cached;
        if (this.txn.depth === 1 && !this.txn.tailInLog && m) this.store.persistTail(m.tail);
        return r;
      });
      if (this.txn.depth === 1 && this.txn.saved !== undefined) this.cached = this.txn.saved;
      return result;
    } catch (e) {
      // Rolled back: re-read the committed row (a caller may have changed the cached object in place).
      this.cached = undefined;
      this.store.forgetStoredTail();
      this.caches.dropAll();
      throw e;
    } finally {
      this.txn.depth -= 1;
      if (this.txn.depth === 0) this.txn.saved = undefined;
    }
  }

  source(key: string): SourceApi {
    return this.env.STREAMS.get(this.env.STREAMS.idFromName(key)) as unknown as SourceApi;
  }

  recordFanout(m: StreamMeta, start: number, batch: AppendedBatch): void {
    // Messages are joined only for a stream that has subscribers.
    if (batch.count > 0 && this.outbox.count(m.instance) > 0) this.fanout.record(m, start, batch.messages());
  }

  /** Estuary fan-out's alarm job: runs at `at` unless it is already due sooner. */
  armAlarm(at: number): void {
    this.alarms.schedule(JOB.fanout, at);
  }

  scheduleExpiry(m: StreamMeta): void {
    if (m.pendingRelease) return this.alarms.schedule(JOB.release, Date.now() + RELEASE_RETRY_MS);
    const at = expiryTime(m);
    if (at !== null && m.state !== "soft_deleted") this.alarms.schedule(JOB.expiry, at);
  }

  async destroy(m: StreamMeta): Promise<void> {
    if (m.forkSource !== null) {
      try {
        await releaseSource(this, m);
      } catch (e) {
        // Keep a tombstone and retry from the alarm, so the source's count stays right.
        console.error(JSON.stringify({ msg: "fork release failed; will retry", stream: m.key, error: String(e) }));
        if (!m.pendingRelease) {
          m.pendingRelease = true;
          this.transaction(() => {
            this.cold.dropData(m);
            this.saveMeta(m);
          });
        }
        this.scheduleExpiry(m);
        closeFeeds(this.ctx);
        return;
      }
    }
    this.fanout.sourceGone(m);
    this.transaction(() => {
      this.cold.dropData(m);
      this.outbox.clear();
      this.forks.clearSource();
      this.store.clearMeta();
    });
    this.cached = null;
    closeFeeds(this.ctx);
    await this.settle();
  }

  requireBucket(): R2Bucket {
    if (!this.bucket) throw new Error("this stream has R2 segments but the SEGMENTS binding is missing");
    return this.bucket;
  }

  storageBytes(): number {
    const size = this.ctx.storage.sql.databaseSize;
    // Pages freed by sealed segments are reused before the file grows.
    try {
      const one = (p: string) => Number(this.ctx.storage.sql.exec(`PRAGMA ${p}`).one()[p] ?? 0);
      return Math.max(0, size - one("freelist_count") * one("page_size"));
    } catch {
      return size;
    }
  }

  storageFits(bytes: number): boolean {
    return this.storage.fits(bytes, this.hotStorageLimitBytes);
  }

  appended(m: StreamMeta, messages: number, bytes: number): void {
    this.storage.added(bytes);
    this.cold.appended(m, messages);
  }

  sealedHot(): void {
    this.cold.resetCount();
    afterSeal(this);
    void this.catalog.sync(Date.now());
  }

  publish(m: StreamMeta, start: number, batch: AppendedBatch): void {
    broadcastBatch(this.ctx, m, start, batch, this.feedStats);
    countStoredBytes(m.key, m.tail - start);
    this.fanout.kick();
  }

  // ---- internals ----------------------------------------------------------

  private loadRaw(): StreamMeta | null {
    if (this.cached === undefined) this.cached = this.store.loadMeta();
    return this.cached;
  }

  /** Applies TTL / Expires-At: soft-delete while forks read it, else drop the data. */
  private expireIfDue(m: StreamMeta): void {
    if (m.state === "soft_deleted" || !isExpired(m, Date.now())) return;
    if (forkReferences(this, m) > 0) {
      m.state = "soft_deleted";
      this.saveMeta(m);
      // The alarm removes the segment head, so the edge stops serving it.
      if (this.segments.any()) this.alarms.schedule(JOB.cold, Date.now() + COLD_RETRY_MS);
    } else {
      m.pendingRelease = m.forkSource !== null;
      this.transaction(() => {
        this.cold.dropData(m);
        this.outbox.clear();
        this.forks.clearSource();
        if (m.pendingRelease) this.saveMeta(m);
        else this.store.clearMeta();
      });
      this.cached = m.pendingRelease ? m : null;
      // The fork source is released from the alarm, which may await.
      if (m.pendingRelease) this.scheduleExpiry(m);
      // R2 objects are deleted from the alarm too.
      if (this.segments.purges().length > 0) this.alarms.schedule(JOB.cold, Date.now() + COLD_RETRY_MS);
    }
    closeFeeds(this.ctx);
    void this.catalog.sync(Date.now(), m.key);
  }

  /** Catalog (src/catalog): lifecycle changes of `op` are reported before its caller hears back. */
  private async reported<T>(op: Promise<T> | T, key?: string): Promise<T> {
    const r = await op;
    await this.catalog.sync(Date.now(), key);
    await this.subs.sync(this.meta());
    return r;
  }

  private exclusive<T>(fn: (held: Held) => Promise<T>): Promise<T> {
    return this.lock.run(fn);
  }
}
