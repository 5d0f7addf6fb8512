/**
 * An append's body is committed only if it arrived whole. The Durable Object
 * reads the entire body before its transaction, so a body stream that errors
 * changes nothing; this guard makes every incomplete body error, and
 * remembers why, so the edge answers 400 instead of a 500.
 *
 * What counts as incomplete (docs/server.md, "Interrupted uploads"):
 * - the runtime fails the read (workerd raises "Network connection lost" when
 *   a chunked body ends without its terminating chunk, or a connection drops);
 * - fewer or more bytes than a declared Content-Length;
 * - the request's abort signal fired (the `enable_request_signal` flag) by
 *   the time the body ended.
 * Not detectable: a proxy in front that ends the body cleanly when its client
 * vanishes — wrangler dev's own proxy does this for chunked bodies.
 */
import { withTimeout } from "../estuary/bounded.js";
import { DRAIN_MAX_MS, drainReader } from "./drain.js";

/** Why a body was incomplete: the same words from the guard and from readWhole. */
const INCOMPLETE = {
  readFailed: (e: unknown) => `The body could not be read to its end (${String(e)})`,
  clientGone: "The client went away before the body ended",
  short: (size: number, declared: number) => `Body ended after ${size} of ${declared} declared bytes`,
  long: "Body is longer than its Content-Length",
};

/** A request body wrapped so that an incomplete upload errors instead of ending. */
export interface GuardedBody {
  readonly body: ReadableStream<Uint8Array> | null;
  /** Why the body was incomplete, once it was; null while it looks whole. */
  problem(): string | null;
  /**
   * Called once the call that read the body has returned: reads and discards
   * what the callee left unread (bounded, drain.ts), so the client gets to
   * send its whole body and then reads the answer. A body left half-read, or
   * cancelled, resets the connection instead: the client (and wrangler dev's
   * proxy in front of the Worker) then sees a network error, not the 4xx.
   */
  release(): Promise<void>;
}

/**
 * Wraps `req`'s body; `declared` is its Content-Length (null when chunked).
 * `releaseMs` bounds release as a whole: the wait for a read in flight plus
 * the drain after it.
 */
export function guardBody(req: Request, declared: number | null, releaseMs = DRAIN_MAX_MS): GuardedBody {
  let problem: string | null = null;
  const source = req.body;
  if (source === null) return { body: null, problem: () => problem, release: async () => {} };
  // The guard holds the only reader of the request body and reads from it
  // only when the callee pulls, so after the call no read of it is left in
  // flight except one the callee asked for: release waits for that one, then
  // drains the rest through the same reader.
  const reader = source.getReader();
  let size = 0;
  let ended = false;
  let released = false;
  let inFlight: Promise<unknown> | null = null;
  const fail = (why: string, controller: ReadableStreamDefaultController<Uint8Array>) => {
    problem ??= why;
    controller.error(new Error(why));
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (released) return controller.error(new Error("The request body was released"));
        const read = reader.read();
        inFlight = read;
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await read;
        } catch (e) {
          ended = true;
          return fail(INCOMPLETE.readFailed(e), controller);
        } finally {
          inFlight = null;
        }
        if (r.done) {
          ended = true;
          if (req.signal?.aborted) return fail(INCOMPLETE.clientGone, controller);
          if (declared !== null && size !== declared) {
            return fail(INCOMPLETE.short(size, declared), controller);
          }
          return controller.close();
        }
        size += r.value.byteLength;
        if (declared !== null && size > declared) return fail(INCOMPLETE.long, controller);
        // (A chunk read for a callee that has returned since is dropped: the rest is being drained.)
        if (!released) controller.enqueue(r.value);
      },
      // The callee stopped reading: what is left stays in the reader for release to drain.
      cancel() {},
    },
    { highWaterMark: 0 },
  );
  const release = async () => {
    if (released) return;
    released = true;
    if (ended) return;
    const started = Date.now();
    // A read in flight is waited for within the same bound; past it (a client
    // that stopped sending mid-body) the rest is cancelled: the client loses its
    // connection, not the Worker its time.
    try {
      await withTimeout(inFlight?.catch(() => {}) ?? Promise.resolve(), releaseMs, "The body read");
    } catch {
      reader.cancel().catch(() => {});
      return;
    }
    await drainReader(reader, undefined, Math.max(0, releaseMs - (Date.now() - started)));
  };
  return { body, problem: () => problem, release };
}

/**
 * Reads a small body of declared length at once, for a call that carries it
 * as bytes (edge/stream-routes.ts), with the guard's checks: a failed read, a
 * length other than the declared one, or a client gone by the end is a
 * problem (nothing is sent on).
 */
export async function readWhole(req: Request, declared: number): Promise<{ bytes: Uint8Array } | { problem: string }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await req.arrayBuffer());
  } catch (e) {
    return { problem: INCOMPLETE.readFailed(e) };
  }
  if (req.signal?.aborted) return { problem: INCOMPLETE.clientGone };
  if (bytes.byteLength > declared) return { problem: INCOMPLETE.long };
  if (bytes.byteLength < declared) return { problem: INCOMPLETE.short(bytes.byteLength, declared) };
  return { bytes };
}

/**
 * True when the request has no body bytes, without consuming any: a declared
 * length of 0, no body, or a chunked body whose first read ends it. The
 * returned request carries the (re-assembled) body on.
 */
export async function peekEmpty(req: Request): Promise<{ empty: boolean; req: Request }> {
  const declared = req.headers.get("content-length");
  if (req.body === null || declared?.trim() === "0") return { empty: true, req };
  if (declared !== null) return { empty: false, req };
  const reader = req.body.getReader();
  let first = await reader.read();
  while (!first.done && first.value.byteLength === 0) first = await reader.read();
  if (first.done) return { empty: true, req: withBody(req, null) };
  // (A caller that refuses a non-empty body leaves it to the drain (drain.ts), which reads the rest through `rest`.)
  const head = first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { empty: false, req: withBody(req, rest) };
}

/** A copy of a (read) request with another body; its abort signal carries over. */
function withBody(req: Request, body: ReadableStream<Uint8Array> | null): Request {
  const init = { method: req.method, headers: req.headers, body, signal: req.signal, duplex: "half" };
  return new Request(req.url, init as RequestInit);
}
