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

/** A request body wrapped so that an incomplete upload errors instead of ending. */
export interface GuardedBody {
  readonly body: ReadableStream<Uint8Array> | null;
  /** Why the body was incomplete, once it was; null while it looks whole. */
  problem(): string | null;
  /**
   * Detaches the guard from what is left of the body after the call that
   * read it returned, leaving the rest unlocked: the edge drains it when it
   * answers with an error (drain.ts), so the client reads the answer instead
   * of a reset connection (a body left locked and half-read also makes the
   * connection unusable for the next request).
   */
  release(): Promise<void>;
}

/** Longest `release` waits for the pipe to let go of the body. */
const RELEASE_WAIT_MS = 1_000;

/** Wraps `req`'s body; `declared` is its Content-Length (null when chunked). */
export function guardBody(req: Request, declared: number | null): GuardedBody {
  let problem: string | null = null;
  const source = req.body;
  if (source === null) return { body: null, problem: () => problem, release: async () => {} };
  const fail = (why: string, controller: TransformStreamDefaultController<Uint8Array>) => {
    problem ??= why;
    controller.error(new Error(why));
  };
  let size = 0;
  const guard = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (declared !== null && size > declared) return fail("Body is longer than its Content-Length", controller);
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (req.signal?.aborted) return fail("The client went away before the body ended", controller);
      if (declared !== null && size !== declared) {
        return fail(`Body ended after ${size} of ${declared} declared bytes`, controller);
      }
    },
  });
  const stop = new AbortController();
  let piped = false;
  // preventCancel: stopping the pipe leaves the rest of the body to be drained, not cancelled.
  const pipe = source
    .pipeTo(guard.writable, { signal: stop.signal, preventCancel: true })
    .then(() => (piped = true))
    .catch((e: unknown) => {
      if (!stop.signal.aborted) problem ??= `The body could not be read to its end (${String(e)})`;
    });
  const release = async () => {
    if (piped) return;
    stop.abort();
    // The source is unlocked once the pipe has settled, which needs the callee
    // to have let go of the guarded side; if it has not within a moment, the
    // rest stays locked and the runtime discards it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([pipe, new Promise((ok) => (timer = setTimeout(ok, RELEASE_WAIT_MS)))]);
    clearTimeout(timer);
  };
  return { body: guard.readable, problem: () => problem, release };
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
  // (A caller that rejects a non-empty body cancels it through the returned request's body.)
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
