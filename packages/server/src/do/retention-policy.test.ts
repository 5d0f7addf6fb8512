import { describe, expect, test } from "vitest";
import {
  applyRetention,
  NO_RETENTION,
  nextAgeTrim,
  parseRetentionHeaders,
  retentionTarget,
} from "./retention-policy.js";
import { parseProjectRetention } from "../projects/retention-config.js";

const segs = [
  { end: 100, messages: 10, sealedAt: 1_000 },
  { end: 200, messages: 10, sealedAt: 2_000 },
  { end: 300, messages: 10, sealedAt: 3_000 },
];

describe("retention policy", () => {
  test("headers: integers, 0 clears, anything else is a 400", () => {
    const h = new Headers({ "stream-retention-bytes": "1024", "stream-retention-seconds": "0" });
    expect(parseRetentionHeaders(h)).toEqual({ bytes: 1024, seconds: null });
    expect(parseRetentionHeaders(new Headers({ "stream-retention-messages": "-1" }))).toMatchObject({ status: 400 });
    expect(parseRetentionHeaders(new Headers({ "stream-retention-messages": "1.5" }))).toMatchObject({ status: 400 });
  });

  test("defaults fill what a request leaves out; caps refuse more (or none)", () => {
    const caps = { ...NO_RETENTION, seconds: 3600 };
    expect(applyRetention({ ...NO_RETENTION, bytes: 10 }, {}, caps)).toEqual({
      bytes: 10,
      messages: null,
      seconds: 3600,
    });
    expect(applyRetention(NO_RETENTION, { seconds: 60 }, caps)).toMatchObject({ seconds: 60 });
    expect(applyRetention(NO_RETENTION, { seconds: 7200 }, caps)).toMatchObject({ status: 400 });
    expect(applyRetention(NO_RETENTION, { seconds: null }, caps)).toMatchObject({ code: "retention_above_cap" });
  });

  test("target: whole segments each limit lets go", () => {
    // 350 bytes to the tail, 5 hot messages.
    expect(retentionTarget({ ...NO_RETENTION, bytes: 150 }, segs, 350, 5, 0)).toBe(200);
    expect(retentionTarget({ ...NO_RETENTION, bytes: 1000 }, segs, 350, 5, 0)).toBe(0);
    expect(retentionTarget({ ...NO_RETENTION, messages: 15 }, segs, 350, 5, 0)).toBe(200);
    expect(retentionTarget({ ...NO_RETENTION, messages: 5 }, segs, 350, 5, 0)).toBe(300);
    expect(retentionTarget({ ...NO_RETENTION, seconds: 1 }, segs, 350, 5, 3_500)).toBe(200);
    expect(nextAgeTrim({ ...NO_RETENTION, seconds: 1 }, segs, 3_500)).toBe(4_000);
  });

  test("project retention config is validated", () => {
    expect(parseProjectRetention({ defaults: { bytes: 10 }, caps: { bytes: 100 } })).toMatchObject({
      defaults: { bytes: 10 },
      caps: { bytes: 100 },
    });
    expect(parseProjectRetention({ defaults: { bytes: 1000 }, caps: { bytes: 100 } })).toMatch(/above/);
    expect(parseProjectRetention({ caps: { size: 1 } })).toMatch(/not a retention limit/);
  });
});
