/**
 * Bad input gets a 4xx with a JSON error body and changes nothing; nothing a
 * client can send produces a 500.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { describe, expect, inject, test } from "vitest";
import { streamUrl } from "./support/util.js";

type Case = {
  name: string;
  path?: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  query?: string;
};

async function snapshot(url: string) {
  const head = await fetch(url, { method: "HEAD" });
  const body = head.status === 200 ? await (await fetch(`${url}?offset=-1`)).text() : "";
  return {
    status: head.status,
    next: head.headers.get("stream-next-offset"),
    closed: head.headers.get("stream-closed"),
    body,
  };
}

async function expectJsonError(res: Response, name: string) {
  if (res.status >= 500) {
    // Say which 5xx it was: the server's own JSON error or the dev proxy's page.
    const text = await res.text();
    expect.fail(`${name}: ${res.status} ${res.headers.get("content-type")} ${text.slice(0, 400)}`);
  }
  expect(res.status, name).toBeGreaterThanOrEqual(400);
  if (res.status === 304 || res.headers.get("content-length") === "0") return;
  const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, name).toBe("string");
  expect(typeof body.error?.message, name).toBe("string");
}

describe("bad input", () => {
  test("malformed requests on an existing JSON stream are rejected and change nothing", async () => {
    const url = streamUrl("bad-json");
    await fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: '[{"ok":1}]' });
    const before = await snapshot(url);
    const json = { "content-type": "application/json" };
    const cases: Case[] = [
      { name: "empty POST", method: "POST", headers: json },
      { name: "invalid JSON", method: "POST", headers: json, body: '{"a":' },
      { name: "empty array", method: "POST", headers: json, body: "[]" },
      { name: "no content type", method: "POST", body: '{"a":1}' },
      { name: "invalid content type", method: "POST", headers: { "content-type": "not a type" }, body: "{}" },
      { name: "other content type", method: "POST", headers: { "content-type": "text/plain" }, body: "x" },
      { name: "partial producer", method: "POST", headers: { ...json, "producer-id": "p" }, body: "{}" },
      {
        name: "bad epoch",
        method: "POST",
        headers: { ...json, "producer-id": "p", "producer-epoch": "x", "producer-seq": "0" },
        body: "{}",
      },
      {
        name: "huge seq",
        method: "POST",
        headers: { ...json, "producer-id": "p", "producer-epoch": "0", "producer-seq": "99999999999999999999" },
        body: "{}",
      },
      {
        name: "empty producer id",
        method: "POST",
        headers: { ...json, "producer-id": "", "producer-epoch": "0", "producer-seq": "0" },
        body: "{}",
      },
      { name: "empty Stream-Seq", method: "POST", headers: { ...json, "stream-seq": "" }, body: "{}" },
      { name: "garbage offset", method: "GET", query: "offset=abc" },
      { name: "offset with comma", method: "GET", query: "offset=0,1" },
      { name: "offset past tail", method: "GET", query: "offset=0000000000000000_0000000000999999" },
      { name: "offset mid-message", method: "GET", query: "offset=0000000000000000_0000000000000001" },
      { name: "unknown live mode", method: "GET", query: "offset=-1&live=websocket" },
      { name: "live without offset", method: "GET", query: "live=long-poll" },
      { name: "PUT different type", method: "PUT", headers: { "content-type": "text/plain" } },
      { name: "PUT bad TTL", method: "PUT", headers: { ...json, "stream-ttl": "1.5" } },
      {
        name: "PUT TTL and Expires-At",
        method: "PUT",
        headers: { ...json, "stream-ttl": "5", "stream-expires-at": "2030-01-01T00:00:00Z" },
      },
      { name: "PUT bad Expires-At", method: "PUT", headers: { ...json, "stream-expires-at": "tomorrow" } },
      { name: "fork offset without source", method: "PUT", headers: { ...json, "stream-fork-offset": "-1" } },
      { name: "PATCH", method: "PATCH", body: "x" },
    ];
    for (const c of cases) {
      const res = await fetch(`${url}${c.query ? `?${c.query}` : ""}`, {
        method: c.method,
        headers: c.headers,
        body: c.body,
      });
      await expectJsonError(res, c.name);
    }
    expect(await snapshot(url)).toEqual(before);
  });

  test("malformed paths and fork headers are 4xx", async () => {
    const base = `${inject("baseUrl")}/v1/stream`;
    // (`a/../b` forms are resolved by URL parsing before any request is sent.)
    const paths = [
      "%2e%2e/etc",
      "a%2F..%2Fb",
      "x%00y",
      "a%2Fb%2F",
      "__ds",
      "a//b",
      "%ZZ",
      "BadProject!/s",
      `${"x".repeat(300)}`,
    ];
    for (const p of paths) {
      const res = await fetch(`${base}/${p}`, { method: "PUT" });
      await expectJsonError(res, p);
    }
    const fork = streamUrl("bad-fork");
    const cases: Record<string, string>[] = [
      { "stream-forked-from": "/v1/stream/does-not-exist-anywhere" },
      { "stream-forked-from": "/elsewhere/x" },
      { "stream-forked-from": "http://other.example/v1/stream/x" },
      { "stream-forked-from": new URL(fork).pathname },
    ];
    for (const headers of cases)
      await expectJsonError(await fetch(fork, { method: "PUT", headers }), JSON.stringify(headers));
    expect((await fetch(fork, { method: "HEAD" })).status).toBe(404);
    await expectJsonError(await fetch(`${inject("baseUrl")}/nope`), "unknown route");
  });

  test("413 above the append limit, for declared and chunked bodies", async () => {
    const url = streamUrl("bad-big");
    await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const limit = inject("maxAppendBytes");
    for (const chunked of [false, true]) {
      const res = await uploadOnce(url, limit + 1, chunked);
      expect(res.status, `chunked=${chunked}`).toBe(413);
      expect(JSON.parse(res.body).error.code).toBe("payload_too_large");
    }
    expect((await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset")).toBe(
      "0000000000000000_0000000000000000",
    );
  });

  test("random headers and bodies never produce a 5xx", async () => {
    const url = streamUrl("bad-fuzz");
    await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
    const values = [
      "",
      "true",
      "-1",
      "0",
      "1e3",
      "now",
      "\u00e9",
      "0000000000000000_0000000000000000",
      "a,b",
      " ",
      "9".repeat(40),
    ];
    const names = [
      "stream-ttl",
      "stream-expires-at",
      "stream-seq",
      "stream-closed",
      "producer-id",
      "producer-epoch",
      "producer-seq",
      "stream-fork-offset",
      "stream-fork-sub-offset",
      "content-type",
      "if-none-match",
    ];
    const bodies = ["", "{", "[]", "[1,", "null", '"x"', "[[[]]]", "\u0000"];
    const methods = ["PUT", "POST", "GET", "HEAD", "DELETE"];
    let seed = 42;
    const pick = <T>(xs: T[]): T => xs[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % xs.length]!;
    for (let i = 0; i < 150; i++) {
      const method = pick(methods.slice(0, 4));
      const headers: Record<string, string> = {};
      for (let k = 0; k < 3; k++) headers[pick(names)] = pick(values);
      const init: RequestInit = { method, headers };
      if (method === "PUT" || method === "POST") init.body = pick(bodies);
      const q =
        method === "GET"
          ? `?offset=${encodeURIComponent(pick(values))}${pick(["", "&live=long-poll", "&live=sse"])}`
          : "";
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), 5_000);
      const res = await fetch(`${url}${q}`, { ...init, signal: ctl.signal }).catch(() => null);
      clearTimeout(timer);
      if (res) {
        expect(res.status, `${method} ${JSON.stringify(headers)} ${q}`).toBeLessThan(500);
        await res.body?.cancel();
      }
    }
  });
});

/**
 * POSTs `size` zero bytes on a connection of its own (declared length or
 * chunked) and destroys it after the response: the server answers before the
 * upload ends, and such a connection must not be reused.
 */
