/**
 * A long-poll that outlives nginx's defaults (proxy_read_timeout 60 s): its
 * own Worker waits up to 65 s, data appended after ~62 s must still arrive
 * through nginx as a 200. The one slow test of this package (~65 s).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../server/test/support/local-worker.ts";
import { startNginx, type RunningNginx } from "./support/nginx.ts";

/** nginx's default proxy_read_timeout, which this long-poll must outlast. */
const NGINX_DEFAULT_READ_TIMEOUT_MS = 60_000;
const APPEND_AFTER_MS = NGINX_DEFAULT_READ_TIMEOUT_MS + 2_000;

let worker: LocalWorker;
let nginx: RunningNginx;

beforeAll(async () => {
  worker = await startLocalWorker({ vars: { LONG_POLL_TIMEOUT_MS: "65000" } });
  nginx = await startNginx({ ORIGIN_HOST: `127.0.0.1:${worker.port}`, ORIGIN_SCHEME: "http" });
});

afterAll(async () => {
  await nginx?.stop();
  await worker?.stop();
});

test(
  "a long-poll answered after 62 s reaches the client through nginx",
  { timeout: 90_000 },
  async () => {
    const path = `/v1/stream/long-poll-${Date.now()}`;
    const created = await fetch(`${nginx.url}${path}`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
    });
    expect(created.status).toBe(201);
    const tail = created.headers.get("stream-next-offset")!;

    const started = performance.now();
    const poll = fetch(`${nginx.url}${path}?offset=${tail}&live=long-poll`);
    // Append straight at the Worker so only the waiting read crosses nginx.
    const append = new Promise<Response>((ok, fail) =>
      setTimeout(() => {
        fetch(`${worker.url}${path}`, {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "late",
        }).then(ok, fail);
      }, APPEND_AFTER_MS),
    );
    const [res, appended] = await Promise.all([poll, append]);
    const elapsed = performance.now() - started;
    expect(appended.status).toBe(204);
    expect(res.status, nginx.output()).toBe(200);
    expect(await res.text()).toBe("late");
    expect(elapsed).toBeGreaterThan(NGINX_DEFAULT_READ_TIMEOUT_MS);
    console.info(`long-poll via nginx answered after ${(elapsed / 1000).toFixed(1)} s`);
  },
);
