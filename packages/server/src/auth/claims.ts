/**
 * What a token may claim: scopes (ordered), the audience that binds it to one
 * project, and the clock skew we tolerate. Shared by verification and minting.
 */

/** Token scopes, weakest first: manage implies write implies read. */
export const SCOPES = ["read", "write", "manage"] as const;
export type Scope = (typeof SCOPES)[number];

/** Signature algorithms a project key may use; `none` is never among them. */
export const ALGORITHMS = ["HS256", "ES256", "EdDSA"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** Seconds of clock difference tolerated on `exp` / `nbf` / `iat`. */
export const CLOCK_SKEW_SECONDS = 30;

/** Longest lifetime the server-side mint route issues (30 days). */
export const MAX_MINT_TTL_SECONDS = 30 * 24 * 3600;

/** The `aud` value that binds a token to one project. */
export function audienceOf(project: string): string {
  return `ds:${project}`;
}

/** True when a principal holding `have` may do what needs `need`. */
export function scopeAllows(have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}

/**
 * Reads a `scope` claim: one scope, or an OAuth-style space-separated list
 * (the strongest listed wins). Null when it names no known scope.
 */
export function parseScope(value: unknown): Scope | null {
  if (typeof value !== "string") return null;
  let best: Scope | null = null;
  for (const word of value.split(" ")) {
    const s = SCOPES.find((x) => x === word);
    if (s && (best === null || scopeAllows(s, best))) best = s;
  }
  return best;
}

/** The scope an HTTP method needs on a stream route. */
export function scopeForMethod(method: string): Scope {
  return method === "GET" || method === "HEAD" ? "read" : "write";
}

/** True for a value usable as an algorithm of a project key. */
export function isAlgorithm(value: unknown): value is Algorithm {
  return ALGORITHMS.some((a) => a === value);
}
