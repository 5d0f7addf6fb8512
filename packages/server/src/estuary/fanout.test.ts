/**
 * The fan-out driver in Node, over an in-memory outbox with the SQLite
 * store's semantics and fake session streams that apply the real producer
 * rules: inline delivery, retries with backoff, pruning, the queue hand-off
 * and report cycle, and resuming after a restart.
 */
import { describe, expect, test } from "vitest";
import type { AppendOk, AppendRequest } from "../do/rpc-types.js";
import type { StreamMeta } from "../do/meta.js";
import { failure, type Result } from "../protocol/errors.js";
import { decideProducer, type ProducerState } from "../protocol/producer.js";
import { Budget } from "./bounded.js";
import { deliverRows } from "./deliver.js";
import { Fanout, QUEUE_STALE_MS, type FanoutHost, type FanoutMessage } from "./fanout.js";
import type { Outbox, OutboxRow, ParkReason, Subscriber } from "./outbox-store.js";
import { sessionsPerMessage } from "./queue-pack.js";

/** The in-memory outbox. */
class MemoryOutbox implements Outbox {
  last = 0;
  session = false;
  subs = new Map<string, Subscriber>();
  rows = new Map<number, string>();

  lastId(): number {
    return this.last;
  }
  isSession(): boolean {
    return this.session;
  }
  count(instance: string): number {
    for (const [k, s] of this.subs) if (s.instance !== instance) this.subs.delete(k);
    return this.subs.size;
  }
  get(session: string): Subscriber | null {
    return this.subs.get(session) ?? null;
  }
  add(session: string, instance: string): void {
    this.subs.set(session, {
      session,
      instance,
      since: this.last,
      acked: this.last,
      queuedAt: 0,
      attempts: 0,
      retryAt: 0,
      failingSince: 0,
      parkedAt: 0,
      parkedOffset: null,
      parkedReason: null,
      notified: false,
    });
  }
  private patch(session: string, p: Partial<Subscriber>): void {
    const s = this.subs.get(session);
    if (s) this.subs.set(session, { ...s, ...p });
  }
  remove(session: string): boolean {
    const had = this.subs.delete(session);
    this.trim();
    return had;
  }
  write(bodies: readonly string[]): void {
    for (const b of bodies) this.rows.set(++this.last, b);
  }
  pending(): Subscriber[] {
    return [...this.subs.values()]
      .filter((s) => s.acked < this.last && s.parkedAt === 0)
      .sort((a, b) => a.session.localeCompare(b.session));
  }
  some(sessions: readonly string[]): Subscriber[] {
    return sessions.flatMap((s) => (this.subs.get(s)?.parkedAt === 0 ? [this.subs.get(s)!] : []));
  }
  rowsAfter(after: number, limit: number): OutboxRow[] {
    return [...this.rows]
      .filter(([id]) => id > after)
      .sort((a, b) => a[0] - b[0])
      .slice(0, limit)
      .map(([id, body]) => ({ id, body }));
  }
  ack(session: string, since: number, id: number): void {
    const s = this.subs.get(session);
    if (!s || s.since !== since) return;
    const progress = id > s.acked ? { attempts: 0, retryAt: 0, failingSince: 0 } : {};
    this.patch(session, { acked: Math.max(s.acked, id), ...progress });
  }
  failed(session: string, since: number, now: number, retryAt: number): void {
    const s = this.subs.get(session);
    if (!s || s.since !== since) return;
    this.patch(session, { attempts: s.attempts + 1, retryAt, failingSince: s.failingSince || now });
  }
  markQueued(sessions: readonly string[], now: number): void {
    for (const k of sessions) this.patch(k, { queuedAt: now });
  }
  park(session: string, now: number, offset: string | null, reason: ParkReason): void {
    this.patch(session, { parkedAt: now, parkedOffset: offset, parkedReason: reason, notified: false, queuedAt: 0 });
    this.trim();
  }
  unnotified(limit: number): Subscriber[] {
    return [...this.subs.values()].filter((s) => s.parkedAt > 0 && !s.notified).slice(0, limit);
  }
  markNotified(session: string, parkedAt: number): void {
    if (this.subs.get(session)?.parkedAt === parkedAt) this.patch(session, { notified: true });
  }
  resume(session: string): { parkedOffset: string | null } | null {
    const s = this.subs.get(session);
    if (!s || s.parkedAt === 0) return null;
    this.patch(session, {
      since: this.last,
      acked: this.last,
      parkedAt: 0,
      parkedOffset: null,
      parkedReason: null,
      attempts: 0,
      retryAt: 0,
      failingSince: 0,
    });
    return { parkedOffset: s.parkedOffset };
  }
  trim(): void {
    const live = [...this.subs.values()].filter((s) => s.parkedAt === 0);
    const min = live.length === 0 ? this.last : Math.min(...live.map((s) => s.acked));
    for (const id of [...this.rows.keys()]) if (id <= min) this.rows.delete(id);
  }
  sessions(): string[] {
    return [...this.subs.keys()];
  }
  /** Test clock: every backoff has passed. */
  due(): void {
    for (const k of this.subs.keys()) this.patch(k, { retryAt: 0 });
  }
  clear(): void {
    this.subs.clear();
    this.rows.clear();
  }
  stats(): { subscribers: number; outboxRows: number; lastId: number; parked: number } {
    const parked = [...this.subs.values()].filter((s) => s.parkedAt > 0).length;
    return { subscribers: this.subs.size, outboxRows: this.rows.size, lastId: this.last, parked };
  }
}

