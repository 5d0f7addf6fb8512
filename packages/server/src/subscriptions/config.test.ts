import { describe, expect, test } from "vitest";
import { configHash, parseConfig } from "./config.js";
import { coveredPattern, coveredStream, registryParts } from "./scope.js";
import { backoffMs } from "./wake.js";

const hook = { type: "webhook", pattern: "events/*", webhook: { url: "https://hooks.example.com/x" } };

describe("parseConfig", () => {
  test("normalizes streams and hashes identical configurations alike", async () => {
    const a = parseConfig({ ...hook, streams: ["b", "a", "b"] }, false);
    const b = parseConfig({ ...hook, streams: ["a", "b"] }, false);
    if ("code" in a || "code" in b) throw new Error("refused");
    expect(a.streams).toEqual(["a", "b"]);
    expect(await configHash(a)).toBe(await configHash(b));
    const c = parseConfig({ ...hook, lease_ttl_ms: 5_000 }, false);
    if ("code" in c) throw new Error("refused");
    expect(await configHash(c)).not.toBe(await configHash(a));
  });

  test.each([
    [{ type: "webhook", webhook: { url: "https://hooks.example.com" } }, "bad_request"],
    [{ ...hook, lease_ttl_ms: 999 }, "bad_request"],
    [{ ...hook, pattern: "a/**b" }, "bad_request"],
    [{ ...hook, webhook: { url: "http://10.0.0.1/" } }, "WEBHOOK_URL_REJECTED"],
    [{ type: "pull-wake", pattern: "w/*", wake_stream: "w/pool" }, "bad_request"],
    [{ type: "other", streams: ["a"] }, "bad_request"],
  ])("refuses %j", (body, code) => {
    const r = parseConfig(body, false);
    expect("code" in r && r.code).toBe(code);
  });
});

describe("scope", () => {
  test("the default root names projects by the first segment", () => {
    expect(coveredStream("default", "x")).toEqual({ project: "default", name: "x" });
    expect(coveredStream("default", "events/a/b")).toEqual({ project: "events", name: "a/b" });
    expect(coveredStream("acme", "events/a")).toEqual({ project: "acme", name: "events/a" });
    expect(typeof coveredPattern("default", "*/x")).toBe("string");
    expect(typeof coveredPattern("default", "**")).toBe("string");
    expect(coveredPattern("default", "events/*")).toEqual({ project: "events", pattern: "*", prefix: "events/" });
    const parts = registryParts("default", { pattern: "events/*", streams: ["manual/a", "x"] });
    expect([...parts.keys()].sort()).toEqual(["default", "events", "manual"]);
    expect(parts.get("manual")).toEqual({ pattern: null, streams: ["a"], prefix: "manual/" });
  });
});

describe("backoffMs", () => {
  test("1 s doubling to 60 s, within 20% jitter", () => {
    expect(backoffMs(1, 0.5)).toBe(1_000);
    expect(backoffMs(3, 0.5)).toBe(4_000);
    expect(backoffMs(20, 0.5)).toBe(60_000);
    expect(backoffMs(1, 0)).toBe(800);
    expect(backoffMs(1, 1)).toBe(1_200);
  });
});
