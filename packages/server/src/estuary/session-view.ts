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
  readonly subscriptions: readonly SubscriptionView[];
}

/** One subscription as the API shows it. */
export interface SubscriptionView {
  readonly stream: string;
  readonly subscribedAt: string;
  /** Present while the source has parked it (docs/estuary.md): `fromOffset` is the first message it missed. */
  readonly parked?: { readonly at: string; readonly fromOffset: string | null };
  /** After a resume: the source range `[from, to)` it did not receive; read it from the source. */
  readonly missed?: { readonly from: string | null; readonly to: string };
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
    subscriptions: subs.map((x) => ({
      stream: x.stream,
      subscribedAt: new Date(x.createdAt).toISOString(),
      ...(x.parkedAt > 0 ? { parked: { at: new Date(x.parkedAt).toISOString(), fromOffset: x.parkedOffset } } : {}),
      ...(x.missed ? { missed: x.missed } : {}),
    })),
  };
}
