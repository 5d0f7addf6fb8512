/**
 * Browsers as first-class clients, in real headless Chromium against a local
 * Worker, the page served from another origin: a plain EventSource resumes
 * exactly across server-side closes (SSE `id:` + `Last-Event-ID`) and stops
 * at a closed stream's end; the browser's HTTP cache never hides new data
 * from the official client; query tokens, CORS origins and base64 SSE work.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mintToken } from "../src/auth/mint.js";
import { TEST_VARS } from "./global-setup.js";
import {
  bundleOfficialClient,
  launchChromium,
  openPage,
  startPageServer,
  watchRequests,
  type PageServer,
  type TestBrowser,
} from "./support/browser.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";
import { openEventSource, seen, waitInPage, type PageWindow } from "./support/page-event-source.js";
import { bytesOf } from "./support/util.js";

/** The server ends every SSE connection this soon, so a test sees several reconnects. */
const CLOSE_AFTER_MS = 1_500;

let worker: LocalWorker;
let browser: TestBrowser;
let site: PageServer;
let otherSite: PageServer;
let names = 0;

beforeAll(async () => {
  const client = await bundleOfficialClient();
  // Each part is kept once it started, and all of them are waited for, so that
  // afterAll stops what did start when another part failed (e.g. no Chromium).
  const started = await Promise.allSettled([
    startLocalWorker({ vars: { ...TEST_VARS, SSE_CLOSE_AFTER_MS: String(CLOSE_AFTER_MS) } }).then((w) => (worker = w)),
    launchChromium().then((b) => (browser = b)),
    startPageServer(client).then((s) => (site = s)),
    startPageServer(client).then((s) => (otherSite = s)),
  ]);
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}, 90_000);

afterAll(async () => {
  await Promise.all([browser?.close(), site?.close(), otherSite?.close()]);
  await worker?.stop();
});

function url(prefix: string): string {
  names += 1;
  return `${worker.url}/v1/stream/${prefix}-${Date.now().toString(36)}-${names}`;
}

async function put(u: string, contentType: string, body?: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(u, { method: "PUT", headers: { "content-type": contentType, ...headers }, body });
  expect(res.status).toBe(201);
}

async function post(u: string, contentType: string, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(u, { method: "POST", headers: { "content-type": contentType, ...headers }, body });
  expect(res.status).toBe(204);
}

