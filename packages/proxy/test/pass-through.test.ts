/**
 * What nginx forwards and returns, checked against a scriptable origin rather
 * than the Worker: raw URIs, every protocol header both ways, Location
 * rewriting, streamed request bodies, nginx's own JSON errors, the health
 * endpoint, and per-request DNS resolution of the origin.
 */
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakeDns } from "./support/dns-server.ts";
import { startOrigin, type EchoOrigin, type OriginHandler } from "./support/echo-origin.ts";
import { freePort } from "../../server/test/support/local-worker.ts";
import { startNginx, type RunningNginx } from "./support/nginx.ts";

/** Protocol request headers a client sends; each must reach the origin unchanged. */
const REQUEST_HEADERS = {
  authorization: "Bearer read-token",
  "if-none-match": '"s1:-1:0000000000000000_0000000000000005"',
  "cache-control": "no-cache",
  // EventSource resends its last SSE id when it reconnects (the server resumes from it).
  "last-event-id": "0000000000000000_0000000000000005:123456:a1b2c3d4",
  "stream-seq": "00042",
  "stream-ttl": "3600",
  "stream-closed": "true",
  "stream-forked-from": "/v1/stream/source",
  "producer-id": "writer-1",
  "producer-epoch": "3",
  "producer-seq": "7",
} as const;

/** Protocol response headers the origin sends; each must reach the client unchanged. */
const RESPONSE_HEADERS = {
  "stream-next-offset": "0000000000000000_0000000000000005",
  "stream-cursor": "123456",
  "stream-up-to-date": "true",
  "stream-closed": "true",
  "stream-sse-data-encoding": "base64",
  "producer-epoch": "3",
  "producer-seq": "7",
  "producer-expected-seq": "8",
  "producer-received-seq": "9",
  etag: '"s1:-1:0000000000000000_0000000000000005"',
  "cache-control": "public, max-age=0, s-maxage=60",
  vary: "authorization",
  "x-accel-buffering": "no",
} as const;

let origin: EchoOrigin;
let nginx: RunningNginx;
let handler: OriginHandler = (_req, res) => res.end();

beforeAll(async () => {
  origin = await startOrigin((req, res) => handler(req, res));
  nginx = await startNginx({ ORIGIN_HOST: origin.host, ORIGIN_SCHEME: "http" });
});

afterAll(async () => {
  await nginx?.stop();
  await origin?.close();
});

/** Makes `h` answer the next requests at the shared origin. */
function withOrigin(h: OriginHandler): void {
  handler = h;
}

describe("request forwarding", () => {
  test("the request URI reaches the origin byte for byte, encoded characters and query included", async () => {
    const target = "/v1/stream/a%2Fb%20c%25%E2%9C%93/..%2F?offset=-1&live=sse&x=%2B%26%3D&y=a+b&e=";
    let got: string | undefined;
    withOrigin((req, res) => {
      got = req.url;
      res.end();
    });
    const res = await fetch(`${nginx.url}${target}`);
    expect(res.status).toBe(200);
    expect(got).toBe(target);
  });

  test("protocol request headers pass through; Host names the origin", async () => {
    let got: IncomingMessage["headers"] = {};
    withOrigin((req, res) => {
      got = req.headers;
      res.end();
    });
    await fetch(`${nginx.url}/v1/stream/h`, {
      method: "POST",
      headers: REQUEST_HEADERS,
      body: "x",
    });
    for (const [name, value] of Object.entries(REQUEST_HEADERS))
      expect(got[name], name).toBe(value);
    expect(got.host).toBe(origin.host);
    expect(got["x-forwarded-for"]).toBe("127.0.0.1");
    expect(got["x-forwarded-host"]).toBe("127.0.0.1");
  });

  test("protocol response headers pass through; Location is rewritten to the proxy", async () => {
    withOrigin((req, res) => {
      res.writeHead(201, {
        ...RESPONSE_HEADERS,
        location: `http://${req.headers.host}/v1/stream/created?x=1`,
      });
      res.end();
    });
    const res = await fetch(`${nginx.url}/v1/stream/created`, { method: "PUT" });
    expect(res.status).toBe(201);
    for (const [name, value] of Object.entries(RESPONSE_HEADERS)) {
      expect(res.headers.get(name), name).toBe(value);
    }
    expect(res.headers.get("location")).toBe(`${nginx.url}/v1/stream/created?x=1`);
  });

  test("Location uses the client-facing scheme the CDN reports", async () => {
    withOrigin((req, res) => {
      res.writeHead(201, { location: `http://${req.headers.host}/v1/stream/s` }).end();
    });
    const res = await fetch(`${nginx.url}/v1/stream/s`, {
      method: "PUT",
      headers: { "x-forwarded-proto": "https" },
    });
    expect(res.headers.get("location")).toBe(`${nginx.url.replace("http:", "https:")}/v1/stream/s`);
  });

  test("304 Not Modified passes through with its ETag and no body", async () => {
    withOrigin((req, res) => {
      const etag = '"s1:a:b"';
      if (req.headers["if-none-match"] === etag) res.writeHead(304, { etag }).end();
      else res.writeHead(200, { etag }).end("data");
    });
    const res = await fetch(`${nginx.url}/v1/stream/e?offset=-1`, {
      headers: { "if-none-match": '"s1:a:b"' },
    });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe('"s1:a:b"');
    expect(await res.text()).toBe("");
  });
});

