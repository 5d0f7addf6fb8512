/**
 * Waiting on a promise that another request started: the in-flight loads an
 * isolate shares between requests (a feed being opened, a stream's R2 head,
 * a segment's descriptor). In the Workers runtime such a promise settles
 * through the request that started it: when that request is cancelled (its
 * client went away) it can stay pending for everyone else, and a request that
 * awaits only another request's I/O is one the runtime may judge hung and end
 * with a 500 (seen under load: a long-poll arriving while another reader's
 * feed was still opening). A request that waits on it keeps a timer of its
 * own and, once it fires, does the work itself.
 */

/** How long a request waits on another request's load before doing its own. */
export const SHARED_WAIT_MS = 5_000;

/** What `awaitShared` returns when the other request's load did not settle in time. */
export const LATE: unique symbol = Symbol("late");

/** `p` (another request's), or LATE once `ms` passed. A rejection passes through. */
export async function awaitShared<T>(p: Promise<T>, ms = SHARED_WAIT_MS): Promise<T | typeof LATE> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof LATE>((r) => (timer = setTimeout(() => r(LATE), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
