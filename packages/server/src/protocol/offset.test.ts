/** Offset tokens: fixed-width formatting, strict parsing and the `-1`/`now` sentinels. */
import { describe, expect, test } from "vitest";
import { formatOffset, parseOffset, parseOffsetQuery } from "./offset.js";

describe("formatOffset", () => {
  test("zero-pads both parts to 16 digits", () => {
    expect(formatOffset({ segment: 0, position: 0 })).toBe("0000000000000000_0000000000000000");
    expect(formatOffset({ segment: 3, position: 1234 })).toBe("0000000000000003_0000000000001234");
  });

  test("the largest safe integer still fits", () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(formatOffset({ segment: max, position: max })).toBe("9007199254740991_9007199254740991");
  });

  test("lexicographic order of tokens follows position order", () => {
    const positions = [0, 1, 9, 10, 99, 100, 12345, 1e12];
    const tokens = positions.map((position) => formatOffset({ segment: 1, position }));
    expect([...tokens].sort()).toEqual(tokens);
  });

  test("a later segment sorts after an earlier one", () => {
    const a = formatOffset({ segment: 1, position: 500 });
    const b = formatOffset({ segment: 2, position: 500 });
    expect(a < b).toBe(true);
  });
});

describe("parseOffset", () => {
  test("round-trips formatted offsets", () => {
    for (const o of [
      { segment: 0, position: 0 },
      { segment: 7, position: 42 },
      { segment: 123456, position: 9876543210 },
      { segment: Number.MAX_SAFE_INTEGER, position: Number.MAX_SAFE_INTEGER },
    ]) {
      expect(parseOffset(formatOffset(o))).toEqual(o);
    }
  });

  test.each([
    ["empty", ""],
    ["no separator", "00000000000000000000000000000000"],
    ["comma separator", "0000000000000000,0000000000000000"],
    ["comma inside", "0000000000000000_000000000000,000"],
    ["leading space", " 0000000000000000_0000000000000000"],
    ["trailing space", "0000000000000000_0000000000000000 "],
    ["space inside", "0000000000000000_00000000 0000000"],
    ["short segment", "000000000000000_0000000000000000"],
    ["short position", "0000000000000000_000000000000000"],
    ["long segment", "00000000000000000_0000000000000000"],
    ["long position", "0000000000000000_00000000000000000"],
    ["hex digit", "000000000000000a_0000000000000000"],
    ["sign", "+000000000000000_0000000000000000"],
    ["negative", "0000000000000000_-000000000000001"],
    ["decimal point", "0000000000000000_000000000000001.0"],
    ["non-ASCII digit", "0000000000000000_000000000000000\u0661"],
    ["extra part", "0000000000000000_0000000000000000_0000000000000000"],
    ["sentinel -1", "-1"],
    ["sentinel now", "now"],
  ])("rejects %s", (_name, token) => {
    expect(parseOffset(token)).toBeUndefined();
  });

  test("rejects values above 2^53-1", () => {
    expect(parseOffset("9007199254740992_0000000000000000")).toBeUndefined();
    expect(parseOffset("0000000000000000_9007199254740992")).toBeUndefined();
    expect(parseOffset("0000000000000000_9999999999999999")).toBeUndefined();
    expect(parseOffset("0000000000000000_9007199254740991")).toEqual({ segment: 0, position: Number.MAX_SAFE_INTEGER });
  });
});

describe("parseOffsetQuery", () => {
  test("an absent parameter and -1 both mean the stream start", () => {
    expect(parseOffsetQuery(null)).toEqual({ kind: "start" });
    expect(parseOffsetQuery("-1")).toEqual({ kind: "start" });
  });

  test("now means the tail", () => {
    expect(parseOffsetQuery("now")).toEqual({ kind: "now" });
  });

  test("a concrete token parses to its offset", () => {
    expect(parseOffsetQuery("0000000000000002_0000000000000010")).toEqual({
      kind: "at",
      offset: { segment: 2, position: 10 },
    });
  });

  test.each(["", "-2", "-1 ", "NOW", "Now", " now", "0", "abc", "0000000000000000_0000000000000000,x"])(
    "rejects %j",
    (value) => {
      expect(parseOffsetQuery(value)).toBeUndefined();
    },
  );
});
