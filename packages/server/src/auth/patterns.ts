/**
 * Stream-path patterns of the `streams` claim. A pattern is `/`-separated
 * segments matched against the decoded stream name inside the project:
 * `*` inside a segment matches any characters except `/`; a whole `**`
 * segment matches zero or more segments. Matching is case-sensitive.
 */

/** Most patterns one token may carry. */
export const MAX_PATTERNS = 32;
const MAX_PATTERN_LENGTH = 1024;

/** Why a pattern is unusable, or null when it is fine. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
    return `patterns are 1-${MAX_PATTERN_LENGTH} characters`;
  }
  for (const seg of pattern.split("/")) {
    if (seg === "") return `"${pattern}" has an empty segment`;
    if (seg === "." || seg === "..") return `"${pattern}" has a '.' or '..' segment`;
    if (seg.includes("**") && seg !== "**") return `"${pattern}": '**' must be a whole segment`;
  }
  return null;
}

/** Reads a `streams` claim: absent means every stream; otherwise a list of valid patterns. */
export function parseStreamsClaim(value: unknown): readonly string[] | null | Error {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PATTERNS) {
    return new Error(`"streams" must be a list of 1-${MAX_PATTERNS} patterns`);
  }
  for (const p of value) {
    if (typeof p !== "string") return new Error(`"streams" entries must be strings`);
    const problem = patternProblem(p);
    if (problem) return new Error(`"streams": ${problem}`);
  }
  return value as string[];
}

function segmentMatches(pattern: string, seg: string): boolean {
  if (!pattern.includes("*")) return pattern === seg;
  const parts = pattern.split("*");
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (seg.length < first.length + last.length || !seg.startsWith(first) || !seg.endsWith(last)) return false;
  // Greedy left-to-right placement of the middle parts is exact for `*` globs.
  let at = first.length;
  const end = seg.length - last.length;
  for (const mid of parts.slice(1, -1)) {
    const i = seg.indexOf(mid, at);
    if (i < 0 || i + mid.length > end) return false;
    at = i + mid.length;
  }
  return true;
}

/**
 * Matches segment by segment, keeping the set of name positions the pattern
 * prefix can end at: O(pattern segments × name segments) segment tests, where
 * backtracking over `**` would be exponential in their number. `steps` counts
 * the work (segment tests and `**` expansions) for tests.
 */
function matchSegments(pat: readonly string[], name: readonly string[], steps: { n: number }): boolean {
  let at: boolean[] = new Array<boolean>(name.length + 1).fill(false);
  at[0] = true;
  for (const p of pat) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    let any = false;
    if (p === "**") {
      // Zero or more segments: every position from the first reachable one on.
      let reached = false;
      for (let k = 0; k <= name.length; k++) {
        steps.n += 1;
        reached ||= at[k]!;
        next[k] = reached;
        any ||= reached;
      }
    } else {
      for (let k = 0; k < name.length; k++) {
        if (!at[k]) continue;
        steps.n += 1;
        if (segmentMatches(p, name[k]!)) next[k + 1] = any = true;
      }
    }
    if (!any) return false;
    at = next;
  }
  return at[name.length]!;
}

/** The number of steps matching takes (for tests that bound the work). */
export function matchSteps(pattern: string, name: string): number {
  const steps = { n: 0 };
  matchSegments(pattern.split("/"), name.split("/"), steps);
  return steps.n;
}

/** True when the stream name matches the pattern. */
export function matchesPattern(pattern: string, name: string): boolean {
  return matchSegments(pattern.split("/"), name.split("/"), { n: 0 });
}

/** True when a token restricted to `patterns` (null = unrestricted) reaches the stream. */
export function streamAllowed(patterns: readonly string[] | null, name: string): boolean {
  return patterns === null || patterns.some((p) => matchesPattern(p, name));
}
