import { describe, expect, test } from "vitest";
import {
  MAX_BATCH_BYTES,
  MAX_MESSAGE_BYTES,
  batchesOf,
  packSessions,
  sessionsOf,
  sessionsPerMessage,
} from "./queue-pack.js";

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

describe("queue packing", () => {
  test("10,000 sessions fit in a few messages, each under the message limit, in order", () => {
    const sessions = Array.from({ length: 10_000 }, (_, i) => `acme/session-with-a-long-name-${i}`);
    const msgs = packSessions("acme/src", sessions);
    expect(msgs.length).toBeLessThan(10);
    for (const m of msgs) expect(bytes(m)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(msgs.flatMap((m) => m.sessions)).toEqual(sessions);
    const batches = batchesOf(msgs);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(100);
      expect(b.reduce((n, m) => n + bytes(m), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(batches.flat()).toEqual(msgs);
  });

  test("a message names no more sessions than one consumer invocation can append to", () => {
    const sessions = Array.from({ length: 10_000 }, (_, i) => `acme/s${i}`);
    const per = sessionsPerMessage(1000);
    expect(per).toBeLessThan(1000);
    const msgs = packSessions("acme/src", sessions, per);
    expect(msgs.length).toBe(Math.ceil(10_000 / per));
    for (const m of msgs) expect(m.sessions.length).toBeLessThanOrEqual(per);
    expect(msgs.flatMap((m) => m.sessions)).toEqual(sessions);
    expect(sessionsPerMessage(1)).toBe(1);
  });

  test("batches hold at most 100 messages", () => {
    const msgs = Array.from({ length: 250 }, (_, i) => ({ source: "p/s", sessions: [`p/${i}`] }));
    expect(batchesOf(msgs).map((b) => b.length)).toEqual([100, 100, 50]);
  });

  test("an old one-session message is still understood", () => {
    expect(sessionsOf({ source: "p/s", session: "p/a" })).toEqual(["p/a"]);
    expect(sessionsOf({ source: "p/s", sessions: ["p/a", "p/b"] })).toEqual(["p/a", "p/b"]);
  });
});
