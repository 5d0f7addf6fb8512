/** SSE event ids: what the server writes it can read back, and nothing else. */
import { describe, expect, test } from "vitest";
import { encodeEventId, instanceTag, parseEventId, sameInstance } from "./sse-id.js";

const OFFSET = "0000000000000002_0000000000004096";
const INSTANCE = "a1b2c3d4e5f60718";

describe("SSE event ids", () => {
  test("round-trip: offset, cursor and the instance's tag", () => {
    const id = encodeEventId(OFFSET, "3371234", INSTANCE);
    expect(id).toBe(`${OFFSET}:3371234:a1b2c3d4`);
    const point = parseEventId(id)!;
    expect(point).toEqual({ offset: { segment: 2, position: 4096 }, cursor: "3371234", tag: "a1b2c3d4" });
    expect(sameInstance(point, INSTANCE)).toBe(true);
    expect(sameInstance(point, "ffffffff00000000")).toBe(false);
  });

  test("the id starts with the protocol offset, so a page can reuse it in ?offset=", () => {
    expect(encodeEventId(OFFSET, "1", INSTANCE).split(":")[0]).toBe(OFFSET);
  });

  test("surrounding whitespace is tolerated", () => {
    expect(parseEventId(` ${OFFSET}:1:${instanceTag(INSTANCE)} `)?.cursor).toBe("1");
  });

  test.each([
    "",
    "garbage",
    OFFSET,
    `${OFFSET}:1`,
    `${OFFSET}::a1b2c3d4`,
    `${OFFSET}:x:a1b2c3d4`,
    `${OFFSET}:1:`,
    `${OFFSET}:1:a1b2-c3d4`,
    `${OFFSET}:1234567890123456:a1b2c3d4`,
    `0000000000000002_000000000000409:1:a1b2c3d4`,
    `9999999999999999_0000000000000000:1:a1b2c3d4`,
    `${OFFSET}:1:a1b2c3d4:extra`,
    `-1:1:a1b2c3d4`,
    `now:1:a1b2c3d4`,
  ])("refuses %j", (value) => {
    expect(parseEventId(value)).toBeUndefined();
  });
});
