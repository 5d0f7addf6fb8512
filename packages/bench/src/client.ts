/**
 * A lean HTTP/1.1 client over node:http with one keep-alive agent. Node's fetch
 * adds ~0.5 ms of client-side work per request on this machine (measured), which
 * would blur sub-millisecond differences between servers; every workload except
 * the official-client one therefore uses this.
 */
import http from "node:http";

const agent = new http.Agent({
  keepAlive: true,
  maxSockets: Infinity,
  maxFreeSockets: 2048,
  scheduling: "lifo",
});

/** Request options. */
export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
}

/** A response whose body has not been read yet. */
export interface StreamingResponse {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: http.IncomingMessage;
}

/** A fully read response. */
export interface BufferedResponse {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: Buffer;
}

/** Sends a request and resolves when the response headers arrive. */
export function requestStream(url: string, opts: RequestOptions = {}): Promise<StreamingResponse> {
  return new Promise((ok, fail) => {
    const u = new URL(url);
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined) headers["content-length"] = Buffer.byteLength(opts.body);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? "GET",
        agent,
        headers,
        signal: opts.signal,
      },
      (res) => {
        const header = (name: string) => {
          const v = res.headers[name.toLowerCase()];
          return Array.isArray(v) ? v.join(", ") : v;
        };
        ok({ status: res.statusCode ?? 0, header, body: res });
      },
    );
    req.on("error", fail);
    req.end(opts.body);
  });
}

async function readAll(res: StreamingResponse): Promise<BufferedResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return { status: res.status, header: res.header, body: Buffer.concat(chunks) };
}

// wrangler dev's own proxy answers this when its connection to the Worker fails
// under a burst of new connections (seen with the no-op Worker too): an artefact
// of local dev, not of the server. Retried, counted, and reported per workload.
const PROXY_RESTART = "Your worker restarted mid-request";
let proxyRetries = 0;

/** How many requests were retried after wrangler dev's proxy 503 so far (process-wide). */
export function proxyRetryCount(): number {
  return proxyRetries;
}

/** Sends a request and reads the whole response body (latency includes any proxy retry). */
export async function request(url: string, opts: RequestOptions = {}): Promise<BufferedResponse> {
  for (let attempt = 0; ; attempt++) {
    const res = await readAll(await requestStream(url, opts));
    if (res.status !== 503 || attempt >= 3 || !res.body.toString("utf8").startsWith(PROXY_RESTART))
      return res;
    proxyRetries++;
  }
}
