/**
 * Setup file of the workers tests: Node's fetch keeps idle connections for
 * 4 s by default, and `wrangler dev` closes them after 5 s without a
 * `Keep-Alive` hint (measured: the dev server ends an idle keep-alive
 * connection 5.0 s after its last response). Under load the client's timer
 * fires late, so a request can go out on a connection the server is closing
 * and fail with "other side closed" (UND_ERR_SOCKET) although the server did
 * nothing wrong. A client that lets idle connections go well before the
 * server does never races it; the conformance suite uses the global fetch,
 * so the dispatcher is set globally. (Node's fetch reads the global
 * dispatcher of the undici version it bundles, hence the pinned 6.x.)
 */
import { Agent, setGlobalDispatcher } from "undici";

/** Longest a test client keeps an idle connection: well under the dev server's 5 s. */
export const CLIENT_IDLE_MS = 1_500;

setGlobalDispatcher(new Agent({ keepAliveTimeout: CLIENT_IDLE_MS, keepAliveMaxTimeout: CLIENT_IDLE_MS }));

/**
 * A test that blocks the event loop for seconds (the conformance suite checks
 * 100 KiB byte by byte with `expect`) keeps the client from noticing that the
 * server closed an idle connection meanwhile: its idle timer cannot fire and
 * the close is still unread, so the next request goes out on the dead socket
 * ("other side closed", EPIPE). When the loop was blocked (a heartbeat came
 * late), timers and pending I/O run before the next request, which drops such
 * sockets first. (Under load that loop took over 5 s.)
 */
const HEARTBEAT_MS = 100;
let lastBeat = Date.now();
setInterval(() => (lastBeat = Date.now()), HEARTBEAT_MS).unref();
const fetchOnLiveSockets = globalThis.fetch;
const fetchLive: typeof fetch = async (input, init) => {
  if (Date.now() - lastBeat > 3 * HEARTBEAT_MS) {
    await new Promise((ok) => setTimeout(ok, 0));
    await new Promise((ok) => setImmediate(ok));
  }
  return fetchOnLiveSockets(input, init);
};

/**
 * The same race one hop further: wrangler dev's proxy (a second workerd) keeps connections to
 * the Worker's runtime, which closes them after 5 s idle. When the proxy reuses one as it
 * closes (the machine is loaded, or the runtime's one thread is busy: a 1,000-session fan-out),
 * the request is lost before the Worker reads it. The proxy resends GET and HEAD itself and
 * answers anything else with this 503 (wording from wrangler 4.86: no restart took place). Our
 * server never sends this text. Such a request, when its body can be sent again, is sent once
 * more and logged; a test whose POST must not be repeated blindly publishes as an idempotent
 * producer (support/estuary.ts `publishOnce`).
 */
const DEV_PROXY_LOST = "Your worker restarted mid-request";

/** A body that can be sent twice (not a stream, not a Request whose body is read). */
function resendable(input: Parameters<typeof fetch>[0], init?: RequestInit): boolean {
  if (input instanceof Request) return false;
  const b = init?.body;
  return b == null || typeof b === "string" || b instanceof Uint8Array || b instanceof ArrayBuffer;
}

globalThis.fetch = async (input, init) => {
  const res = await fetchLive(input, init);
  if (res.status !== 503 || !resendable(input, init)) return res;
  const text = await res.clone().text();
  if (!text.startsWith(DEV_PROXY_LOST)) return res;
  console.warn(`wrangler dev's proxy lost ${init?.method ?? "GET"} ${String(input)}; sent again`);
  return fetchLive(input, init);
};
