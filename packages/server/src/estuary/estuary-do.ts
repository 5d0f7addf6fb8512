/**
 * EstuaryDO: one SQLite Durable Object per session. It keeps the session's
 * owner, lifetime (alarm) and subscriptions; creates the session stream;
 * subscribes and unsubscribes at each source StreamDO (which keeps the
 * subscriber list next to its outbox); and tears everything down on delete
 * or expiry. Ownership is checked here, on the caller the edge authenticated.
 *
 * Every change that calls another object is written down first (the session
 * row and an intent), then made, then confirmed; the alarm finishes intents a
 * crash or a lost reply left behind, so a session is always complete (or
 * expires with everything it touched).
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.js";
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { Budget, withTimeout } from "./bounded.js";
import { MAX_SUBSCRIPTIONS, readEstuaryConfig } from "./config.js";
import type { ResumeOk } from "./fanout.js";
import { sessionKey } from "./ids.js";
import { SessionStore, type Intent, type Session } from "./session-store.js";
import { viewOf, type SessionView } from "./session-view.js";
import { Lock } from "../do/lock.js";

/** Who is asking, as the edge authenticated them. */
export interface Caller {
  readonly sub: string;
  /** Manage scope: may touch every session of the project. */
  readonly manage: boolean;
}

/** A subscribe request. */
export interface SubscribeRequest {
  readonly project: string;
  readonly estuaryId: string;
  /** Source stream name in the session's project. */
  readonly source: string;
  readonly caller: Caller;
  readonly ttlSeconds: number | null;
}

/** What a session calls on StreamDOs (its own stream, and its sources). */
interface StreamCalls {
  claimSessionStream(key: string): Promise<Result<{ created: boolean }>>;
  removeSessionStream(): Promise<Result<object>>;
  addSubscriber(session: string): Promise<Result<{ created: boolean }>>;
  removeSubscriber(session: string): Promise<boolean>;
  resumeSubscriber(session: string): Promise<Result<ResumeOk>>;
}

/** A session answer. */
export type SessionOk = { readonly session: SessionView };

const RETRY_MS = 30_000;
/** An unconfirmed subscribe / unsubscribe is finished from the alarm after this. */
const INTENT_RETRY_MS = 2_000;
/** Parked subscriptions one refresh resumes. */
const RESUMES_PER_REFRESH = 50;

