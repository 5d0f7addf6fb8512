import { describe, expect, test } from "vitest";
import { MAX_INLINE_MESSAGE_BYTES, envelopeLimits, envelopeOf, packRows, utf8Length } from "./envelope.js";

const enc = new TextEncoder();

describe("envelopeOf", () => {
  test("JSON messages are embedded as JSON values", () => {
    const e = envelopeOf("chat/room", "application/json", true, { offset: "0_7", data: enc.encode('{"a":[1,"x"]}') });
    expect(JSON.parse(e)).toEqual({ stream: "chat/room", offset: "0_7", data: { a: [1, "x"] } });
  });

  test("other content types are base64 with their content type", () => {
    const data = new Uint8Array([0, 1, 2, 250, 255]);
    const e = JSON.parse(envelopeOf("bin", "application/octet-stream", false, { offset: "o", data }));
    expect(e).toMatchObject({
      stream: "bin",
      offset: "o",
      contentType: "application/octet-stream",
      encoding: "base64",
    });
    expect([...Buffer.from(e.data as string, "base64")]).toEqual([...data]);
  });

  test("stream names are JSON-escaped", () => {
    const e = JSON.parse(envelopeOf('a"b\\c', "text/plain", false, { offset: "o", data: enc.encode("hi") }));
    expect(e.stream).toBe('a"b\\c');
  });

  test("large messages travel as a reference to the source offset", () => {
    const data = new Uint8Array(MAX_INLINE_MESSAGE_BYTES + 1);
    const e = JSON.parse(envelopeOf("s", "application/json", true, { offset: "o", data }));
    expect(e).toEqual({ stream: "s", offset: "o", truncated: true, bytes: MAX_INLINE_MESSAGE_BYTES + 1 });
  });

  test("base64 of a large binary message is exact", () => {
    const data = new Uint8Array(MAX_INLINE_MESSAGE_BYTES).map((_, i) => (i * 31) & 0xff);
    const e = JSON.parse(envelopeOf("s", "application/octet-stream", false, { offset: "o", data }));
    expect(Buffer.from(e.data as string, "base64").equals(Buffer.from(data))).toBe(true);
  });
});

describe("limits", () => {
  test("rows and inline messages fit in the server's append limit", () => {
    expect(envelopeLimits(32 * 1024 * 1024)).toEqual({ inlineBytes: MAX_INLINE_MESSAGE_BYTES, rowBytes: 1024 * 1024 });
    const small = envelopeLimits(64 * 1024);
    expect(small.rowBytes).toBe(64 * 1024);
    // The base64 of the largest inline message plus its fields fits in one row.
    expect(Math.ceil(small.inlineBytes / 3) * 4 + 8 * 1024).toBeLessThanOrEqual(small.rowBytes);
    expect(envelopeLimits(1024).inlineBytes).toBe(0);
  });

  test("utf8Length counts bytes", () => {
    for (const s of ["", "abc", "é", "€", "😀", "a€😀é"]) expect(utf8Length(s), s).toBe(Buffer.byteLength(s));
  });

  test("rows are limited in UTF-8 bytes, not characters", () => {
    const envs = Array.from({ length: 6 }, () => JSON.stringify("€".repeat(20)));
    for (const r of packRows(envs, 130)) {
      expect(Buffer.byteLength(r) <= 130 || (JSON.parse(r) as unknown[]).length === 1).toBe(true);
    }
  });
});

describe("packRows", () => {
  test("keeps order and splits at the byte limit; each row is a JSON array", () => {
    const envs = Array.from({ length: 10 }, (_, i) => JSON.stringify({ i, pad: "x".repeat(30) }));
    const rows = packRows(envs, 100);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.flatMap((r) => JSON.parse(r) as unknown[])).toEqual(envs.map((e) => JSON.parse(e)));
    for (const r of rows) expect(r.length <= 100 || (JSON.parse(r) as unknown[]).length === 1).toBe(true);
  });

  test("an envelope larger than the limit gets a row of its own; nothing gives no rows", () => {
    expect(
      packRows(
        ["[1]".repeat(50)].map((x) => `"${x}"`),
        10,
      ),
    ).toHaveLength(1);
    expect(packRows([])).toEqual([]);
  });
});
