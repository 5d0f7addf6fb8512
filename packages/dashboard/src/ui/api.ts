/** The browser's client of the dashboard Worker's /api (no token: the Worker's binding is the authority). */

/** An API failure with the server's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls one AdminApi method through the dashboard Worker. */
export async function rpc<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
  const res = await fetch(`/api/rpc/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ args }),
  });
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) throw new ApiError(res.status, body?.error?.code ?? "error", body?.error?.message ?? res.statusText);
  return body as T;
}

/** The SSE URL of a stream, proxied by the dashboard Worker. */
export function sseUrl(project: string, name: string, offset: string): string {
  const path = name.split("/").map(encodeURIComponent).join("/");
  return `/api/sse/${encodeURIComponent(project)}/${path}?offset=${encodeURIComponent(offset)}`;
}

/** A catalog entry as listed. */
export interface Entry {
  name: string;
  contentType: string;
  createdAt: number;
  lastAppendAt: number | null;
  bytes: number;
  messages: number;
  closed: boolean;
  ttlSeconds: number | null;
  expiresAt: number | null;
  forkOf: string | null;
  segments: number;
  subscribers: number;
  session: boolean;
}

/** A page of entries. */
export interface Page {
  streams: Entry[];
  cursor: string | null;
}

/** A metrics point. */
export type Point = Record<string, number | null> & { t: number };
