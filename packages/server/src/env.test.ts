import { describe, expect, test } from "vitest";
import { objectPeakBytes, OBJECT_MEMORY_BUDGET, readConfig, type Env } from "./env.js";

const env = (vars: Record<string, string>) => vars as unknown as Env;

describe("readConfig: memory budget", () => {
  test("the defaults fit the per-object budget", () => {
    const c = readConfig(env({}));
    expect(c.maxAppendBytes).toBe(32 * 1024 * 1024);
    expect(c.maxAppendMessages).toBe(10_000);
    expect(objectPeakBytes(c)).toBeLessThanOrEqual(OBJECT_MEMORY_BUDGET);
  });

  test("MAX_APPEND_BYTES above the budget is refused with the largest value that fits", () => {
    expect(() => readConfig(env({ MAX_APPEND_BYTES: String(64 * 1024 * 1024) }))).toThrow(
      /above the 64 MiB memory budget.*lower MAX_APPEND_BYTES to at most \d+/,
    );
  });

  test("segments larger than 64 MiB or with an index over 1 MiB are refused", () => {
    expect(() => readConfig(env({ SEGMENT_MAX_BYTES: String(256 * 1024 * 1024) }))).toThrow(/SEGMENT_MAX_BYTES/);
    expect(() => readConfig(env({ SEGMENT_MAX_MESSAGES: "1000000" }))).toThrow(/SEGMENT_MAX_MESSAGES/);
  });

  test("MAX_APPEND_MESSAGES is validated", () => {
    expect(() => readConfig(env({ MAX_APPEND_MESSAGES: "0" }))).toThrow(/MAX_APPEND_MESSAGES/);
    expect(readConfig(env({ MAX_APPEND_MESSAGES: "50" })).maxAppendMessages).toBe(50);
  });
});
