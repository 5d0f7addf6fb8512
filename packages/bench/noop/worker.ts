/**
 * No-op Worker + no-op Durable Object used to measure what this machine's workerd
 * allows. `/worker/...` answers in the Worker; `/do/<anything>/<name>` makes the
 * same kind of call the real edge makes (an RPC carrying the request body as a
 * stream) to the Durable Object named after the last path segment (one object
 * per "stream", like StreamDO), which drains the body and returns at once.
 * `/do-write/<anything>/<name>` is the same call to an object that also stores
 * the body as one SQLite row before it answers: the floor of a durable append
 * (one row written, committed before the reply leaves the object).
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

  /** Drains the body and stores it as one row (a durable append's minimum), then returns. */
  async write(body: ReadableStream<Uint8Array> | null): Promise<{ ok: true }> {
    const data = body ? new Uint8Array(await new Response(body).arrayBuffer()) : new Uint8Array(0);
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS log (pos INTEGER PRIMARY KEY, data BLOB NOT NULL)");
    sql.exec("INSERT INTO log (data) VALUES (?)", data);
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
    if (url.pathname.startsWith("/do/") || url.pathname.startsWith("/do-write/")) {
      const name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1) || "default";
      const stub = env.NOOP.get(env.NOOP.idFromName(name));
      if (url.pathname.startsWith("/do/")) await stub.call(request.body);
      else await stub.write(request.body);
      return answer(request.method);
    }
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
