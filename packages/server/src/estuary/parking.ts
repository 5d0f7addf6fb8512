/**
 * Parking: a subscriber that keeps failing (5xx, 429, 507, timeouts) for
 * longer than ESTUARY_PARK_AFTER_MS, or lags more than ESTUARY_PARK_LAG_ROWS
 * outbox rows, is parked so that it no longer pins the source's outbox (and
 * its storage). The session is told (retried until it has heard) and shows
 * it; a refresh resumes delivery with the next message and records the gap.
 */
import type { StreamMeta } from "../do/meta.js";
import { withTimeout, type Budget } from "./bounded.js";
import type { FanoutHost } from "./fanout.js";
import { splitKey } from "./ids.js";

const PARKED_NOTICES_PER_DRAIN = 16;
const OFFSET_RE = /"offset":"([^"]*)"/;

/** Parks the subscribers past the limits; each keeps the source offset of the first message it misses. */
export function parkLaggards(host: FanoutHost, m: StreamMeta, now: number): void {
  const { parkAfterMs, parkLagRows } = host.limits;
  const outbox = host.outbox;
  const last = outbox.lastId();
  for (const s of outbox.pending()) {
    const failingTooLong = s.failingSince > 0 && now - s.failingSince > parkAfterMs;
    if (!failingTooLong && last - s.acked <= parkLagRows) continue;
    const first = outbox.rowsAfter(s.acked, 1, Infinity)[0];
    // The row's first envelope names the first message it misses (a JSON key, so never inside a string).
    const offset = first ? (OFFSET_RE.exec(first.body.slice(0, 4096))?.[1] ?? null) : null;
    const reason = failingTooLong ? "failing" : "lagging";
    outbox.park(s.session, now, offset, reason);
    console.error(
      JSON.stringify({ msg: "estuary subscriber parked", source: m.key, session: s.session, offset, reason }),
    );
  }
}

/** Tells parked sessions (a few per drain, one subrequest each) until each has heard. */
export async function noticeParked(host: FanoutHost, m: StreamMeta, budget: Budget): Promise<void> {
  const { name } = splitKey(m.key);
  for (const s of host.outbox.unnotified(PARKED_NOTICES_PER_DRAIN)) {
    if (!budget.take()) return;
    try {
      await withTimeout(
        host.notifyParked(s.session, name, { at: s.parkedAt, offset: s.parkedOffset }),
        host.limits.callTimeoutMs,
        "park notice",
      );
      host.outbox.markNotified(s.session, s.parkedAt);
    } catch (e) {
      console.error(JSON.stringify({ msg: "estuary: telling a session it is parked failed", error: String(e) }));
      host.armAlarm(Date.now() + 2_000);
      return;
    }
  }
}