/** The page's globals, for the functions passed to `page.evaluate`. */
declare const window: PageWindow;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("browser: plain EventSource", () => {
  // These wait through reconnect delays, so they run side by side (four EventSources in all,
  // within HTTP/1.1's six connections per host).
  test.concurrent(
    "every message arrives exactly once across several server-side closes (JSON and text)",
    async ({ expect }) => {
      const page = await openPage(browser, site.origin);
      const jsonUrl = url("br-es-json");
      const textUrl = url("br-es-text");
      await put(jsonUrl, "application/json", JSON.stringify({ n: 0 }));
      await put(textUrl, "text/plain", "t0;");
      const jsonReqs = await watchRequests(page, jsonUrl);
      const textReqs = await watchRequests(page, textUrl);
      await openEventSource(page, "json", `${jsonUrl}?offset=-1&live=sse`, "json");
      await openEventSource(page, "text", `${textUrl}?offset=-1&live=sse`, "text");

      // Append through at least three server-side closes of each connection.
      const expectedItems: unknown[] = [{ n: 0 }];
      let expectedText = "t0;";
      for (let n = 1; jsonReqs.requests() < 4 || textReqs.requests() < 4 || n <= 30; n++) {
        await post(jsonUrl, "application/json", JSON.stringify({ n }));
        await post(textUrl, "text/plain", `t${n};`);
        expectedItems.push({ n });
        expectedText += `t${n};`;
        await sleep(100);
        if (n > 400) throw new Error("the EventSources did not reconnect three times");
      }
      await waitInPage(page, "json", `s.items.length >= ${expectedItems.length}`);
      await waitInPage(page, "text", `s.text.length >= ${expectedText.length}`);
      // One more reconnect after the last message: it must not repeat anything.
      const [j, t] = [jsonReqs.requests(), textReqs.requests()];
      await waitUntil(() => jsonReqs.requests() > j && textReqs.requests() > t, 15_000);
      await sleep(500);
      const json = await seen(page, "json");
      const text = await seen(page, "text");
      console.log(
        `EventSource over ${jsonReqs.requests()}/${textReqs.requests()} connections: ` +
          `JSON ${json.items.length} delivered of ${expectedItems.length} appended, ` +
          `text ${text.text.length} of ${expectedText.length} bytes`,
      );
      expect(json.items).toEqual(expectedItems);
      expect(text.text).toBe(expectedText);
      expect(jsonReqs.statuses().every((s) => s === 200)).toBe(true);
      await page.close();
    },
    60_000,
  );

  test.concurrent(
    "closed stream: data and the closed signal arrive once, then no reconnect for 10 s",
    async ({ expect }) => {
      const page = await openPage(browser, site.origin);
      const u = url("br-es-closed");
      await put(u, "application/json", JSON.stringify([{ a: 1 }, { a: 2 }]), { "stream-closed": "true" });
      const reqs = await watchRequests(page, u);
      await openEventSource(page, "closed", `${u}?offset=-1&live=sse`, "json");
      await waitInPage(page, "closed", "s.closedControls >= 1");
      // EventSource reconnects once after the server ends the response; the
      // server answers 204 at the closed tail, which stops it for good.
      await waitInPage(page, "closed", "s.state === EventSource.CLOSED", 10_000);
      const after = reqs.requests();
      await sleep(10_000);
      const s = await seen(page, "closed");
      expect(s.items).toEqual([{ a: 1 }, { a: 2 }]);
      expect(s.closedControls).toBe(1);
      expect(reqs.requests()).toBe(after);
      expect(reqs.statuses()).toEqual([200, 204]);
      await page.close();
    },
    40_000,
  );

  test.concurrent(
    "a query token that expires is refused at the next reconnect; the page renews it and misses nothing",
    async ({ expect }) => {
      const { project, key1, mint } = await privateProject();
      const writer = { authorization: `Bearer ${await mint(key1, "write")}` };
      const base = `${worker.url}/v1/stream/${project}/feed`;
      await put(base, "text/plain", "e0;", writer);
      const page = await openPage(browser, site.origin);
      await page.exposeFunction("freshToken", () => mint(key1, "read"));
      const reqs = await watchRequests(page, base);
      // Expired 25 s ago: still accepted for the 30 s of clock skew the server allows, so about 5 s more.
      const soon = await mint(key1, "read", 30, new Date(Date.now() - 55_000));
      await openEventSource(page, "expiring", `${base}?offset=-1&live=sse&token=${soon}`, "text", { base });
      let expected = "e0;";
      for (let n = 1; !reqs.statuses().includes(401) || n <= 20; n++) {
        await post(base, "text/plain", `e${n};`, writer);
        expected += `e${n};`;
        await sleep(150);
        if (n > 150) throw new Error("the expired token was never refused");
      }
      await waitInPage(page, "expiring", `s.text.length >= ${expected.length}`);
      await sleep(500);
      expect((await seen(page, "expiring")).text).toBe(expected);
      await page.close();
    },
    60_000,
  );

  test("binary stream: base64 data events decode to the exact bytes", async () => {
    const page = await openPage(browser, site.origin);
    const u = url("br-es-bin");
    const first = Uint8Array.from({ length: 256 }, (_, i) => i);
    const second = bytesOf(5_000, 9);
    await put(u, "application/octet-stream", first);
    await openEventSource(page, "bin", `${u}?offset=-1&live=sse`, "base64");
    await waitInPage(page, "bin", "s.bytes.length >= 256");
    await post(u, "application/octet-stream", second);
    await waitInPage(page, "bin", `s.bytes.length >= ${256 + second.length}`);
    const s = await seen(page, "bin");
    expect(Buffer.from(s.bytes).equals(Buffer.concat([first, second]))).toBe(true);
    await page.close();
  });
});

