/**
 * No-op Worker + no-op Durable Object used to measure what this machine's workerd
 * allows. `/worker/...` answers in the Worker; `/do/<anything>/<name>` makes the
 * same kind of call the real edge makes (an RPC carrying the request body as a
 * stream) to the Durable Object named after the last path segment (one object
 * per "stream", like StreamDO), which drains the body and returns at once.
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  NOOP: DurableObjectNamespace<NoopDO>;
}

const OFFSET = "0000000000000000_0000000000000000";

function answer(method: string): Response {
  const status = method === "PUT" ? 201 : method === "POST" ? 204 : 200;
  return new Response(null, { status, headers: { "Stream-Next-Offset": OFFSET } });
}

/** A Durable Object that only drains what it is sent. */
export class NoopDO extends DurableObject<Env> {
  /** Drains the body (so a 100-byte append moves the same bytes) and returns. */
  async call(body: ReadableStream<Uint8Array> | null): Promise<{ ok: true }> {
    if (body) await new Response(body).arrayBuffer();
    return { ok: true };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname.startsWith("/worker/")) {
      if (request.body) await request.arrayBuffer();
      return answer(request.method);
    }
    if (url.pathname.startsWith("/do/")) {
      const name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1) || "default";
      await env.NOOP.get(env.NOOP.idFromName(name)).call(request.body);
      return answer(request.method);
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
