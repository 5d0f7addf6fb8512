/** Request header validation: closure flag, media types, lifetime, producers, Stream-Seq. */
import { describe, expect, test } from "vitest";
import {
  compareBytes,
  isClosedHeader,
  isFailure,
  isJsonType,
  isTextType,
  mediaTypeEssence,
  parseContentType,
  parseDecimal,
  parseExpiry,
  parseProducer,
  parseRfc3339,
  parseStreamSeq,
} from "./parse.js";

const headers = (init: Record<string, string>) => new Headers(init);
const bad = { ok: false, status: 400, code: "invalid_header" };

describe("isClosedHeader", () => {
  test.each(["true", "TRUE", "True", "tRuE"])("%j closes", (v) => expect(isClosedHeader(v)).toBe(true));
  test.each([null, "", "false", "1", "yes", "on", "truee", "true,true", "t rue", '"true"', "true;x"])(
    "%j does not close",
    (v) => expect(isClosedHeader(v)).toBe(false),
  );
});

describe("media types", () => {
  test("essence drops parameters, trims and lower-cases", () => {
    expect(mediaTypeEssence("Application/JSON; charset=utf-8")).toBe("application/json");
    expect(mediaTypeEssence("  text/plain  ;a=b;c=d")).toBe("text/plain");
    expect(mediaTypeEssence("")).toBe("");
  });

  test.each([
    ["application/json", "application/json"],
    ["TEXT/Plain; charset=UTF-8", "text/plain"],
    ["application/vnd.api+json", "application/vnd.api+json"],
    ["application/x.my-type_v1", "application/x.my-type_v1"],
    ["a/b;", "a/b"],
  ])("accepts %j as %j", (value, essence) => expect(parseContentType(value)).toBe(essence));

  test.each(["", "json", "text/", "/plain", "text/plain/x", "text plain", "text/pl ain", "text/plain,", "tëxt/plain"])(
    "rejects %j",
    (value) => expect(parseContentType(value)).toMatchObject(bad),
  );

  test("JSON mode is application/json only, with or without parameters", () => {
    expect(isJsonType("application/json")).toBe(true);
    expect(isJsonType("Application/Json; charset=utf-8")).toBe(true);
    expect(isJsonType("application/jsonx")).toBe(false);
    expect(isJsonType("application/json-patch+json")).toBe(false);
    expect(isJsonType("text/json")).toBe(false);
  });

  test("SSE text types are text/* and application/json; everything else is binary", () => {
    for (const t of ["text/plain", "TEXT/HTML; charset=utf-8", "text/csv", "application/json"]) {
      expect(isTextType(t), t).toBe(true);
    }
    for (const t of [
      "application/octet-stream",
      "image/png",
      "application/x-ndjson",
      "application/jsonl",
      "textual/x",
    ]) {
      expect(isTextType(t), t).toBe(false);
    }
  });
});

describe("parseDecimal (Stream-TTL)", () => {
  test.each([
    ["0", 0],
    ["1", 1],
    ["3600", 3600],
    ["9007199254740991", Number.MAX_SAFE_INTEGER],
  ])("%j → %d", (v, n) => expect(parseDecimal(v)).toBe(n));

  test.each([
    "",
    "+1",
    "+3600",
    "01",
    "03600",
    "00",
    "1.0",
    "3600.0",
    "1e3",
    "3.6e3",
    "-1",
    "-0",
    "0x10",
    "1 2",
    "abc",
  ])("rejects %j", (v) => expect(parseDecimal(v)).toBeUndefined());

  test("rejects values above 2^53-1", () => {
    expect(parseDecimal("9007199254740992")).toBeUndefined();
    expect(parseDecimal("99999999999999999999")).toBeUndefined();
  });
});

