/** Idempotent producer decisions (PROTOCOL.md §5.2.1 validation logic). */
import { describe, expect, test } from "vitest";
import { decideProducer, producerEcho, type ProducerState } from "./producer.js";

const req = (epoch: number, seq: number, id = "p1") => ({ id, epoch, seq });
const state = (epoch: number, lastSeq: number): ProducerState => ({ epoch, lastSeq });

describe("a producer the stream has not seen", () => {
  test("seq 0 is accepted at any epoch", () => {
    expect(decideProducer(undefined, req(0, 0))).toEqual({ kind: "accept", next: { epoch: 0, lastSeq: 0 } });
    expect(decideProducer(undefined, req(5, 0))).toEqual({ kind: "accept", next: { epoch: 5, lastSeq: 0 } });
  });

  test("seq > 0 is a 409 gap expecting 0", () => {
    const d = decideProducer(undefined, req(0, 3));
    expect(d).toMatchObject({
      ok: false,
      status: 409,
      code: "producer_seq_gap",
      headers: { "producer-expected-seq": "0", "producer-received-seq": "3" },
    });
  });
});

describe("epoch fencing", () => {
  test("a stale epoch is 403 carrying the current epoch", () => {
    const d = decideProducer(state(3, 10), req(2, 11));
    expect(d).toMatchObject({
      ok: false,
      status: 403,
      code: "producer_stale_epoch",
      headers: { "producer-epoch": "3" },
    });
  });

  test("a stale epoch is rejected even with seq 0 or a duplicate seq", () => {
    expect(decideProducer(state(3, 10), req(0, 0))).toMatchObject({ status: 403 });
    expect(decideProducer(state(3, 10), req(2, 5))).toMatchObject({ status: 403 });
  });

  test("a newer epoch starting at seq 0 is accepted and resets the sequence", () => {
    expect(decideProducer(state(3, 10), req(4, 0))).toEqual({ kind: "accept", next: { epoch: 4, lastSeq: 0 } });
    expect(decideProducer(state(3, 10), req(9, 0))).toEqual({ kind: "accept", next: { epoch: 9, lastSeq: 0 } });
  });

  test("a newer epoch not starting at seq 0 is a 400", () => {
    for (const seq of [1, 11, 12]) {
      expect(decideProducer(state(3, 10), req(4, seq))).toMatchObject({ ok: false, status: 400 });
    }
  });
});

describe("sequence within the same epoch", () => {
  test("seq ≤ lastSeq is a duplicate reporting the stored state", () => {
    for (const seq of [0, 4, 7]) {
      expect(decideProducer(state(1, 7), req(1, seq))).toEqual({ kind: "duplicate", state: { epoch: 1, lastSeq: 7 } });
    }
  });

  test("the retry of the very first append is a duplicate", () => {
    expect(decideProducer(state(0, 0), req(0, 0))).toEqual({ kind: "duplicate", state: { epoch: 0, lastSeq: 0 } });
  });

  test("lastSeq + 1 is accepted", () => {
    expect(decideProducer(state(1, 7), req(1, 8))).toEqual({ kind: "accept", next: { epoch: 1, lastSeq: 8 } });
    expect(decideProducer(state(0, 0), req(0, 1))).toEqual({ kind: "accept", next: { epoch: 0, lastSeq: 1 } });
  });

  test("a gap is a 409 naming the expected and received seq", () => {
    const d = decideProducer(state(1, 7), req(1, 10));
    expect(d).toMatchObject({
      ok: false,
      status: 409,
      code: "producer_seq_gap",
      headers: { "producer-expected-seq": "8", "producer-received-seq": "10" },
    });
  });

  test("works up to 2^53-1", () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(decideProducer(state(max, max - 1), req(max, max))).toEqual({
      kind: "accept",
      next: { epoch: max, lastSeq: max },
    });
  });

  test("a run of pipelined appends with a retry in the middle", () => {
    let s: ProducerState | undefined;
    const kinds: string[] = [];
    for (const seq of [0, 1, 2, 1, 3, 3, 5]) {
      const d = decideProducer(s, req(0, seq));
      if ("kind" in d) {
        kinds.push(d.kind);
        if (d.kind === "accept") s = d.next;
      } else kinds.push(String(d.status));
    }
    expect(kinds).toEqual(["accept", "accept", "accept", "duplicate", "accept", "duplicate", "409"]);
    expect(s).toEqual({ epoch: 0, lastSeq: 3 });
  });
});

describe("producerEcho", () => {
  test("echoes epoch and the highest accepted seq", () => {
    expect(producerEcho({ epoch: 2, lastSeq: 41 })).toEqual({ "producer-epoch": "2", "producer-seq": "41" });
    expect(producerEcho({ epoch: 0, lastSeq: 0 })).toEqual({ "producer-epoch": "0", "producer-seq": "0" });
  });
});
