/**
 * The queue consumer against fake source and session stubs: it asks the
 * source only for the sessions its budget can append to, reports only the
 * sessions it made progress on, and hands the rest back untouched, never
 * spending more than ESTUARY_SUBREQUEST_BUDGET calls in one batch.
 */
import { describe, expect, test } from "vitest";
import type { Env } from "../env.js";
import type { FanoutReport, FanoutWork } from "./fanout.js";
import { consumeFanout } from "./queue-consumer.js";
import type { FanoutMessage } from "./queue-pack.js";

const BUDGET = 20;

/** A source that owes `rows` rows to every session, and counts every call made to it or to a session. */
function fakeSource(rows: number) {
  const calls = { work: [] as string[][], reports: [] as FanoutReport[][], requeued: [] as string[][], appends: 0 };
  const source = {
    async fanoutWork(sessions: string[]): Promise<FanoutWork> {
      calls.work.push(sessions);
      return {
        producerId: "estuary:i:p/src",
        subs: sessions.map((session) => ({ session, since: 0, acked: 0 })),
        rows: Array.from({ length: rows }, (_, i) => ({ id: i + 1, body: `[${i + 1}]` })),
      };
    },
    async fanoutReport(reports: FanoutReport[]): Promise<string[]> {
      calls.reports.push(reports);
      // Still owed: the sessions that did not get every row.
      return reports.filter((r) => r.ackedTo < rows).map((r) => r.session);
    },
    async fanoutRequeue(sessions: string[]): Promise<void> {
      calls.requeued.push(sessions);
    },
  };
  const session = {
    async append() {
      calls.appends += 1;
      return { ok: true, status: 200 };
    },
  };
  const env = {
    ESTUARY_SUBREQUEST_BUDGET: String(BUDGET),
    STREAMS: {
      idFromName: (key: string) => key,
      get: (key: string) => (key === "p/src" ? source : session),
    },
  } as unknown as Env;
  const total = () => calls.work.length + calls.reports.length + calls.requeued.length + calls.appends;
  return { env, calls, total };
}

function batchOf(sessions: string[]) {
  const state = { acked: 0, retried: 0 };
  const message = {
    body: { source: "p/src", sessions } satisfies FanoutMessage,
    attempts: 1,
    ack: () => void (state.acked += 1),
    retry: () => void (state.retried += 1),
  };
  return { batch: { messages: [message] } as unknown as MessageBatch<FanoutMessage>, state };
}

const sessions = (n: number) => Array.from({ length: n }, (_, i) => `p/s${i}`);

describe("queue consumer budget", () => {
  test("asks only for the sessions it can afford and hands the rest back untouched", async () => {
    const { env, calls, total } = fakeSource(1);
    const { batch, state } = batchOf(sessions(40));
    await consumeFanout(batch, env);
    // 20 calls: the work call, 16 appends, the report, the hand-back (one kept spare).
    expect(calls.work).toEqual([sessions(16)]);
    expect(calls.appends).toBe(16);
    expect(calls.reports.map((r) => r.length)).toEqual([16]);
    expect(calls.requeued).toEqual([sessions(40).slice(16)]);
    expect(total()).toBeLessThanOrEqual(BUDGET);
    expect(state).toEqual({ acked: 1, retried: 0 });
  });

  test("sessions owed more rows than the budget covers: reported with their progress, the others handed back", async () => {
    const { env, calls, total } = fakeSource(3);
    const { batch } = batchOf(sessions(20));
    await consumeFanout(batch, env);
    expect(total()).toBeLessThanOrEqual(BUDGET);
    const reported = calls.reports.flat();
    // Every report is progress: no session is reported without an append.
    for (const r of reported) expect(r.ackedTo).toBeGreaterThan(0);
    expect(reported.reduce((n, r) => n + (r.appends ?? 0), 0)).toBe(calls.appends);
    // Every session is accounted for exactly once: done, or handed back (with or without progress).
    const done = reported.filter((r) => r.ackedTo === 3).map((r) => r.session);
    const back = calls.requeued.flat();
    expect([...done, ...back].sort()).toEqual(sessions(20).sort());
    expect(new Set(back).size).toBe(back.length);
  });

  test("a message that fits the budget is delivered in one batch, with nothing handed back", async () => {
    const { env, calls, total } = fakeSource(1);
    const { batch } = batchOf(sessions(16));
    await consumeFanout(batch, env);
    expect(calls.appends).toBe(16);
    expect(calls.requeued).toEqual([]);
    expect(total()).toBeLessThanOrEqual(BUDGET);
  });
});
