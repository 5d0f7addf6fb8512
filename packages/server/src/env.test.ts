import { describe, expect, test } from "vitest";
import { ConfigError, objectPeakBytes, OBJECT_MEMORY_BUDGET, readConfig, type Env } from "./env.js";

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

describe("readConfig: every var is validated in one place", () => {
  test("PRODUCER_TURN_TIMEOUT_MS is read and range-checked", () => {
    expect(readConfig(env({})).producerTurnTimeoutMs).toBe(30_000);
    expect(readConfig(env({ PRODUCER_TURN_TIMEOUT_MS: "500" })).producerTurnTimeoutMs).toBe(500);
    expect(() => readConfig(env({ PRODUCER_TURN_TIMEOUT_MS: "soon" }))).toThrow(
      /Invalid PRODUCER_TURN_TIMEOUT_MS="soon": set it to an integer between 100 and 300000/,
    );
  });

  test("the estuary vars are read and range-checked with the rest", () => {
    const c = readConfig(env({ ESTUARY_QUEUE_THRESHOLD: "7", ESTUARY_TTL_SECONDS: "60" }));
    expect(c.estuary).toMatchObject({ queueThreshold: 7, ttlSeconds: 60, callTimeoutMs: 10_000 });
    for (const [name, bad] of [
      ["ESTUARY_TTL_SECONDS", "0"],
      ["ESTUARY_QUEUE_THRESHOLD", "-1"],
      ["ESTUARY_SUBREQUEST_BUDGET", "5"],
      ["ESTUARY_CALL_TIMEOUT_MS", "1.5"],
      ["ESTUARY_PARK_AFTER_MS", "10"],
      ["ESTUARY_PARK_LAG_ROWS", "many"],
    ] as const) {
      expect(() => readConfig(env({ [name]: bad })), name).toThrow(
        new RegExp(`Invalid ${name}=.*wrangler.jsonc "vars"`),
      );
    }
  });

  test("a call timeout not below the parking delay is refused, saying which to change", () => {
    expect(() => readConfig(env({ ESTUARY_CALL_TIMEOUT_MS: "5000", ESTUARY_PARK_AFTER_MS: "5000" }))).toThrow(
      /ESTUARY_CALL_TIMEOUT_MS=5000 is not below ESTUARY_PARK_AFTER_MS=5000.*lower ESTUARY_CALL_TIMEOUT_MS or raise ESTUARY_PARK_AFTER_MS/,
    );
  });
});

describe("readConfig: PUBLIC_URL", () => {
  test("is an http(s) origin, normalised; unset is null", () => {
    expect(readConfig(env({})).publicOrigin).toBeNull();
    expect(readConfig(env({ PUBLIC_URL: "https://Streams.Example.com/" })).publicOrigin).toBe(
      "https://streams.example.com",
    );
    expect(readConfig(env({ PUBLIC_URL: "http://127.0.0.1:9000" })).publicOrigin).toBe("http://127.0.0.1:9000");
  });

  test("anything but a bare origin is refused, saying what to set", () => {
    for (const bad of ["streams.example.com", "ftp://x.example", "https://x.example/base", "https://x.example/?a=1"]) {
      expect(() => readConfig(env({ PUBLIC_URL: bad })), bad).toThrow(/PUBLIC_URL.*scheme and host only/);
    }
  });
});

describe("readConfig: errors", () => {
  test("every refused setting is a ConfigError (the edge answers 500 config_invalid with its message)", () => {
    const cases: Record<string, string>[] = [
      { MAX_APPEND_BYTES: "x" },
      { SUBSCRIPTIONS_ALLOW_LOOPBACK: "yes" },
      { ESTUARY_PARK_AFTER_MS: "1000" }, // the default call timeout (10 s) is not below it
    ];
    for (const vars of cases) expect(() => readConfig(env(vars))).toThrow(ConfigError);
  });
});
