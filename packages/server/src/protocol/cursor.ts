/**
 * Server cursors for CDN collapsing (PROTOCOL.md §10.1): the number of
 * 20-second intervals since 2024-10-09T00:00:00Z, moved strictly past a
 * client's cursor (with 1–3600 s of jitter) so cached responses never cycle.
 */
export const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
export const CURSOR_INTERVAL_MS = 20_000;
const MAX_JITTER_S = 3600;

/** The cursor to return for a live response, given the client's `cursor` parameter. */
export function nextCursor(
  clientCursor: string | null,
  nowMs: number = Date.now(),
  random: () => number = Math.random,
): string {
  const current = Math.floor((nowMs - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
  const client = clientCursor !== null && /^\d{1,15}$/.test(clientCursor) ? Number(clientCursor) : -1;
  if (client < current) return String(current);
  const jitterSeconds = 1 + Math.floor(random() * MAX_JITTER_S);
  const jitterIntervals = Math.max(1, Math.ceil((jitterSeconds * 1000) / CURSOR_INTERVAL_MS));
  return String(client + jitterIntervals);
}
