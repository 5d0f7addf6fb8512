/**
 * Merges the shards' pages of one listing. Every shard answers in listing
 * order; an entry is certain to belong to the page only up to the first point
 * where some shard stopped looking (it hit its limit or its scan budget), so
 * the page is cut there and the cursor resumes from it.
 */
import type { CatalogEntry, Position, ShardPage, Sort } from "./entry.js";
import { comparePositions, positionOf } from "./order.js";

/** The merged entries of a page and where the next page starts (null: this is the last page). */
export function mergePages(
  pages: readonly ShardPage[],
  sort: Sort,
  desc: boolean,
  limit: number,
): { entries: CatalogEntry[]; next: Position | null } {
  let bound: Position | null = null;
  const lower = (p: Position) => {
    if (bound === null || comparePositions(p, bound, desc) < 0) bound = p;
  };
  for (const page of pages) {
    if (page.scannedTo) lower(page.scannedTo);
    else if (page.entries.length >= limit) lower(positionOf(page.entries[page.entries.length - 1]!, sort));
  }
  const all = pages
    .flatMap((p) => p.entries)
    .sort((a, b) => comparePositions(positionOf(a, sort), positionOf(b, sort), desc));
  const b = bound as Position | null;
  const certain = b === null ? all : all.filter((e) => comparePositions(positionOf(e, sort), b, desc) <= 0);
  const entries = certain.slice(0, limit);
  if (entries.length === limit) return { entries, next: positionOf(entries[limit - 1]!, sort) };
  return { entries, next: b };
}