const enc = new TextEncoder();
const bounds = () => ({ budget: new Budget(1000), timeoutMs: 100 });
const info = {
  instance: "i",
  contentType: "application/json",
  nextOffset: "o",
  closed: false,
  ttlSeconds: null,
  expiresAtMs: null,
};

/** A session stream applying the real producer rules; it can fail, lose answers, or be gone. */
class FakeSession {
  producers = new Map<string, ProducerState>();
  stored: string[] = [];
  failures = 0;
  loseAnswers = 0;
  hang = 0;
  gone = false;
  calls = 0;
  async append(req: AppendRequest, body: ReadableStream<Uint8Array> | null): Promise<Result<AppendOk>> {
    this.calls += 1;
    const text = await new Response(body).text();
    if (this.hang > 0) {
      this.hang -= 1;
      return new Promise(() => {});
    }
    if (this.gone) return failure(404, "not_found", "Stream not found");
    if (this.failures > 0) {
      this.failures -= 1;
      return failure(503, "unavailable", "busy");
    }
    const d = decideProducer(this.producers.get(req.producer!.id), req.producer!);
    if ("ok" in d) return d;
    if (d.kind === "duplicate") return { ok: true, status: 204, info, producer: d.state };
    this.producers.set(req.producer!.id, d.next);
    this.stored.push(text);
    if (this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      throw new Error("connection lost after the append committed");
    }
    return { ok: true, status: 200, info, producer: d.next };
  }
  /** The `data` of every envelope stored, in order. */
  data(): unknown[] {
    return this.stored.flatMap((b) => (JSON.parse(b) as { data: unknown }[]).map((e) => e.data));
  }
}

