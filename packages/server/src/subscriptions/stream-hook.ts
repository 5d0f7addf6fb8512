/**
 * The StreamDO's side of subscriptions: after an operation that moved the
 * tail, tell every subscription covering the stream (from the project
 * registry, looked up once per object instance) where the tail moved from
 * and to; the operation's caller hears back only after they know, so a
 * claim right after an append sees the work. The last tail the subscriptions
 * were told is kept in SQLite and a retry is armed on the durable alarm
 * before telling them, so a failed call or a restart loses no wake-up.
 */
import type { Env } from "../env.js";
import type { StreamMeta } from "../do/meta.js";
import type { Sql } from "../do/store.js";
import type { Cached, RowCaches } from "../do/row-cache.js";
import { splitKey } from "../estuary/ids.js";
import { offsetAt } from "../do/host.js";
import { registryStub, subscriptionStub } from "./names.js";
import { START, type Position } from "./subscription.js";
import type { Match } from "./registry.js";

const RETRY_MS = 2_000;

/** What the hook needs from its StreamDO. */
export interface HookDeps {
  readonly env: Env;
  readonly sql: Sql;
  /** The object's row caches: the told row is read once, then kept. */
  readonly caches: RowCaches;
  /** Arms the durable alarm job that calls `sync` again. */
  armRetry(at: number): void;
}

type Told = { instance: string; tail: number; token: string };

/** One stream's subscription notifier. */
export class SubscriptionHook {
  /** Covering subscription ids; null until looked up in this instance. */
  private subs: Match[] | null = null;

  /** The told row (every append checks it). */
  private readonly toldRow: Cached<Told | null>;

  constructor(private readonly d: HookDeps) {
    this.toldRow = d.caches.cell();
    this.ensureSchema();
  }

  /** Creates the hook's table if it is missing (on first use, and after the object's storage was wiped). */
  ensureSchema(): void {
    this.toldRow.drop();
    this.d.sql.exec(`CREATE TABLE IF NOT EXISTS sub_told (id INTEGER PRIMARY KEY CHECK (id = 1),
      instance TEXT NOT NULL, tail INTEGER NOT NULL, token TEXT NOT NULL)`);
  }

  private told(): Told | null {
    return this.toldRow.get(
      () => this.d.sql.exec<Told>("SELECT instance, tail, token FROM sub_told WHERE id = 1").toArray()[0] ?? null,
    );
  }

  private tell(t: Told): void {
    this.toldRow.drop();
    this.d.sql.exec(
      "INSERT OR REPLACE INTO sub_told (id, instance, tail, token) VALUES (1, ?, ?, ?)",
      t.instance,
      t.tail,
      t.token,
    );
    this.toldRow.set(t);
  }

  /** A subscription links this stream: forget the cached list and return the tail it links at. */
  link(m: StreamMeta | null): Position | null {
    this.subs = null;
    if (!m || m.state !== "live") return null;
    const token = offsetAt(m, m.tail);
    this.tell({ instance: m.instance, tail: m.tail, token });
    return { pos: m.tail, token };
  }

  /** After an operation: tells the covering subscriptions about new data (never throws: the operation stands). */
  async sync(m: StreamMeta | null): Promise<void> {
    try {
      await this.notify(m);
    } catch (e) {
      console.error("subscriptions: notify failed", e);
      this.d.armRetry(Date.now() + RETRY_MS);
    }
  }

  private async notify(m: StreamMeta | null): Promise<void> {
    if (!this.d.env.SUBSCRIPTIONS || !m || m.state !== "live") return;
    const told = this.told();
    const from: Position = told?.instance === m.instance ? { pos: told.tail, token: told.token } : START;
    if (told?.instance === m.instance && m.tail <= told.tail) return;
    const { project, name } = splitKey(m.key);
    const tail: Position = { pos: m.tail, token: offsetAt(m, m.tail) };
    try {
      this.subs ??= await registryStub(this.d.env, project).regMatch(name);
    } catch {
      this.d.armRetry(Date.now() + RETRY_MS);
      return;
    }
    const now = { instance: m.instance, tail: tail.pos, token: tail.token };
    if (this.subs.length === 0) {
      if (!told || told.instance !== m.instance) this.tell(now);
      return;
    }
    this.d.armRetry(Date.now() + RETRY_MS);
    const subs = this.subs;
    const results = await Promise.allSettled(
      subs.map((s) => subscriptionStub(this.d.env, s.project, s.id).advance(s.path, from, tail)),
    );
    if (results.some((r) => r.status === "rejected")) return; // the armed retry tells them again
    this.subs = subs.filter((_, i) => (results[i] as PromiseFulfilledResult<boolean>).value);
    this.tell(now);
  }
}
