/**
 * Listing filters: a name prefix and a glob in the `streams`-claim syntax
 * (auth/patterns.ts: `*` within a segment, `**` across segments). A glob's
 * literal head narrows the scan like a prefix does.
 */
import { matchesPattern, patternProblem } from "../auth/patterns.js";

/** The literal part of a glob before its first `*`. */
export function globPrefix(glob: string): string {
  const i = glob.indexOf("*");
  return i < 0 ? glob : glob.slice(0, i);
}

/** The prefix a shard scans from: the longer of the two when one extends the other; null when none can match. */
export function scanPrefix(prefix: string, glob: string | null): string | null {
  const g = glob === null ? "" : globPrefix(glob);
  if (g.startsWith(prefix)) return g;
  if (prefix.startsWith(g)) return prefix;
  return null;
}

/** Why a glob cannot be used, or null. */
export function globProblem(glob: string): string | null {
  return patternProblem(glob);
}

/** True when `name` passes both filters. */
export function nameMatches(name: string, prefix: string, glob: string | null): boolean {
  return name.startsWith(prefix) && (glob === null || matchesPattern(glob, name));
}
