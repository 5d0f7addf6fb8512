/**
 * A local HTTP double of the Cloudflare API (loopback only) for running the
 * real wrangler against: `CLOUDFLARE_API_BASE_URL=<url>` sends every API call
 * here. It answers in the API's envelope, records what it received, and logs
 * routes it does not know (404 + `unknown`) so a test sees what wrangler
 * asked for that the double does not implement.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ASSET_UPLOAD_PATH, isAssetSession } from "./asset-routes.js";
import { routes, type Route } from "./routes.js";
import { newAccountState, type AccountState } from "./state.js";

/** One request the double received. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly query: string;
}

/** A scripted failure: the next `times` requests matching method and path fail with this API error. */
export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly code: number;
  readonly message: string;
  times: number;
}

/** An API error a handler throws; becomes `{success:false, errors:[{code,message}]}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a handler returns: the `result` and, for lists, `result_info`. */
export interface Answer {
  readonly result: unknown;
  readonly result_info?: Record<string, unknown>;
  /** A raw body instead of the envelope (KV values). */
  readonly raw?: string;
  readonly rawType?: string;
}

/** A parsed request as handlers see it. */
export interface ApiRequest {
  readonly method: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly state: AccountState;
}

/** The running double. */
export interface CloudflareApiDouble {
  /** Base URL for CLOUDFLARE_API_BASE_URL. */
  readonly url: string;
  /** The token it accepts (CLOUDFLARE_API_TOKEN). */
  readonly token: string;
  readonly state: AccountState;
  readonly received: Received[];
  /** Requests no route answered ("METHOD /path"). */
  readonly unknown: string[];
  readonly faults: Fault[];
  /** Requests received matching a method and a path pattern. */
  count(method: string, path: RegExp): number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.once("end", () => ok(Buffer.concat(parts)));
    req.once("error", fail);
  });
}

function match(route: Route, method: string, path: string): Record<string, string> | undefined {
  if (route.method !== method) return undefined;
  const want = route.path.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, w] of want.entries()) {
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(got[i]!);
    else if (w !== got[i]) return undefined;
  }
  return params;
}

const envelope = (success: boolean, rest: Record<string, unknown>) =>
  JSON.stringify({ success, errors: [], messages: [], ...rest });

/** Starts the double on 127.0.0.1 with a fresh account (`opts` shape it). */
export async function startCloudflareApi(
  opts: { token?: string; accountId?: string; subdomain?: string | null } = {},
): Promise<CloudflareApiDouble> {
  const token = opts.token ?? "test-token-0123456789";
  const state = newAccountState(opts.accountId ?? "0123456789abcdef0123456789abcdef", opts.subdomain);
  const received: Received[] = [];
  const unknown: string[] = [];
  const faults: Fault[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = url.pathname.replace(/^\/client\/v4/, "").replace(/\/+$/, "");
      const method = req.method ?? "GET";
      const body = await readBody(req);
      received.push({ method, path, query: url.search });
      const send = (status: number, text: string, type = "application/json") => {
        res.writeHead(status, { "content-type": type });
        res.end(text);
      };
      const fail = (e: ApiError) =>
        send(e.status, envelope(false, { errors: [{ code: e.code, message: e.message }], result: null }));
      // Asset uploads carry the upload session's JWT instead of the API token.
      const assetUpload = ASSET_UPLOAD_PATH.test(path) && isAssetSession(state, req.headers.authorization);
      if (req.headers.authorization !== `Bearer ${token}` && !assetUpload) {
        return fail(new ApiError(403, 10000, "Authentication error"));
      }
      const fault = faults.find((f) => f.times > 0 && f.method === method && f.path.test(path));
      if (fault) {
        fault.times -= 1;
        return fail(new ApiError(fault.status, fault.code, fault.message));
      }
      for (const route of routes) {
        const params = match(route, method, path);
        if (!params) continue;
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        try {
          const a = await route.handle({ method, params, query: url.searchParams, headers, body, state });
          if (a.raw !== undefined) return send(200, a.raw, a.rawType ?? "application/octet-stream");
          return send(
            200,
            envelope(true, { result: a.result, ...(a.result_info ? { result_info: a.result_info } : {}) }),
          );
        } catch (e) {
          if (e instanceof ApiError) return fail(e);
          return fail(new ApiError(500, 10013, `double: ${(e as Error).stack ?? String(e)}`));
        }
      }
      unknown.push(`${method} ${path}${url.search}`);
      return fail(new ApiError(404, 7003, `No route for that URI (double: ${method} ${path})`));
    })();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    token,
    state,
    received,
    unknown,
    faults,
    count: (m, p) => received.filter((r) => r.method === m && p.test(r.path)).length,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
