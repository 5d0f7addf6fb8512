/**
 * Reading what is left of a refused request's body before answering.
 *
 * A request refused before its body is read (a declared Content-Length over
 * the limit, a bad header, a failed credential check) would otherwise be
 * answered while the client is still sending. The connection is then closed
 * with unread bytes in it, which resets it, and the client can lose the answer
 * (Node's fetch reports "other side closed" instead of the 413). Draining lets
 * the client finish and read the error. It is bounded in bytes and in time, so
 * a client cannot hold the Worker with an endless body: past either bound the
 * rest is cancelled and the answer goes out anyway.
 */

/** Most bytes read and discarded from one refused body. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
/** Longest a refused body is drained. */
export const DRAIN_MAX_MS = 5_000;

/** Reads and discards `req`'s unread body, up to `maxBytes` / `maxMs`; never throws. */
export async function drainUnread(req: Request, maxBytes = DRAIN_MAX_BYTES, maxMs = DRAIN_MAX_MS): Promise<number> {
  const body = req.body;
  // A body read in part (bodyUsed) but no longer locked still has a rest to drain.
  if (body === null || body.locked) return 0;
  return drainReader(body.getReader(), maxBytes, maxMs);
}

/** Reads and discards what is left in `reader`, up to `maxBytes` / `maxMs`, then lets go of it; never throws. */
export async function drainReader(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes = DRAIN_MAX_BYTES,
  maxMs = DRAIN_MAX_MS,
): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((ok) => (timer = setTimeout(() => ok("timeout"), maxMs)));
  let read = 0;
  let ended = false;
  try {
    while (read <= maxBytes) {
      const r = await Promise.race([reader.read(), timeout]);
      if (r === "timeout") break;
      if (r.done) {
        ended = true;
        break;
      }
      read += r.value.byteLength;
    }
  } catch {
    // The client broke off: nothing left to drain.
    ended = true;
  } finally {
    clearTimeout(timer);
    // Past a bound the rest is cancelled: the client loses its connection, not the Worker its time.
    if (!ended) reader.cancel().catch(() => {});
  }
  return read;
}
