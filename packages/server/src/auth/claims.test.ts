import { describe, expect, test } from "vitest";
import { parseScope, scopeAllows, scopeForMethod } from "./claims.js";
import { RateLimiter } from "./rate-limit.js";

describe("scopes", () => {
  test("manage implies write implies read", () => {
    expect(scopeAllows("manage", "read")).toBe(true);
    expect(scopeAllows("write", "read")).toBe(true);
    expect(scopeAllows("read", "write")).toBe(false);
    expect(scopeAllows("write", "manage")).toBe(false);
  });

  test("scope claims: one scope or a space-separated list; the strongest wins", () => {
    expect(parseScope("read")).toBe("read");
    expect(parseScope("read write")).toBe("write");
    expect(parseScope("openid manage")).toBe("manage");
    expect(parseScope("admin")).toBeNull();
    expect(parseScope(["write"])).toBeNull();
    expect(parseScope(undefined)).toBeNull();
  });

  test("methods map to scopes", () => {
    expect(scopeForMethod("GET")).toBe("read");
    expect(scopeForMethod("HEAD")).toBe("read");
    for (const m of ["PUT", "POST", "DELETE", "PATCH"]) expect(scopeForMethod(m)).toBe("write");
  });
});

describe("rate limiter", () => {
  test("a bucket holds a minute's allowance and refills evenly", () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 3; i++) expect(rl.take("k", 3, 0)).toBe(0);
    expect(rl.take("k", 3, 0)).toBe(20);
    expect(rl.take("k", 3, 10_000)).toBe(10);
    expect(rl.take("k", 3, 20_000)).toBe(0);
    expect(rl.take("other", 3, 20_000)).toBe(0);
    expect(rl.take("off", 0, 0)).toBe(0);
  });

  test("the number of buckets is bounded", () => {
    const rl = new RateLimiter(2);
    rl.take("a", 1, 0);
    rl.take("b", 1, 0);
    rl.take("c", 1, 0);
    expect(rl.take("a", 1, 0)).toBe(0); // evicted, so a fresh bucket
  });
});