class Host implements FanoutHost {
  fanoutTally = { appends: 0, duplicates: 0, pruned: 0, queueSent: 0 };
  outbox = new MemoryOutbox();
  m: StreamMeta = {
    key: "p/src",
    instance: "inst1",
    contentType: "application/json",
    createdAt: 0,
    ttlSeconds: null,
    expiresAtMs: null,
    lastAccess: 0,
    closed: false,
    closedBy: null,
    tail: 0,
    segment: 0,
    streamSeq: null,
    forkSource: null,
    forkOffset: null,
    forkSubOffset: 0,
    forkPosition: null,
    refCount: 0,
    state: "live",
    pendingRelease: false,
  };
  sessions = new Map<string, FakeSession>();
  alarms: number[] = [];
  forgotten: string[] = [];
  sent: FanoutMessage[] = [];
  limits = { queueThreshold: 2, subrequestBudget: 1000, callTimeoutMs: 100, parkAfterMs: 60_000, parkLagRows: 1000 };
  parkedNotices: string[] = [];
  maxAppendBytes = 4 * 1024 * 1024;
  useQueue = false;
  meta(): StreamMeta | null {
    return this.m ?? null;
  }
  session(key: string): FakeSession {
    if (!this.sessions.has(key)) this.sessions.set(key, new FakeSession());
    return this.sessions.get(key)!;
  }
  sessionStream(key: string): FakeSession {
    return this.session(key);
  }
  armAlarm(at: number): void {
    this.alarms.push(at);
  }
  async forgetSubscription(session: string, source: string): Promise<void> {
    this.forgotten.push(`${session} from ${source}`);
  }
  async notifyParked(session: string, source: string, p: { offset: string | null }): Promise<void> {
    this.parkedNotices.push(`${session} from ${source} at ${p.offset}`);
  }
  /** Fires the alarms that are due, as the runtime would (until none is due or `rounds` ran). */
  async runAlarms(fanout: Fanout, rounds = 50): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await fanout.onAlarm();
      if (this.outbox.pending().length === 0) return;
      const soonest = Math.min(...this.outbox.pending().map((s) => s.retryAt));
      if (soonest > Date.now()) await new Promise((r) => setTimeout(r, Math.min(50, soonest - Date.now())));
    }
  }
  queue(): Queue<FanoutMessage> | undefined {
    if (!this.useQueue) return undefined;
    const sendBatch = async (msgs: Iterable<MessageSendRequest<FanoutMessage>>) => {
      for (const m of msgs) this.sent.push(m.body);
    };
    return { sendBatch } as unknown as Queue<FanoutMessage>;
  }
}

/** Appends JSON messages to the fake source the way append.ts does: record in the transaction, kick after. */
function publish(host: Host, fanout: Fanout, values: unknown[]): void {
  const messages = values.map((v) => enc.encode(JSON.stringify(v)));
  const start = host.m.tail;
  fanout.record(host.m, start, messages);
  host.m.tail += messages.reduce((n, m) => n + m.length, 0);
  fanout.kick();
}

function setUp(sessions: string[]): { host: Host; fanout: Fanout } {
  const host = new Host();
  const fanout = new Fanout(host);
  for (const s of sessions) expect(fanout.subscribe(s, 0)).toEqual({ ok: true, created: true });
  return { host, fanout };
}

