/**
 * EstuaryDO: one SQLite Durable Object per session. It keeps the session's
 * owner, lifetime (alarm) and subscriptions; creates the session stream;
 * subscribes and unsubscribes at each source StreamDO (which keeps the
 * subscriber list next to its outbox); and tears everything down on delete
 * or expiry. Ownership is checked here, on the caller the edge authenticated.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.js";
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { MAX_SUBSCRIPTIONS, readEstuaryConfig } from "./config.js";
import { sessionKey } from "./ids.js";
import { SessionStore, type Session } from "./session-store.js";
import { viewOf, type SessionView } from "./session-view.js";

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

/** A session answer. */
export type SessionOk = { readonly session: SessionView };

const RETRY_MS = 30_000;

/** The per-session Durable Object. */
export class EstuaryDO extends DurableObject<Env> {
  private readonly store: SessionStore;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SessionStore(ctx.storage.sql);
    this.store.ensureSchema();
  }

  /** Subscribes the session to a source (creating the session and its stream when needed). */
  subscribe(req: SubscribeRequest): Promise<Result<SessionOk & { created: boolean; subscribed: boolean }>> {
    return this.exclusive(async () => {
      let s = await this.live();
      if (s && !owns(s, req.caller)) return notOwner(s);
      if (s && !this.store.has(req.source) && this.store.count() >= MAX_SUBSCRIPTIONS) {
        return failure(409, "conflict", `A session subscribes to at most ${MAX_SUBSCRIPTIONS} streams`);
      }
      const key = sessionKey(req.project, req.estuaryId);
      const stream = this.stream(key);
      const made = await stream.create(
        {
          key,
          contentType: "application/json",
          expiry: { ttlSeconds: null, expiresAtMs: null },
          closed: false,
          fork: null,
        },
        null,
      );
      if (!made.ok) {
        if (made.status === 409 || made.status === 410) {
          return failure(
            409,
            "conflict",
            `Stream "${req.estuaryId}" already exists and is not an open application/json stream; choose another estuaryId`,
          );
        }
        return made;
      }
      await stream.markSession();
      const added = await this.stream(sessionKey(req.project, req.source)).addSubscriber(key);
      if (!added.ok) {
        if (!s && made.created) await stream.remove();
        return added;
      }
      const now = Date.now();
      const created = s === null;
      const config = readEstuaryConfig(this.env);
      const ttl = req.ttlSeconds ?? s?.ttlSeconds ?? config.ttlSeconds;
      s = s ?? {
        project: req.project,
        estuaryId: req.estuaryId,
        owner: req.caller.sub,
        createdAt: now,
        ttlSeconds: ttl,
        expiresAt: 0,
      };
      const subscribed = !this.store.has(req.source);
      this.ctx.storage.transactionSync(() => {
        this.store.add(req.source, now);
        this.extend(s, ttl, now);
      });
      return { ok: true, created, subscribed, session: viewOf(s, this.store.subscriptions()) };
    });
  }

  /** Unsubscribes the session from a source. */
  unsubscribe(source: string, caller: Caller): Promise<Result<SessionOk>> {
    return this.exclusive(async () => {
      const s = await this.live();
      if (!s) return noSession();
      if (!owns(s, caller)) return notOwner(s);
      if (!this.store.has(source)) {
        return failure(404, "not_found", `Session "${s.estuaryId}" is not subscribed to "${source}"`);
      }
      await this.stream(sessionKey(s.project, source)).removeSubscriber(sessionKey(s.project, s.estuaryId));
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.store.remove(source);
        this.extend(s, s.ttlSeconds, now);
      });
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

  /** Extends the session's lifetime (optionally with a new TTL). */
  refresh(caller: Caller, ttlSeconds: number | null): Promise<Result<SessionOk>> {
    return this.exclusive(async () => {
      const s = await this.live();
      if (!s) return noSession();
      if (!owns(s, caller)) return notOwner(s);
      this.extend(s, ttlSeconds ?? s.ttlSeconds, Date.now());
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

  /** Raw facts for tests: whether a session row lives here and the alarm. */
  async storageStats(): Promise<{ session: boolean; subscriptions: number; alarmAt: number | null }> {
    return {
      session: this.store.load() !== null,
      subscriptions: this.store.count(),
      alarmAt: await this.ctx.storage.getAlarm(),
    };
  }

  /** Expiry: tear the session down; retried later if a source cannot be reached. */
  override async alarm(): Promise<void> {
    await this.exclusive(async () => {
      const s = this.store.load();
      if (!s) return;
      if (s.expiresAt > Date.now()) {
        await this.ctx.storage.setAlarm(s.expiresAt);
        return;
      }
      try {
        await this.teardown(s);
      } catch (e) {
        console.error(JSON.stringify({ msg: "estuary expiry failed; will retry", error: String(e) }));
        await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
      }
    });
  }

  // ---- internals ----------------------------------------------------------

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
    void this.ctx.storage.setAlarm(s.expiresAt);
  }

  /** Unsubscribes from every source, deletes the session stream, wipes this object. */
  private async teardown(s: Session): Promise<void> {
    const key = sessionKey(s.project, s.estuaryId);
    for (const sub of this.store.subscriptions()) {
      await this.stream(sessionKey(s.project, sub.stream)).removeSubscriber(key);
      this.store.remove(sub.stream);
    }
    const removed = await this.stream(key).remove();
    if (!removed.ok && removed.status !== 404 && removed.status !== 410) {
      throw new Error(`deleting session stream: ${removed.status} ${removed.message}`);
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store.ensureSchema();
  }

  private stream(key: string) {
    return this.env.STREAMS.get(this.env.STREAMS.idFromName(key));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
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