describe("parseRfc3339", () => {
  test.each([
    ["2025-01-02T03:04:05Z", Date.UTC(2025, 0, 2, 3, 4, 5)],
    ["2025-01-02t03:04:05z", Date.UTC(2025, 0, 2, 3, 4, 5)],
    ["2025-01-02 03:04:05Z", Date.UTC(2025, 0, 2, 3, 4, 5)],
    ["2025-01-02T03:04:05.5Z", Date.UTC(2025, 0, 2, 3, 4, 5, 500)],
    ["2025-01-02T03:04:05.123456789Z", Date.UTC(2025, 0, 2, 3, 4, 5, 123)],
    ["2025-01-02T03:04:05+02:00", Date.UTC(2025, 0, 2, 1, 4, 5)],
    ["2025-01-02T03:04:05-05:30", Date.UTC(2025, 0, 2, 8, 34, 5)],
    ["2025-01-01T00:30:00+01:00", Date.UTC(2024, 11, 31, 23, 30, 0)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
  ])("%j", (v, ms) => expect(parseRfc3339(v)).toBe(ms));

  test.each([
    "",
    "2025-01-02",
    "2025-01-02T03:04:05",
    "2025-01-02T03:04Z",
    "25-01-02T03:04:05Z",
    "2025-1-2T3:4:5Z",
    "2025-01-02T03:04:05+0200",
    "2025-01-02T03:04:05 +02:00",
    "2025-01-02T03:04:05.Z",
    "2025-01-02T03:04:05.1234567890Z",
    "2025-13-01T00:00:00Z",
    "2025-00-01T00:00:00Z",
    "2025-01-00T00:00:00Z",
    "2025-01-32T00:00:00Z",
    "2025-01-01T24:00:00Z",
    "2025-01-01T00:60:00Z",
    "2025-01-01T00:00:61Z",
    "2025-01-01T00:00:00+24:00",
    "2025-01-01T00:00:00+05:60",
    "Thu, 02 Jan 2025 03:04:05 GMT",
    "1735787045",
  ])("rejects %j", (v) => expect(parseRfc3339(v)).toBeUndefined());

  // Dates that do not exist must be rejected, not rolled over into the next month.
  test.each(["2025-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2025-04-31T00:00:00Z", "2025-06-31T12:00:00Z"])(
    "rejects the nonexistent date %j",
    (v) => expect(parseRfc3339(v)).toBeUndefined(),
  );
});

describe("parseExpiry", () => {
  test("neither header → no expiry", () => {
    expect(parseExpiry(headers({}))).toEqual({ ttlSeconds: null, expiresAtMs: null });
  });

  test("TTL only", () => {
    expect(parseExpiry(headers({ "Stream-TTL": "3600" }))).toEqual({ ttlSeconds: 3600, expiresAtMs: null });
  });

  test("Expires-At only", () => {
    expect(parseExpiry(headers({ "Stream-Expires-At": "2030-01-01T00:00:00Z" }))).toEqual({
      ttlSeconds: null,
      expiresAtMs: Date.UTC(2030, 0, 1),
    });
  });

  test("both together → 400, even when each is valid", () => {
    const r = parseExpiry(headers({ "Stream-TTL": "60", "Stream-Expires-At": "2030-01-01T00:00:00Z" }));
    expect(r).toMatchObject(bad);
  });

  test("malformed values → 400", () => {
    expect(parseExpiry(headers({ "Stream-TTL": "+60" }))).toMatchObject(bad);
    expect(parseExpiry(headers({ "Stream-TTL": "" }))).toMatchObject(bad);
    expect(parseExpiry(headers({ "Stream-Expires-At": "tomorrow" }))).toMatchObject(bad);
  });
});

describe("parseProducer", () => {
  const all = { "Producer-Id": "writer-1", "Producer-Epoch": "2", "Producer-Seq": "7" };

  test("none → null; all three → parsed", () => {
    expect(parseProducer(headers({}))).toBeNull();
    expect(parseProducer(headers(all))).toEqual({ id: "writer-1", epoch: 2, seq: 7 });
  });

  test.each([["Producer-Id"], ["Producer-Epoch"], ["Producer-Seq"]])("omitting only %s → 400", (name) => {
    const partial: Record<string, string> = { ...all };
    delete partial[name];
    expect(parseProducer(headers(partial))).toMatchObject(bad);
  });

  test("a single header alone → 400", () => {
    expect(parseProducer(headers({ "Producer-Seq": "0" }))).toMatchObject(bad);
  });

  test("empty or overlong id → 400; 256 characters is fine", () => {
    expect(parseProducer(headers({ ...all, "Producer-Id": "" }))).toMatchObject(bad);
    expect(parseProducer(headers({ ...all, "Producer-Id": "x".repeat(257) }))).toMatchObject(bad);
    expect(parseProducer(headers({ ...all, "Producer-Id": "x".repeat(256) }))).toMatchObject({ id: "x".repeat(256) });
  });

  test.each(["", "-1", "1e3", "1.0", "+1", "7x", "7 8", "0x7", "9007199254740992", "99999999999999999"])(
    "epoch or seq %j → 400",
    (v) => {
      expect(parseProducer(headers({ ...all, "Producer-Epoch": v }))).toMatchObject(bad);
      expect(parseProducer(headers({ ...all, "Producer-Seq": v }))).toMatchObject(bad);
    },
  );

  test("2^53-1 is the largest accepted counter", () => {
    const max = String(Number.MAX_SAFE_INTEGER);
    expect(parseProducer(headers({ ...all, "Producer-Epoch": max, "Producer-Seq": max }))).toEqual({
      id: "writer-1",
      epoch: Number.MAX_SAFE_INTEGER,
      seq: Number.MAX_SAFE_INTEGER,
    });
  });
});

describe("parseStreamSeq", () => {
  test("absent → null; present → the value verbatim", () => {
    expect(parseStreamSeq(headers({}))).toBeNull();
    expect(parseStreamSeq(headers({ "Stream-Seq": "00042-b" }))).toBe("00042-b");
    expect(parseStreamSeq(headers({ "Stream-Seq": "x".repeat(256) }))).toBe("x".repeat(256));
  });

  test("empty or longer than 256 → 400", () => {
    expect(parseStreamSeq(headers({ "Stream-Seq": "" }))).toMatchObject(bad);
    expect(parseStreamSeq(headers({ "Stream-Seq": "x".repeat(257) }))).toMatchObject(bad);
  });
});

describe("compareBytes", () => {
  const sign = (a: string, b: string) => Math.sign(compareBytes(a, b));

  test("orders by UTF-8 bytes, shorter prefix first", () => {
    expect(sign("a", "aa")).toBe(-1);
    expect(sign("aa", "a")).toBe(1);
    expect(sign("abc", "abc")).toBe(0);
    expect(sign("", "a")).toBe(-1);
    expect(sign("B", "a")).toBe(-1);
    expect(sign("10", "9")).toBe(-1);
  });

  test("non-ASCII sorts after ASCII (é is C3 A9 > z)", () => {
    expect(sign("é", "z")).toBe(1);
    expect(sign("z", "é")).toBe(-1);
  });

  test("differs from UTF-16 code unit order for astral vs high BMP characters", () => {
    // U+FFFD is EF BF BD; U+1F600 is F0 9F 98 80. UTF-16 puts the emoji (D83D) first.
    expect("\u{1F600}" < "\uFFFD").toBe(true);
    expect(sign("\u{1F600}", "\uFFFD")).toBe(1);
  });
});

describe("isFailure", () => {
  test("narrows parser results", () => {
    expect(isFailure(parseExpiry(headers({ "Stream-TTL": "x" })))).toBe(true);
    expect(isFailure(parseExpiry(headers({})))).toBe(false);
    expect(isFailure(null)).toBe(false);
    expect(isFailure("text/plain")).toBe(false);
  });
});

describe("header values keep no surrounding whitespace", () => {
  // workerd passes incoming values through untrimmed; `new Headers()` in Node would trim them.
  const raw = (init: Record<string, string>) => ({ get: (n: string) => init[n.toLowerCase()] ?? null });

  test("Stream-Seq 'm5 ' is 'm5', so it cannot pass the ordering check after 'm5'", () => {
    expect(parseStreamSeq(raw({ "stream-seq": "m5 " }))).toBe("m5");
    expect(parseStreamSeq(raw({ "stream-seq": "\tm5" }))).toBe("m5");
    expect(parseStreamSeq(raw({ "stream-seq": "   " }))).toMatchObject(bad);
  });

  test("producer headers and lifetimes are trimmed too", () => {
    const p = { "producer-id": " w1 ", "producer-epoch": " 2", "producer-seq": "7 " };
    expect(parseProducer(raw(p))).toEqual({ id: "w1", epoch: 2, seq: 7 });
    expect(parseProducer(raw({ ...p, "producer-id": "  " }))).toMatchObject(bad);
    expect(parseExpiry(raw({ "stream-ttl": " 60 " }))).toEqual({ ttlSeconds: 60, expiresAtMs: null });
  });
});
