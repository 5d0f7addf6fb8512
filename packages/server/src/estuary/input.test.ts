import { describe, expect, test } from "vitest";
import { isFailure } from "../protocol/parse.js";
import { parseObject, parseSubscribeBody, parseTtl } from "./input.js";

describe("estuary input", () => {
  test("parseObject: objects only; empty only when allowed; size capped", () => {
    expect(parseObject('{"a":1}', false)).toEqual({ a: 1 });
    expect(parseObject("", true)).toEqual({});
    for (const bad of ["", "[]", "1", "null", "{", '"x"']) expect(isFailure(parseObject(bad, false)), bad).toBe(true);
    const big = parseObject(`{"a":"${"x".repeat(5000)}"}`, false);
    expect(isFailure(big) && big.status).toBe(413);
  });

  test("parseSubscribeBody: estuaryId required, ttlSeconds optional and bounded, no unknown fields", () => {
    expect(parseSubscribeBody({ estuaryId: "s1" }, 100)).toEqual({ estuaryId: "s1", ttlSeconds: null });
    expect(parseSubscribeBody({ estuaryId: "s1", ttlSeconds: 100 }, 100)).toEqual({ estuaryId: "s1", ttlSeconds: 100 });
    for (const bad of [{}, { estuaryId: "a/b" }, { estuaryId: "s", ttlSeconds: 101 }, { estuaryId: "s", x: 1 }]) {
      const r = parseSubscribeBody(bad, 100);
      expect(isFailure(r) && r.status, JSON.stringify(bad)).toBe(400);
    }
  });

  test("parseTtl", () => {
    expect(parseTtl({}, 10)).toBeNull();
    expect(parseTtl({ ttlSeconds: 10 }, 10)).toBe(10);
    for (const t of [0, -1, 1.5, "5", 11]) expect(isFailure(parseTtl({ ttlSeconds: t }, 10)), String(t)).toBe(true);
  });
});