/** The per-session Durable Object. */
export class EstuaryDO extends DurableObject<Env> {
  private readonly store: SessionStore;
  private readonly lock = new Lock();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SessionStore(ctx.storage.sql);
    this.store.ensureSchema();
  }

  /** Subscribes the session to a source (creating the session and its stream when needed). */
  subscribe(req: SubscribeRequest): Promise<Result<SessionOk & { created: boolean; subscribed: boolean }>> {
    return this.exclusive(async () => {
      const existing = await this.live();
      if (existing && !owns(existing, req.caller)) return notOwner(existing);
      if (existing && !this.store.has(req.source) && this.store.count() >= MAX_SUBSCRIPTIONS) {
        return failure(409, "conflict", `A session subscribes to at most ${MAX_SUBSCRIPTIONS} streams`);
      }
      const now = Date.now();
      const ttl = req.ttlSeconds ?? existing?.ttlSeconds ?? readEstuaryConfig(this.env).ttlSeconds;
      const s: Session = existing ?? {
        project: req.project,
        estuaryId: req.estuaryId,
        owner: req.caller.sub,
        createdAt: now,
        ttlSeconds: ttl,
        expiresAt: now + ttl * 1000,
      };
      const subscribed = !this.store.has(req.source);
      // The intent commits before any call: a crash from here on leaves a session that finishes or expires.
      this.ctx.storage.transactionSync(() => {
        this.store.save(s);
        if (subscribed) this.store.intend(req.source, "subscribe", now);
      });
      await this.scheduleAlarm(s);
      const done = subscribed ? await this.finish(s, { stream: req.source, kind: "subscribe" }) : null;
      if (done === "pending") return unconfirmed("subscribe");
      if (done && !done.ok) {
        this.store.settle(req.source);
        if (!existing && this.store.count() === 0 && this.store.intents().length === 0) await this.teardown(s);
        else await this.scheduleAlarm(s);
        return done;
      }
      this.extend(s, ttl, Date.now());
      await this.scheduleAlarm(s);
      return { ok: true, created: !existing, subscribed, session: viewOf(s, this.store.subscriptions()) };
    });
  }

  /** Unsubscribes the session from a source. */
  unsubscribe(source: string, caller: Caller): Promise<Result<SessionOk>> {
    return this.exclusive(async () => {
      const s = await this.live();
      if (!s) return noSession();
      if (!owns(s, caller)) return notOwner(s);
      if (!this.store.has(source) && !this.store.intents().some((i) => i.stream === source)) {
        return failure(404, "not_found", `Session "${s.estuaryId}" is not subscribed to "${source}"`);
      }
      this.store.intend(source, "unsubscribe", Date.now());
      await this.scheduleAlarm(s);
      const done = await this.finish(s, { stream: source, kind: "unsubscribe" });
      if (done === "pending") return unconfirmed("unsubscribe");
      this.extend(s, s.ttlSeconds, Date.now());
      await this.scheduleAlarm(s);
      return { ok: true, session: viewOf(s, this.store.subscriptions()) };
    });
  }

  /** The session (does not extend its lifetime). */
  get(caller: Caller): Promise<Result<SessionOk>> {
    return this.exclusive(async () => {
      const s = await this.live();
      if (!s) return noSession();
      if (!owns(s, caller)) return notOwner(s);
      return { ok: true, session: viewOf(s, this.store.subscriptions()) };
    });
  }

  /** Extends the session's lifetime (optionally with a new TTL) and resumes parked subscriptions. */
  refresh(caller: Caller, ttlSeconds: number | null): Promise<Result<SessionOk>> {
    return this.exclusive(async () => {
      const s = await this.live();
      if (!s) return noSession();
      if (!owns(s, caller)) return notOwner(s);
      this.extend(s, ttlSeconds ?? s.ttlSeconds, Date.now());
      await this.scheduleAlarm(s);
      await this.resumeParked(s);
      return { ok: true, session: viewOf(s, this.store.subscriptions()) };
    });
  }

  /** Deletes the session, its stream and all its subscriptions. */
  remove(caller: Caller): Promise<Result<object>> {
    return this.exclusive(async () => {
      const s = await this.live();
      if (!s) return noSession();
      if (!owns(s, caller)) return notOwner(s);
      await this.teardown(s);
      return { ok: true };
    });
  }

  /** A source dropped this session's subscription (its stream was gone or refused the delivery). */
  forget(source: string): Promise<void> {
    return this.exclusive(async () => {
      if (this.store.load() && this.store.has(source)) this.store.remove(source);
    });
  }

  /** A source parked this session's subscription (it lagged past the limits). */
  parked(source: string, p: { at: number; offset: string | null }): Promise<void> {
    return this.exclusive(async () => {
      if (this.store.load() && this.store.has(source)) this.store.park(source, p.at, p.offset);
    });
  }

  /** Raw facts for tests: whether a session row lives here, its intents and the alarm. */
  async storageStats(): Promise<{ session: boolean; subscriptions: number; intents: number; alarmAt: number | null }> {
    return {
      session: this.store.load() !== null,
      subscriptions: this.store.count(),
      intents: this.store.intents().length,
      alarmAt: await this.ctx.storage.getAlarm(),
    };
  }

  /** Expiry (tear the session down) and unfinished intents (finish them); retried later on failure. */
  override async alarm(): Promise<void> {
    await this.exclusive(async () => {
      const s = this.store.load();
      if (!s) return;
      try {
        if (s.expiresAt <= Date.now()) {
          await this.teardown(s);
          return;
        }
        for (const intent of this.store.intents()) {
          const done = await this.finish(s, intent);
          // The source refused for good (e.g. it is gone): the intent is abandoned.
          if (done !== "pending" && !done.ok) this.store.settle(intent.stream);
        }
        await this.scheduleAlarm(s);
      } catch (e) {
        console.error(JSON.stringify({ msg: "estuary session alarm failed; will retry", error: String(e) }));
        await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
      }
    });
  }

  // ---- internals ----------------------------------------------------------

  /** Makes the change an intent names at the source and confirms it here; "pending" when the reply did not come. */
  private async finish(s: Session, intent: Intent): Promise<Result<object> | "pending"> {
    const key = sessionKey(s.project, s.estuaryId);
    const source = this.stream(sessionKey(s.project, intent.stream));
    try {
      if (intent.kind === "unsubscribe") {
        await this.bounded(source.removeSubscriber(key));
        this.store.remove(intent.stream);
        return { ok: true };
      }
      const made = await this.bounded(this.stream(key).claimSessionStream(key));
      if (!made.ok) return made;
      const added = await this.bounded(source.addSubscriber(key));
      if (!added.ok) return added;
    } catch (e) {
      console.error(
        JSON.stringify({ msg: "estuary: a source did not confirm; the alarm finishes it", error: String(e) }),
      );
      return "pending";
    }
    this.store.add(intent.stream, Date.now());
    return { ok: true };
  }

  /** Resumes parked subscriptions: delivery restarts with the next message; the gap is kept in the view. */
  private async resumeParked(s: Session): Promise<void> {
    const key = sessionKey(s.project, s.estuaryId);
    const parked = this.store.subscriptions().filter((x) => x.parkedAt > 0);
    for (const sub of parked.slice(0, RESUMES_PER_REFRESH)) {
      try {
        const r = await this.bounded(this.stream(sessionKey(s.project, sub.stream)).resumeSubscriber(key));
        if (r.ok) this.store.resumed(sub.stream, { from: r.parkedOffset, to: r.resumedAt });
        else if (r.status === 409) this.store.resumed(sub.stream, null);
      } catch (e) {
        console.error(JSON.stringify({ msg: "estuary: resuming a parked subscription failed", error: String(e) }));
      }
    }
  }

  /** The session unless it has expired (an expired one is torn down first). */
  private async live(): Promise<Session | null> {
    const s = this.store.load();
    if (!s) return null;
    if (s.expiresAt > Date.now()) return s;
    await this.teardown(s);
    return null;
  }

  private extend(s: Session, ttlSeconds: number, now: number): void {
    s.ttlSeconds = ttlSeconds;
    s.expiresAt = now + ttlSeconds * 1000;
    this.store.save(s);
  }

  /** The alarm: at expiry, or sooner while an intent is unfinished. */
  private async scheduleAlarm(s: Session): Promise<void> {
    const at = this.store.intents().length > 0 ? Math.min(s.expiresAt, Date.now() + INTENT_RETRY_MS) : s.expiresAt;
    await this.ctx.storage.setAlarm(at);
  }

  /**
   * Unsubscribes from every source (and every source an intent may have
   * reached), deletes the session stream, wipes this object. Within one
   * invocation's budget: the rest continues from the alarm, the session already gone.
   */
  private async teardown(s: Session): Promise<void> {
    const key = sessionKey(s.project, s.estuaryId);
    const budget = new Budget(readEstuaryConfig(this.env).subrequestBudget);
    const sources = new Set([
      ...this.store.subscriptions().map((x) => x.stream),
      ...this.store.intents().map((i) => i.stream),
    ]);
    for (const stream of sources) {
      if (!budget.take(1, 1)) {
        s.expiresAt = Math.min(s.expiresAt, Date.now());
        this.store.save(s);
        await this.ctx.storage.setAlarm(Date.now() + 1_000);
        return;
      }
      await this.bounded(this.stream(sessionKey(s.project, stream)).removeSubscriber(key));
      this.store.remove(stream);
    }
    budget.spend(1);
    // Only a stream this session created is deleted (409: the name holds someone else's stream).
    const removed = await this.bounded(this.stream(key).removeSessionStream());
    if (!removed.ok && ![404, 409, 410].includes(removed.status)) {
      throw new Error(`deleting session stream: ${removed.status} ${removed.message}`);
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store.ensureSchema();
  }

  private bounded<T>(p: PromiseLike<T>): Promise<T> {
    const ms = readEstuaryConfig(this.env).callTimeoutMs;
    return withTimeout(p, ms, "estuary source call");
  }

  private stream(key: string): StreamCalls {
    return this.env.STREAMS.get(this.env.STREAMS.idFromName(key)) as unknown as StreamCalls;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(fn);
  }
}

function owns(s: Session, caller: Caller): boolean {
  return caller.manage || caller.sub === s.owner;
}

function notOwner(s: Session): Failure {
  return failure(
    403,
    "forbidden",
    `Session "${s.estuaryId}" belongs to another subject; only its owner or a manage token may use it`,
  );
}

function noSession(): Failure {
  return failure(404, "not_found", "Estuary session not found");
}

function unconfirmed(what: string): Failure {
  return failure(
    503,
    "unavailable",
    `The source did not confirm the ${what} in time; it is finished in the background (retrying is safe)`,
    { "retry-after": "2" },
  );
}
