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
import { deliverRows } from "./deliver.js";
import { Fanout, type FanoutHost, type FanoutMessage } from "./fanout.js";
import type { Outbox, OutboxRow, Subscriber } from "./outbox-store.js";

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
  add(session: string, instance: string): Subscriber {
    const s = { session, instance, since: this.last, acked: this.last, queued: this.last, queuedAt: 0 };
    this.subs.set(session, s);
    return s;
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
      .filter((s) => s.acked < this.last)
      .sort((a, b) => a.session.localeCompare(b.session));
  }
  some(sessions: readonly string[]): Subscriber[] {
    return sessions.flatMap((s) => (this.subs.has(s) ? [this.subs.get(s)!] : []));
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
    if (s && s.since === since) this.subs.set(session, { ...s, acked: Math.max(s.acked, id) });
  }
  markQueued(sessions: readonly string[], id: number, now: number): void {
    for (const k of sessions) {
      const s = this.subs.get(k);
      if (s) this.subs.set(k, { ...s, queued: id, queuedAt: now });
    }
  }
  trim(): void {
    const min = this.subs.size === 0 ? this.last : Math.min(...[...this.subs.values()].map((s) => s.acked));
    for (const id of [...this.rows.keys()]) if (id <= min) this.rows.delete(id);
  }
  sessions(): string[] {
    return [...this.subs.keys()];
  }
  clear(): void {
    this.subs.clear();
    this.rows.clear();
  }
  stats(): { subscribers: number; outboxRows: number; lastId: number } {
    return { subscribers: this.subs.size, outboxRows: this.rows.size, lastId: this.last };
  }
}

const enc = new TextEncoder();
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
  gone = false;
  async append(req: AppendRequest, body: ReadableStream<Uint8Array> | null): Promise<Result<AppendOk>> {
    const text = await new Response(body).text();
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
  outbox = new MemoryOutbox();
  fanoutTally = { appends: 0, duplicates: 0, pruned: 0, queueSent: 0, consumerCalls: 0 };
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
  queueThreshold = 2;
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
  forgetSubscription(session: string, source: string): void {
    this.forgotten.push(`${session} from ${source}`);
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
    expect(host.outbox.stats()).toEqual({ subscribers: 0, outboxRows: 0, lastId: 0 });
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
    for (let i = 0; i < 3; i++) await fanout.onAlarm();
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

  test("above the threshold: one queue message per session; work + report deliver and trim", async () => {
    const { host, fanout } = setUp(["p/a", "p/b", "p/c"]);
    host.useQueue = true;
    publish(host, fanout, [1]);
    publish(host, fanout, [2]);
    await fanout.settled();
    expect(new Set(host.sent.map((m) => `${m.source}>${m.session}`))).toEqual(
      new Set(["p/src>p/a", "p/src>p/b", "p/src>p/c"]),
    );
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
      const t = { appends: 0, duplicates: 0, pruned: 0 };
      const d = await deliverRows(host.session(sub.session), work.producerId, sub, work.rows, t);
      reports.push({ session: sub.session, since: sub.since, ackedTo: d.ackedTo, prune: d.kind === "prune", ...t });
    }
    expect(fanout.report(reports)).toEqual([]);
    // The source counts what the consumer reported, and the calls it made.
    expect(host.fanoutTally).toEqual({
      appends: 6,
      duplicates: 0,
      pruned: 0,
      queueSent: host.sent.length,
      consumerCalls: 2,
    });
    for (const s of ["p/a", "p/b", "p/c"]) expect(host.session(s).data()).toEqual([1, 2]);
    expect(host.outbox.stats().outboxRows).toBe(0);
    // A redelivered queue message finds nothing owed and writes nothing twice.
    const again = fanout.work(["p/a"])!;
    const t = { appends: 0, duplicates: 0, pruned: 0 };
    expect(await deliverRows(host.session("p/a"), again.producerId, again.subs[0]!, again.rows, t)).toMatchObject({
      kind: "done",
    });
    expect(host.session("p/a").data()).toEqual([1, 2]);
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
    expect(host.sent.length).toBe(sent + 3);
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
});
