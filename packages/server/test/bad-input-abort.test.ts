/**
 * Interrupted uploads change nothing. A client that drops a chunked POST
 * before its terminating chunk (or sends less than its Content-Length) must
 * get a 4xx and leave the stream as it was: no partial bytes, no
 * Stream-Closed. wrangler dev cannot show this: its dev proxy ends such a
 * body cleanly, so the Worker cannot tell it from a complete one
 * (docs/server.md, "Interrupted uploads"). This file therefore runs the built
 * Worker in workerd directly through Miniflare, where the runtime reports the
 * broken body as production does.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mintToken } from "../src/auth/mint.js";
import { TEST_VARS } from "./global-setup.js";
import { startMiniflareWorker, type MiniflareWorker } from "./support/miniflare-worker.js";

let worker: MiniflareWorker | undefined;
let base = "";

beforeAll(async () => {
  worker = await startMiniflareWorker();
  base = worker.url;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
});

/** Sends the head and `body` of a POST on a raw socket, then half-closes it; resolves with the status (0: none). */
function brokenPost(url: string, headers: string, body: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let got = "";
    const socket = connect(Number(u.port), u.hostname, () => {
      socket.write(
        `POST ${u.pathname} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: text/plain\r\n${headers}\r\n${body}`,
      );
      // Let the Worker start on the body, then leave without finishing it.
      setTimeout(() => socket.end(), 200);
    });
    socket.on("data", (d) => (got += d.toString("latin1")));
    socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.on("error", reject);
  });
}

async function state(url: string) {
  const head = await fetch(url, { method: "HEAD" });
  return {
    next: head.headers.get("stream-next-offset"),
    closed: head.headers.get("stream-closed"),
    body: await (await fetch(`${url}?offset=-1`)).text(),
  };
}

describe("interrupted uploads (workerd without the dev proxy)", () => {
  test("a chunked POST cut before its last chunk is a 4xx and stores nothing, Stream-Closed included", async () => {
    const url = `${base}/v1/stream/abort-chunked-${Date.now()}`;
    expect((await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(
      201,
    );
    const before = await state(url);
    const status = await brokenPost(url, "transfer-encoding: chunked\r\nstream-closed: true\r\n", "5\r\nhello\r\n");
    // The client is gone, but the Worker answered a 4xx rather than failing with a 500.
    expect(status).toBe(400);
    expect(await state(url)).toEqual(before);
    // The stream still takes a whole append.
    const ok = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "y" });
    expect(ok.status).toBe(204);
    expect((await state(url)).body).toBe("xy");
  });

  test("a body shorter than its Content-Length is a 4xx and stores nothing", async () => {
    const url = `${base}/v1/stream/abort-length-${Date.now()}`;
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
    const before = await state(url);
    const status = await brokenPost(url, "content-length: 100\r\nstream-closed: true\r\n", "hello");
    expect(status).toBe(400);
    expect(await state(url)).toEqual(before);
  });

  test("with a project's own body limit (read at the edge), a cut chunked POST is a 4xx and stores nothing", async () => {
    const name = `abort-${Date.now().toString(36)}`;
    const created = await fetch(`${base}/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name, limits: { maxAppendBytes: 1000 } }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: { kid: string; secret: string } };
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
    const status = await brokenPost(
      url,
      `authorization: Bearer ${token}\r\ntransfer-encoding: chunked\r\nstream-closed: true\r\n`,
      "5\r\nhello\r\n",
    );
    expect(status).toBe(400);
    const head = await fetch(url, { method: "HEAD", headers: auth });
    expect(head.headers.get("stream-next-offset")).toBe("0000000000000000_0000000000000000");
    expect(head.headers.get("stream-closed")).toBeNull();
  });
});
