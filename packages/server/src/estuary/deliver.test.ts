import { describe, expect, test } from "vitest";
import type { AppendOk, AppendRequest } from "../do/rpc-types.js";
import { decideProducer, type ProducerState } from "../protocol/producer.js";
import { failure, type Result } from "../protocol/errors.js";
import { Budget } from "./bounded.js";
import { deliverRows, verdictOf, type SessionStream } from "./deliver.js";

const info = {
  instance: "i",
  contentType: "application/json",
  nextOffset: "o",
  closed: false,
  ttlSeconds: null,
  expiresAtMs: null,
};

/** A session stream that applies the real producer rules, and can be told to fail. */
class FakeSession implements SessionStream {
  producers = new Map<string, ProducerState>();
  bodies: string[] = [];
  failNext: (() => Result<AppendOk>) | null = null;
  async append(req: AppendRequest, body: ReadableStream<Uint8Array> | null): Promise<Result<AppendOk>> {
    const text = await new Response(body).text();
    if (this.failNext) {
      const f = this.failNext;
      this.failNext = null;
      return f();
    }
    const d = decideProducer(this.producers.get(req.producer!.id), req.producer!);
    if ("ok" in d) return d;
    if (d.kind === "duplicate") return { ok: true, status: 204, info, producer: d.state };
    this.producers.set(req.producer!.id, d.next);
    this.bodies.push(text);
    return { ok: true, status: 200, info, producer: d.next };
  }
}

const rows = (ids: number[]) => ids.map((id) => ({ id, body: `[${id}]` }));
const b = (limit = 1000) => ({ budget: new Budget(limit), timeoutMs: 200 });

describe("deliverRows", () => {
  test("delivers in order and a full retry writes nothing twice", async () => {
    const s = new FakeSession();
    expect(await deliverRows(s, "p", { since: 4, acked: 4 }, rows([5, 6, 7]), b())).toEqual({
      kind: "done",
      ackedTo: 7,
    });
    expect(await deliverRows(s, "p", { since: 4, acked: 4 }, rows([5, 6, 7, 8]), b())).toEqual({
      kind: "done",
      ackedTo: 8,
    });
    expect(s.bodies).toEqual(["[5]", "[6]", "[7]", "[8]"]);
  });

  test("rows already acknowledged are skipped", async () => {
    const s = new FakeSession();
    await deliverRows(s, "p", { since: 0, acked: 0 }, rows([1, 2]), b());
    expect(await deliverRows(s, "p", { since: 0, acked: 2 }, rows([1, 2, 3]), b())).toEqual({
      kind: "done",
      ackedTo: 3,
    });
    expect(s.bodies).toEqual(["[1]", "[2]", "[3]"]);
  });

  test("a transient failure stops at the last delivered row; the retry continues without duplicates", async () => {
    const s = new FakeSession();
    await deliverRows(s, "p", { since: 0, acked: 0 }, rows([1]), b());
    s.failNext = () => failure(503, "unavailable", "busy");
    expect(await deliverRows(s, "p", { since: 0, acked: 1 }, rows([2, 3]), b())).toMatchObject({
      kind: "retry",
      ackedTo: 1,
    });
    expect(await deliverRows(s, "p", { since: 0, acked: 1 }, rows([2, 3]), b())).toEqual({ kind: "done", ackedTo: 3 });
    expect(s.bodies).toEqual(["[1]", "[2]", "[3]"]);
  });

  test("a resubscription (new epoch) starts at seq 0 and fences the old one", async () => {
    const s = new FakeSession();
    await deliverRows(s, "p", { since: 0, acked: 0 }, rows([1, 2]), b());
    expect(await deliverRows(s, "p", { since: 5, acked: 5 }, rows([6]), b())).toEqual({ kind: "done", ackedTo: 6 });
    expect(await deliverRows(s, "p", { since: 0, acked: 2 }, rows([3]), b())).toEqual({
      kind: "superseded",
      ackedTo: 2,
    });
    expect(s.bodies).toEqual(["[1]", "[2]", "[6]"]);
  });

  test("a gone session prunes; a throw is retried", async () => {
    const s = new FakeSession();
    s.failNext = () => failure(404, "not_found", "Stream not found");
    expect(await deliverRows(s, "p", { since: 0, acked: 0 }, rows([1]), b())).toMatchObject({
      kind: "prune",
      ackedTo: 0,
    });
    const throwing: SessionStream = { append: () => Promise.reject(new Error("network")) };
    expect(await deliverRows(throwing, "p", { since: 0, acked: 0 }, rows([1]), b())).toMatchObject({ kind: "retry" });
  });

  test("an append that never answers is a retry after the time limit, not a hang", async () => {
    const hung: SessionStream = { append: () => new Promise(() => {}) };
    expect(await deliverRows(hung, "p", { since: 0, acked: 0 }, rows([1]), b())).toMatchObject({ kind: "retry" });
  });

  test("a spent budget pauses at the last delivered row; the next invocation continues", async () => {
    const s = new FakeSession();
    const bounds = { budget: new Budget(3), timeoutMs: 200, reserve: 1 };
    expect(await deliverRows(s, "p", { since: 0, acked: 0 }, rows([1, 2, 3]), bounds)).toEqual({
      kind: "paused",
      ackedTo: 2,
    });
    expect(bounds.budget.spent).toBe(2);
    expect(await deliverRows(s, "p", { since: 0, acked: 2 }, rows([1, 2, 3]), b())).toEqual({
      kind: "done",
      ackedTo: 3,
    });
    expect(s.bodies).toEqual(["[1]", "[2]", "[3]"]);
  });
});

describe("verdictOf", () => {
  test("classifies refusals", () => {
    expect(verdictOf(failure(404, "not_found", ""))).toBe("prune");
    expect(verdictOf(failure(410, "gone", ""))).toBe("prune");
    expect(verdictOf(failure(409, "stream_closed", ""))).toBe("prune");
    expect(verdictOf(failure(409, "content_type_mismatch", ""))).toBe("prune");
    expect(verdictOf(failure(403, "producer_stale_epoch", ""))).toBe("superseded");
    expect(verdictOf(failure(503, "unavailable", ""))).toBe("retry");
    expect(verdictOf(failure(429, "rate_limited", ""))).toBe("retry");
  });
});

describe("delivery tally", () => {
  test("outcomes are counted in the caller's tally, not a module counter (the edge is another isolate)", async () => {
    const s = new FakeSession();
    const tally = { appends: 0, duplicates: 0, pruned: 0 };
    await deliverRows(s, "p", { since: 0, acked: 0 }, rows([1, 2, 3]), { ...b(), tally });
    await deliverRows(s, "p", { since: 0, acked: 0 }, rows([1, 2, 3, 4]), { ...b(), tally });
    expect(tally).toEqual({ appends: 4, duplicates: 3, pruned: 0 });
    s.failNext = () => failure(404, "not_found", "Stream not found");
    await deliverRows(s, "p", { since: 0, acked: 4 }, rows([5]), { ...b(), tally });
    expect(tally.pruned).toBe(1);
  });
});