function uploadOnce(url: string, size: number, chunked: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    if (!chunked) headers["content-length"] = String(size);
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", (e) => (req.destroyed ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

/** Sends one raw HTTP/1.1 request (header values exactly as given) and returns the status. */
function rawRequest(url: string, method: string, headers: Record<string, string>, body = ""): Promise<number> {
  const u = new URL(url);
  // fetch() would trim the values (Fetch spec); workerd receives what is on the wire.
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => {
      const lines = Object.entries({ host: u.host, "content-length": String(Buffer.byteLength(body)), ...headers });
      socket.write(
        `${method} ${u.pathname}${u.search} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}\r\n`).join("")}connection: close\r\n\r\n${body}`,
      );
    });
    let got = "";
    // Only the status line matters: take it and hang up (the connection would otherwise linger).
    socket.on("data", (d) => {
      got += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m && got.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on("end", () => resolve(0));
    socket.on("error", reject);
  });
}

describe("header values and empty bodies", () => {
  test("Stream-Seq with trailing whitespace is the same value: no pass after itself", async () => {
    const url = streamUrl("bad-seq");
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    expect(await rawRequest(url, "POST", { "content-type": "text/plain", "stream-seq": "m5" }, "a")).toBe(204);
    expect(await rawRequest(url, "POST", { "content-type": "text/plain", "stream-seq": "m5 " }, "b")).toBe(409);
    expect(await rawRequest(url, "POST", { "content-type": "text/plain", "stream-seq": "  m5\t" }, "c")).toBe(409);
    expect(await rawRequest(url, "POST", { "content-type": "text/plain", "stream-seq": "m6 " }, "d")).toBe(204);
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("ad");
  });

  test("a close-only POST ignores an invalid Content-Type (PROTOCOL.md §5.2); with data it is still 400", async () => {
    for (const chunked of [false, true]) {
      const url = streamUrl("bad-close-ct");
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
      const bad = { "content-type": "not a type", "stream-closed": "true" };
      const withData = await fetch(url, { method: "POST", headers: bad, body: "y" });
      expect(withData.status).toBe(400);
      const body = chunked ? new ReadableStream<Uint8Array>({ start: (c) => c.close() }) : undefined;
      const res = await fetch(url, { method: "POST", headers: bad, body, duplex: "half" } as RequestInit);
      expect(res.status, `chunked=${chunked}`).toBe(204);
      expect(res.headers.get("stream-closed")).toBe("true");
      expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("x");
    }
  });
});
