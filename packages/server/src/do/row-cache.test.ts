import { describe, expect, test } from "vitest";
import { RowCaches } from "./row-cache.js";

describe("row caches", () => {
  test("a cell reads once, keeps what was set, and reads again after a drop", () => {
    const caches = new RowCaches();
    const cell = caches.cell<number | undefined>();
    let reads = 0;
    const read = () => {
      reads += 1;
      return undefined; // a missing row is cached too
    };
    expect(cell.get(read)).toBeUndefined();
    expect(cell.get(read)).toBeUndefined();
    expect(reads).toBe(1);
    cell.set(7);
    expect(cell.get(read)).toBe(7);
    cell.drop();
    expect(cell.get(read)).toBeUndefined();
    expect(reads).toBe(2);
  });

  test("dropAll empties every cell (a rollback or a wipe)", () => {
    const caches = new RowCaches();
    const a = caches.cell<string>();
    const b = caches.cell<string>();
    a.set("a");
    b.set("b");
    caches.dropAll();
    expect(a.get(() => "A")).toBe("A");
    expect(b.get(() => "B")).toBe("B");
  });
});