describe("fan-out driver", () => {
  test("without subscribers an append writes no outbox row and arms nothing", async () => {
    const { host, fanout } = setUp([]);
    publish(host, fanout, [1]);
    await fanout.settled();
    expect(host.outbox.stats()).toEqual({ subscribers: 0, outboxRows: 0, lastId: 0, parked: 0 });
    expect(host.alarms).toEqual([]);
  });

  test("inline: every session gets every message once, in order; the outbox is trimmed", async () => {
    const { host, fanout } = setUp(["p/a", "p/b", "p/c"]);
    publish(host, fanout, [1]);
    publish(host, fanout, [2, 3]);
    publish(host, fanout, [4]);
    await fanout.settled();
    for (const s of ["p/a", "p/b", "p/c"]) {
      expect(host.session(s).data(), s).toEqual([1, 2, 3, 4]);
      // Three rows: seqs 0..2 of epoch 0 for this source's producer id.
      expect([...host.session(s).producers.values()]).toEqual([{ epoch: 0, lastSeq: 2 }]);
    }
    expect(host.outbox.stats().outboxRows).toBe(0);
    expect(host.alarms.length).toBeGreaterThan(0); // the backstop
  });

  test("a failing session is retried from the alarm; lost answers never duplicate; others are not held up", async () => {
    const { host, fanout } = setUp(["p/a", "p/b", "p/c"]);
    host.session("p/b").failures = 2;
    host.session("p/c").loseAnswers = 1;
    publish(host, fanout, [1, 2]);
    publish(host, fanout, [3]);
    await fanout.settled();
    expect(host.session("p/a").data()).toEqual([1, 2, 3]);
    expect(host.session("p/b").data()).toEqual([]);
    const retryAt = host.alarms.at(-1)!;
    expect(retryAt).toBeGreaterThan(Date.now());
    // Only the failing session waits: its backoff is its own.
    expect(host.outbox.get("p/b")).toMatchObject({ attempts: 1, acked: 0 });
    for (let i = 0; i < 3; i++) {
      host.outbox.due();
      await fanout.onAlarm();
    }
    await fanout.settled();
    for (const s of ["p/a", "p/b", "p/c"]) expect(host.session(s).data(), s).toEqual([1, 2, 3]);
    expect(host.outbox.stats().outboxRows).toBe(0);
  });

  test("a session whose stream is gone is pruned, and the session is told", async () => {
    const { host, fanout } = setUp(["p/a", "p/b"]);
    host.session("p/b").gone = true;
    publish(host, fanout, [1]);
    await fanout.settled();
    expect(host.outbox.get("p/b")).toBeNull();
    expect(host.forgotten).toEqual(["p/b from src"]);
    expect(host.session("p/a").data()).toEqual([1]);
    expect(host.outbox.stats()).toMatchObject({ subscribers: 1, outboxRows: 0 });
  });

  test("above the threshold: one queue message for many sessions; work + report deliver and trim", async () => {
    const { host, fanout } = setUp(["p/a", "p/b", "p/c"]);
    host.useQueue = true;
    publish(host, fanout, [1]);
    publish(host, fanout, [2]);
    await fanout.settled();
    expect(host.sent).toEqual([{ source: "p/src", sessions: ["p/a", "p/b", "p/c"] }]);
    expect(host.session("p/a").data()).toEqual([]); // the source itself appended nothing
    // An alarm with nothing new does not hand the same sessions over again.
    const sent = host.sent.length;
    await fanout.onAlarm();
    expect(host.sent.length).toBe(sent);
    // The consumer's side: one work call, deliveries, one report.
    const work = fanout.work(["p/a", "p/b", "p/c"])!;
    expect(work.rows.map((r) => r.id)).toEqual([1, 2]);
    const reports = [];
    for (const sub of work.subs) {
      const d = await deliverRows(host.session(sub.session), work.producerId, sub, work.rows, bounds());
      reports.push({ session: sub.session, since: sub.since, ackedTo: d.ackedTo, prune: d.kind === "prune" });
    }
    expect(fanout.report(reports)).toEqual([]);
    for (const s of ["p/a", "p/b", "p/c"]) expect(host.session(s).data()).toEqual([1, 2]);
    expect(host.outbox.stats().outboxRows).toBe(0);
    // A redelivered queue message finds nothing owed and writes nothing twice.
    const again = fanout.work(["p/a"])!;
    expect(
      await deliverRows(host.session("p/a"), again.producerId, again.subs[0]!, again.rows, bounds()),
    ).toMatchObject({
      kind: "done",
    });
    expect(host.session("p/a").data()).toEqual([1, 2]);
  });

  test("a publish returns before its fan-out reads a single subscriber", async () => {
    const { host, fanout } = setUp(["p/a", "p/b"]);
    let reads = 0;
    const pending = host.outbox.pending.bind(host.outbox);
    host.outbox.pending = () => ((reads += 1), pending());
    publish(host, fanout, [1]);
    expect(reads).toBe(0);
    await fanout.settled();
    expect(reads).toBeGreaterThan(0);
    expect(host.session("p/a").data()).toEqual([1]);
  });

  test("a hand-off is split into messages that each fit one consumer invocation's budget", async () => {
    const sessions = Array.from({ length: 50 }, (_, i) => `p/s${String(i).padStart(2, "0")}`);
    const { host, fanout } = setUp(sessions);
    host.useQueue = true;
    host.limits = { ...host.limits, subrequestBudget: 24 };
    publish(host, fanout, [1]);
    await fanout.settled();
    const per = sessionsPerMessage(24);
    expect(host.sent.map((m) => m.sessions.length)).toEqual([per, per, 50 - 2 * per]);
    expect(host.sent.flatMap((m) => m.sessions)).toEqual(sessions);
  });

  test("after a restart a new driver resumes at once and hands queued sessions over again", async () => {
    const { host, fanout } = setUp(["p/a", "p/b", "p/c"]);
    host.useQueue = true;
    publish(host, fanout, [1]);
    await fanout.settled();
    const sent = host.sent.length;
    // The process dies; the outbox survives. A new driver over the same storage:
    const restarted = new Fanout(host);
    const before = Date.now();
    restarted.resume();
    expect(host.alarms.at(-1)!).toBeLessThanOrEqual(Date.now());
    expect(host.alarms.at(-1)!).toBeGreaterThanOrEqual(before);
    await restarted.onAlarm();
    expect(host.sent.length).toBe(sent + 1);
    expect(host.sent.at(-1)!.sessions).toEqual(["p/a", "p/b", "p/c"]);
  });

  test("when the source stream is gone, its subscribers and undelivered rows go with it", async () => {
    const { host, fanout } = setUp(["p/a"]);
    host.session("p/a").failures = 1;
    publish(host, fanout, [1]);
    await fanout.settled();
    expect(host.outbox.stats()).toMatchObject({ subscribers: 1, outboxRows: 1 });
    host.m = null as unknown as StreamMeta;
    await fanout.onAlarm();
    expect(host.outbox.stats()).toMatchObject({ subscribers: 0, outboxRows: 0 });
  });

  test("a deleted source tells every subscribed session", () => {
    const { host, fanout } = setUp(["p/a", "p/b"]);
    fanout.sourceGone(host.m);
    expect(host.forgotten.sort()).toEqual(["p/a from src", "p/b from src"]);
  });

  test("subscribe: idempotent; refuses a missing source, a session stream, and other instances' subscribers are dropped", () => {
    const { host, fanout } = setUp(["p/a"]);
    expect(fanout.subscribe("p/a", 0)).toEqual({ ok: true, created: false });
    host.outbox.session = true;
    expect(fanout.subscribe("p/b", 0)).toMatchObject({ ok: false, status: 400 });
    host.outbox.session = false;
    host.m = { ...host.m, instance: "inst2" };
    expect(fanout.subscribe("p/b", 0)).toEqual({ ok: true, created: true });
    expect(host.outbox.get("p/a")).toBeNull();
    host.m = null as unknown as StreamMeta;
    expect(fanout.subscribe("p/c", 0)).toMatchObject({ ok: false, status: 404 });
  });

  test("a drain stays inside its subrequest budget and the alarm carries on until all are delivered", async () => {
    const sessions = Array.from({ length: 30 }, (_, i) => `p/s${String(i).padStart(2, "0")}`);
    const { host, fanout } = setUp(sessions);
    host.limits = { ...host.limits, queueThreshold: 1000, subrequestBudget: 25 };
    for (let i = 0; i < 4; i++) publish(host, fanout, [i]);
    await fanout.settled();
    // 30 sessions × 4 rows = 120 appends: no drain makes more than 25.
    for (let i = 0; i < 20 && host.outbox.pending().length > 0; i++) await fanout.onAlarm();
    for (const s of sessions) expect(host.session(s).data(), s).toEqual([0, 1, 2, 3]);
    const calls = sessions.reduce((n, s) => n + host.session(s).calls, 0);
    expect(calls).toBe(120);
    expect(fanout.stats().subrequests.max).toBeLessThanOrEqual(25);
    expect(fanout.stats().subrequests.drains).toBeGreaterThanOrEqual(5);
  });

  test("a hung session append is cut off; the others finish, and the hung one is retried", async () => {
    const { host, fanout } = setUp(["p/a", "p/b", "p/c"]);
    host.session("p/b").hang = 1;
    publish(host, fanout, [1]);
    await fanout.settled();
    expect(host.session("p/a").data()).toEqual([1]);
    expect(host.session("p/c").data()).toEqual([1]);
    expect(host.outbox.get("p/b")).toMatchObject({ acked: 0, attempts: 1 });
    host.outbox.due();
    await fanout.onAlarm();
    expect(host.session("p/b").data()).toEqual([1]);
    expect(host.outbox.stats().outboxRows).toBe(0);
  });

  test("a queue hand-off nobody reports is delivered by the source itself once stale", async () => {
    const { host, fanout } = setUp(["p/a", "p/b", "p/c"]);
    host.useQueue = true;
    publish(host, fanout, [1]);
    await fanout.settled();
    expect(host.sent).toHaveLength(1);
    // The message is lost: nobody works on it. Once stale, the alarm delivers inline.
    host.outbox.markQueued(["p/a", "p/b", "p/c"], Date.now() - QUEUE_STALE_MS - 1);
    await fanout.onAlarm();
    for (const s of ["p/a", "p/b", "p/c"]) expect(host.session(s).data(), s).toEqual([1]);
    expect(host.outbox.stats().outboxRows).toBe(0);
  });

  test("a subscriber failing past the limit is parked, stops pinning the outbox, is told, and resumes", async () => {
    const { host, fanout } = setUp(["p/a", "p/b"]);
    host.limits = { ...host.limits, parkAfterMs: 1_000 };
    host.session("p/b").failures = 1_000;
    publish(host, fanout, [1]);
    await fanout.settled();
    expect(host.outbox.stats()).toMatchObject({ outboxRows: 1, parked: 0 });
    // It has been failing for longer than parkAfterMs:
    const b = host.outbox.get("p/b")!;
    host.outbox.subs.set("p/b", { ...b, failingSince: Date.now() - 2_000 });
    publish(host, fanout, [2]);
    await fanout.settled();
    expect(host.outbox.stats()).toMatchObject({ outboxRows: 0, parked: 1 });
    expect(host.outbox.get("p/b")!).toMatchObject({
      parkedOffset: "0000000000000000_0000000000000000",
      parkedReason: "failing",
    });
    expect(host.parkedNotices).toEqual(["p/b from src at 0000000000000000_0000000000000000"]);
    expect(host.session("p/a").data()).toEqual([1, 2]);
    // Parked subscribers get nothing and hold nothing.
    publish(host, fanout, [3]);
    await fanout.settled();
    expect(host.outbox.stats().outboxRows).toBe(0);
    // Resume: delivery restarts with the next message, in a new epoch.
    host.session("p/b").failures = 0;
    expect(fanout.resumeSubscriber("p/b")).toMatchObject({
      ok: true,
      parkedOffset: "0000000000000000_0000000000000000",
    });
    publish(host, fanout, [4]);
    await fanout.settled();
    expect(host.session("p/b").data()).toEqual([4]);
    expect(fanout.resumeSubscriber("p/b")).toMatchObject({ ok: false, status: 409 });
  });

  test("a subscriber lagging more rows than the limit is parked even while it answers", async () => {
    const { host, fanout } = setUp(["p/a", "p/b"]);
    host.limits = { ...host.limits, parkLagRows: 3 };
    host.session("p/b").failures = 1_000;
    // One publish at a time, each delivered (to p/a) before the next.
    for (let i = 0; i < 5; i++) {
      publish(host, fanout, [i]);
      await fanout.settled();
    }
    expect(host.outbox.get("p/b")!.parkedAt).toBeGreaterThan(0);
    expect(host.outbox.get("p/b")!.parkedReason).toBe("lagging");
    expect(host.outbox.stats()).toMatchObject({ outboxRows: 0, parked: 1 });
  });
});