describe("browser: the official client bundled into the page", () => {
  test("create, append, idempotent producer; every catch-up read-back returns everything; live long-poll and SSE", async () => {
    const page = await openPage(browser, site.origin);
    const u = url("br-client");
    const reqs = await watchRequests(page, u);
    // Appends in rounds, each followed by a catch-up read-back of the whole stream.
    const rounds = await page.evaluate(async (u) => {
      const { DurableStream, stream } = window.DS;
      const handle = await DurableStream.create({ url: u, contentType: "application/json" });
      const out: { expected: number; got: number[] }[] = [];
      let n = 0;
      for (let round = 0; round < 6; round++) {
        for (let k = 0; k < 5; k++) await handle.append(JSON.stringify({ n: n++ }));
        const items = (await (await stream<{ n: number }>({ url: u, live: false })).json()) as { n: number }[];
        out.push({ expected: n, got: items.map((m) => m.n) });
      }
      // Nothing new: the browser revalidates its copy (If-None-Match → 304) and reuses it.
      const again = (await (await stream<{ n: number }>({ url: u, live: false })).json()) as { n: number }[];
      out.push({ expected: n, got: again.map((m) => m.n) });
      return out;
    }, u);
    for (const r of rounds) expect(r.got).toEqual(Array.from({ length: r.expected }, (_, i) => i));
    // Each read after the first was revalidated (If-None-Match), the last one answered 304.
    expect(reqs.conditional()).toBeGreaterThanOrEqual(6);
    expect(reqs.statuses()).toContain(304);

    // Idempotent producer: batches land once; a retried request is a duplicate, not a second copy.
    const produced = await page.evaluate(async (u) => {
      const { DurableStream, IdempotentProducer, stream } = window.DS;
      const handle = new DurableStream({ url: u, contentType: "application/json" });
      const producer = new IdempotentProducer(handle, "page-writer", { epoch: 0, lingerMs: 5 });
      for (let n = 30; n < 40; n++) producer.append(JSON.stringify({ n }));
      await producer.flush();
      await producer.detach();
      const retry = () =>
        fetch(u, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "producer-id": "raw",
            "producer-epoch": "0",
            "producer-seq": "0",
          },
          body: JSON.stringify({ n: 40 }),
        }).then((r) => r.status);
      const retries = [await retry(), await retry()];
      const items = (await (await stream<{ n: number }>({ url: u, live: false })).json()) as { n: number }[];
      return { retries, got: items.map((m) => m.n) };
    }, u);
    expect(produced).toEqual({ retries: [200, 204], got: Array.from({ length: 41 }, (_, i) => i) });

    // Live: long-poll and SSE subscriptions see the history, then each new append once.
    for (const mode of ["long-poll", "sse"] as const) {
      const got = await page.evaluate(
        async ({ u, mode }) => {
          const { DurableStream, stream } = window.DS;
          const handle = new DurableStream({ url: u, contentType: "application/json" });
          const wait = async (check: () => boolean, what: string) => {
            for (const end = Date.now() + 10_000; !check(); await new Promise((r) => setTimeout(r, 20))) {
              if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
            }
          };
          const have = ((await (await stream({ url: u, live: false })).json()) as unknown[]).length;
          const got: number[] = [];
          const ctl = new AbortController();
          const res = await stream<{ n: number }>({ url: u, live: mode, signal: ctl.signal });
          res.subscribeJson((batch) => {
            for (const m of batch.items) got.push(m.n);
          });
          await wait(() => got.length >= have, "history");
          for (let k = 0; k < 3; k++) {
            await handle.append(JSON.stringify({ n: have + k }));
            await wait(() => got.length >= have + k + 1, `live append ${k}`);
          }
          ctl.abort();
          return got;
        },
        { u, mode },
      );
      const total = mode === "long-poll" ? 44 : 47;
      expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
    }
    await page.close();
  }, 60_000);
});

