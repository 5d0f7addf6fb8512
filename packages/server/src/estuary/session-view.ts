/** The JSON shape of a session in API responses. */
import type { Session, Subscription } from "./session-store.js";

/** A session as the API shows it. */
export interface SessionView {
  readonly estuaryId: string;
  readonly project: string;
  /** The session stream's path: read it with catch-up, long-poll or SSE. */
  readonly stream: string;
  readonly owner: string;
  readonly createdAt: string;
  readonly ttlSeconds: number;
  readonly expiresAt: string;
  readonly subscriptions: readonly { readonly stream: string; readonly subscribedAt: string }[];
}

/** Builds the view of a session. */
export function viewOf(s: Session, subs: readonly Subscription[]): SessionView {
  return {
    estuaryId: s.estuaryId,
    project: s.project,
    stream: `/v1/stream/${s.project}/${s.estuaryId}`,
    owner: s.owner,
    createdAt: new Date(s.createdAt).toISOString(),
    ttlSeconds: s.ttlSeconds,
    expiresAt: new Date(s.expiresAt).toISOString(),
    subscriptions: subs.map((x) => ({ stream: x.stream, subscribedAt: new Date(x.createdAt).toISOString() })),
  };
}
