import { describe, expect, test } from "vitest";
import type { CatalogEntry, ShardPage } from "./entry.js";
import { mergePages } from "./merge.js";
import { compareNames } from "./order.js";

const entry = (name: string, bytes = 0): CatalogEntry => ({
  name,
  instance: "i",
  contentType: "text/plain",
  createdAt: 0,
  lastAppendAt: null,
  bytes,
  startOffset: "0000000000000000_0000000000000000",
  retention: { bytes: null, messages: null, seconds: null },
  messages: 0,
  closed: false,
  ttlSeconds: null,
  expiresAt: null,
  forkOf: null,
  segments: 0,
  subscribers: 0,
  session: false,
  reportedAt: 0,
});

/** Simulates shards answering `limit` entries after a position, like CatalogStore.list. */
function shardPages(shards: string[][], after: string | null, limit: number): ShardPage[] {
  return shards.map((names) => ({
    entries: [...names]
      .sort(compareNames)
      .filter((n) => after === null || compareNames(n, after) > 0)
      .slice(0, limit)
      .map((n) => entry(n)),
    scannedTo: null,
  }));
}

describe("merging shard pages", () => {
  test("pages through every name exactly once, in code point order", () => {
    const names = Array.from({ length: 257 }, (_, i) => `s${(i * 7919) % 1000}-${i}`).concat(["😀", "\uffff", "é"]);
    const shards: string[][] = [[], [], [], []];
    names.forEach((n, i) => shards[i % 4]!.push(n));
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const { entries, next } = mergePages(shardPages(shards, after, 10), "name", false, 10);
      seen.push(...entries.map((e) => e.name));
      if (next === null) break;
      after = next.name;
    }
    expect(seen).toEqual([...names].sort(compareNames));
    expect(compareNames("\uffff", "😀")).toBeLessThan(0); // UTF-8 order, not UTF-16
  });

  test("cuts the page where a shard stopped scanning", () => {
    const pages: ShardPage[] = [
      { entries: [entry("a"), entry("z")], scannedTo: null },
      { entries: [entry("b")], scannedTo: { value: null, name: "m" } },
    ];
    const { entries, next } = mergePages(pages, "name", false, 10);
    expect(entries.map((e) => e.name)).toEqual(["a", "b"]);
    expect(next).toEqual({ value: null, name: "m" });
  });

  test("descending by size, ties by name", () => {
    const pages: ShardPage[] = [
      { entries: [entry("b", 9), entry("a", 1)], scannedTo: null },
      { entries: [entry("c", 9), entry("d", 5)], scannedTo: null },
    ];
    const { entries, next } = mergePages(pages, "bytes", true, 3);
    expect(entries.map((e) => e.name)).toEqual(["c", "b", "d"]);
    expect(next).toEqual({ value: 5, name: "d" });
  });
});
