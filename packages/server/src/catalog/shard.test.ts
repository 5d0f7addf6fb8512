import { describe, expect, test } from "vitest";
import { fnv1a, shardName, shardOf } from "./shard.js";

describe("catalog shard choice", () => {
  test("is stable and in range", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c); // the published FNV-1a test vector
    for (const n of [1, 7, 16, 256]) {
      for (const name of ["a", "chat/room1", "ü/é", "x".repeat(1000)]) {
        const s = shardOf(name, n);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(n);
        expect(shardOf(name, n)).toBe(s);
      }
    }
    expect(shardName("acme", 3)).toBe("acme#3");
  });

  test("spreads names with a common prefix over every shard", () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf(`chat/room-${i}`, 16)] += 1;
    for (const c of counts) expect(c).toBeGreaterThan(800); // ±20% of 1000
    for (const c of counts) expect(c).toBeLessThan(1200);
  });
});
