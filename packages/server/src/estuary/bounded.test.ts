import { describe, expect, test } from "vitest";
import { Budget, CallTimeout, backoffMs, withTimeout } from "./bounded.js";

describe("bounded calls", () => {
  test("a budget refuses what it cannot afford, keeping a reserve", () => {
    const b = new Budget(5);
    expect(b.take(3)).toBe(true);
    expect(b.take(1, 1)).toBe(true);
    expect(b.take(1, 1)).toBe(false);
    expect(b.take(1)).toBe(true);
    expect(b.take()).toBe(false);
    expect(b.spent).toBe(5);
    expect(b.left).toBe(0);
  });

  test("a call that never answers is cut off; one that answers passes through", async () => {
    await expect(withTimeout(new Promise(() => {}), 20, "hung")).rejects.toBeInstanceOf(CallTimeout);
    await expect(withTimeout(Promise.resolve(7), 1000, "quick")).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error("no")), 1000, "fails")).rejects.toThrow("no");
  });

  test("backoff doubles up to its cap", () => {
    expect(backoffMs(1)).toBe(1000);
    expect(backoffMs(2)).toBe(2000);
    expect(backoffMs(20)).toBe(60_000);
  });
});
