/**
 * The order of a listing: (sort value, name), both ascending or both
 * descending. Names compare by Unicode code point, which is the order SQLite
 * gives TEXT (UTF-8 bytes, BINARY collation), so the shards' SQL order and the
 * edge's merge agree.
 */
import type { CatalogEntry, Position, Sort } from "./entry.js";

/** Compares two strings by code point (= UTF-8 byte order). */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The sort value of an entry (null for the name sort). */
export function sortValue(e: CatalogEntry, sort: Sort): number | null {
  if (sort === "bytes") return e.bytes;
  if (sort === "lastAppend") return e.lastAppendAt ?? 0;
  return null;
}

/** The position of an entry in a sort. */
export function positionOf(e: CatalogEntry, sort: Sort): Position {
  return { value: sortValue(e, sort), name: e.name };
}

/** Compares two positions in listing order (negative: `a` comes first). */
export function comparePositions(a: Position, b: Position, desc: boolean): number {
  const byValue = (a.value ?? 0) - (b.value ?? 0);
  const c = byValue !== 0 ? Math.sign(byValue) : compareNames(a.name, b.name);
  return desc ? -c : c;
}