interface Key {
  kid: string;
  secret: string;
}

const ADMIN = { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}`, "content-type": "application/json" };

/** A project that only the test page's origin may use from a browser, with two signing keys. */
async function privateProject() {
  const project = `br-private-${Date.now().toString(36)}-${++names}`;
  const created = await fetch(`${worker.url}/v1/projects`, {
    method: "POST",
    headers: ADMIN,
    body: JSON.stringify({ name: project, corsOrigins: [site.origin] }),
  });
  expect(created.status).toBe(201);
  const key1 = ((await created.json()) as { key: Key }).key;
  const added = await fetch(`${worker.url}/v1/projects/${project}/keys`, {
    method: "POST",
    headers: ADMIN,
    body: "{}",
  });
  expect(added.status).toBe(201);
  const key2 = ((await added.json()) as { key: Key }).key;
  const mint = (key: Key, scope: "read" | "write", ttlSeconds = 600, now?: Date) =>
    mintToken({
      project,
      kid: key.kid,
      key: { alg: "HS256", secret: key.secret },
      sub: "page",
      scope,
      ttlSeconds,
      now,
    });
  return { project, key1, key2, mint };
}

describe("browser: private project", () => {
  test("EventSource with ?token=, fetch with Authorization from the allowed origin; another origin is blocked; a revoked token is renewed without loss", async () => {
    const { project, key1, key2, mint } = await privateProject();
    const writer = { authorization: `Bearer ${await mint(key2, "write")}` };
    const base = `${worker.url}/v1/stream/${project}/room`;
    await put(base, "text/plain", "m0;", writer);

    const page = await openPage(browser, site.origin);
    await page.exposeFunction("freshToken", () => mint(key2, "read"));
    const read1 = await mint(key1, "read");
    const reqs = await watchRequests(page, base);
    await openEventSource(page, "private", `${base}?offset=-1&live=sse&token=${read1}`, "text", { base });
    const fetched = await page.evaluate(
      async ({ base, token }) => {
        const res = await fetch(`${base}?offset=-1`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: await res.text() };
      },
      { base, token: read1 },
    );
    expect(fetched).toEqual({ status: 200, body: "m0;" });

    const other = await openPage(browser, otherSite.origin);
    const blocked = await other.evaluate(
      async ({ base, token }) =>
        fetch(`${base}?offset=-1`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => `status ${r.status}`,
          (e: unknown) => `blocked: ${(e as Error).name}`,
        ),
      { base, token: read1 },
    );
    expect(blocked).toBe("blocked: TypeError");
    await openEventSource(other, "private", `${base}?offset=-1&live=sse&token=${read1}`, "text");

    // Revoke the page's token (remove its key) while it reads; the writer keeps going.
    let expected = "m0;";
    for (let n = 1; n <= 40; n++) {
      if (n === 10) {
        const removed = await fetch(`${worker.url}/v1/projects/${project}/keys/${key1.kid}`, {
          method: "DELETE",
          headers: ADMIN,
        });
        expect(removed.status).toBe(200);
      }
      await post(base, "text/plain", `m${n};`, writer);
      expected += `m${n};`;
      await sleep(100);
    }
    await waitInPage(page, "private", `s.text.length >= ${expected.length}`);
    await sleep(500);
    const s = await seen(page, "private");
    expect(s.text).toBe(expected);
    expect(reqs.statuses()).toContain(401);
    const o = await seen(other, "private");
    expect(o.text).toBe("");
    await Promise.all([page.close(), other.close()]);
  }, 60_000);
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(20);
  }
}
