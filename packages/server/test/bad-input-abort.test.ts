/**
 * Interrupted uploads change nothing, in the `wrangler dev` Worker the README
 * runs. A client that drops a chunked POST before its terminating chunk (or
 * sends less than its Content-Length) leaves the stream as it was: no partial
 * bytes, no Stream-Closed; if it is still listening it gets a 400.
 *
 * The cut requests go to the Worker's own runtime behind wrangler's dev proxy
 * (`directUrl`): the proxy, itself a Worker in workerd, forwards bodies with
 * fetch(), and when its client disconnects the runtime ends the forwarded
 * chunked body with a clean terminating chunk, so behind it a cut upload is
 * indistinguishable from a complete one (docs/server.md, "Interrupted
 * uploads"). Everything else in this file goes through the proxy.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mintToken } from "../src/auth/mint.js";
import { TEST_VARS } from "./global-setup.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";

let worker: LocalWorker | undefined;
let base = "";
let direct = "";

beforeAll(async () => {
  worker = await startLocalWorker({ direct: true, vars: TEST_VARS });
  base = worker.url;
  direct = worker.directUrl!;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
});

/**
 * Sends the head and `body` of a POST on a raw socket to the Worker's own
 * runtime, then leaves: `half` closes only the sending side (the client still
 * reads the answer), otherwise the socket is destroyed (the client is gone).
 * Resolves with the status (0: none).
 */
function brokenPost(path: string, headers: string, body: string, how: "half" | "gone"): Promise<number> {
  const u = new URL(direct);
  return new Promise((resolve, reject) => {
    let got = "";
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: text/plain\r\n${headers}\r\n${body}`);
      // Let the Worker start on the body, then leave without finishing it.
      setTimeout(() => (how === "half" ? socket.end() : socket.destroy()), 200);
    });
    socket.on("data", (d) => (got += d.toString("latin1")));
    socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.on("error", reject);
  });
}

async function state(url: string, headers: Record<string, string> = {}) {
  const head = await fetch(url, { method: "HEAD", headers });
  return {
    next: head.headers.get("stream-next-offset"),
    closed: head.headers.get("stream-closed"),
    body: await (await fetch(`${url}?offset=-1`, { headers })).text(),
  };
}

async function created(name: string): Promise<string> {
  const url = `${base}/v1/stream/${name}-${Date.now()}`;
  const res = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
  expect(res.status).toBe(201);
  return url;
}

const CHUNKED_CUT = ["transfer-encoding: chunked\r\nstream-closed: true\r\n", "5\r\nhello\r\n"] as const;

describe("interrupted uploads (wrangler dev)", () => {
  test("a chunked POST whose client disconnects mid-body stores nothing, Stream-Closed included", async () => {
    const url = await created("abort-gone");
    const before = await state(url);
    expect(await brokenPost(new URL(url).pathname, ...CHUNKED_CUT, "gone")).toBe(0);
    // The Worker has seen the broken body by now; nothing of it may appear, now or later.
    await new Promise((r) => setTimeout(r, 300));
    expect(await state(url)).toEqual(before);
    const ok = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "y" });
    expect(ok.status).toBe(204);
    expect(await state(url)).toMatchObject({ body: "xy", closed: null });
  });

  test("a chunked POST cut before its last chunk is a 400 to a client still listening, and stores nothing", async () => {
    const url = await created("abort-chunked");
    const before = await state(url);
    // The client is still there, and the Worker answered a 4xx rather than failing with a 500.
    expect(await brokenPost(new URL(url).pathname, ...CHUNKED_CUT, "half")).toBe(400);
    expect(await state(url)).toEqual(before);
    const ok = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "y" });
    expect(ok.status).toBe(204);
    expect((await state(url)).body).toBe("xy");
  });

  test("a body shorter than its Content-Length is a 400 and stores nothing", async () => {
    const url = await created("abort-length");
    const before = await state(url);
    const status = await brokenPost(
      new URL(url).pathname,
      "content-length: 100\r\nstream-closed: true\r\n",
      "hello",
      "half",
    );
    expect(status).toBe(400);
    expect(await state(url)).toEqual(before);
  });

  test("with a project's own body limit (read at the edge), a cut chunked POST stores nothing", async () => {
    const name = `abort-${Date.now().toString(36)}`;
    const made = await fetch(`${base}/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name, limits: { maxAppendBytes: 1000 } }),
    });
    expect(made.status).toBe(201);
    const { key } = (await made.json()) as { key: { kid: string; secret: string } };
    const token = await mintToken({
      project: name,
      kid: key.kid,
      key: { alg: "HS256", secret: key.secret },
      sub: "t",
      scope: "write",
      ttlSeconds: 600,
    });
    const auth = { authorization: `Bearer ${token}` };
    const url = `${base}/v1/stream/${name}/s`;
    expect((await fetch(url, { method: "PUT", headers: { ...auth, "content-type": "text/plain" } })).status).toBe(201);
    const before = await state(url, auth);
    for (const how of ["half", "gone"] as const) {
      const status = await brokenPost(
        new URL(url).pathname,
        `authorization: Bearer ${token}\r\n${CHUNKED_CUT[0]}`,
        CHUNKED_CUT[1],
        how,
      );
      expect(status).toBe(how === "half" ? 400 : 0);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await state(url, auth)).toEqual(before);
  });
});
