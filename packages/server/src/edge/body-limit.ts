/**
 * A project's own body limit (below the server's MAX_APPEND_BYTES). A
 * declared Content-Length is checked at once; a chunked body is read at the
 * edge up to the limit, because the Durable Object only knows the server-wide
 * limit and a stream that errors half-way would surface as a 500.
 */
import type { Context } from "hono";
import type { Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import type { ProjectConfig } from "../projects/config.js";

const tooLarge = (max: number) =>
  new HttpError(failure(413, "payload_too_large", `Body exceeds this project's ${max}-byte limit per request`));

/** Throws 413 when a PUT/POST body exceeds the project's limit. */
export async function limitBody(
  c: Context<{ Bindings: Env }>,
  project: ProjectConfig,
  serverMax: number,
): Promise<void> {
  if (c.req.method !== "POST" && c.req.method !== "PUT") return;
  const own = project.limits.maxAppendBytes;
  // The handler and the Durable Object already enforce the server's limit.
  if (own === 0 || own >= serverMax) return;
  const declared = c.req.header("content-length");
  if (declared !== undefined) {
    if (Number(declared) > own) throw tooLarge(own);
    return;
  }
  const body = c.req.raw.body;
  if (body === null) return;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      // The upload broke off (body-guard.ts): nothing has been stored.
      throw new HttpError(failure(400, "body_incomplete", "The body could not be read to its end; nothing was stored"));
    });
    if (done) break;
    size += value.byteLength;
    if (size > own) {
      // Not cancelled: the drain reads the rest, so the client gets to read its 413 (drain.ts).
      reader.releaseLock();
      throw tooLarge(own);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    bytes.set(ch, at);
    at += ch.byteLength;
  }
  c.req.raw = new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers, body: bytes });
}
