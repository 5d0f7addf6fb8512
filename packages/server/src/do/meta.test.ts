/** Stream expiry: sliding TTL, absolute Expires-At, or whichever comes first. */
import { describe, expect, test } from "vitest";
import { expiryTime, isExpired, type StreamMeta } from "./meta.js";

const T0 = Date.UTC(2025, 0, 1);

function meta(p: Partial<StreamMeta>): StreamMeta {
  return {
    key: "default/s",
    instance: "i",
    contentType: "text/plain",
    createdAt: T0 - 3_600_000,
    ttlSeconds: null,
    expiresAtMs: null,
    lastAccess: T0,
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
    ...p,
  };
}

describe("expiryTime", () => {
  test("no TTL and no Expires-At → never", () => {
    expect(expiryTime(meta({}))).toBeNull();
  });

  test("TTL only → last access + TTL (sliding, not from creation)", () => {
    expect(expiryTime(meta({ ttlSeconds: 60 }))).toBe(T0 + 60_000);
    expect(expiryTime(meta({ ttlSeconds: 60, lastAccess: T0 + 5_000 }))).toBe(T0 + 65_000);
  });

  test("TTL 0 expires at the last access", () => {
    expect(expiryTime(meta({ ttlSeconds: 0 }))).toBe(T0);
  });

  test("Expires-At only → that instant, regardless of access", () => {
    expect(expiryTime(meta({ expiresAtMs: T0 + 1234 }))).toBe(T0 + 1234);
    expect(expiryTime(meta({ expiresAtMs: T0 + 1234, lastAccess: T0 + 999_999 }))).toBe(T0 + 1234);
  });

  test("both → the earlier of the two", () => {
    expect(expiryTime(meta({ ttlSeconds: 60, expiresAtMs: T0 + 10_000 }))).toBe(T0 + 10_000);
    expect(expiryTime(meta({ ttlSeconds: 60, expiresAtMs: T0 + 100_000 }))).toBe(T0 + 60_000);
  });
});

describe("isExpired", () => {
  test("never expires without TTL or Expires-At", () => {
    expect(isExpired(meta({}), Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  test("TTL: live until the deadline, expired at and after it", () => {
    const m = meta({ ttlSeconds: 60 });
    expect(isExpired(m, T0 + 59_999)).toBe(false);
    expect(isExpired(m, T0 + 60_000)).toBe(true);
    expect(isExpired(m, T0 + 61_000)).toBe(true);
  });

  test("TTL: a later access pushes the deadline", () => {
    expect(isExpired(meta({ ttlSeconds: 60, lastAccess: T0 + 30_000 }), T0 + 60_000)).toBe(false);
  });

  test("Expires-At: expired from that instant", () => {
    const m = meta({ expiresAtMs: T0 + 5_000 });
    expect(isExpired(m, T0 + 4_999)).toBe(false);
    expect(isExpired(m, T0 + 5_000)).toBe(true);
  });

  test("both: whichever deadline comes first wins", () => {
    const early = meta({ ttlSeconds: 60, expiresAtMs: T0 + 10_000 });
    expect(isExpired(early, T0 + 10_000)).toBe(true);
    const late = meta({ ttlSeconds: 60, expiresAtMs: T0 + 100_000 });
    expect(isExpired(late, T0 + 60_000)).toBe(true);
    expect(isExpired(late, T0 + 59_000)).toBe(false);
  });
});