describe("streaming both ways", () => {
  test("a chunked request body streams to the origin before the client finishes sending it", async () => {
    let firstChunkSeen!: () => void;
    const firstChunk = new Promise<void>((ok) => (firstChunkSeen = ok));
    const info = { te: "", length: 0 };
    withOrigin((req, res) => {
      info.te = String(req.headers["transfer-encoding"]);
      req.on("data", (c: Buffer) => {
        info.length += c.length;
        firstChunkSeen();
      });
      req.on("end", () => res.writeHead(204).end());
    });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode("first"));
        // A buffering proxy would hold "first" until the body ends: this would time out.
        await withTimeout(
          firstChunk,
          5_000,
          "origin never saw the first chunk before the body ended",
        );
        controller.enqueue(new TextEncoder().encode("-second"));
        controller.close();
      },
    });
    const res = await fetch(`${nginx.url}/v1/stream/chunked`, {
      method: "POST",
      body,
      duplex: "half",
    });
    expect(res.status).toBe(204);
    expect(info).toEqual({ te: "chunked", length: "first-second".length });
  });

  test("response bytes reach the client while the origin is still sending", async () => {
    let release!: () => void;
    const released = new Promise<void>((ok) => (release = ok));
    withOrigin((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("event: control\ndata: {}\n\n");
      void released.then(() => res.end());
    });
    const res = await fetch(`${nginx.url}/v1/stream/sse?offset=-1&live=sse`);
    const reader = res.body!.getReader();
    const first = await withTimeout(reader.read(), 2_000, "first SSE bytes held back by the proxy");
    expect(new TextDecoder().decode(first.value)).toContain("event: control");
    release();
    await reader.cancel();
  });
});

describe("nginx's own endpoints and errors", () => {
  test("the health endpoint answers without contacting the origin", async () => {
    const before = origin.seen.length;
    const res = await fetch(`${nginx.url}/_proxy/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok\n");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(origin.seen.length).toBe(before);
  });

  test("an unreachable origin gets a JSON 502 that no cache keeps", async () => {
    const down = await startNginx({
      ORIGIN_HOST: `127.0.0.1:${await freePort()}`,
      ORIGIN_SCHEME: "http",
    });
    try {
      const res = await fetch(`${down.url}/v1/stream/x`);
      expect(res.status).toBe(502);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.json()).toMatchObject({ error: { code: "bad_gateway" } });
    } finally {
      await down.stop();
    }
  });
});

describe("per-request DNS resolution", () => {
  test("nginx follows the origin's address when its DNS answer changes", async () => {
    // Two origins on the same port at two loopback addresses, told apart by their answer.
    const a = await startOrigin((_req, res) => res.end("a"), "127.0.0.1");
    const b = await startOrigin((_req, res) => res.end("b"), "127.0.0.2", a.port);
    const dns = await startFakeDns("origin.test", "127.0.0.1");
    const proxy = await startNginx({
      ORIGIN_HOST: `origin.test:${a.port}`,
      ORIGIN_SCHEME: "http",
      RESOLVER: dns.address,
      RESOLVER_VALID: "1s",
    });
    try {
      const answer = async () => (await fetch(`${proxy.url}/v1/stream/d`)).text();
      for (let i = 0; i < 5; i++) expect(await answer()).toBe("a");
      dns.setAddress("127.0.0.2");
      // Each nginx worker caches the answer for RESOLVER_VALID (1 s); once that has
      // passed, every request must reach the new address. Bounded: 50 polls.
      let streak = 0;
      for (let i = 0; i < 50 && streak < 10; i++) {
        streak = (await answer()) === "b" ? streak + 1 : 0;
        if (streak === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(streak).toBe(10);
      expect(dns.queries()).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.stop();
      await dns.close();
      await b.close();
      await a.close();
    }
  });
});

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_ok, fail) => {
    timer = setTimeout(() => fail(new Error(message)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
