/** Live-mode cursors (PROTOCOL.md §10.1): interval numbers that never go backwards. */
import { describe, expect, test } from "vitest";
import { CURSOR_EPOCH_MS, CURSOR_INTERVAL_MS, nextCursor } from "./cursor.js";

const EPOCH = Date.UTC(2024, 9, 9, 0, 0, 0);
const at = (interval: number, extraMs = 0) => EPOCH + interval * 20_000 + extraMs;
const fixed = (r: number) => () => r;

describe("cursor constants", () => {
  test("epoch is 2024-10-09T00:00:00Z and intervals are 20 s", () => {
    expect(new Date(CURSOR_EPOCH_MS).toISOString()).toBe("2024-10-09T00:00:00.000Z");
    expect(CURSOR_INTERVAL_MS).toBe(20_000);
  });
});

describe("nextCursor without a usable client cursor", () => {
  test("is the number of whole 20 s intervals since the epoch", () => {
    expect(nextCursor(null, EPOCH)).toBe("0");
    expect(nextCursor(null, EPOCH + 19_999)).toBe("0");
    expect(nextCursor(null, EPOCH + 20_000)).toBe("1");
    expect(nextCursor(null, Date.UTC(2024, 9, 10))).toBe("4320");
    expect(nextCursor(null, at(1_000_000, 5_000))).toBe("1000000");
  });

  test("the value is a plain decimal string", () => {
    expect(nextCursor(null, Date.UTC(2030, 0, 1))).toMatch(/^[1-9]\d*$/);
  });

  test.each(["", "abc", "-5", "+5", "1.5", "1e9", " 9999999", "9999999 ", "0x10", "1234567890123456"])(
    "ignores garbage cursor %j",
    (garbage) => {
      expect(nextCursor(garbage, at(500), fixed(0.99))).toBe("500");
    },
  );
});

describe("nextCursor with a client cursor", () => {
  test("a cursor behind the current interval gets the current interval", () => {
    expect(nextCursor("0", at(500), fixed(0.5))).toBe("500");
    expect(nextCursor("499", at(500, 19_000), fixed(0.5))).toBe("500");
  });

  test("a cursor equal to the current interval moves strictly past it", () => {
    const c = Number(nextCursor("500", at(500), fixed(0)));
    expect(c).toBeGreaterThan(500);
  });

  test("a cursor ahead of the current interval moves strictly past the client's", () => {
    const c = Number(nextCursor("10000", at(500), fixed(0)));
    expect(c).toBeGreaterThan(10_000);
  });

  test("minimum jitter (1 s) is one interval", () => {
    expect(nextCursor("500", at(500), fixed(0))).toBe("501");
  });

  test("maximum jitter (3600 s) is 180 intervals", () => {
    expect(nextCursor("500", at(500), fixed(0.999999999))).toBe("680");
  });

  test("jitter is seconds converted to intervals, rounded up", () => {
    // random 0.5 → 1 + floor(1800) = 1801 s → ceil(1801 / 20) = 91 intervals
    expect(nextCursor("500", at(500), fixed(0.5))).toBe("591");
    // random such that jitter is exactly 40 s → 2 intervals
    expect(nextCursor("500", at(500), fixed(39.5 / 3600))).toBe("502");
    // 41 s → 3 intervals
    expect(nextCursor("500", at(500), fixed(40.5 / 3600))).toBe("503");
  });

  test("across many random draws the jump stays within 1..180 intervals", () => {
    let seen = 0;
    for (let i = 0; i < 2000; i++) {
      const r = i / 2000;
      const jump = Number(nextCursor("777", at(700), fixed(r))) - 777;
      expect(jump).toBeGreaterThanOrEqual(1);
      expect(jump).toBeLessThanOrEqual(180);
      seen |= jump === 1 ? 1 : jump === 180 ? 2 : 0;
    }
    expect(seen).toBe(3);
  });

  test("echoing cursors back never goes backwards or repeats within an interval", () => {
    let cursor: string | null = null;
    const now = at(2000);
    let prev = -1;
    for (let i = 0; i < 50; i++) {
      cursor = nextCursor(cursor, now, Math.random);
      const n = Number(cursor);
      expect(n).toBeGreaterThan(prev);
      prev = n;
    }
  });

  test("15-digit client cursors are honoured", () => {
    expect(nextCursor("100000000000000", at(500), fixed(0))).toBe("100000000000001");
  });

  test("defaults to the real clock", () => {
    const expected = Math.floor((Date.now() - EPOCH) / 20_000);
    const got = Number(nextCursor(null));
    expect(got === expected || got === expected + 1).toBe(true);
  });
});
